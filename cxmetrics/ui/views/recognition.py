"""Recognition: service stars, most improved, and the praise inbox with its thank-you loop.

Customer words and roster names are untrusted: comments only ever reach the page through
`st.text` or table cells (already redacted by the library), names through table cells,
`st.text` or markdown with every markup character escaped.
"""

from __future__ import annotations

import functools
import math

import pandas as pd
import streamlit as st

from cxmetrics.access import scoped
from cxmetrics.formatting import format_count, format_delta, format_value
from cxmetrics.periods import period_containing
from cxmetrics.ui import components, data, identity

PAGE_SIZE = 10
VIEWS = {"new": "New", "thanked": "Thanked"}

period = st.session_state["period"]
present = bool(st.session_state.get("present"))


plain = components.inert_markdown


def short(metric_id: str) -> str:
    """The metric's short label (NPS, iNPS)."""
    return data.registry()[metric_id].short_label


def pts(value: float | None) -> str:
    return format_value(value, "pts")


def _show_period(grain: str, label: str) -> None:
    """Switch the shared period (the sidebar's widgets read these keys)."""
    st.session_state["grain"] = grain
    st.session_state[f"period_{grain}"] = label
    _reset_page()


def _reset_page() -> None:
    st.session_state["praise_page"] = 1


# ----------------------------------------------------------------------------- header


def pick_scope() -> str | None:
    """Whole organisation or one team (session key `recognition_team`)."""
    teams = data.teams()
    labels = {None: "Whole organisation"}
    labels.update({row.team_id: f"{row.name} ({row.team_id})" for row in teams.itertuples()})
    if st.session_state.get("recognition_team") not in labels:
        st.session_state["recognition_team"] = None
    return st.selectbox(
        "Scope",
        list(labels),
        key="recognition_team",
        format_func=labels.__getitem__,
        on_change=_reset_page,
        help="Stars, most improved and the praise inbox for the whole organisation or a team.",
    )


def header() -> None:
    p = data.period_of(period)
    st.title(f"Recognition · {p.label}", anchor=False)
    if not present:
        min_n = data.recognition_min_n()
        st.caption(
            f"{p.start:%d %b} – {p.end:%d %b %Y} · stars are ranked by the low end of their "
            "95 % margin of error, so a few perfect scores never beat a strong score from many "
            f"customers; a star needs at least {min_n} answers in the period · agents of "
            "internal service teams are ranked on colleague iNPS"
        )


# ----------------------------------------------------------------------------- stars


def section_stars(team: str | None, praise: pd.DataFrame) -> None:
    st.subheader("Service stars", anchor=False)
    stars = data.recognition_stars(period, team)
    if not stars:
        st.info(
            f"No agent has {data.recognition_min_n()} or more answers in {period}: stars need "
            "a longer period (a month or a quarter).",
            icon=":material/hourglass_empty:",
        )
        p = data.period_of(period)
        if p.grain == "week":
            months = data.period_options("month")
            month = period_containing(p.start, "month").label
            month = month if month in months else months[0]
            st.button(
                f"Show {month}",
                key="stars-month",
                icon=":material/calendar_month:",
                on_click=_show_period,
                args=("month", month),
            )
        return
    for column, (rank, star) in zip(
        st.columns(len(stars) if present else 5), enumerate(stars, 1), strict=False
    ):
        with column:
            components.star_card(rank, star, components.best_quotes(praise, star["agent_id"]))


def improved_rows(improved: list[dict]) -> pd.DataFrame:
    """The most improved agents as `st.table` cells, which render markdown: names inert."""
    return pd.DataFrame(
        {
            "Agent": [plain(i["name"]) for i in improved],
            "Team": [plain(i["team_name"]) if i["team_name"] else "—" for i in improved],
            "Metric": [short(i["metric"]) for i in improved],
            "Previous": [pts(i["previous"]) for i in improved],
            "Now": [pts(i["value"]) for i in improved],
            "Change": [format_delta(i["delta"], "pts") for i in improved],
            "p": [f"{i['p_value']:.3f}" for i in improved],
            "n (now / before)": [
                f"{format_count(i['n'])} / {format_count(i['previous_n'])}" for i in improved
            ],
        }
    )


