"""The agent page (AppTest): its numbers are those of `cxmetrics scorecard --agent`, its
career those of the roster history, its praise, comments and learning the agent's own."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from cxmetrics.cli import main
from cxmetrics.demo import build_demo
from cxmetrics.formatting import format_margin, format_target, format_value
from cxmetrics.metrics.registry import default_registry
from cxmetrics.org import data_range
from cxmetrics.periods import period_containing
from cxmetrics.store import open_store
from tests.fixtures.coaching import insert_billing_week
from tests.ui.conftest import APP

REGISTRY = default_registry()


def open_agent(query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=90)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    at.switch_page("views/agent.py").run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def demo_db(app_db):
    store = open_store(app_db)
    build_demo(store, agents=24, weeks=10)
    month = period_containing(data_range(store)[1], "month").label
    store.close()
    return app_db, month


@pytest.mark.parametrize("agent", ["A0002", "A0020"])
def test_the_agent_page_shows_the_numbers_of_the_command_line(demo_db, capsys, agent):
    url, month = demo_db
    assert main(["--db", url, "scorecard", "--agent", agent, "--period", month, "--json"]) == 0
    cli = {m["id"]: m for m in json.loads(capsys.readouterr().out)["metrics"]}
    at = open_agent({"agent": agent, "period": month})
    assert at.session_state["agent"] == agent
    assert at.query_params["agent"] == agent  # kept in the link
    table = next(d.value for d in at.dataframe if "Agent value" in d.value.columns)
    table = table.set_index("Metric")
    shown = 0
    for metric in REGISTRY.values():
        if "agent" not in metric.scopes or metric.label.format(t=20) not in table.index:
            continue
        line, row = cli[metric.id], table.loc[metric.label.format(t=20)]
        assert row["Agent value"] == format_value(line["value"], metric.unit), metric.id
        assert row["n"] == line["n"], metric.id
        assert row["Target"] == format_target(line["target"], metric.unit), metric.id
        assert row["± margin"] == format_margin(line["ci_low"], line["ci_high"], metric.unit)
        shown += 1
    assert shown >= 10
    # no queue measure (service level, abandonment…) on one agent's card
    assert all(
        REGISTRY[m].label.format(t=20) not in table.index
        for m in REGISTRY
        if "agent" not in REGISTRY[m].scopes
    )


def test_the_agent_page_of_the_billing_fixture(app_db):
    store = open_store(app_db)
    insert_billing_week(store)
    store.close()
    at = open_agent({"agent": "B1", "period": "2026-W45"})
    assert at.title[0].value == "Bea Burns · 2026-W45"
    header = at.caption[0].value
    assert "Billing" in header and "Sam Supervisor" in header
    assert "in service 2 years 9 months" in header  # hired 2024-02-01, as of 2026-11-08
    table = next(d.value for d in at.dataframe if "Agent value" in d.value.columns)
    row = table.set_index("Metric").loc["Transfer rate"]
    # 15 of 40 transferred = 37.5 %; the team: 15 + 2 + 6 = 23 of 90 = 25.6 %
    assert (row["Agent value"], row["n"], row["Team value"]) == ("37.5 %", 40, "25.6 %")
    assert row["Status"].startswith("✖ off target")
    # her praise (one, not thanked) with a kudos card; her five comments-less answers
    assert any(s.value == "Praise received (1)" for s in at.subheader)
    assert any("Not thanked yet" in c.value for c in at.caption)
    assert any(b.proto.label == "Kudos card" for b in at.get("download_button"))
    # career: Billing since always (the fixture's history), no learning
    teams = next(d.value for d in at.dataframe if "Team" in d.value.columns)
    assert list(teams["Team"]) == ["Billing (TB)"]


def test_an_agent_in_the_link_that_the_roster_lacks(app_db):
    store = open_store(app_db)
    insert_billing_week(store)
    store.close()
    at = open_agent({"agent": "NOPE", "period": "2026-W45"})
    assert any("not in the roster" in w.value for w in at.warning)
    assert at.session_state["agent"] == "B1"  # the first agent (by name)
