"""Frontline voice in the app (AppTest): raising and resolving an obstacle on the Obstacles
page (kept with who and when), "You said, we did" on the all-hands card and its slide, the
open obstacles on a KPI's tile, and leaders on the floor on the all-hands and team pages.

The app holds the DuckDB file open in this process: the tests read and write the store
through `data.get_store()`, never by opening the file again.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from cxmetrics.ingest import load_batch
from tests.ui.conftest import live_markup, run_app
from tests.ui.tiles import tiles

PAGE = "views/obstacles.py"
REGISTER = (
    "obstacle_id,raised_on,team_id,raised_by,description,metric_id,owner,status,resolved_on,"
    "resolution\n"
    "O1,2026-10-01,T1,A1,Callback tool loses numbers,callback_kept,Ann,resolved,2026-11-04,"
    "Tool fixed\n"
    "O2,2026-10-20,T1,A2,Refund script unclear,aht,Ann,open,,\n"
    "O3,2026-10-26,T2,A3,Menu routes **billing** to [sales](http://x.example),aht,,in_progress"
    ",,\n"
)
MEETINGS = (
    "date,team_id,leader,attendees,notes\n2026-11-03,T1,Priya Shah,6,\n2026-09-15,T2,Tom Berg,4,\n"
)


@pytest.fixture(autouse=True)
def _close_the_apps_store(app_db):
    yield
    from cxmetrics.ui import data

    data.get_store().close()


def store():
    from cxmetrics.ui import data

    return data.get_store()


def load(tmp_path, kind: str, content: str) -> None:
    path = tmp_path / f"{kind}.csv"
    path.write_text(content, encoding="utf-8")
    assert load_batch(store(), kind, path, uploaded_by="Lead").rejected == 0


def table(at, column: str) -> pd.DataFrame:
    """The one dataframe on the page with this column."""
    frames = [d.value for d in at.dataframe if column in d.value.columns]
    assert len(frames) == 1, f"{len(frames)} tables with {column!r}"
    return frames[0]


def texts(at) -> str:
    """The page's text as it reads (inert markdown's escapes and word joiners taken out)."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [w.value for w in at.warning] + [e.value for e in at.error]
    parts += [s.value for s in at.success] + [i.value for i in at.info]
    return "\n".join(str(p) for p in parts).replace("\\", "").replace("\u2060", "")


def test_raising_an_obstacle_keeps_who_and_when(known_db):
    at = run_app(page=PAGE)
    assert not at.exception
    assert [h.value for h in at.subheader] == [
        "The register", "Move an obstacle on", "Raise an obstacle",
    ]  # fmt: skip
    assert at.text_input(key="ob_new_id").value == "OB-001"
    at.text_area(key="ob_new_description").input("Headsets crackle on long calls")
    at.button(key="ob_raise_submit").click().run()
    assert "Type your name first" in texts(at)  # no name: nothing written
    assert store().scalar("SELECT count(*) FROM obstacle_events") == 0
    at.text_input(key="uploaded_by").input("Dana Supervisor")
    at.selectbox(key="ob_new_team").select("T2")
    at.text_input(key="ob_new_raised_by").input("A3")
    at.text_area(key="ob_new_description").input("Headsets crackle on long calls")
    at.selectbox(key="ob_new_metric").select("aht")
    at.button(key="ob_raise_submit").click().run()
    assert not at.exception
    assert "OB-001 raised: it is on the register" in texts(at)
    events = store().rows(
        "SELECT obstacle_id, team_id, raised_by, description, metric_id, status, from_status, "
        "changed_by FROM obstacle_events"
    )
    assert [tuple(e) for e in events] == [
        ("OB-001", "T2", "A3", "Headsets crackle on long calls", "aht", "open", None,
         "Dana Supervisor"),
    ]  # fmt: skip
    assert at.text_input(key="ob_new_id").value == "OB-002"  # the next one is offered
    assert at.text_area(key="ob_new_description").value == ""
    register = table(at, "What gets in the way")
    assert register["Obstacle"].tolist() == ["OB-001"]
    assert register["Status"].tolist() == ["open"]
    # Raising another under an id the register has is refused.
    at.text_input(key="ob_new_id").input("OB-001")
    at.text_area(key="ob_new_description").input("Something else")
    at.button(key="ob_raise_submit").click().run()
    assert "OB-001 is on the register already" in texts(at)
    assert store().scalar("SELECT count(*) FROM obstacle_events") == 1


