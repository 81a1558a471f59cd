"""The deck's "You said, we did" slide: obstacles frontline staff raised that were resolved
in the period (what they said, what was done), those still open at its end per team with
the age of the oldest, and the teams no leader met in six weeks. Made only when there is
something to say; every number is the story's (cxmetrics/obstacles.py,
cxmetrics/meetings.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pptx.util import Inches

from cxmetrics.story.deck_parts import (
    CONTENT_TOP,
    MARGIN,
    NAME_CELL,
    SLIDE_WIDTH,
    clean,
    fill_cell,
    header_row,
    shorten,
    text_box,
)
from cxmetrics.story.periods import day_text

if TYPE_CHECKING:
    from cxmetrics.story.deck import Deck

ROWS = 6  # rows of each table; the rest are counted under it
ROW_HEIGHT = Inches(0.55)
LEFT_WIDTH = Inches(7.9)  # what was done; how many are open per team beside it
GAP = Inches(0.35)
DONE_WIDTHS = (1.1, 1.8, 2.6)  # inches of Resolved, Team, You said


def _team(deck: Deck, team_id: str) -> str:
    name = deck.story.team_names.get(team_id)
    return shorten(clean(name if isinstance(name, str) and name else team_id), 28)


def _more(slide, x, y, w, hidden: int, what: str) -> None:
    if hidden > 0:
        text_box(slide, x, y, w, Inches(0.3), f"… and {hidden} more {what}", size=12)


def frontline_slide(deck: Deck) -> None:
    """Add the slide to `deck` when an obstacle was resolved in the period or is open at
    its end, or a leader has met a team; else add nothing."""
    said, visits = deck.story.frontline, deck.story.visits
    if said is None or not (
        said.resolved_in_period or said.open or any(v.last_met for v in visits)
    ):
        return
    label = said.period.label
    slide = deck.slide("You said, we did")
    notes = []
    top = CONTENT_TOP
    rows = 0  # the longer table's rows, with its header: what comes below goes under it
    done = said.resolved_in_period
    text_box(
        slide, MARGIN, top, LEFT_WIDTH, Inches(0.35),
        f"We did: {len(done)} resolved in {label}", size=16, bold=True,
    )  # fmt: skip
    if done:
        shown = done[:ROWS]
        rows = len(shown) + 1
        table = slide.shapes.add_table(
            len(shown) + 1, 4, MARGIN, top + Inches(0.45), LEFT_WIDTH, ROW_HEIGHT * (len(shown) + 1)
        ).table
        for i, inches in enumerate(DONE_WIDTHS):
            table.columns[i].width = Inches(inches)
        table.columns[3].width = LEFT_WIDTH - Inches(sum(DONE_WIDTHS))  # "We did": the rest
        header_row(table, ["Resolved", "Team", "You said", "We did"], 13)
        for r, item in enumerate(shown, 1):
            description = clean(item.description)
            resolution = clean(item.resolution) if item.resolution else "—"
            cells = [
                f"{item.resolved_on.day} {item.resolved_on:%b}",
                _team(deck, item.team_id),
                shorten(description, 90),
                shorten(resolution, 110),
            ]
            for c, text in enumerate(cells):
                fill_cell(table.cell(r, c), [(text, 13, False)], NAME_CELL if c == 1 else None)
            notes.append(
                f"You said: {description}. We did: {resolution} (resolved on "
                f"{day_text(item.resolved_on)}, {_team(deck, item.team_id)})."
            )
        _more(
            slide, MARGIN, top + Inches(0.5) + ROW_HEIGHT * (len(shown) + 1), LEFT_WIDTH,
            len(done) - len(shown), "on the Obstacles page",
        )  # fmt: skip
    else:
        notes.append(f"No obstacle was resolved in {label}.")
    right = MARGIN + LEFT_WIDTH + GAP
    right_width = SLIDE_WIDTH - MARGIN - right
    text_box(
        slide, right, top, right_width, Inches(0.35),
        f"Still open on {day_text(said.as_of)}: {len(said.open)}", size=16, bold=True,
    )  # fmt: skip
    teams = list(said.by_team.items())
    if teams:
        shown_teams = teams[:ROWS]
        rows = max(rows, len(shown_teams) + 1)
        table = slide.shapes.add_table(
            len(shown_teams) + 1, 3, right, top + Inches(0.45), right_width,
            ROW_HEIGHT * (len(shown_teams) + 1),
        ).table  # fmt: skip
        table.columns[1].width = Inches(0.75)
        table.columns[2].width = Inches(1.4)
        table.columns[0].width = right_width - Inches(2.15)
        header_row(table, ["Team", "Open", "Oldest (days)"], 13)
        for r, (team_id, counts) in enumerate(shown_teams, 1):
            fill_cell(table.cell(r, 0), [(_team(deck, team_id), 13, True)], NAME_CELL)
            fill_cell(table.cell(r, 1), [(f"{counts.open:,}", 13, False)])
            fill_cell(table.cell(r, 2), [(f"{counts.oldest_days:,}", 13, False)])
            notes.append(
                f"{_team(deck, team_id)}: {counts.open:,} open, the oldest "
                f"{counts.oldest_days:,} days."
            )
        _more(
            slide, right, top + Inches(0.5) + ROW_HEIGHT * (len(shown_teams) + 1), right_width,
            len(teams) - len(shown_teams), "teams with open obstacles",
        )  # fmt: skip
    else:
        notes.append(f"No obstacle is open on {day_text(said.as_of)}.")
    overdue = [_team(deck, v.team_id) for v in visits if v.overdue]
    if overdue:
        floor = (
            f"Leaders on the floor: not met in the six weeks to {day_text(said.as_of)}: "
            + ", ".join(overdue)
        )
    elif visits:
        floor = f"Leaders on the floor: every team met in the six weeks to {day_text(said.as_of)}."
    else:
        floor = ""
    if floor:
        below = top + Inches(0.45) + ROW_HEIGHT * rows + Inches(0.55)
        text_box(slide, MARGIN, below, SLIDE_WIDTH - 2 * MARGIN, Inches(0.6), floor, size=16)
        notes.append(floor)
    deck.notes(slide, *notes)
