"""The team scorecard page (AppTest): demo store, empty store, and the hand-worked fixture."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from cxmetrics.metrics.registry import default_registry, in_view
from cxmetrics.store import open_store
from tests.fixtures.known_answer import insert_directly
from tests.ui.conftest import APP
from tests.ui.tiles import tiles

TEAM_PAGE = "views/team.py"
XSS = "<img src=x onerror=alert(1)>"


def open_team_page(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=90)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    at.switch_page(TEAM_PAGE).run()
    assert not at.exception, at.exception
    return at


def frame_with(at: AppTest, column: str) -> pd.DataFrame:
    """The (first) dataframe on the page that has `column`."""
    frames = [d.value for d in at.dataframe if column in d.value.columns]
    assert frames, f"no table with a {column} column"
    return frames[0]


def team_vs_org(at: AppTest) -> pd.DataFrame:
    return frame_with(at, "Org value").set_index("Metric")


def agent_table(at: AppTest) -> pd.DataFrame:
    return frame_with(at, "Agent")


def test_team_page_on_the_demo_store(app_db):
    at = open_team_page({"team": "T02"})
    assert any("Demo data" in i.value for i in at.info)
    assert at.selectbox(key="team").value == "T02"
    assert "Billing" in at.title[0].value
    # every metric but iNPS: a customer-facing team has no colleague respondents
    only_with_data = [m for m in default_registry().values() if m.only_with_data]
    assert [m.id for m in only_with_data] == ["inps"]
    assert len(team_vs_org(at)) == len(default_registry()) - 1
    assert "Internal NPS" not in team_vs_org(at).index
    assert at.query_params["team"] == "T02"  # app.py keeps the team in the URL
    # agents: roster names only, one row each
    agents = agent_table(at)
    assert agents["Agent"].is_unique
    assert agents["Agent"].notna().all()
    # comments: filter, count, pagination
    comments = at.table[0].value
    assert 0 < len(comments) <= 20
    at.segmented_control(key="comment_segment").set_value("detractor").run()
    assert not at.exception
    assert set(at.table[0].value["Segment"]) == {"Detractor"}
    at.segmented_control(key="comment_segment").set_value("all").run()
    if at.pagination:
        at.pagination(key="comment_page").set_value(2).run()
        assert not at.exception
        assert any("showing 21–" in c.value for c in at.caption)


def test_internal_team_headline_is_inps(app_db):
    at = open_team_page({"team": "T04"})
    labels = [t.label for t in tiles(at)]
    assert labels[0] == "Internal NPS"
    assert "Net Promoter Score" not in labels
    table = team_vs_org(at)
    assert table.index[0].startswith("Internal NPS")
    assert "Rank by iNPS" in agent_table(at).columns
    assert any("What colleagues said" in s.value for s in at.subheader)


def test_ranks_only_agents_with_enough_answers(app_db):
    at = open_team_page({"team": "T01", "period": "2026-Q3"})
    agents = agent_table(at)
    enough = agents["NPS n"] >= 30
    assert enough.any()
    assert agents.loc[~enough, "Rank by NPS"].isna().all()
    ranked = agents[enough].sort_values("Rank by NPS")
    assert ranked["Rank by NPS"].min() == 1
    # ranked by the low end of the 95 % interval, as service stars are (not the value)
    assert ranked["NPS cautious end"].is_monotonic_decreasing
    assert (ranked["NPS cautious end"] < ranked["NPS"]).all()
    assert agents.loc[~enough, "NPS cautious end"].isna().all()
    # the table opens sorted by that rank, the unranked last
    assert list(agents.index) == list(agents.sort_values("Rank by NPS", na_position="last").index)


def test_team_page_on_an_empty_store_without_demo(app_db):
    store = open_store(app_db)
    with store.transaction() as conn:  # a cleared demo: the app must not rebuild it
        conn.execute(
            text(
                "INSERT INTO upload_batches VALUES ('demo', 'demo', NULL, NULL, NULL, "
                "current_timestamp, 0, 0, 0, 0, 'undone')"
            )
        )
    store.close()
    at = open_team_page()
    assert not at.exception
    assert any("No teams in the roster" in i.value for i in at.info)
    assert not any("Demo data" in i.value for i in at.info)


def test_team_page_shows_the_hand_worked_numbers(app_db):
    store = open_store(app_db)
    insert_directly(store)
    store.close()
    at = open_team_page({"period": "2026-W45", "team": "T1"})
    assert at.title[0].value.endswith("2026-W45")
    assert "Customer Care" in at.title[0].value
    # T1 NPS: promoters 5, detractors 4 of 11 -> 100 * (5 - 4) / 11 = 9.09 -> "+9"
    shown = {t.label: t.value for t in tiles(at)}
    assert shown["Net Promoter Score"] == "+9"
    assert shown["Customer satisfaction"] == "50.0 %"
    table = team_vs_org(at)
    assert table.loc["Net Promoter Score", "Team value"] == f"{100 * (5 - 4) / 11:+.0f}" == "+9"
    assert table.loc["Net Promoter Score", "n"] == 11
    assert table.loc["Net Promoter Score", "Org value"] == "+29"  # 100 * (10 - 5) / 17
    assert table.loc["Net Promoter Score", "Target"] == "+20"  # T1's own target in force
    assert table.loc["Net Promoter Score", "Status"].startswith("… too few to judge (n 11")
    assert table.loc["Customer satisfaction", "Team value"] == "50.0 %"
    assert table.loc["Customer satisfaction", "n"] == 10
    # agents: A1 and A2 only (A9 is not in the roster); all below min_n, so none ranked
    agents = agent_table(at)
    # each name links to the agent's page, same period; the cell shows the name
    assert sorted(agents["Agent"]) == [
        "agent?agent=A1&period=2026-W45#Ana Alves",
        "agent?agent=A2&period=2026-W45#Ben Brown",
    ]
    agents = agents.assign(Agent=agents["Agent"].str.split("#").str[1]).set_index("Agent")
    assert sorted(agents.index) == ["Ana Alves", "Ben Brown"]
    assert agents.loc["Ana Alves", "NPS"] == pytest.approx(25.0)
    assert agents.loc["Ana Alves", "NPS n"] == 8
    assert agents["Rank by NPS"].isna().all()
    assert "NPS (n 8)" in agents.loc["Ana Alves", "Too few to judge"]
    # comments, newest first, the script-like one shown literally as text
    comments = at.table[0].value
    # cells are markdown-escaped (st.table renders markdown): shown as the literal text
    assert list(comments["Comment"]) == [r"\<img src\=x onerror\=alert\(1\)\>", "Ana was great"]
    assert list(comments["Segment"]) == ["Detractor", "Promoter"]
    assert list(comments["Agent"]) == ["Ana Alves", "Ana Alves"]
    assert any("2 comments" in c.value for c in at.caption)
    assert not any("onerror" in m.value for m in at.markdown)
    assert not any("onerror" in h.value for h in at.html)


def test_presentation_mode_keeps_the_page_and_can_be_left(app_db):
    store = open_store(app_db)
    insert_directly(store)
    store.close()
    at = open_team_page({"period": "2026-W45", "team": "T1", "present": "true"})
    assert at.session_state["present"]
    assert len(tiles(at)) == len(in_view(default_registry(), "team_tiles"))  # headline tiles
    at.button(key="team-present-exit").click().run()
    assert not at.exception
    assert not at.session_state["present"]


def test_unknown_team_in_the_link_falls_back_to_the_first_team(app_db):
    at = open_team_page({"team": "NOPE"})
    assert at.selectbox(key="team").value == "T01"
    assert any("not in the roster" in w.value for w in at.warning)
    assert at.query_params["team"] == "T01"
