"""`cxmetrics explain` and `cxmetrics deck` on the hand-worked fixture and the shares
fixture of test_story_explain.py (the arithmetic is there)."""

from __future__ import annotations

import json

import pytest
from pptx import Presentation

from cxmetrics.cli import main
from cxmetrics.store import open_store
from tests.fixtures.known_answer import insert_directly
from tests.test_story_explain import GROUPS, TEAMS, _survey_rows

approx = pytest.approx


@pytest.fixture
def known_db(tmp_path):
    url = f"duckdb:///{tmp_path / 'known.duckdb'}"
    store = open_store(url)
    insert_directly(store)
    store.close()
    return ["--db", url]


@pytest.fixture
def shares_db(tmp_path):
    from tests.fixtures.known_answer import SURVEY_COLUMNS, insert_rows

    url = f"duckdb:///{tmp_path / 'shares.duckdb'}"
    store = open_store(url)
    insert_rows(
        store,
        {
            "teams": (["team_id", "name", "supervisor", "function"], TEAMS),
            "survey_responses": (SURVEY_COLUMNS, _survey_rows(GROUPS)),
        },
    )
    store.close()
    return ["--db", url]


def test_explain_json_is_the_issue_shape_and_adds_up(shares_db, capsys):
    assert main([*shares_db, "explain", "--period", "2026-W45", "--metric", "nps", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["metric"], out["period"], out["previous_period"]) == ("nps", "2026-W45", "2026-W44")
    # -12 -> +25: rate 28, mix 9
    assert (out["value"], out["previous"], out["delta"]) == (25.0, -12.0, 37.0)
    assert (out["rate_effect"], out["mix_effect"]) == (28.0, 9.0)
    by_team = {p["team_id"]: p for p in out["parts"]}
    assert by_team["TB"] == {
        "team_id": "TB", "team_name": "Team B", "weight": 0.5, "previous_weight": 0.4,
        "value": 0.0, "previous_value": -20.0, "rate_effect": 10.0, "mix_effect": -0.8,
    }  # fmt: skip
    assert by_team[None]["team_name"] == "No team" and by_team[None]["rate_effect"] == 5.6


def test_explain_for_humans_names_rate_mix_and_the_caveat(shares_db, capsys):
    assert main([*shares_db, "explain", "--period", "2026-W45", "--metric", "csat"]) == 0
    out = capsys.readouterr().out
    assert "Customer satisfaction: 2026-W45 vs 2026-W44 (organisation, by team)" in out
    assert "48.0 % -> 65.0 %: +17.0 points" in out
    assert "rate (scoring differently)  +13.0 points" in out
    assert "mix (shares of answers)     +4.0 points" in out
    assert "they are not tests" in out


def test_explain_within_a_team_by_agent(known_db, capsys):
    args = ["explain", "--period", "2026-W45", "--metric", "csat", "--team", "T1", "--json"]
    assert main([*known_db, *args]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["team"] == "T1" and out["delta"] == -25.0
    assert {p["agent_id"]: p["rate_effect"] for p in out["parts"]} == {"A1": -12.5, "A2": -12.5}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["explain", "--metric", "aht"], "metric `aht` cannot be split into rate and mix: use nps"),
        (["explain", "--team", "NOPE"], "team `NOPE` is not in the roster; teams: T1, T2, T3"),
        (["explain", "--period", "garbage"], "period `garbage` is not understood"),
        (["deck", "--out", "deck.txt"], "`deck.txt` does not end in .pptx"),
        (["deck", "--out", "missing/deck.pptx"], "its folder does not exist"),
        (["deck", "--team", "NOPE", "--out", "x.pptx"], "team `NOPE` is not in the roster"),
        (
            ["deck", "--period", "2019-W01", "--out", "x.pptx"],
            "No data for 2019-W01 — data runs from 27 Oct 2026 to 13 Nov 2026",
        ),
    ],
)
def test_bad_input_is_one_line_exit_2(known_db, capsys, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    assert main([*known_db, *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert str(tmp_path) not in err


def test_deck_writes_the_file_and_says_how_many_slides(known_db, capsys, tmp_path):
    out = tmp_path / "w45.pptx"
    assert main([*known_db, "deck", "--period", "2026-W45", "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert said == "wrote `w45.pptx`: 5 slides for 2026-W45\n"
    assert len(Presentation(out).slides) == 5
