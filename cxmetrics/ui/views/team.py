"""Team scorecard: one team beside the organisation and its targets, its agents, its trend,
and what its customers said (redacted, plain text)."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from cxmetrics.ui import charts, components, data, frontline

HEADLINE = ["nps", "csat", "service_level", "fcr", "callback_kept", "transfer_rate"]
AGENT_METRICS = ["nps", "csat", "service_level", "aht", "fcr", "transfer_rate", "adherence"]
SMALL_TRENDS = ["service_level", "fcr", "transfer_rate", "callback_kept"]
SHORT = {
    "nps": "NPS",
    "inps": "iNPS",
    "csat": "CSAT",
    "service_level": "Service level",
    "aht": "AHT",
    "fcr": "FCR",
    "transfer_rate": "Transfers",
    "adherence": "Adherence",
}
PAGE_SIZE = 20
SEGMENTS = {"all": "All", "promoter": "Promoters", "passive": "Passives", "detractor": "Detractors"}
SMALL_N_STYLE = "color: #8c8c8c"  # greyed, never a status colour

period = st.session_state["period"]
present = bool(st.session_state.get("present"))
theme = components.chart_theme()


plain = components.inert_markdown


def headline_metric(internal: bool) -> str:
    """An internal service team's customers are colleagues: its headline is iNPS."""
    return "inps" if internal else "nps"


def _reset_comment_page() -> None:
    st.session_state["comment_page"] = 1


# ----------------------------------------------------------------------------- header


def pick_team(teams: pd.DataFrame) -> pd.Series:
    """The team picker (session key `team`, kept in the URL by main.py); the first by default."""
    ids = list(teams["team_id"])
    wanted = st.session_state.get("team")
    if wanted not in ids:
        if wanted:
            st.warning("The team in the link is not in the roster: showing the first team.")
        st.session_state["team"] = ids[0]
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


def headline_tiles(lines: dict[str, dict], internal: bool) -> None:
    ids = [headline_metric(internal) if m == "nps" else m for m in HEADLINE]
    if internal and lines["csat"]["n"] == 0:  # colleagues answer iNPS only
        ids[ids.index("csat")] = "responses"
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
        word = f"… too few to judge (n {line['n']:,} < {line['min_n']:,})"
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
    unit = components.DELTA_UNIT.get(line["unit"], "")
    count = line["unit"] == "count"
    digits = 2 if line["unit"] == "per hour" else 1
    amount = f"{line['delta']:+,.0f}" if count else f"{line['delta']:+.{digits}f}{unit}"
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
    """Every registry metric: team value, margin, n, org value, target, status and change."""
    order = list(data.registry())
    if internal:
        order.remove("inps")
        order.insert(0, "inps")
    rows = []
    for metric_id in order:
        line, org = team_lines[metric_id], org_lines[metric_id]
        if metric_id == "inps" and not internal and not line["n"]:
            continue  # a customer-facing team has no colleague respondents
        unit = line["unit"]
        label = data.metric_label(metric_id)
        if internal and metric_id == "inps":
            label += " (headline)"
        rows.append(
            {
                "Metric": label,
                "Team value": charts.format_value(line["value"], unit),
                "± margin": charts.format_margin(line["ci_low"], line["ci_high"], unit),
                "n": int(line["n"]),
                "Org value": charts.format_value(org["value"], unit),
                "Target": charts.format_value(line["target"], unit),
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
    reg = data.registry()
    head = headline_metric(internal)
    ids = [head if m == "nps" else m for m in AGENT_METRICS if "agent" in reg[m].scopes]
    rank_column = f"Rank by {SHORT[head]}"
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
            name = SHORT[metric_id]
            row[name], row[f"{name} n"] = value, n
            if value is not None and n < reg[metric_id].min_n:
                few.append(f"{name} (n {n:,})")
                grey.update({name, f"{name} n"})
        row["Too few to judge"] = ", ".join(few)
        rows.append(row)
        greyed.append(grey)
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame, frame, rank_column
    head_name = SHORT[head]
    eligible = frame[head_name].notna() & (frame[f"{head_name} n"] >= reg[head].min_n)
    ascending = reg[head].direction == "lower"
    ranks = frame.loc[eligible, head_name].astype(float).rank(ascending=ascending, method="min")
    frame[rank_column] = pd.array([pd.NA] * len(frame), dtype="Int64")
    frame.loc[eligible, rank_column] = ranks.astype("Int64")
    styles = pd.DataFrame("", index=frame.index, columns=frame.columns)
    for index, grey in enumerate(greyed):
        for column in grey:
            styles.loc[index, column] = SMALL_N_STYLE
    return frame, styles, rank_column


def section_agents(team_id: str, internal: bool) -> None:
    st.subheader("Agents", anchor=False)
    frame, styles, rank_column = agent_frame(team_id, internal)
    if frame.empty:
        st.write("No agents of this team in the roster.")
        return
    reg = data.registry()
    head = headline_metric(internal)
    ids = [head if m == "nps" else m for m in AGENT_METRICS if "agent" in reg[m].scopes]
    min_head = reg[head].min_n
    st.caption(
        f"Click a column header to sort. Greyed values rest on fewer answers than the metric's "
        f"minimum and are never ranked: the rank counts only agents with at "
        f"least {min_head} {SHORT[head]} answers. Contacts without an agent in the roster are "
        "left out here (they still count in the team's numbers). Service level, speed of "
        "answer and abandonment are queue measures: not applicable to one agent."
    )
    formats = {SHORT[m]: (lambda v, unit=reg[m].unit: charts.format_value(v, unit)) for m in ids}
    styled = frame.style.apply(lambda _: styles, axis=None).format(formats, na_rep="—")
    config = {
        "Agent": st.column_config.TextColumn(),
        rank_column: st.column_config.NumberColumn(
            help=f"1 = best {SHORT[head]} among agents with at least {min_head} answers; "
            "empty when fewer (never ranked)"
        ),
        "Too few to judge": st.column_config.TextColumn(
            width="large", help="Metrics whose value rests on fewer answers than their minimum"
        ),
    }
    for metric_id in ids:
        name = SHORT[metric_id]
        config[name] = st.column_config.Column(
            help=f"{data.metric_label(metric_id)}; below n {reg[metric_id].min_n} it is greyed"
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
    reg = data.registry()
    rows = data.trend(period, 13, team=team_id)
    head = headline_metric(internal)
    head_fig = charts.trend_chart(
        rows[rows["metric"] == head],
        data.metric_label(head),
        reg[head].unit,
        large=present,
        theme=theme,
        min_n=reg[head].min_n,
    )
    metrics = [(m, data.metric_label(m), reg[m].unit) for m in SMALL_TRENDS]
    small_fig = charts.small_multiples(
        rows[rows["metric"].isin(SMALL_TRENDS)],
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
    frontline.team_section(period, team_id)
    section_comments(team_id, internal)


render()
