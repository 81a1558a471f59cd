"""The deck's "You said, we did" slide, read back with python-pptx, on the hand-made
register of tests/test_obstacles.py and three leaders' visits (worked by hand below)."""

from __future__ import annotations

from datetime import date

from pptx import Presentation

from cxmetrics.ingest import load_batch
from cxmetrics.periods import parse_period
from cxmetrics.story.deck import write_deck
from tests.test_obstacles import REGISTER
from tests.test_story_deck import _texts

W45 = parse_period("2026-W45")
TODAY = date(2026, 11, 13)
MEETINGS = "date,team_id,leader\n2026-11-03,T1,Priya Shah\n2026-09-15,T2,Tom Berg\n"


def _load(store, tmp_path, kind: str, content: str) -> None:
    path = tmp_path / f"{kind}.csv"
    path.write_text(content, encoding="utf-8")
    assert load_batch(store, kind, path).rejected == 0


def _rows(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def test_the_slide_says_what_was_done_what_is_open_and_who_was_not_met(known_store, tmp_path):
    _load(known_store, tmp_path, "obstacles", REGISTER)
    _load(known_store, tmp_path, "meetings", MEETINGS)
    out = tmp_path / "w45.pptx"
    # The fixture's five slides (tests/test_story_deck.py), then this one.
    assert write_deck(known_store, W45, out, today=TODAY) == 6
    slide = Presentation(out).slides[5]
    texts = _texts(slide)
    assert texts[0] == "You said, we did"
    tables = [shape.table for shape in slide.shapes if shape.has_table]
    # W45 (2 – 8 Nov) counted on 8 Nov: O1 resolved on 4 Nov (Customer Care). Open: O2
    # (T1, 8 Nov − 20 Oct = 19 days), O3 (T2, 8 Nov − 26 Oct = 13), O5 (T1, 8 Nov − 5 Nov
    # = 3); O4 is won't fix, O6 raised only on 10 Nov.
    assert "We did: 1 resolved in 2026-W45" in texts
    assert _rows(tables[0]) == [
        ["Resolved", "Team", "You said", "We did"],
        ["4 Nov", "Customer Care", "Callback tool loses numbers", "Tool fixed"],
    ]
    assert "Still open on 8 Nov 2026: 3" in texts
    assert _rows(tables[1]) == [
        ["Team", "Open", "Oldest (days)"],
        ["Customer Care", "2", "19"],
        ["Billing", "1", "13"],
    ]
    # Leaders: T3 never met; T2 met 15 Sep, 8 Nov − 15 Sep = 54 days (six weeks are 42);
    # T1 met 3 Nov.
    assert (
        "Leaders on the floor: not met in the six weeks to 8 Nov 2026: IT Help Desk, Billing"
        in texts
    )
    notes = slide.notes_slide.notes_text_frame.text
    assert (
        "You said: Callback tool loses numbers. We did: Tool fixed (resolved on 4 Nov 2026, "
        "Customer Care)." in notes
    )
    assert "Customer Care: 2 open, the oldest 19 days." in notes
    assert "Billing: 1 open, the oldest 13 days." in notes


def test_a_teams_deck_has_its_own_obstacles_only(known_store, tmp_path):
    _load(known_store, tmp_path, "obstacles", REGISTER)
    out = tmp_path / "t2.pptx"
    write_deck(known_store, W45, out, team="T2", today=TODAY)
    slide = next(s for s in Presentation(out).slides if _texts(s)[0] == "You said, we did")
    texts = _texts(slide)
    # T2 in W45: O4 closed as won't fix (not "we did"); O3 open 13 days; no meetings loaded,
    # so T2 is not met in six weeks.
    assert "We did: 0 resolved in 2026-W45" in texts
    assert "Still open on 8 Nov 2026: 1" in texts
    assert ["Billing", "1", "13"] in _rows(next(s.table for s in slide.shapes if s.has_table))
    assert "Leaders on the floor: not met in the six weeks to 8 Nov 2026: Billing" in texts
    assert "No obstacle was resolved in 2026-W45." in slide.notes_slide.notes_text_frame.text
