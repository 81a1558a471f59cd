"""Frontline voice on the all-hands and team pages: "You said, we did" (obstacles
frontline staff raised, resolved in the period and still open at its end, by team with
their age), open obstacles on a KPI's tile, and leaders on the floor (when a leader last
met each team; those not met in six weeks named). The numbers come from
cxmetrics/obstacles.py and cxmetrics/meetings.py through ui/data.py."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from cxmetrics.obstacles import STATUS_WORDS, tile_note
from cxmetrics.ui import components, data

plain = components.inert_markdown

FRONTLINE_ROWS = 6  # rows of each frontline table on a slide (the rest are counted)


def with_obstacle_notes(tiles: list[dict], period: str) -> list[dict]:
    """Tiles (scorecard lines or business KPIs) whose KPI has obstacles open at the
    period's end, with a note saying so ("2 open obstacles on avg handle time")."""
    counts = data.you_said_we_did(period)["open_by_metric"]
    metrics = data.registry()

    def label(tile: dict) -> str:
        return data.metric_label(tile["id"]) if tile["id"] in metrics else tile["label"]

    return [
        {**tile, "obstacles": tile_note(counts[tile["id"]], label(tile))}
        if tile["id"] in counts
        else tile
        for tile in tiles
    ]


def _table(
    frame: pd.DataFrame, large: bool, key: str, text: list[str], *, more: str, wide: tuple = ()
) -> None:
    """A frontline table: on a slide, large and cut to FRONTLINE_ROWS rows (`st.table` reads
    markdown, so the `text` columns are made inert; `more` says where the rest are); else a
    plain-text dataframe whose `wide` columns share the room."""
    if not large:
        config = {column: st.column_config.TextColumn(width="large") for column in wide}
        st.dataframe(frame, hide_index=True, key=key, column_config=config, placeholder="")
        return
    shown = frame.head(FRONTLINE_ROWS).astype(object)
    shown = shown.where(shown.notna(), "—")
    for column in text:
        shown[column] = shown[column].map(components.inert_markdown)
    st.table(shown, hide_index=True)
    if len(frame) > FRONTLINE_ROWS:
        st.caption(f"… and {len(frame) - FRONTLINE_ROWS} more {more}")


def frames_of(report: dict, visits: list[dict]) -> dict[str, pd.DataFrame]:
    """The tables of "You said, we did": resolved in the period, open by team, the open
    obstacles, and when a leader last met each team."""
    teams = data.teams()
    names = dict(zip(teams["team_id"], teams["name"], strict=True))

    def team(team_id: str) -> str:
        name = names.get(team_id)
        return name if isinstance(name, str) and name else team_id

    resolved = pd.DataFrame(
        {
            "Resolved": [
                f"{date.fromisoformat(r['resolved_on']):%d %b}"
                for r in report["resolved_in_period"]
            ],
            "Team": [team(r["team_id"]) for r in report["resolved_in_period"]],
            "You said": [r["description"] for r in report["resolved_in_period"]],
            "We did": [r["resolution"] or "—" for r in report["resolved_in_period"]],
        }
    )
    by_team = pd.DataFrame(
        {
            "Team": [team(t) for t in report["by_team"]],
            "Open": [c["open"] for c in report["by_team"].values()],
            "Oldest (days)": [c["oldest_days"] for c in report["by_team"].values()],
        }
    )
    still_open = pd.DataFrame(
        {
            "Team": [team(o["team_id"]) for o in report["open"]],
            "Obstacle": [o["description"] for o in report["open"]],
            "Status": [STATUS_WORDS[o["status"]] for o in report["open"]],
            "Owner": [o["owner"] or "no owner yet" for o in report["open"]],
            "Days open": [o["age_days"] for o in report["open"]],
        }
    )
    floor = pd.DataFrame(
        {
            "Team": [v["team_name"] for v in visits],
            "Last met": [
                f"{date.fromisoformat(v['last_met']):%d %b %Y}" if v["last_met"] else "never"
                for v in visits
            ],
            "By": [v["leader"] or "—" for v in visits],
            "Days ago": pd.array([v["days_since"] for v in visits], dtype="Int64"),
        }
    )
    return {"resolved": resolved, "by_team": by_team, "open": still_open, "floor": floor}


def _we_did(resolved: pd.DataFrame, period: str, large: bool) -> None:
    """Obstacles resolved in the period, with what was done."""
    st.markdown(f"**We did: {len(resolved)} resolved in {period}**")
    if resolved.empty:
        st.write(f"No obstacle was resolved in {period}.")
        return
    _table(
        resolved, large, "frontline-resolved", ["Team", "You said", "We did"],
        more="on the Obstacles page", wide=("You said", "We did"),
    )  # fmt: skip


def _open_by_team(by_team: pd.DataFrame, large: bool) -> None:
    _table(
        by_team, large, "frontline-by-team", ["Team"],
        more="teams with open obstacles on the Obstacles page",
    )  # fmt: skip


