"""Agent page (`/agent?agent=A001`): one agent's scorecard beside their team and target, with
trends; what customers said about them and the praise they received (thanked or not, with a
kudos card); their career in service: tenure, teams, service-star periods, praise over time
and learning.

The agent comes from the link (`?agent=`) or the picker; the period is the shared one.
Which metrics show comes from the registry (metrics with an agent scope; the team_tiles and
team_trends views), an internal service team's stand-ins in their place.
"""

from __future__ import annotations

import functools
import math

import pandas as pd
import streamlit as st

from cxmetrics.career import STAR_PLACES, tenure_text
from cxmetrics.formatting import format_count, format_margin, format_target, format_value
from cxmetrics.metrics import registry as declared
from cxmetrics.ui import charts, components, data, identity, tiles

PAGE_SIZE = 10
SEGMENTS = components.COMMENT_SEGMENTS
SMALL_N_STYLE = "color: #8c8c8c"

period = st.session_state["period"]
present = bool(st.session_state.get("present"))
registry = data.registry()
plain = components.inert_markdown


def _reset_comment_page() -> None:
    st.session_state["agent_comment_page"] = 1


def pick_agent(names: dict[str, str]) -> str:
    """The agent picker (session key `agent`, kept in the URL by main.py). A new `?agent=`
    in the link (a name clicked on the Team page) wins over the last choice."""
    wanted = st.session_state.pop("_url_agent", None)  # the session's first link
    linked = st.query_params.get("agent")
    if wanted is None and linked and linked != st.session_state.get("_agent_in_url"):
        wanted = linked
    if wanted:
        st.session_state["_agent_in_url"] = wanted
        if wanted in names:
            st.session_state["agent"] = wanted
            _reset_comment_page()
        else:
            st.warning(
                plain(
                    f"The agent “{wanted[:40]}” in the link is not in the roster, or not "
                    "yours to see."
                ),
                icon=":material/link_off:",
            )
    if st.session_state.get("agent") not in names:
        st.session_state["agent"] = next(iter(names))
    return st.selectbox(
        "Agent",
        list(names),
        key="agent",
        format_func=lambda agent_id: f"{names[agent_id]} ({agent_id})",
        on_change=_reset_comment_page,
    )


def internal_team(team_id: str | None) -> bool:
    teams = data.teams()
    row = teams[teams["team_id"] == team_id]
    return bool(not row.empty and row["internal"].iloc[0])


def agent_metrics(internal: bool) -> list[str]:
    """Every metric that means something for one agent, the team's headline first."""
    head = declared.headline_metric(registry, internal)
    ids = [head, *(m for m in registry if m != head)]
    return [m for m in ids if "agent" in registry[m].scopes]


def in_view(view: str, internal: bool) -> list[str]:
    ids = [declared.for_team(registry, m, internal) for m in declared.in_view(registry, view)]
    return [m for m in ids if "agent" in registry[m].scopes]


# ----------------------------------------------------------------------------- header


def header(agent_id: str, career: dict, team_id: str | None, title_slot) -> None:
    p = data.period_of(period)
    with title_slot:
        st.title(f"{plain(career['name'])} · {p.label}", anchor=False)
    teams = data.teams().set_index("team_id")
    parts = [plain(agent_id)]
    if team_id is not None and team_id in teams.index:
        team = teams.loc[team_id]
        parts.append(f"{plain(team['name'])} ({plain(team_id)})")
        if team["supervisor"]:
            parts.append(f"supervisor {plain(team['supervisor'])}")
    else:
        parts.append("in no team on the period's last day")
    hired = career["hired_on"]
    parts.append(
        f"in service {tenure_text(hired, career['as_of'])}"
        + (f" (since {hired:%d %b %Y})" if hired else "")
    )
    if not career["active"]:
        parts.append("no longer active")
    parts.append(f"{p.start:%d %b} – {p.end:%d %b %Y}")
    st.caption(" · ".join(parts))


# ----------------------------------------------------------------------------- scorecard