def test_resolving_an_obstacle_shows_on_the_card(known_db, tmp_path):
    load(tmp_path, "obstacles", REGISTER)
    at = run_app(page=PAGE)
    at.text_input(key="uploaded_by").input("Eli Supervisor")
    at.selectbox(key="ob_pick").select("O2")
    at.run()
    at.selectbox(key="ob_status_O2").select("resolved")
    at.text_input(key="ob_owner_O2").input("Eli Supervisor")
    at.date_input(key="ob_closed_on_O2").set_value(date(2026, 11, 6))
    at.text_area(key="ob_resolution_O2").input("Script rewritten with the team")
    at.button(key="ob_update_submit").click().run()
    assert not at.exception
    assert "O2 saved as resolved" in texts(at)
    history = table(at, "Who")
    assert history["From"].tolist() == ["— new —", "open"]
    assert history["To"].tolist() == ["open", "resolved"]
    assert history["Who"].tolist() == ["Lead", "Eli Supervisor"]
    now = store().rows(
        "SELECT status, owner, resolved_on, resolution, changed_by FROM obstacles "
        "WHERE obstacle_id = 'O2'"
    )
    assert tuple(now[0]) == (
        "resolved", "Eli Supervisor", date(2026, 11, 6), "Script rewritten with the team",
        "Eli Supervisor",
    )  # fmt: skip
    # The all-hands card of W45 (2 – 8 Nov): O1 (4 Nov) and O2 (6 Nov) resolved; O3 open,
    # 8 Nov − 26 Oct = 13 days, the one left on handle time.
    card = run_app({"period": "2026-W45"})
    assert not card.exception
    assert "You said, we did" in [h.value for h in card.subheader]
    resolved = table(card, "You said")
    assert resolved["You said"].tolist() == ["Callback tool loses numbers", "Refund script unclear"]
    assert resolved["We did"].tolist() == ["Tool fixed", "Script rewritten with the team"]
    assert resolved["Team"].tolist() == ["Customer Care", "Customer Care"]
    by_team = table(card, "Oldest (days)")
    assert by_team.to_dict("list") == {"Team": ["Billing"], "Open": [1], "Oldest (days)": [13]}
    still_open = table(card, "Obstacle")
    assert still_open["Days open"].tolist() == [13]
    assert still_open["Obstacle"].tolist() == [
        "Menu routes **billing** to [sales](http://x.example)"
    ]
    notes = {t.label: t.details for t in tiles(card)}
    assert ":material/construction: 1 open obstacle on avg handle time" in notes["Avg handle time"]


def test_the_card_and_team_page_say_when_a_leader_last_met_each_team(known_db, tmp_path):
    load(tmp_path, "obstacles", REGISTER)
    load(tmp_path, "meetings", MEETINGS)
    at = run_app({"period": "2026-W45"})
    # As of 8 Nov: T1 met 3 Nov (5 days); T2 met 15 Sep (54 days: not in six weeks); T3 never.
    floor = table(at, "Last met")
    days = floor.pop("Days ago").tolist()
    assert floor.to_dict("list") == {
        "Team": ["IT Help Desk", "Billing", "Customer Care"],
        "Last met": ["never", "15 Sep 2026", "03 Nov 2026"],
        "By": ["—", "Tom Berg", "Priya Shah"],
    }
    assert pd.isna(days[0]) and days[1:] == [54, 5]
    assert "Not met by a leader in the six weeks to 08 Nov: IT Help Desk, Billing" in texts(at)
    team = run_app({"period": "2026-W45", "team": "T2"}, page="views/team.py")
    assert not team.exception
    assert "Leaders on the floor" in [h.value for h in team.subheader]
    said = texts(team)
    met = "Not met in six weeks. Last met on 15 Sep 2026 by Tom Berg, 54 days before 08 Nov"
    assert met in said
    assert "1 obstacle open on 08 Nov (the oldest 13 days); 0 resolved in 2026-W45" in said


def test_you_said_we_did_is_a_slide_when_there_is_something_to_say(known_db, tmp_path):
    load(tmp_path, "obstacles", REGISTER + (
        "O4,2026-10-02,T3,A4,<img src=x onerror=alert(1)> kiosk,,Fay,resolved,2026-11-05,"
        "See [notes](http://x.example) $x$\n"
    ))  # fmt: skip
    # The headline, customers and service, trend, why it moved, teams at a glance, then
    # the stars when the week has any, then this (the fixture has no business KPIs).
    for slide in ("6", "7"):
        at = run_app({"period": "2026-W45", "present": "true", "slide": slide})
        assert not at.exception
        if f"{slide} / {slide} · You said, we did" in texts(at):
            break
    else:
        raise AssertionError("no You said, we did slide last in the presentation")
    assert [h.value for h in at.subheader] == ["You said, we did"]
    cells = [str(c) for t in at.table for c in t.value.to_numpy().ravel()]
    assert any("kiosk" in c for c in cells) and any("notes" in c for c in cells)
    for cell in cells:  # user text on a slide is inert markdown
        assert not live_markup(cell), cell


def test_the_page_and_card_without_obstacles(known_db):
    page = run_app(page=PAGE)
    assert not page.exception
    assert "No obstacle raised yet." in texts(page)
    card = run_app({"period": "2026-W45"})
    assert "Nothing raised yet" in texts(card)
    slides = run_app({"period": "2026-W45", "present": "true"})
    assert "You said, we did" not in " ".join(texts(slides))  # no slide of its own
    assert "1 / 5 · The headline" in texts(slides)


def test_the_upload_page_offers_every_kind(known_db):
    from cxmetrics.ingest import KINDS

    at = run_app(page="views/upload.py")
    offered = at.button_group(key="upload_kind").options
    assert sorted(offered) == sorted(
        ["Surveys", "Interactions", "Adherence", "Roster", "Targets", "Business KPIs",
         "Learning", "Obstacles", "Frontline meetings", "Access"]
    )  # fmt: skip
    assert len(offered) == len(KINDS)
