"""CSV exports: every formula-like cell is neutralised, demo data is said on every row."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from cxmetrics.export import DEMO_NOTE, file_name, safe_cell, safe_csv


@pytest.mark.parametrize(
    "cell",
    [
        " =1+1",  # spreadsheets trim leading spaces and then run the formula
        "  +1",
        "\u00a0-1+2",  # a no-break space first
        "\u3000@SUM(A1)",  # an ideographic space first
        "\n=1+1",
        "\uff1d1+1",  # full-width ＝
        "\uff0b1",  # ＋
        "\uff0d1",  # －
        "\uff20SUM(A1)",  # ＠
        " \uff1dcmd",
        "\tx",
        "\rx",
        " -5",  # not a clean number: the spaces make it text
        "\uff0d5",  # full-width minus is no number to a spreadsheet parser either
    ],
)
def test_formula_after_whitespace_or_full_width_is_prefixed(cell):
    assert safe_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["-5", "+3.5", "-1e3", "fine", "a=b", "x -1", "５"])
def test_numbers_and_plain_text_are_left_alone(cell):
    assert safe_cell(cell) == cell


def test_safe_csv_prefixes_whitespace_and_full_width_formulas_in_every_text_cell():
    frame = pd.DataFrame({"Team": [" =1+1", "\uff1d2+2", "Care"], "n": [1, 2, 3]})
    rows = list(csv.reader(io.StringIO(safe_csv(frame).decode("utf-8-sig"))))
    assert rows == [["Team", "n"], ["' =1+1", "1"], ["'\uff1d2+2", "2"], ["Care", "3"]]


def test_demo_exports_say_so_on_every_row_and_in_the_file_name():
    frame = pd.DataFrame({"Team": ["Care", "=1+1"], "n": [1, 2]})
    rows = list(csv.reader(io.StringIO(safe_csv(frame, demo=True).decode("utf-8-sig"))))
    assert rows[0] == ["Note", "Team", "n"]
    assert [row[0] for row in rows[1:]] == [DEMO_NOTE, DEMO_NOTE]
    assert "demo data" in DEMO_NOTE
    assert rows[2][1] == "'=1+1"
    plain = list(csv.reader(io.StringIO(safe_csv(frame).decode("utf-8-sig"))))
    assert plain[0] == ["Team", "n"]
    assert file_name("agents-T01-2026-W46", demo=True) == "demo-data-agents-T01-2026-W46.csv"
    assert file_name("agents-T01-2026-W46") == "agents-T01-2026-W46.csv"


def test_file_names_keep_only_safe_characters_of_the_ids_in_them():
    assert file_name("agents-../../x y-2026-W46") == "agents-x-y-2026-W46.csv"
    assert file_name("![t](http://h/p.png)") == "t-http-h-p.png.csv"
    assert file_name("") == "table.csv"