def scorecard_frame(agent_lines: dict, team_lines: dict, internal: bool) -> pd.DataFrame:
    """The agent's metrics beside their team's and the target that applies to them."""
    rows = []
    for metric_id in agent_metrics(internal):
        line, team = agent_lines[metric_id], team_lines.get(metric_id)
        if registry[metric_id].only_with_data and not line["n"]:
            continue
        unit = line["unit"]
        rows.append(
            {
                "Metric": data.metric_label(metric_id),
                "Agent value": format_value(line["value"], unit),
                "± margin": format_margin(line["ci_low"], line["ci_high"], unit),
                "n": int(line["n"]),
                "Team value": format_value(None if team is None else team["value"], unit),
                "Target": format_target(line["target"], unit),
                "Status": components.status_words(line),
                "Change": components.change_words(line),
                "_small": line["status"] == "insufficient",
            }
        )
    return pd.DataFrame(rows)


def section_scorecard(agent_id: str, team_id: str | None, internal: bool) -> None:
    agent_lines = {m["id"]: m for m in data.scorecard(period, agent=agent_id)["metrics"]}
    team_lines = (
        {m["id"]: m for m in data.scorecard(period, team=team_id)["metrics"]} if team_id else {}
    )
    tiles.tile_grid(
        [agent_lines[m] for m in in_view("team_tiles", internal)], columns=3 if present else 6
    )
    st.subheader("Beside the team and the target", anchor=False)
    st.caption(
        "Targets are those of the agent's team on the period's last day. ± is the 95 % "
        "margin of error; greyed rows rest on too few answers to judge."
    )
    frame = scorecard_frame(agent_lines, team_lines, internal)
    small = frame.pop("_small")
    wide, cards = components.wide_or_cards("agent-card")
    with cards:
        for index, row in enumerate(frame.itertuples(index=False)):
            margin = f" ({row[2]})" if row[2] else ""
            components.card(
                row.Metric,
                [
                    f"Agent {row[1]}{margin} · n {row.n:,}",
                    f"Team {row[4]} · target {row.Target}",
                    row.Status,
                    row.Change,
                ],
                key=f"card-agent-line-{index}",
            )
    styled = frame.style.apply(
        lambda row: [SMALL_N_STYLE if small[row.name] else ""] * len(row), axis=1
    )
    wide.dataframe(
        styled,
        hide_index=True,
        key="agent-vs-team",
        column_config={
            "Metric": st.column_config.TextColumn(width="medium"),
            "± margin": st.column_config.TextColumn(help="Half-width of the 95 % interval"),
            "n": st.column_config.NumberColumn(
                format="localized", help="Answers or contacts the value rests on"
            ),
            "Status": st.column_config.TextColumn(width="medium"),
            "Change": st.column_config.TextColumn(width="medium"),
        },
        height=(len(frame) + 1) * 35 + 3,
    )
    with wide:
        components.table_download(frame, f"agent-{agent_id}-{period}", "agent-card-csv")


def section_trend(agent_id: str, internal: bool) -> None:
    st.subheader("Trend", anchor=False)
    rows = data.agent_trend(period, agent_id)
    head = declared.headline_metric(registry, internal)
    head_fig = data.figure(
        charts.trend_chart,
        rows[rows["metric"] == head],
        data.metric_label(head),
        registry[head].unit,
        large=present,
        theme=components.chart_theme(),
        min_n=registry[head].min_n,
    )
    trends = [m for m in in_view("team_trends", internal) if m != head]
    small_fig = data.figure(
        charts.small_multiples,
        rows[rows["metric"].isin(trends)],
        [(m, data.metric_label(m), registry[m].unit) for m in trends],
        large=present,
        theme=components.chart_theme(),
        columns=2,
    )
    left, right = st.columns([5, 7], gap="large")
    with left:
        components.chart(head_fig, "agent-head-trend")
    with right:
        components.chart(small_fig, "agent-small-trends")


# ----------------------------------------------------------------------------- comments


