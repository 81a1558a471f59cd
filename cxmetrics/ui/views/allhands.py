"""All-hands scorecard: what customers feel beside how we serve, for the whole organisation."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from cxmetrics.obstacles import STATUS_WORDS, tile_note
from cxmetrics.ui import charts, components, data

CUSTOMER = ["nps", "inps", "csat", "ces", "responses"]
SPEED = ["service_level", "asa", "aht", "abandon_rate", "occupancy", "productivity"]
RIGHT = ["adherence", "conformance", "transfer_rate", "fcr", "callback_kept", "repeat_contact"]
GLANCE = ["nps", "csat", "service_level", "fcr", "callback_kept", "transfer_rate"]

period = st.session_state["period"]
present = bool(st.session_state.get("present"))
theme = components.chart_theme()
card = data.scorecard(period)
lines = {m["id"]: m for m in card["metrics"]}
as_of = data.data_as_of()


def customer_lines() -> list[dict]:
    # iNPS belongs on the card only where internal service teams have colleague responses
    return [lines[m] for m in CUSTOMER if m != "inps" or lines[m]["n"] > 0]


def header() -> None:
    p = data.period_of(period)
    st.title(f"All-hands scorecard · {p.label}", anchor=False)
    note = (
        ""
        if present
        else " · ± is the 95 % margin of error; a change is called real only when it is "
        "statistically significant (p < 0.05)"
    )
    st.caption(
        f"{p.start:%d %b %Y} – {p.end:%d %b %Y} · compared with {card['previous_period']} · "
        f"data as of {as_of or '—'}" + note
    )


def trend_rows(metric_id: str) -> pd.DataFrame:
    rows = data.trend(period, 13)
    return rows[rows["metric"] == metric_id]


def nps_trend(large: bool) -> None:
    fig = charts.trend_chart(
        trend_rows("nps"),
        "Net Promoter Score",
        "pts",
        large=large,
        theme=theme,
        min_n=data.registry()["nps"].min_n,
        height=440 if large else None,
    )
    components.chart(fig, "nps-trend")


def service_trends(ids: list[str], large: bool, key: str) -> None:
    reg = data.registry()
    metrics = [(m, data.metric_label(m), reg[m].unit) for m in ids]
    rows = data.trend(period, 13)
    fig = charts.small_multiples(
        rows[rows["metric"].isin(ids)], metrics, large=large, theme=theme, columns=3
    )
    components.chart(fig, key)


def section_customers(large: bool) -> None:
    st.subheader("What customers feel", anchor=False)
    cust = customer_lines()
    components.tile_grid(cust, columns=len(cust) if large else 2)
    if large:
        nps_trend(True)


def section_service(ids: list[str], title: str, large: bool) -> None:
    st.subheader(title, anchor=False)
    components.tile_grid([lines[m] for m in ids], columns=3 if large else 4)


def section_business() -> None:
    kpis = with_obstacle_notes(data.business(period))
    if not kpis:
        return
    st.subheader("Beyond service: the rest of the business", anchor=False)
    for start in range(0, len(kpis), 4):
        for col, kpi in zip(st.columns(4), kpis[start : start + 4], strict=False):
            with col:
                components.business_tile(kpi)


def section_stars(large: bool) -> None:
    """Agents customers rate highest, ranked by the low end of their 95 % interval."""
    st.subheader("Service stars", anchor=False)
    stars = data.recognition_stars(period, None, 5 if large else 4)
    if not stars:
        st.caption(
            f"No agent has {data.recognition_min_n()} or more survey answers in {period}: "
            "pick a month or a quarter to see who customers single out."
        )
        return
    praise = data.recognition_praise(period)
    for column, (rank, star) in zip(st.columns(len(stars)), enumerate(stars, 1), strict=False):
        with column:
            quotes = components.best_quotes(praise, star["agent_id"], 1 if large else 2)
            components.star_card(rank, star, quotes)
    if not large:
        st.caption(
            "Ranked by the low end of each agent's 95 % NPS interval (iNPS for internal teams), "
            "so a few perfect scores never outrank a strong score from many customers. "
            "More on the Recognition page."
        )


def glance_table() -> pd.DataFrame:
    teams = data.teams().set_index("team_id")
    per_team = data.breakdown(period, "team")
    rows = []
    for team_id, team in teams.iterrows():
        team_lines = per_team.get(team_id, {})
        row = {"Team": team["name"], "Supervisor": team["supervisor"] or "", "id": team_id}
        for m in GLANCE:
            metric = "inps" if m == "nps" and team["internal"] else m
            line = team_lines.get(metric)
            label = "NPS / iNPS" if m == "nps" else data.metric_label(m)
            if line is None or line["value"] is None:
                row[label] = "—"
            else:
                word = components.STATUS[line["status"]][0].lower()
                value = charts.format_value(line["value"], line["unit"])
                row[label] = f"{value} · {word}" if line["status"] != "none" else value
        rows.append(row)
    return pd.DataFrame(rows)


def section_teams(large: bool) -> None:
    st.subheader("Teams at a glance", anchor=False)
    table = glance_table()
    if table.empty:
        st.write("No teams in the roster yet: upload a roster on the Upload page.")
        return
    shown = table.drop(columns=["id"])
    if large:  # st.table renders markdown: team names and supervisors made inert
        cells = shown.assign(
            Team=shown["Team"].map(components.inert_markdown),
            Supervisor=shown["Supervisor"].map(components.inert_markdown),
        )
        st.table(cells.set_index("Team"))
        return
    st.caption("Pick a row to open that team's scorecard. NPS for internal teams is iNPS.")
    event = st.dataframe(
        shown, hide_index=True, on_select="rerun", selection_mode="single-row", key="glance"
    )
    components.table_download(shown, f"teams-at-a-glance-{period}", "glance-csv")
    chosen = event.selection.rows if event else []
    if chosen:
        st.session_state["team"] = table.iloc[chosen[0]]["id"]
        st.switch_page(
            "views/team.py",
            query_params={"team": st.session_state["team"], "period": period},
        )


# ----------------------------------------------------------------------------- you said, we did

FRONTLINE_ROWS = 6  # rows of each frontline table on a slide (the rest are counted)


def with_obstacle_notes(tiles: list[dict]) -> list[dict]:
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


def _frontline_table(
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


def frontline_frames(report: dict, visits: list[dict]) -> dict[str, pd.DataFrame]:
    """The tables of "You said, we did": resolved in the period, open by team, the open
    obstacles, and when a leader last met each team."""
    teams = data.teams()
    names = dict(zip(teams["team_id"], teams["name"], strict=True))

    def team(team_id: str) -> str:
        name = names.get(team_id)
        return name if isinstance(name, str) and name else team_id

    resolved = pd.DataFrame(
        {
            "Resolved on": [
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


def _we_did(resolved: pd.DataFrame, large: bool) -> None:
    """Obstacles resolved in the period, with what was done."""
    st.markdown(f"**We did: {len(resolved)} resolved in {period}**")
    if resolved.empty:
        st.write(f"No obstacle was resolved in {period}.")
        return
    _frontline_table(
        resolved, large, "frontline-resolved", ["Team", "You said", "We did"],
        more="on the Obstacles page", wide=("You said", "We did"),
    )  # fmt: skip


def _open_by_team(by_team: pd.DataFrame, large: bool) -> None:
    _frontline_table(
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
        _frontline_table(
            frames["open"], large, "frontline-open", ["Team", "Obstacle", "Owner"],
            more="on the Obstacles page", wide=("Obstacle",),
        )  # fmt: skip
    with right:
        _open_by_team(frames["by_team"], large)


def frontline_to_say(report: dict, visits: list[dict]) -> bool:
    """Anything for "You said, we did": an obstacle resolved or open, a team ever met."""
    return bool(
        report["resolved_in_period"] or report["open"] or any(v["last_met"] for v in visits)
    )


def section_frontline(large: bool) -> None:
    """You said, we did: obstacles frontline staff raised that were resolved in the period
    (and what was done), those still open at its end by team with their age, and when a
    leader last met each team (those not met in six weeks named)."""
    report, visits = data.you_said_we_did(period), data.leader_visits(period)
    st.subheader("You said, we did", anchor=False)
    as_of_day = date.fromisoformat(report["as_of"])
    if not frontline_to_say(report, visits):
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
    frames = frontline_frames(report, visits)
    if large:  # a slide: what was done beside how many are open per team
        left, right = st.columns([7, 5], gap="large")
        with left:
            _we_did(frames["resolved"], large)
        with right:
            _still_open(frames, large, as_of_day)
    else:
        _we_did(frames["resolved"], large)
        _still_open(frames, large, as_of_day)
    st.markdown("**Leaders on the floor**")
    overdue = [v["team_name"] for v in visits if v["overdue"]]
    if overdue:
        st.warning(
            components.inert_markdown(
                f"Not met by a leader in the six weeks to {as_of_day:%d %b}: " + ", ".join(overdue)
            ),
            icon=":material/directions_walk:",
        )
    elif visits:
        st.caption(f"Every team met by a leader in the six weeks to {as_of_day:%d %b}.")
    _frontline_table(
        frames["floor"], large, "frontline-floor", ["Team", "By"],
        more="teams, met more recently, on the all-hands page",
    )  # fmt: skip


lines.update((line["id"], line) for line in with_obstacle_notes(list(lines.values())))
if not present:
    components.demo_banner()
    header()
    left, right = st.columns([5, 8], gap="large")
    with left:
        section_customers(False)
        nps_trend(False)
    with right:
        section_service(SPEED + RIGHT, "How we serve", False)
        service_trends(["service_level", "fcr", "callback_kept"], False, "service-trends")
    section_business()
    section_stars(False)
    section_frontline(False)
    section_teams(False)
else:
    slides = [
        ("What customers feel", lambda: section_customers(True)),
        (
            "How we serve: speed and access",
            lambda: section_service(SPEED, "How we serve: speed and access", True),
        ),
        (
            "How we serve: getting it right",
            lambda: section_service(RIGHT, "How we serve: getting it right", True),
        ),
    ]
    if data.business(period):
        slides.append(("Beyond service", section_business))
    slides.append(("Service stars", lambda: section_stars(True)))
    if frontline_to_say(data.you_said_we_did(period), data.leader_visits(period)):
        slides.append(("You said, we did", lambda: section_frontline(True)))
    slides.append(("Teams at a glance", lambda: section_teams(True)))
    current = components.slide_controls([title for title, _ in slides])
    header()
    slides[current][1]()
    components.demo_note()  # the slide's footer while demo data is in
