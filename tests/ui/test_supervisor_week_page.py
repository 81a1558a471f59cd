"""The supervisor's week on the Team page (AppTest) with the hand-made Billing team
(tests/fixtures/coaching.py; every interval is worked out in tests/test_coaching.py): the
two lists, the too-few note with the month offered, and the agent table's cells coloured
and iconed by status against each agent's target, small n greyed."""

from __future__ import annotations

import re

import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from cxmetrics.recognition import mark_thanked
from cxmetrics.store import open_store
from tests.fixtures.coaching import WEEK, insert_billing_week
from tests.ui.conftest import APP

GREEN, RED = "rgba(0, 158, 115, 0.16)", "rgba(213, 94, 0, 0.2"


@pytest.fixture
def billing_db(app_db):
    store = open_store(app_db)
    insert_billing_week(store)
    mark_thanked(store, "s-b1-0", "B1", thanked_by="Sam Supervisor")
    store.close()
    return app_db


def open_team(period: str = WEEK) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=90)
    at.query_params["team"] = "TB"
    at.query_params["period"] = period
    at.run()
    at.switch_page("views/team.py").run()
    assert not at.exception, at.exception
    return at


def block(at: AppTest, key: str):
    """The keyed container `key` (its elements iterate in page order)."""

    def walk(node):
        for child in getattr(node, "children", {}).values():
            if str(getattr(getattr(child, "proto", None), "id", "")).endswith(f"-{key}"):
                return child
            found = walk(child)
            if found is not None:
                return found
        return None

    found = walk(at.main)
    assert found is not None, f"no container {key}"
    return found


def listed(at: AppTest, key: str) -> list[tuple[str, str, list[str]]]:
    """(name, link query, caption lines) per agent of a list, in order."""
    out = []
    for element in block(at, key):
        if element.type == "page_link":
            out.append((element.proto.label, element.proto.query_string, []))
        elif element.type == "caption" and out:
            out[-1][2].append(element.value.replace("\\", "").replace("\u2060", ""))
    return out


def test_worth_a_conversation_and_a_thank_you_on_the_team_page(billing_db):
    at = open_team()
    talk = listed(at, "week-conversation")
    # Bea: 15 of 40 transferred, 95 % 24.2 %–53.0 % all above 10 %; Cal: conformance
    # 83.3 % (81.9 %–84.8 %), wholly below 100 % − 5 (worked out in tests/test_coaching.py)
    assert [(name, query) for name, query, _ in talk] == [
        ("Bea Burns", "agent=B1&period=2026-W45"),
        ("Cal Cole", "agent=B2&period=2026-W45"),
    ]
    assert talk[0][2] == ["Transfers 37.5 % (95 %: 24.2 %–53.0 %, n 40), target 10.0 %"]
    assert talk[1][2][0].startswith("Conformance 83.3 % (95 %: 81.9 %–84.8 %, n 5)")
    # Dee (6 of 10 transferred) is not listed: 10 contacts are too few to judge
    thank = listed(at, "week-thank-you")
    assert [name for name, _, _ in thank] == ["Cal Cole"]  # once: praise and metrics
    lines = thank[0][2]
    assert lines[0].startswith("1 praise from customers not yet thanked, newest Tue 03 Nov")
    assert lines[1].startswith("Adherence 96.9 % (95 %: 96.1 %–97.6 %")
    assert lines[2].startswith("FCR 100.0 % (95 %: 91.2 %–100.0 %, n 40)")
    # Bea's praise was thanked already: she is not on the thank-you list


def test_too_few_answers_are_said_and_the_month_offered(billing_db):
    at = open_team()
    note = [c.value for c in at.caption if c.value.startswith("Too few answers")]
    assert len(note) == 1
    assert "NPS for 2 of 2 agents (fewer than 30)" in note[0]
    assert "2026-11 holds more answers" in note[0]
    at.button(key="week-longer").click().run()
    assert not at.exception
    assert at.session_state["period"] == "2026-11"
    assert at.title[0].value.endswith("2026-11")


def styled_cells(at: AppTest) -> tuple[pd.DataFrame, pd.DataFrame, dict[tuple[int, int], str]]:
    """The agent table: values, the text each cell shows, and each cell's CSS."""
    table = next(d for d in at.dataframe if "Rank by NPS" in d.value.columns)
    styler = table.proto.arrow_data.styler
    shown = pa.ipc.open_stream(styler.display_values).read_all().to_pandas()
    css: dict[tuple[int, int], str] = {}
    for rule in re.finditer(r"((?:#T_\w+_row\d+_col\d+,?\s*)+)\{([^}]*)\}", styler.styles):
        for row, col in re.findall(r"row(\d+)_col(\d+)", rule.group(1)):
            css[(int(row), int(col))] = css.get((int(row), int(col)), "") + rule.group(2)
    return table.value, shown, css


def test_agent_cells_show_status_by_icon_and_colour(billing_db):
    at = open_team()
    values, shown, css = styled_cells(at)
    names = values["Agent"].str.split("#").str[1].tolist()
    col = {name: i for i, name in enumerate(values.columns)}

    def cell(agent: str, column: str) -> tuple[str, str]:
        row = names.index(agent)
        return shown.iloc[row, col[column]], css.get((row, col[column]), "")

    # Bea's transfers 37.5 % against 10 %: off target, ✖ and red
    text, style = cell("Bea Burns", "Transfers")
    assert text == "✖ 37.5 %" and RED in style
    # Cal's FCR 100 % against 75 %: on target, ✔ and green
    text, style = cell("Cal Cole", "FCR")
    assert text == "✔ 100.0 %" and GREEN in style
    # Dee's transfers 6 of 10 = 60 %: too few to judge, greyed, never coloured
    text, style = cell("Dee Dunn", "Transfers")
    assert text == "… 60.0 %" and "#8c8c8c" in style and "background" not in style
    # Eve has no data: an empty cell, no colour
    text, style = cell("Eve Ellis", "Transfers")
    assert text == "—" and style == ""
    # nobody has 30 NPS answers: nobody ranked
    assert values["Rank by NPS"].isna().all()