def comment_card(row, index: int) -> None:
    """One comment, whole and wrapped, with its date, scores and segment (plain text)."""
    with st.container(border=True, key=f"agent-comment-{index}"):
        st.text(row.comment, wrap=True)
        scores = " · ".join(
            f"{name} {int(value)}"
            for name, value in (("NPS", row.nps), ("CSAT", row.csat))
            if not pd.isna(value)
        )
        segment = SEGMENTS.get(row.segment, "—").removesuffix("s") if row.segment else "—"
        st.caption(f"{pd.Timestamp(row.responded_at):%a %d %b %H:%M} · {scores} · {segment}")


def section_comments(agent_id: str) -> None:
    st.subheader("What customers said", anchor=False)
    choice, total = components.comment_segment(
        lambda segment: data.comments(period, agent=agent_id, segment=segment, limit=1)[1],
        "agent_comment_segment",
        _reset_comment_page,
    )
    if total == 0:
        st.write(f"No comments about this agent in {period} for this filter.")
        return
    pages = math.ceil(total / PAGE_SIZE)
    current = st.session_state.get("agent_comment_page", 1)
    if not isinstance(current, int) or not 1 <= current <= pages:
        st.session_state["agent_comment_page"] = current = 1
    page, _ = data.comments(
        period,
        agent=agent_id,
        segment=None if choice == "all" else choice,
        limit=PAGE_SIZE,
        offset=(current - 1) * PAGE_SIZE,
    )
    first = (current - 1) * PAGE_SIZE + 1
    st.caption(
        f"{total:,} comments · showing {first:,}–{first + len(page) - 1:,}, newest first · "
        "e-mail addresses, phone, card and IBAN numbers are redacted"
    )
    for index, row in enumerate(page.itertuples()):
        comment_card(row, index)
    if pages > 1:
        st.pagination(pages, key="agent_comment_page")


def kudos_card(row, demo: bool) -> bytes:
    return data.recognition_kudos_png(
        row.name or "",
        row.team_name,
        row.comment,
        pd.Timestamp(row.responded_at).isoformat(),
        "a colleague" if row.respondent_type == "colleague" else "a customer",
        demo,
    )


def section_praise(agent_id: str) -> None:
    praise = data.agent_praise(period, agent_id)
    thanked = int(praise["thanked"].sum()) if not praise.empty else 0
    st.subheader(f"Praise received ({len(praise)})", anchor=False)
    if praise.empty:
        st.write(f"No comment in {period} praises this agent by name.")
        return
    waiting = len(praise) - thanked
    st.caption(f"{thanked} thanked, {waiting} waiting. Mark a thank-you on the Recognition page.")
    demo = data.demo_present()
    for index, row in enumerate(praise.itertuples()):
        with st.container(border=True, key=f"agent-praise-{index}"):
            text_col, action_col = st.columns([4, 1.4], vertical_alignment="center")
            with text_col:
                st.text(row.comment, wrap=True)
                when = pd.Timestamp(row.responded_at)
                if row.thanked:
                    note = f" · “{row.note}”" if row.note else ""
                    state = (
                        f":material/favorite: Thanked by {plain(row.thanked_by)} on "
                        f"{pd.Timestamp(row.thanked_at):%d %b %Y}{plain(note)}"
                    )
                else:
                    state = ":material/hourglass_empty: Not thanked yet"
                st.caption(f"{when:%a %d %b %Y %H:%M} · {state}")
            with action_col:
                st.download_button(
                    "Kudos card",
                    data=functools.partial(kudos_card, row, demo),
                    file_name=f"kudos-{components.key_part(agent_id)}-"
                    f"{components.key_part(row.response_id)}.png",
                    mime="image/png",
                    icon=":material/download:",
                    on_click="ignore",
                    key=f"agent-kudos-{index}",
                    help="A printable thank-you card with the customer's words (PNG)",
                )
    st.page_link("views/recognition.py", label="Recognition", icon=":material/star:")


# ----------------------------------------------------------------------------- career


def day(value) -> str:
    return f"{value:%d %b %Y}"