def _still_open(frames: dict[str, pd.DataFrame], large: bool, as_of_day: date) -> None:
    """Obstacles open at the period's end: per team (a slide), and one by one beside."""
    st.markdown(f"**Still open on {as_of_day:%d %b}: {len(frames['open'])}**")
    if frames["open"].empty:
        st.write("No obstacle is open.")
        return
    if large:
        _open_by_team(frames["by_team"], large)
        return
    left, right = st.columns([9, 4], gap="large")
    with left:
        _table(
            frames["open"], large, "frontline-open", ["Team", "Obstacle", "Owner"],
            more="on the Obstacles page", wide=("Obstacle",),
        )  # fmt: skip
    with right:
        _open_by_team(frames["by_team"], large)


def _anything(report: dict, visits: list[dict]) -> bool:
    return bool(
        report["resolved_in_period"] or report["open"] or any(v["last_met"] for v in visits)
    )


def to_say(period: str) -> bool:
    """Anything for "You said, we did": an obstacle resolved or open, a team ever met (a
    slide of its own only then)."""
    return _anything(data.you_said_we_did(period), data.leader_visits(period))


def section(period: str, large: bool) -> None:
    """You said, we did: obstacles frontline staff raised that were resolved in the period
    (and what was done), those still open at its end by team with their age, and when a
    leader last met each team (those not met in six weeks named)."""
    report, visits = data.you_said_we_did(period), data.leader_visits(period)
    st.subheader("You said, we did", anchor=False)
    as_of_day = date.fromisoformat(report["as_of"])
    if not _anything(report, visits):
        st.caption(
            "Nothing raised yet: obstacles frontline staff raise go on the Obstacles page (or "
            "load an obstacles file), and leaders' visits to the floor as a meetings file."
        )
        return
    if not large:
        st.caption(
            f"What frontline staff told us gets in the way: resolved in {period}, and still "
            f"open on {as_of_day:%d %b %Y} with their age. The Obstacles page keeps the "
            "register; personal data in the text is masked."
        )
    frames = frames_of(report, visits)
    if large:  # a slide: what was done beside how many are open per team
        left, right = st.columns([7, 5], gap="large")
        with left:
            _we_did(frames["resolved"], period, large)
        with right:
            _still_open(frames, large, as_of_day)
    else:
        _we_did(frames["resolved"], period, large)
        _still_open(frames, large, as_of_day)
    _floor(frames["floor"], visits, large, as_of_day)


def _floor(floor: pd.DataFrame, visits: list[dict], large: bool, as_of_day: date) -> None:
    """When a leader last met each team, beside the teams not met in six weeks (a table
    of four short columns reads badly across the whole width)."""
    st.markdown("**Leaders on the floor**")
    table, said = st.columns([7, 5] if large else [9, 4], gap="large")
    with table:
        _table(
            floor, large, "frontline-floor", ["Team", "By"],
            more="teams, met more recently, on the all-hands page",
        )  # fmt: skip
    with said:
        overdue = [v["team_name"] for v in visits if v["overdue"]]
        if overdue:
            st.warning(
                components.inert_markdown(
                    f"Not met by a leader in the six weeks to {as_of_day:%d %b}: "
                    + ", ".join(overdue)
                ),
                icon=":material/directions_walk:",
            )
        elif visits:
            st.caption(f"Every team met by a leader in the six weeks to {as_of_day:%d %b}.")


def team_section(period: str, team_id: str) -> None:
    """When a leader last met the team (named when not in six weeks), and its obstacles:
    open at the period's end with the oldest's age, resolved in the period."""
    st.subheader("Leaders on the floor", anchor=False)
    visit = data.leader_visits(period, team_id)[0]
    report = data.you_said_we_did(period, team_id)
    as_of = date.fromisoformat(report["as_of"])
    if visit["last_met"] is None:
        st.warning(
            f"No leader has met this team up to {as_of:%d %b %Y}: not met in six weeks. "
            "Leaders' visits load as a meetings file on the Upload page.",
            icon=":material/directions_walk:",
        )
    else:
        met = (
            f"Last met on {date.fromisoformat(visit['last_met']):%d %b %Y} by "
            f"{plain(visit['leader'])}, {visit['days_since']} days before {as_of:%d %b}"
        )
        if visit["overdue"]:
            st.warning(f"Not met in six weeks. {met}.", icon=":material/directions_walk:")
        else:
            st.write(f"{met} ({visit['meetings']:,} meetings with the team so far).")
    counts = report["by_team"].get(team_id)
    resolved = len(report["resolved_in_period"])
    opened = (
        f"{counts['open']} obstacle{'s' if counts['open'] != 1 else ''} open on "
        f"{as_of:%d %b} (the oldest {counts['oldest_days']} days)"
        if counts
        else f"no obstacle open on {as_of:%d %b}"
    )
    st.caption(
        f"Obstacles the team raised: {opened}; {resolved} resolved in {period}. The "
        "Obstacles page keeps the register."
    )
