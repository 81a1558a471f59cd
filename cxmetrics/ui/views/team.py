"""Team scorecard: one team beside the organisation and its targets, its agents, its trend,
and what its customers said (redacted, plain text).

Which metrics show where comes from the registry's views (team_tiles, agent_table,
team_trends, headline); an internal service team shows each metric's `internal_headline`
in its place (iNPS where NPS shows).
"""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from cxmetrics.formatting import (
    format_count,
    format_delta,
    format_margin,
    format_target,
    format_value,
)
from cxmetrics.metrics import registry as declared
from cxmetrics.ui import charts, components, data, identity

PAGE_SIZE = 20
SEGMENTS = {"all": "All", "promoter": "Promoters", "passive": "Passives", "detractor": "Detractors"}
SMALL_N_STYLE = "color: #8c8c8c"  # greyed, never a status colour

period = st.session_state["period"]
present = bool(st.session_state.get("present"))
theme = components.chart_theme()
registry = data.registry()


plain = components.inert_markdown


def headline_metric(internal: bool) -> str:
    """The team's headline (NPS; iNPS for an internal service team, whose customers are
    colleagues)."""
    return declared.headline_metric(registry, internal)


def in_view(view: str, internal: bool) -> list[str]:
    """The metrics a team shows in a view, an internal team's stand-ins in their place."""
    return [declared.for_team(registry, m, internal) for m in declared.in_view(registry, view)]


def _reset_comment_page() -> None:
    st.session_state["comment_page"] = 1


# ----------------------------------------------------------------------------- header


def own_teams(ids: list[str]) -> list[str]:
    """The viewer's own teams among `ids`: a supervisor's, an agent's (none for roles that
    see every team's agents)."""
    viewer = identity.current()
    if viewer.sees_all_agents:
        return []
    if viewer.team_ids:
        return [t for t in viewer.team_ids if t in ids]
    return [t for t in data.agents()["team_id"] if t in ids]  # an agent: their own row


def pick_team(teams: pd.DataFrame) -> pd.Series:
    """The team picker (session key `team`, kept in the URL by main.py); by default the
    viewer's own team (a supervisor's first, an agent's), else the first."""
    ids = list(teams["team_id"])
    wanted = st.session_state.get("team")
    if wanted not in ids:
        if wanted:
            st.warning("The team in the link is not in the roster: showing the first team.")
        own = own_teams(ids)
        st.session_state["team"] = own[0] if own else ids[0]
    labels = {
        row.team_id: f"{row.name} ({row.team_id})"
        + (" · internal service team" if row.internal else "")
        for row in teams.itertuples()
    }
    team_id = st.selectbox(
        "Team",
        ids,
        key="team",
        format_func=labels.__getitem__,
        persist_state="session",
        on_change=_reset_comment_page,
        help="Internal service teams serve colleagues; their headline is internal NPS (iNPS).",
    )
    return teams.set_index("team_id").loc[team_id]


def header(team: pd.Series, card: dict, title_slot) -> None:
    p = data.period_of(period)
    with title_slot:
        st.title(f"{plain(team['name'])} · {p.label}", anchor=False)
    parts = []
    if team["supervisor"]:
        parts.append(f"Supervisor {plain(team['supervisor'])}")
    if team["function"]:
        parts.append(plain(team["function"]))
    parts.append(f"{int(team['agents']):,} active agents")
    parts.append(f"{p.start:%d %b} – {p.end:%d %b %Y}, compared with {card['previous_period']}")
    parts.append(f"data as of {data.data_as_of() or '—'}")
    st.caption(" · ".join(parts))


# ----------------------------------------------------------------------------- tiles


def tile_metrics(lines: dict[str, dict], internal: bool) -> list[str]:
    """The team's headline tiles. Colleagues of an internal team may answer iNPS only: there
    a tile with no answers gives its place to the next metric of its section that has some
    and is not shown yet (CSAT gives way to survey responses)."""
    ids = in_view("team_tiles", internal)
    if not internal:
        return ids
    out: list[str] = []
    for metric_id in ids:
        if lines[metric_id]["n"] == 0:
            section = declared.in_section(registry, registry[metric_id].section)
            after = section[section.index(metric_id) + 1 :]
            metric_id = next(
                (m for m in after if lines[m]["n"] > 0 and m not in ids and m not in out),
                metric_id,
            )
        out.append(metric_id)
    return out