def section_improved(team: str | None) -> None:
    st.subheader("Most improved", anchor=False)
    improved = data.recognition_improved(period, team)
    change = data.recognition_team_change(period) if team is None else None
    left, right = st.columns([3, 1.3], gap="large")
    with left:
        if improved:
            st.table(improved_rows(improved), hide_index=True)
        else:
            st.write(
                "No agent's score rose by a real (statistically significant) amount since "
                f"{data.period_of(period).previous().label}."
            )
        st.caption(
            "A rise counts only when it is significant (z-test, p < 0.05) and both periods "
            f"have at least {data.recognition_min_n()} answers."
        )
    with right:
        if team is None:
            with st.container(border=True, key="team-change"):
                st.markdown("**Most improved team**")
                if change is None:
                    st.caption("No team's score changed for the better by a real amount.")
                else:
                    st.markdown(f"**{plain(change['team_name'])}**")
                    st.metric(
                        short(change["metric"]),
                        pts(change["value"]),
                        delta=f"{format_delta(change['delta'], 'pts')} · real change",
                    )
                    st.caption(
                        f"was {pts(change['previous'])} · n {format_count(change['n'])} · "
                        f"p = {change['p_value']:.3f}"
                    )


# ----------------------------------------------------------------------------- inbox


def agent_label(agent_id: str) -> str:
    names = data.recognition_agent_names()
    return f"{names.get(agent_id, agent_id)} ({agent_id})"


def _thank(
    response_id: str,
    agent_id: str | None,
    agent_key: str,
    form_key: str,
    popover_key: str,
    responded_at: pd.Timestamp,
) -> None:
    """Form callback: store the thank-you, close the popover (the next praise must not open
    in its place) and say who was thanked for which comment; then forget cached results."""
    if agent_key:  # an ambiguous mention: the person thanking says who it was
        agent_id = st.session_state.get(agent_key)
    who = identity.who() or st.session_state.get(f"{form_key}-who", "")
    note = st.session_state.get(f"{form_key}-note", "")
    try:
        scoped.mark_thanked(
            data.get_store(),
            identity.current(),
            response_id,
            agent_id,
            thanked_by=who,
            note=note or None,
        )
    except (ValueError, scoped.NotAllowed) as exc:
        st.session_state["thank_error"] = (form_key, str(exc))
        return
    st.session_state.pop("thank_error", None)
    st.session_state[popover_key] = False
    st.session_state["thank_done"] = (
        f"Marked as thanked: {agent_label(agent_id)} for the comment of "
        f"{pd.Timestamp(responded_at):%a %d %b %Y %H:%M}. It is in the Thanked list now."
    )


def _unthank(response_id: str, agent_id: str) -> None:
    try:
        scoped.unmark_thanked(
            data.get_store(), identity.current(), response_id, agent_id, by=identity.who()
        )
    except (ValueError, scoped.NotAllowed) as exc:  # e.g. a read-only store
        st.session_state["thank_done"] = f"Not changed: {exc}"
        return
    st.session_state["thank_done"] = "Moved back to New."


def kudos_card(row, demo: bool) -> bytes:
    return data.recognition_kudos_png(
        row.name or "",
        row.team_name,
        row.comment,
        pd.Timestamp(row.responded_at).isoformat(),
        "a colleague" if row.respondent_type == "colleague" else "a customer",
        demo,
    )


def thank_form(row, form_key: str, popover_key: str) -> None:
    """Who thanked (required) and a note; for an ambiguous name, which agent it was."""
    with st.form(form_key, border=False):
        agent_key = ""
        if row.ambiguous:
            agent_key = f"{form_key}-agent"
            st.selectbox("Which agent?", row.candidates, key=agent_key, format_func=agent_label)
        if identity.who() is None:  # signed in: the e-mail says who
            st.text_input("Thanked by", value="", key=f"{form_key}-who", placeholder="Your name")
        st.text_input("Note (optional)", key=f"{form_key}-note")
        st.form_submit_button(
            "Save",
            icon=":material/favorite:",
            type="primary",
            on_click=_thank,
            args=(
                row.response_id,
                row.agent_id,
                agent_key,
                form_key,
                popover_key,
                row.responded_at,
            ),
            key=f"{form_key}-submit",
        )


def praise_meta(row) -> str:
    """Who, team, when and the score, as one plain line."""
    when = pd.Timestamp(row.responded_at)
    score = f"NPS {int(row.nps)}" if not pd.isna(row.nps) else f"CSAT {int(row.csat)}"
    if row.ambiguous:
        who = f"“{row.mention}” could be " + " or ".join(map(agent_label, row.candidates))
    else:
        who = f"{row.name} · {row.team_name or 'no team'}"
        if row.response_agent_id and row.response_agent_id != row.agent_id:
            who += f" · on a survey about {agent_label(row.response_agent_id)}"
    return f"{who} · {when:%a %d %b %Y %H:%M} · {score}"


