"""Team scorecard: one team beside the organisation and its targets, its agents, its trend,
and what its customers said (redacted, plain text).

Which metrics show where comes from the registry's views (team_tiles, agent_table,
team_trends, headline); an internal service team shows each metric's `internal_headline`
in its place (iNPS where NPS shows).
"""

from __future__ import annotations

import math
from urllib.parse import quote, unquote

import pandas as pd
import streamlit as st

from cxmetrics import coaching
from cxmetrics.formatting import (
    format_count,
    format_margin,
    format_target,
    format_value,
)
from cxmetrics.metrics import registry as declared
from cxmetrics.ui import charts, components, data, frontline, identity, tiles

PAGE_SIZE = 20
SEGMENTS = components.COMMENT_SEGMENTS
SMALL_N_STYLE = "color: #8c8c8c"  # greyed, never a status colour
# Cell tints by status against the agent's target (translucent: light and dark themes),
# always with the status icon in the cell: colour is never the only signal.
STATUS_STYLE = {
    "green": "background-color: rgba(0, 158, 115, 0.16)",
    "amber": "background-color: rgba(230, 159, 0, 0.20)",
    "red": "background-color: rgba(213, 94, 0, 0.20)",
}
BADGE = {"green": "green", "amber": "orange", "red": "red", "insufficient": "gray"}
CELL_ICON = {"green": "✔", "amber": "▲", "red": "✖", "insufficient": "…"}
AGENT_PAGE = "views/agent.py"
SHORT_LIST = 5  # agents shown on each list of the week; the rest behind "N more"

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
    tiles.tile_grid([lines[m] for m in ids], columns=3 if present else 6)
    st.caption(
        "± is the 95 % margin of error; a change is called real only when it is statistically "
        "significant (p < 0.05). Greyed tiles have too few answers to judge."
    )