def headline_tiles(lines: dict[str, dict], internal: bool) -> None:
    ids = tile_metrics(lines, internal)
    components.tile_grid([lines[m] for m in ids], columns=3 if present else 6)
    st.caption(
        "± is the 95 % margin of error; a change is called real only when it is statistically "
        "significant (p < 0.05). Greyed tiles have too few answers to judge."
    )


# ----------------------------------------------------------------------------- team vs org


def status_text(line: dict) -> str:
    """Status in words (never colour alone), with the flags that qualify it."""
    status = line["status"]
    if status == "not_applicable":
        return f"– not applicable ({line['note']})"
    if line["value"] is None:
        return "– no data"
    if status == "insufficient":
        word = f"… too few to judge (n {format_count(line['n'])} < {format_count(line['min_n'])})"
    else:
        word = charts.STATUS_ICON[status]
    if line.get("target_in_interval") and status in ("amber", "red", "green"):
        word += " · target within margin"
    if line.get("provisional") and status != "provisional":
        word += " · provisional"
    return word


def change_text(line: dict) -> str:
    """Change since the previous period: a real change only when significant (p < 0.05)."""
    if line.get("provisional"):
        return "provisional: follow-up window still open"
    if line["delta"] is None:
        return "—" if line["value"] is None else "no value last period"
    amount = format_delta(line["delta"], line["unit"])
    change = line["change"]
    if change in ("better", "worse"):
        return f"real change, {change} ({amount})"
    if change in ("up", "down"):
        return f"real change ({amount})"
    if change == "no real change":
        return f"no real change ({amount})"
    if line["n"] < line["min_n"] or line["previous_n"] < line["min_n"]:
        return f"too few to test ({amount})"
    return f"not tested ({amount})"  # no standard error for this metric


def comparison_frame(team_lines: dict, org_lines: dict, internal: bool) -> pd.DataFrame:
    """Every registry metric: team value, margin, n, org value, target, status and change.
    The team's headline comes first; a metric shown only where it has answers (iNPS) is
    left out when the team has none."""
    head = headline_metric(internal)
    order = [head, *(m for m in registry if m != head)]
    rows = []
    for metric_id in order:
        line, org = team_lines[metric_id], org_lines[metric_id]
        if registry[metric_id].only_with_data and not line["n"] and metric_id != head:
            continue  # e.g. a customer-facing team has no colleague respondents
        unit = line["unit"]
        label = data.metric_label(metric_id)
        if internal and metric_id == head:
            label += " (headline)"
        rows.append(
            {
                "Metric": label,
                "Team value": format_value(line["value"], unit),
                "± margin": format_margin(line["ci_low"], line["ci_high"], unit),
                "n": int(line["n"]),
                "Org value": format_value(org["value"], unit),
                "Target": format_target(line["target"], unit),
                "Status": status_text(line),
                "Change": change_text(line),
                "_small": line["status"] == "insufficient",
            }
        )
    return pd.DataFrame(rows)


def section_comparison(team_id: str, team_lines: dict, org_lines: dict, internal: bool) -> None:
    st.subheader("Team vs organisation vs target", anchor=False)
    if internal:
        st.caption("This team serves colleagues: internal NPS (iNPS) is its headline, shown first.")
    frame = comparison_frame(team_lines, org_lines, internal)
    small = frame.pop("_small")
    styled = frame.style.apply(
        lambda row: [SMALL_N_STYLE if small[row.name] else ""] * len(row), axis=1
    )
    st.dataframe(
        styled,
        hide_index=True,
        key="team-vs-org",
        column_config={
            "Metric": st.column_config.TextColumn(width="medium"),
            "± margin": st.column_config.TextColumn(help="Half-width of the 95 % interval"),
            "n": st.column_config.NumberColumn(
                format="localized", help="Answers or contacts the value rests on"
            ),
            "Target": st.column_config.TextColumn(help="The team's target in force"),
            "Status": st.column_config.TextColumn(width="medium"),
            "Change": st.column_config.TextColumn(
                width="medium", help="Against the previous period; real only when p < 0.05"
            ),
        },
        height=(len(frame) + 1) * 35 + 3,
    )
    components.table_download(frame, f"team-vs-org-{team_id}-{period}", "team-vs-org-csv")


# ----------------------------------------------------------------------------- agents


