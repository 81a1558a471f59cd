"""Obstacles: what gets in the way of great service, as frontline staff raised it — raise
one, keep the register, move an obstacle on (owner, status, what was done). Every change is
kept with who made it and when, as a batch of its own (undone on the Upload page like any).

Text typed here or loaded from a file reaches the page through `st.dataframe`, a selectbox
option or `inert_markdown`: never as live markdown or HTML.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from cxmetrics.ingest.obstacle_edit import record_change
from cxmetrics.ingest.rules import CLOSED
from cxmetrics.ingest.specs import MAX_NOTE_CHARS, OBSTACLE_STATUSES
from cxmetrics.obstacles import OPEN, STATUS_WORDS
from cxmetrics.ui import components, data, identity

plain = components.inert_markdown
NO_METRIC = ""
NOTICE = "obstacles_notice"
NAME_KEY = "uploaded_by"  # the same "your name" as the Upload page's


def _who() -> str | None:
    """Who is making a change: the signed-in e-mail, else (auth none) the name typed on this
    page (or the Upload page)."""
    return identity.who() or (st.session_state.get(NAME_KEY) or "").strip() or None


def _save(fields: dict, done: str) -> bool:
    """Record a change; say what happened (or why not) on the next run. True when saved."""
    who = _who()
    if who is None:
        st.session_state[NOTICE] = (
            "error",
            "Type your name first (top of the page): every change is kept with who made it.",
        )
        return False
    try:
        change = record_change(data.get_store(), fields, changed_by=who)
    except ValueError as exc:  # a rule the change breaks, or a read-only store
        st.session_state[NOTICE] = ("error", f"Not saved: {exc}")
        return False
    if not change.changed:
        st.session_state[NOTICE] = ("info", f"{change.obstacle_id}: nothing changed.")
        return False
    st.session_state[NOTICE] = ("success", f"{change.obstacle_id} {done}.")
    return True


# ----------------------------------------------------------------------------- raise one


def _raise() -> None:
    state = st.session_state
    obstacle_id = state["ob_new_id"].strip()
    if obstacle_id in set(data.obstacle_register()["obstacle_id"]):
        state[NOTICE] = (
            "error",
            f"Not saved: {obstacle_id} is on the register already: move it on below, or give "
            "the new obstacle another id.",
        )
        return
    fields = {
        "obstacle_id": obstacle_id,
        "raised_on": state["ob_new_raised_on"],
        "team_id": state["ob_new_team"],
        "raised_by": state["ob_new_raised_by"].strip() or None,
        "description": state["ob_new_description"].strip(),
        "metric_id": state["ob_new_metric"] or None,
        "owner": state["ob_new_owner"].strip() or None,
        "status": "open",
    }
    if _save(fields, "raised: it is on the register"):
        for key in ("ob_new_raised_by", "ob_new_description", "ob_new_owner"):
            state[key] = ""
        state["ob_new_metric"] = NO_METRIC
        del state["ob_new_id"]  # the next run offers the next free id


def section_raise(teams: pd.DataFrame, metrics: dict[str, str], read_only: bool) -> None:
    st.subheader("Raise an obstacle", anchor=False)
    if teams.empty:
        st.info("No teams in the roster yet: upload a roster on the Upload page first.")
        return
    names = dict(zip(teams["team_id"], teams["name"], strict=True))
    today = data.business_today()
    with st.form("ob-raise", border=True):
        st.text_input(
            "Obstacle id",
            value=data.next_obstacle_id(),
            key="ob_new_id",
            max_chars=128,
            help="Given for you; keep it to refer to the obstacle",
        )
        left, right = st.columns(2)
        with left:
            st.selectbox(
                "Team", list(names), key="ob_new_team", format_func=lambda t: f"{names[t]} ({t})"
            )
            st.text_input(
                "Raised by", key="ob_new_raised_by", max_chars=200, placeholder="Agent id or name"
            )
        with right:
            st.date_input(
                "Raised on",
                value=today,
                max_value=today,
                key="ob_new_raised_on",
                format="YYYY-MM-DD",
            )
            st.text_input(
                "Owner",
                key="ob_new_owner",
                max_chars=200,
                placeholder="Who will remove it (optional)",
            )
        st.text_area(
            "What gets in the way",
            key="ob_new_description",
            max_chars=MAX_NOTE_CHARS,
            placeholder="In the words of the person who raised it",
        )
        st.selectbox(
            "KPI it hurts",
            [NO_METRIC, *metrics],
            key="ob_new_metric",
            format_func=lambda m: metrics.get(m, "— none —"),
            help="Its tile on the all-hands card then counts it",
        )
        st.form_submit_button(
            "Add obstacle",
            icon=":material/add:",
            on_click=_raise,
            disabled=read_only,
            key="ob_raise_submit",
        )


# ----------------------------------------------------------------------------- the register


def register_table(
    register: pd.DataFrame, names: dict[str, str], metrics: dict[str, str], today: date
) -> pd.DataFrame:
    """The register for the page: words for statuses, team and KPI names, age of open ones."""

    def age(row) -> int | None:
        return (today - row.raised_on).days if row.status in OPEN else None

    return pd.DataFrame(
        {
            "Obstacle": register["obstacle_id"],
            "Team": [names.get(t, t) for t in register["team_id"]],
            "Raised on": register["raised_on"],
            "Raised by": register["raised_by"],
            "What gets in the way": register["description"],
            "KPI": [
                metrics.get(m, m) if isinstance(m, str) else None for m in register["metric_id"]
            ],
            "Owner": register["owner"],
            "Status": [STATUS_WORDS[s] for s in register["status"]],
            "Days open": pd.array([age(r) for r in register.itertuples()], dtype="Int64"),
            "Resolved on": register["resolved_on"],
            "Resolution": register["resolution"],
            "Last change": [
                f"{by or 'someone'}, {at:%Y-%m-%d %H:%M}"
                for by, at in zip(register["changed_by"], register["changed_at"], strict=True)
            ],
        }
    )


def section_register(
    register: pd.DataFrame, names: dict[str, str], metrics: dict[str, str]
) -> None:
    st.subheader("The register", anchor=False)
    if register.empty:
        st.write("No obstacle raised yet.")
        return
    left, right = st.columns([3, 2])
    with left:
        shown = st.multiselect(
            "Status",
            list(OBSTACLE_STATUSES),
            default=list(OPEN),
            key="ob_filter_status",
            format_func=STATUS_WORDS.__getitem__,
        )
    with right:
        team = st.selectbox(
            "Team",
            ["", *sorted(set(register["team_id"]))],
            key="ob_filter_team",
            format_func=lambda t: "All teams" if not t else names.get(t, t),
        )
    rows = register[register["status"].isin(shown)]
    if team:
        rows = rows[rows["team_id"] == team]
    table = register_table(rows, names, metrics, data.business_today())
    st.caption(
        f"{len(rows):,} of {len(register):,} obstacles: pick a row to move it on below. The "
        "download holds the register's own columns: change it in a spreadsheet and load it "
        "as an obstacles file."
    )
    event = st.dataframe(
        table,
        hide_index=True,
        key="ob-register",
        on_select="rerun",
        selection_mode="single-row",
        placeholder="",  # nothing given: an empty cell
        column_config={
            "Days open": st.column_config.NumberColumn(format="%d"),
            "What gets in the way": st.column_config.TextColumn(width="large"),
            "Resolution": st.column_config.TextColumn(width="medium"),
        },
    )
    picked = event.selection.rows if event else []
    chosen = str(table.iloc[picked[0]]["Obstacle"]) if picked else None
    if chosen != st.session_state.get("_ob_row_picked"):  # a new pick moves the form to it
        st.session_state["_ob_row_picked"] = chosen
        if chosen is not None:
            st.session_state["ob_pick"] = chosen
    components.table_download(
        rows.drop(columns=["changed_by", "changed_at"]), "obstacles", "ob-register-csv"
    )


# ----------------------------------------------------------------------------- move one on


def _update(obstacle_id: str) -> None:
    state = st.session_state
    key = components.key_part(obstacle_id)
    current = data.obstacle_register().set_index("obstacle_id").loc[obstacle_id]
    status = state[f"ob_status_{key}"]
    closed = status in CLOSED
    fields = {name: current[name] for name in ("raised_on", "team_id", "raised_by", "description")}
    resolution = state[f"ob_resolution_{key}"].strip()
    fields |= {
        "obstacle_id": obstacle_id,
        "metric_id": state[f"ob_metric_{key}"] or None,
        "owner": state[f"ob_owner_{key}"].strip() or None,
        "status": status,
        "resolved_on": state[f"ob_closed_on_{key}"] if closed else None,
        "resolution": resolution or None,
    }
    _save(fields, f"saved as {STATUS_WORDS[status]}")


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def section_update(register: pd.DataFrame, metrics: dict[str, str], read_only: bool) -> None:
    st.subheader("Move an obstacle on", anchor=False)
    if register.empty:
        st.write("Raise an obstacle first.")
        return
    rows = register.set_index("obstacle_id")
    # Open ones first, oldest raised first; then the closed ones, last closed first.
    still_open = register[register["status"].isin(OPEN)].sort_values(["raised_on", "obstacle_id"])
    closed = register[~register["status"].isin(OPEN)].sort_values(
        ["resolved_on", "obstacle_id"], ascending=False
    )
    ids = [*still_open["obstacle_id"], *closed["obstacle_id"]]
    if st.session_state.get("ob_pick") not in ids:
        st.session_state.pop("ob_pick", None)
    chosen = st.selectbox(
        "Obstacle",
        ids,
        key="ob_pick",
        format_func=lambda i: (
            f"{i} · {STATUS_WORDS[rows.loc[i, 'status']]} · "
            + " ".join(str(rows.loc[i, "description"]).split())[:70]
        ),
    )
    row = rows.loc[chosen]
    key = components.key_part(chosen)
    today = data.business_today()
    closed_on = row["resolved_on"] if isinstance(row["resolved_on"], date) else today
    with st.form(f"ob-update-{key}", border=True):
        left, right = st.columns(2)
        with left:
            st.selectbox(
                "Status",
                list(OBSTACLE_STATUSES),
                key=f"ob_status_{key}",
                index=OBSTACLE_STATUSES.index(row["status"]),
                format_func=STATUS_WORDS.__getitem__,
            )
            st.text_input("Owner", value=_text(row["owner"]), key=f"ob_owner_{key}", max_chars=200)
        with right:
            st.date_input(
                "Closed on (when resolved or won't fix)",
                value=closed_on,
                max_value=today,
                key=f"ob_closed_on_{key}",
                format="YYYY-MM-DD",
            )
            metric = row["metric_id"] if row["metric_id"] in metrics else NO_METRIC
            st.selectbox(
                "KPI it hurts",
                [NO_METRIC, *metrics],
                key=f"ob_metric_{key}",
                index=[NO_METRIC, *metrics].index(metric),
                format_func=lambda m: metrics.get(m, "— none —"),
            )
        st.text_area(
            "What we did",
            value=_text(row["resolution"]),
            key=f"ob_resolution_{key}",
            max_chars=MAX_NOTE_CHARS,
            placeholder="What was done, in words the team will recognise",
        )
        st.form_submit_button(
            "Save",
            icon=":material/save:",
            on_click=_update,
            args=(chosen,),
            disabled=read_only,
            key="ob_update_submit",
        )
    history = data.obstacle_history(chosen)
    st.caption(f"Changes to {plain(chosen)}, oldest first")
    st.dataframe(
        pd.DataFrame(
            {
                "When": history["changed_at"],
                "Who": history["changed_by"],
                "From": [
                    STATUS_WORDS.get(s, "— new —") if isinstance(s, str) else "— new —"
                    for s in history["from_status"]
                ],
                "To": [STATUS_WORDS[s] for s in history["status"]],
                "Owner": history["owner"],
                "What we did": history["resolution"],
                "Batch": history["batch_id"],
            }
        ),
        hide_index=True,
        key="ob-history",
        placeholder="",
        column_config={"When": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")},
    )


# ----------------------------------------------------------------------------- page


def notices() -> None:
    notice = st.session_state.pop(NOTICE, None)
    if not notice:
        return
    kind, text = notice
    show = {"success": st.success, "error": st.error, "info": st.info}[kind]
    icon = {
        "success": ":material/check_circle:",
        "error": ":material/error:",
        "info": ":material/info:",
    }[kind]
    show(plain(text), icon=icon)


def render() -> None:
    st.title("Obstacles", anchor=False)
    components.demo_banner()
    st.caption(
        "What gets in the way of great service, as frontline staff raised it: who owns it and "
        "what was done. Resolved ones show on the all-hands card under “You said, we did”; "
        "every change is kept with who made it and when."
    )
    read_only = data.read_only()
    if read_only:
        st.warning(
            "The store is read-only: the register is shown, and changes are off.",
            icon=":material/lock:",
        )
    notices()
    who, _ = st.columns([2, 3])
    with who:
        if identity.who() is not None:  # signed in: the e-mail says who
            st.caption(components.inert_markdown(f"Changes are kept as made by {identity.who()}."))
        else:
            st.text_input(
                "Your name",
                key=NAME_KEY,
                persist_state="session",
                max_chars=80,
                placeholder="Kept with every change you make",
            )
    teams = data.teams()
    names = dict(zip(teams["team_id"], teams["name"], strict=True))
    metrics = data.obstacle_metrics()
    register = data.obstacle_register()
    section_register(register, names, metrics)
    left, right = st.columns(2, gap="large")
    with left:
        section_update(register, metrics, read_only)
    with right:
        section_raise(teams, metrics, read_only)


identity.require("obstacles")
render()