def praise_item(row, index: int) -> None:
    form_key = f"thank-{index}-{components.key_part(row.response_id)}"
    # One popover per praise (not per position): after Save the next praise moves up into
    # this place, and it must not open there with empty fields.
    popover_key = f"thank-open-{components.key_part(row.response_id)}"
    with st.container(border=True, key=f"praise-{index}"):
        text_col, action_col = st.columns([4, 1.7], vertical_alignment="center")
        with text_col:
            st.text(row.comment, wrap=True)
            st.caption(plain(praise_meta(row)))
            if row.thanked:
                note = f" · “{row.note}”" if row.note else ""
                thanked_at = pd.Timestamp(row.thanked_at)
                st.caption(
                    plain(f"Thanked by {row.thanked_by} on {thanked_at:%d %b %Y %H:%M}{note}")
                )
            error = st.session_state.get("thank_error")
            if error and error[0] == form_key:
                st.error(plain(error[1]))
        with action_col, st.container(horizontal=True, horizontal_alignment="right"):
            if not row.ambiguous:
                st.download_button(
                    "Kudos card",
                    data=functools.partial(kudos_card, row, data.demo_present()),
                    file_name=f"kudos-{components.key_part(row.agent_id)}-"
                    f"{components.key_part(row.response_id)}.png",
                    mime="image/png",
                    icon=":material/download:",
                    on_click="ignore",
                    key=f"kudos-{index}",
                    help="A printable thank-you card with the customer's words (PNG)",
                )
            if row.thanked:
                st.button(
                    "Move back to New",
                    key=f"unthank-{index}",
                    icon=":material/undo:",
                    on_click=_unthank,
                    args=(row.response_id, row.agent_id),
                )
            else:
                with st.popover(
                    "Mark thanked", icon=":material/favorite:", key=popover_key, on_change="rerun"
                ):
                    thank_form(row, form_key, popover_key)


def section_inbox(team: str | None, praise: pd.DataFrame) -> None:
    st.subheader("Praise inbox", anchor=False)
    st.caption(
        "Promoters' comments that name an agent (first name, full name or nickname). "
        "E-mail addresses, phone, card and IBAN numbers are redacted. Thank the agent, then "
        "mark the praise as thanked."
    )
    done = st.session_state.pop("thank_done", None)
    if done:
        st.success(plain(done), icon=":material/check_circle:")
    thanked = praise["thanked"] if not praise.empty else pd.Series(dtype=bool)
    counts = {"new": int((~thanked).sum()), "thanked": int(thanked.sum())}
    st.session_state.setdefault("praise_view", "new")
    view = st.segmented_control(
        "Show",
        list(VIEWS),
        key="praise_view",
        required=True,
        format_func=lambda key: f"{VIEWS[key]} ({counts[key]:,})",
        on_change=_reset_page,
    )
    shown = praise[thanked == (view == "thanked")] if not praise.empty else praise
    if shown.empty:
        scope = "this team" if team else "the organisation"
        st.write(
            f"No {VIEWS[view].lower()} praise for {scope} in {period}."
            if view == "new" or counts["thanked"] == 0
            else f"No thanked praise for {scope} in {period}."
        )
        return
    pages = math.ceil(len(shown) / PAGE_SIZE)
    current = st.session_state.get("praise_page", 1)
    if not isinstance(current, int) or not 1 <= current <= pages:
        st.session_state["praise_page"] = current = 1
    first = (current - 1) * PAGE_SIZE
    chunk = shown.iloc[first : first + PAGE_SIZE]
    noun = "item" if len(shown) == 1 else "items"
    st.caption(
        f"{len(shown):,} {noun} · showing {first + 1:,}–{first + len(chunk):,}, newest first"
    )
    for index, row in enumerate(chunk.itertuples(index=False), first):
        praise_item(row, index)
    if pages > 1:
        st.pagination(pages, key="praise_page")


# ----------------------------------------------------------------------------- page


def render() -> None:
    if present:
        components.exit_presentation_button("recognition-present-exit")
        components.demo_note()
    else:
        components.demo_banner()
    header()
    picker, _ = st.columns([2, 3])
    with picker:
        team = pick_scope()
    praise = data.recognition_praise(period, team)
    section_stars(team, praise)
    section_improved(team)
    if not present:
        section_inbox(team, praise)


identity.require("recognition")
render()