# ----------------------------------------------------------------------------- team vs org


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
                "Status": components.status_words(line),
                "Change": components.change_words(line),
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
    wide, cards = components.wide_or_cards("team-vs-org")
    with cards:
        for index, row in enumerate(frame.itertuples(index=False)):
            margin = f" ({row[2]})" if row[2] else ""
            components.card(
                row.Metric,
                [
                    f"Team {row[1]}{margin} · n {row.n:,}",
                    f"Organisation {row[4]} · target {row.Target}",
                    row.Status,
                    row.Change,
                ],
                key=f"card-vs-org-{index}",
            )
    wide.dataframe(
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


def agent_url(agent_id: str, name: str) -> str:
    """The agent page's link for a table cell: the id in the query (quoted) and, after `#`,
    the name the cell shows (LinkColumn's display_text takes it from there)."""
    return f"agent?agent={quote(agent_id, safe='')}&period={quote(period)}#{name}"


def cell_text(value: float | None, status: str | None, unit: str) -> str:
    """A table cell: the status icon, then the value ("✔ 5.0 %"); "—" with no value."""
    if value is None or pd.isna(value):
        return "—"
    icon = CELL_ICON.get(status or "")
    return f"{icon} {format_value(value, unit)}" if icon else format_value(value, unit)


def agent_frame(team_id: str, internal: bool) -> tuple[pd.DataFrame, pd.DataFrame, str, dict]:
    """One row per roster agent of the team: value and n per metric, rank by (i)NPS's
    cautious end (the 95 % interval's low end, as stars), best first.

    Returns the table, a same-shaped frame of cell styles (status tint against the agent's
    target, small n greyed), the name of the rank column and each row's cell statuses
    ({row: {column: status}}, for the icons). Agents below a metric's min_n keep their
    value but are never ranked nor coloured.
    """
    head = headline_metric(internal)
    ids = agent_metrics(internal)
    rank_column = f"Rank by {registry[head].short_label}"
    low_column = f"{registry[head].short_label} cautious end"
    per_agent = data.breakdown(period, "agent", team=team_id)
    ranks = coaching.ranks(
        {key: lines[head] for key, lines in per_agent.items() if key is not None and head in lines},
        registry[head],
    )
    rows, statuses = [], []
    for agent in data.agents(team_id, period).itertuples():
        lines = per_agent.get(agent.agent_id)
        if lines is None and agent.active is False:
            continue  # left the team and nothing to show
        head_line = (lines or {}).get(head)
        row: dict = {
            "Agent": agent_url(agent.agent_id, agent.name),
            rank_column: ranks.get(agent.agent_id),
            low_column: coaching.cautious_end(head_line, registry[head].direction)
            if coaching.rankable(head_line, registry[head])
            else None,
        }
        few, status = [], {}
        for metric_id in ids:
            line = (lines or {}).get(metric_id)
            value = None if line is None else line["value"]
            n = 0 if line is None else int(line["n"])
            name = registry[metric_id].short_label
            row[name], row[f"{name} n"] = value, n
            if value is None:
                continue
            if n < registry[metric_id].min_n:
                few.append(f"{name} (n {format_count(n)})")
                status[name] = status[f"{name} n"] = "insufficient"
            elif line["status"] in STATUS_STYLE:
                status[name] = line["status"]
        row["Too few to judge"] = ", ".join(few)
        rows.append(row)
        statuses.append(status)
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame, frame, rank_column, {}
    frame[rank_column] = pd.array(frame[rank_column].tolist(), dtype="Int64")
    order = frame.sort_values(rank_column, na_position="last", kind="stable").index
    frame = frame.loc[order].reset_index(drop=True)
    statuses = [statuses[i] for i in order]
    styles = pd.DataFrame("", index=frame.index, columns=frame.columns)
    for index, status in enumerate(statuses):
        for column, word in status.items():
            styles.loc[index, column] = (
                SMALL_N_STYLE if word == "insufficient" else STATUS_STYLE[word]
            )
    return frame, styles, rank_column, dict(enumerate(statuses))


NOT_YOURS = (
    "Agent rows and comments of this team are for its supervisor, leaders and analysts; "
    "you see its team numbers above."
)


def agent_metrics(internal: bool) -> list[str]:
    """The agent table's columns: metrics that mean something for one agent."""
    return [m for m in in_view("agent_table", internal) if "agent" in registry[m].scopes]


def agent_name(url: str) -> str:
    """The name an agent_url carries after `#`."""
    return url.split("#", 1)[1]


def agent_cards(frame: pd.DataFrame, statuses: dict, rank_column: str, ids: list[str]) -> None:
    """The agent table on a phone: one card per agent (the name links to their page), each
    metric a badge coloured by status with its icon; small n grey with `…`."""
    for index, row in frame.iterrows():
        rank = row[rank_column]
        with st.container(border=True, key=f"card-agent-{index}", gap="small"):
            agent_id = unquote(row["Agent"].split("agent=", 1)[1].split("&", 1)[0])
            agent_link(agent_id, agent_name(row["Agent"]), f"card-agent-link-{index}")
            badges = []
            for metric_id in ids:
                name = registry[metric_id].short_label
                if row[name] is None or pd.isna(row[name]):
                    continue
                status = statuses[index].get(name)
                text = cell_text(row[name], status, registry[metric_id].unit)
                colour = BADGE.get(status, "gray")
                n = format_count(row[f"{name} n"])
                badges.append(f":{colour}-badge[{plain(f'{name} {text} · n {n}')}]")
            ranked = f"{rank_column} {rank}" if not pd.isna(rank) else "not ranked"
            st.markdown(" ".join(badges) + f"  \n{ranked}")


def section_agents(team_id: str, internal: bool) -> None:
    st.subheader("Agents", anchor=False)
    frame, styles, rank_column, statuses = agent_frame(team_id, internal)
    if frame.empty:
        if identity.current().sees_team_agents(team_id):
            st.write("No agents of this team in the roster.")
        else:
            st.write(NOT_YOURS)
        return
    head = headline_metric(internal)
    head_name = registry[head].short_label
    low_column = f"{head_name} cautious end"
    ids = agent_metrics(internal)
    min_head = registry[head].min_n
    end = "high" if registry[head].direction == "lower" else "low"
    queue = [registry[m].short_label for m in registry if registry[m].queue_measure]
    queue_note = (
        f" Queue measures ({', '.join(queue)}) are not applicable to one agent." if queue else ""
    )
    st.caption(
        f"Each value against the agent's own target: ✔ on target (green), ▲ near target "
        f"(amber), ✖ off target (red); greyed values (…) rest on fewer answers than the "
        f"metric's minimum and are never judged or ranked. Ranked by the {end} end of the "
        f"{head_name} 95 % interval, as service stars are, among agents with at least "
        f"{min_head} {head_name} answers. Click a name to open the agent's page, a column "
        "header to sort. Contacts without an agent in the roster are left out here (they "
        "still count in the team's numbers)." + queue_note
    )
    wide, cards = components.wide_or_cards("agents")
    with cards:
        agent_cards(frame, statuses, rank_column, ids)
    styled = frame.style.apply(lambda _: styles, axis=None)
    for metric_id in ids:
        name, unit = registry[metric_id].short_label, registry[metric_id].unit
        by_status: dict[str | None, list[int]] = {}
        for index in frame.index:
            by_status.setdefault(statuses[index].get(name), []).append(index)
        for status, rows in by_status.items():
            styled = styled.format(
                lambda v, status=status, unit=unit: cell_text(v, status, unit),
                subset=pd.IndexSlice[rows, [name]],
            )
    styled = styled.format(
        lambda v: format_value(v, registry[head].unit), subset=[low_column], na_rep="—"
    )
    config = {
        "Agent": st.column_config.LinkColumn(
            display_text=r"^[^#]*#(.*)$", help="Opens the agent's page", pinned=True
        ),
        rank_column: st.column_config.NumberColumn(
            help=f"1 = best {end} end of the {head_name} 95 % interval among agents with at "
            f"least {min_head} answers; empty when fewer (never ranked)"
        ),
        low_column: st.column_config.Column(
            help=f"The {end} end of the agent's {head_name} 95 % interval: what the rank uses"
        ),
        "Too few to judge": st.column_config.TextColumn(
            width="large", help="Metrics whose value rests on fewer answers than their minimum"
        ),
    }
    for metric_id in ids:
        name = registry[metric_id].short_label
        config[name] = st.column_config.Column(
            help=f"{data.metric_label(metric_id)} against the agent's target; below n "
            f"{registry[metric_id].min_n} it is greyed"
        )
        config[f"{name} n"] = st.column_config.NumberColumn(
            format="localized", help=f"Answers or contacts behind {name}"
        )
    wide.dataframe(
        styled,
        hide_index=True,
        key="agents",
        column_config=config,
        placeholder="",  # no rank, no value: an empty cell
        height=min(len(frame) + 1, 16) * 35 + 3,
    )
    download = frame.assign(Agent=frame["Agent"].map(agent_name))
    with wide:
        components.table_download(download, f"agents-{team_id}-{period}", "agents-csv")


# ----------------------------------------------------------------------------- the week


def finding_text(finding: dict) -> str:
    """One metric of a list: "Transfers 37.5 % (95 %: 24.2 %–53.0 %, n 40), target 10.0 %"."""
    unit = finding["unit"]
    name = registry[finding["metric"]].short_label
    return (
        f"{name} {format_value(finding['value'], unit)} (95 %: "
        f"{format_value(finding['ci_low'], unit)}–{format_value(finding['ci_high'], unit)}, "
        f"n {format_count(finding['n'])}), target {format_target(finding['target'], unit)}"
    )


def agent_link(agent_id: str, name: str, key: str) -> None:
    """The agent's name as a link to their page (same period)."""
    with st.container(key=key):
        st.page_link(
            AGENT_PAGE,
            label=plain(name),
            icon=":material/person:",
            query_params={"agent": agent_id, "period": period},
        )


def _show_longer(label: str) -> None:
    """Switch the shared period to a longer one (the sidebar's widgets read these keys)."""
    grain = data.period_of(label).grain
    st.session_state["grain"] = grain
    st.session_state[f"period_{grain}"] = label


def too_few_note(week: dict) -> None:
    """Say which metrics had too few answers to judge, and offer the longer period."""
    if not week["too_few"]:
        return
    parts = [
        f"{registry[t['metric']].short_label} for {t['agents']} of {t['of']} agents "
        f"(fewer than {t['min_n']})"
        for t in week["too_few"]
    ]
    longer = week["longer"]
    offer = f" {longer} holds more answers." if longer else ""
    st.caption(
        f"Too few answers in {period} to judge {'; '.join(parts)}: these are on neither list."
        + offer
    )
    if longer:
        st.button(
            f"Show {longer}",
            key="week-longer",
            icon=":material/date_range:",
            on_click=_show_longer,
            args=(longer,),
        )


def short_list(items: list, show) -> None:
    """The first SHORT_LIST items, the rest in one expander: a short list stays short."""
    for i, item in enumerate(items[:SHORT_LIST]):
        show(i, item)
    if len(items) > SHORT_LIST:
        with st.expander(f"{len(items) - SHORT_LIST} more"):
            for i, item in enumerate(items[SHORT_LIST:], start=SHORT_LIST):
                show(i, item)


def show_conversation(i: int, agent: dict) -> None:
    agent_link(agent["agent_id"], agent["name"], f"talk-{i}")
    for finding in agent["findings"]:
        st.caption(plain(finding_text(finding)))


def show_thank_you(i: int, entry: dict) -> None:
    agent_link(entry["agent_id"], entry["name"], f"thank-{i}")
    if entry["praise"]:
        count, newest = entry["praise"]["count"], pd.Timestamp(entry["praise"]["newest"])
        st.caption(
            f"{count} praise{'s' * (count != 1)} from customers not yet thanked, "
            f"newest {newest:%a %d %b}"
        )
    for finding in entry["findings"]:
        st.caption(plain(finding_text(finding)))


def thank_you_entries(week: dict) -> list[dict]:
    """Each agent once: praise waiting first (most first), then intervals better than
    target."""
    entries: dict[str, dict] = {}
    for praise in week["praise"]:
        entries[praise["agent_id"]] = {
            "agent_id": praise["agent_id"],
            "name": praise["name"],
            "praise": praise,
            "findings": [],
        }
    for agent in week["thank_you"]:
        entry = entries.setdefault(
            agent["agent_id"],
            {"agent_id": agent["agent_id"], "name": agent["name"], "praise": None},
        )
        entry["findings"] = agent["findings"]
    return list(entries.values())


def section_week(team_id: str) -> None:
    """Worth a conversation, worth a thank-you: by interval against each agent's target."""
    week = data.supervisor_week(period, team_id)
    if week is None:  # not this viewer's team: no agent names (access/scoped.py)
        return
    st.subheader("Worth a conversation, worth a thank-you", anchor=False)
    st.caption(
        "An agent is listed only when the whole 95 % interval of a metric lies on one side "
        "of their target (the numbers say so, not chance), or when praise awaits a thank-you."
    )
    talk, thank = st.columns(2, gap="large")
    with talk, st.container(border=True, key="week-conversation"):
        st.markdown("**:material/forum: Worth a conversation**")
        if not week["conversation"]:
            st.caption("No one: no agent's interval lies wholly on the wrong side of a target.")
        short_list(week["conversation"], show_conversation)
    with thank, st.container(border=True, key="week-thank-you"):
        st.markdown("**:material/favorite: Worth a thank-you**")
        entries = thank_you_entries(week)
        if not entries:
            st.caption("No one: no praise waiting and no interval wholly better than target.")
        short_list(entries, show_thank_you)
        if week["praise_unattributed"]:
            st.caption(
                f"{week['praise_unattributed']} more could name several agents: see Recognition."
            )
    too_few_note(week)


# ----------------------------------------------------------------------------- trend


def section_trend(team_id: str, internal: bool) -> None:
    st.subheader("Trend", anchor=False)
    rows = data.trend(period, team=team_id)
    head = headline_metric(internal)
    head_fig = data.figure(
        charts.trend_chart,
        rows[rows["metric"] == head],
        data.metric_label(head),
        registry[head].unit,
        large=present,
        theme=theme,
        min_n=registry[head].min_n,
    )
    trends = in_view("team_trends", internal)
    metrics = [(m, data.metric_label(m), registry[m].unit) for m in trends]
    small_fig = data.figure(
        charts.small_multiples,
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


def comment_list(page: pd.DataFrame, name: str) -> None:
    """Comments as a table on a screen, as cards (whole comments, wrapped) on a phone."""
    rows = comment_rows(page)
    wide, cards = components.wide_or_cards(name)
    wide.table(rows, hide_index=True)
    with cards:
        for index, (row, comment) in enumerate(
            zip(rows.itertuples(), page["comment"], strict=True)
        ):
            with st.container(border=True, key=f"card-{name}-{index}"):
                st.text(comment, wrap=True)
                st.caption(
                    f"{row.Date} · {row.Agent} · NPS {row.NPS} · CSAT {row.CSAT} · {row.Segment}"
                )


def section_comments(team_id: str, internal: bool) -> None:
    who = "colleagues" if internal else "customers"
    st.subheader(f"What {who} said about the team", anchor=False)
    choice, total = components.comment_segment(
        lambda segment: data.comments(period, team_id, segment=segment, limit=1)[1],
        "comment_segment",
        _reset_comment_page,
    )
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
    comment_list(page, "team-comments")
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
    section_week(team_id)
    section_agents(team_id, internal)
    frontline.team_section(period, team_id)
    section_comments(team_id, internal)


identity.require("team")
render()