def agent_frame(team_id: str, internal: bool) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """One row per roster agent of the team: value and n per metric, rank by (i)NPS.

    Returns the table, a same-shaped frame of cell styles (small n greyed) and the name of
    the rank column. Agents below a metric's min_n keep their value but are never ranked.
    """
    head = headline_metric(internal)
    ids = agent_metrics(internal)
    rank_column = f"Rank by {registry[head].short_label}"
    per_agent = data.breakdown(period, "agent", team=team_id)
    rows, greyed = [], []
    for agent in data.agents(team_id, period).itertuples():
        lines = per_agent.get(agent.agent_id)
        if lines is None and agent.active is False:
            continue  # left the team and nothing to show
        row: dict = {"Agent": agent.name, rank_column: None}
        few, grey = [], set()
        for metric_id in ids:
            line = (lines or {}).get(metric_id)
            value = None if line is None else line["value"]
            n = 0 if line is None else int(line["n"])
            name = registry[metric_id].short_label
            row[name], row[f"{name} n"] = value, n
            if value is not None and n < registry[metric_id].min_n:
                few.append(f"{name} (n {format_count(n)})")
                grey.update({name, f"{name} n"})
        row["Too few to judge"] = ", ".join(few)
        rows.append(row)
        greyed.append(grey)
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame, frame, rank_column
    head_name = registry[head].short_label
    eligible = frame[head_name].notna() & (frame[f"{head_name} n"] >= registry[head].min_n)
    ascending = registry[head].direction == "lower"
    ranks = frame.loc[eligible, head_name].astype(float).rank(ascending=ascending, method="min")
    frame[rank_column] = pd.array([pd.NA] * len(frame), dtype="Int64")
    frame.loc[eligible, rank_column] = ranks.astype("Int64")
    styles = pd.DataFrame("", index=frame.index, columns=frame.columns)
    for index, grey in enumerate(greyed):
        for column in grey:
            styles.loc[index, column] = SMALL_N_STYLE
    return frame, styles, rank_column


NOT_YOURS = (
    "Agent rows and comments of this team are for its supervisor, leaders and analysts; "
    "you see its team numbers above."
)


def agent_metrics(internal: bool) -> list[str]:
    """The agent table's columns: metrics that mean something for one agent."""
    return [m for m in in_view("agent_table", internal) if "agent" in registry[m].scopes]


def section_agents(team_id: str, internal: bool) -> None:
    st.subheader("Agents", anchor=False)
    frame, styles, rank_column = agent_frame(team_id, internal)
    if frame.empty:
        if identity.current().sees_team_agents(team_id):
            st.write("No agents of this team in the roster.")
        else:
            st.write(NOT_YOURS)
        return
    head = headline_metric(internal)
    head_name = registry[head].short_label
    ids = agent_metrics(internal)
    min_head = registry[head].min_n
    queue = [registry[m].short_label for m in registry if registry[m].queue_measure]
    queue_note = (
        f" Queue measures ({', '.join(queue)}) are not applicable to one agent." if queue else ""
    )
    st.caption(
        f"Click a column header to sort. Greyed values rest on fewer answers than the metric's "
        f"minimum and are never ranked: the rank counts only agents with at "
        f"least {min_head} {head_name} answers. Contacts without an agent in the roster are "
        "left out here (they still count in the team's numbers)." + queue_note
    )
    formats = {
        registry[m].short_label: (lambda v, unit=registry[m].unit: format_value(v, unit))
        for m in ids
    }
    styled = frame.style.apply(lambda _: styles, axis=None).format(formats, na_rep="—")
    config = {
        "Agent": st.column_config.TextColumn(),
        rank_column: st.column_config.NumberColumn(
            help=f"1 = best {head_name} among agents with at least {min_head} answers; "
            "empty when fewer (never ranked)"
        ),
        "Too few to judge": st.column_config.TextColumn(
            width="large", help="Metrics whose value rests on fewer answers than their minimum"
        ),
    }
    for metric_id in ids:
        name = registry[metric_id].short_label
        config[name] = st.column_config.Column(
            help=f"{data.metric_label(metric_id)}; below n {registry[metric_id].min_n} it is greyed"
        )
        config[f"{name} n"] = st.column_config.NumberColumn(
            format="localized", help=f"Answers or contacts behind {name}"
        )
    st.dataframe(
        styled,
        hide_index=True,
        key="agents",
        column_config=config,
        placeholder="",  # no rank, no value: an empty cell
        height=min(len(frame) + 1, 16) * 35 + 3,
    )
    components.table_download(frame, f"agents-{team_id}-{period}", "agents-csv")


# ----------------------------------------------------------------------------- trend