def first_day(hired) -> str:
    """A stretch that began before the first roster the store holds: since hiring."""
    return f"hired {day(hired)}" if hired else "first roster"


def section_career(agent_id: str, career: dict) -> None:
    st.subheader("A career in service", anchor=False)
    teams, stars = st.columns(2, gap="large")
    with teams:
        st.markdown("**Teams**")
        hired = career["hired_on"]
        rows = [
            {
                "Team": f"{stretch['team_name']} ({stretch['team_id']})",
                "From": day(stretch["first"]) if stretch["first"] else first_day(hired),
                "To": day(stretch["last"]) if stretch["last"] else "now",
            }
            for stretch in reversed(career["teams"])
        ]
        if rows:
            st.dataframe(pd.DataFrame(rows), hide_index=True, key="agent-teams")
        else:
            st.caption("No team history in the roster.")
    with stars:
        st.markdown("**Service star**")
        if career["star_periods"]:
            for star in reversed(career["star_periods"]):
                metric = registry[star["metric"]].short_label
                st.markdown(
                    f":material/star: {star['period']}: star no. {star['place']}, {metric} "
                    f"{format_value(star['value'], 'pts')} (cautious end "
                    f"{format_value(star['ci_low'], 'pts')}, n {format_count(star['n'])})"
                )
        else:
            st.caption(
                f"Not yet among the organisation's first {STAR_PLACES} service stars of a month "
                f"(at least {data.recognition_min_n()} answers, ranked by the interval's low end)."
            )
    praise, learning = st.columns(2, gap="large")
    with praise:
        st.markdown("**Praise by month**")
        if career["praise"]:
            frame = pd.DataFrame(career["praise"]).rename(
                columns={"period": "Month", "praise": "Praise", "thanked": "Thanked"}
            )
            st.dataframe(frame, hide_index=True, key="agent-praise-months")
        else:
            st.caption("No praise naming this agent yet.")
    with learning:
        total = career["learning_hours"]
        st.markdown(f"**Learning: {total:,.1f} hours in all**")
        sessions = data.agent_learning(agent_id)
        if sessions.empty:
            st.caption("No learning logged (upload kind `learning` on the Upload page).")
        else:
            by_month = pd.DataFrame(career["learning"]).rename(
                columns={"period": "Month", "hours": "Hours", "sessions": "Sessions"}
            )
            st.dataframe(
                by_month,
                hide_index=True,
                key="agent-learning-months",
                column_config={"Hours": st.column_config.NumberColumn(format="%.1f")},
            )
            st.dataframe(
                sessions.rename(columns={"date": "Date", "hours": "Hours", "topic": "Topic"}),
                hide_index=True,
                key="agent-learning",
                column_config={
                    "Date": st.column_config.DateColumn(format="D MMM YYYY"),
                    "Hours": st.column_config.NumberColumn(format="%.1f"),
                },
                height=min(len(sessions) + 1, 8) * 35 + 3,
            )


# ----------------------------------------------------------------------------- page


def render() -> None:
    if present:
        components.demo_note()
    else:
        components.demo_banner()
    title_slot = st.container()
    roster = data.agents()  # the agents this viewer may see (access/scoped.py)
    names = dict(zip(roster["agent_id"], roster["name"], strict=True))
    if not names:
        with title_slot:
            st.title(f"Agent · {period}", anchor=False)
        if identity.current().sees_all_agents:
            st.info("No agents in the roster yet: upload a roster on the Upload page.")
        else:
            st.info("No agent's page is yours to see: your role shows your own or your teams'.")
        return
    picker, _ = st.columns([2, 3])
    with picker:
        agent_id = pick_agent(names)
    p = data.period_of(period)
    career = data.agent_career(agent_id, p.end.isoformat())
    team_id = data.agent_team(agent_id, period)
    internal = internal_team(team_id)
    header(agent_id, career, team_id, title_slot)
    section_scorecard(agent_id, team_id, internal)
    section_trend(agent_id, internal)
    section_praise(agent_id)
    section_comments(agent_id)
    section_career(agent_id, career)


identity.require("agent")
render()