def section_trend(team_id: str, internal: bool) -> None:
    st.subheader("Trend, last 13 periods", anchor=False)
    rows = data.trend(period, 13, team=team_id)
    head = headline_metric(internal)
    head_fig = charts.trend_chart(
        rows[rows["metric"] == head],
        data.metric_label(head),
        registry[head].unit,
        large=present,
        theme=theme,
        min_n=registry[head].min_n,
    )
    trends = in_view("team_trends", internal)
    metrics = [(m, data.metric_label(m), registry[m].unit) for m in trends]
    small_fig = charts.small_multiples(
        rows[rows["metric"].isin(trends)],
        metrics,
        large=present,
        theme=theme,
        columns=4 if present else 2,
    )
    if present:
        components.chart(head_fig, "team-head-trend")
        components.chart(small_fig, "team-small-trends")
        return
    left, right = st.columns([5, 7], gap="large")
    with left:
        components.chart(head_fig, "team-head-trend")
    with right:
        components.chart(small_fig, "team-small-trends")


# ----------------------------------------------------------------------------- comments


def comment_rows(page: pd.DataFrame) -> pd.DataFrame:
    """Comments as inert table cells, already redacted upstream.

    `st.table` renders cells as markdown, so customer text and names are escaped: a
    comment can never become a link, bold text or HTML.
    """

    def score(value: object) -> str:
        return "—" if pd.isna(value) else f"{int(value)}"

    return pd.DataFrame(
        {
            "Date": [f"{t:%a %d %b %H:%M}" for t in page["responded_at"]],
            "Agent": [plain(name) if isinstance(name, str) else "—" for name in page["agent_name"]],
            "NPS": [score(v) for v in page["nps"]],
            "CSAT": [score(v) for v in page["csat"]],
            "Segment": [
                SEGMENTS.get(s, "—").removesuffix("s") if isinstance(s, str) else "—"
                for s in page["segment"]
            ],
            "Comment": [plain(c) for c in page["comment"]],
        }
    )


def section_comments(team_id: str, internal: bool) -> None:
    who = "colleagues" if internal else "customers"
    st.subheader(f"What {who} said about the team", anchor=False)
    counts = {
        key: data.comments(period, team_id, segment=None if key == "all" else key, limit=1)[1]
        for key in SEGMENTS
    }
    st.session_state.setdefault("comment_segment", "all")
    choice = st.segmented_control(
        "Show",
        list(SEGMENTS),
        key="comment_segment",
        required=True,
        format_func=lambda key: f"{SEGMENTS[key]} ({counts[key]:,})",
        on_change=_reset_comment_page,
        help="By NPS: promoters 9–10, passives 7–8, detractors 0–6. A response without NPS "
        "is placed by CSAT: 5, 4, 1–3.",
    )
    total = counts[choice]
    if total == 0 and not identity.current().sees_team_agents(team_id):
        st.write(NOT_YOURS)
        return
    if total == 0:
        st.write(f"No comments from {who} in {period} for this filter.")
        return
    pages = math.ceil(total / PAGE_SIZE)
    current = st.session_state.get("comment_page", 1)
    if not isinstance(current, int) or not 1 <= current <= pages:
        st.session_state["comment_page"] = current = 1
    page, _ = data.comments(
        period,
        team_id,
        segment=None if choice == "all" else choice,
        limit=PAGE_SIZE,
        offset=(current - 1) * PAGE_SIZE,
    )
    first = (current - 1) * PAGE_SIZE + 1
    st.caption(
        f"{total:,} comments · showing {first:,}–{first + len(page) - 1:,}, newest first · "
        "e-mail addresses, phone, card and IBAN numbers are redacted"
    )
    st.table(comment_rows(page), hide_index=True)
    if pages > 1:
        st.pagination(pages, key="comment_page")


# ----------------------------------------------------------------------------- page


def render() -> None:
    if present:
        components.exit_presentation_button("team-present-exit")
        components.demo_note()
    else:
        components.demo_banner()
    title_slot = st.container()
    teams = data.teams()
    if teams.empty:
        with title_slot:
            st.title(f"Team scorecard · {period}", anchor=False)
        st.info("No teams in the roster yet: upload a roster on the Upload page.")
        return
    picker, _ = st.columns([2, 3])
    with picker:
        team = pick_team(teams)
    team_id = str(team.name)
    internal = bool(team["internal"])
    card = data.scorecard(period, team=team_id)
    team_lines = {m["id"]: m for m in card["metrics"]}
    org_lines = {m["id"]: m for m in data.scorecard(period)["metrics"]}
    header(team, card, title_slot)
    headline_tiles(team_lines, internal)
    section_trend(team_id, internal)
    section_comparison(team_id, team_lines, org_lines, internal)
    section_agents(team_id, internal)
    section_comments(team_id, internal)


identity.require("team")
render()
