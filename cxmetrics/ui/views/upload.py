"""Upload: choose a kind, drop a file, check the detected layout and column mapping, dry run,
load as one batch, and look after earlier batches (undo, rejected rows, clear the demo).

Everything that came out of an uploaded file (its name, headers, cells, rejected lines, and
library messages that may quote them) is shown through `st.dataframe`, `st.text` or a
selectbox option, or escaped for markdown by `plain()`: never as HTML or live markdown.
"""

from __future__ import annotations

import re
import zlib

import pandas as pd
import streamlit as st

from cxmetrics import ingest
from cxmetrics.access import scoped
from cxmetrics.config import SAMPLES_DIR
from cxmetrics.ui import components, data, identity

KINDS = {
    # kind: (label, what it holds)
    "surveys": (
        "Surveys",
        "One row per survey answer: NPS, CSAT, CES and the comment. Qualtrics, SurveyMonkey "
        "and Google Forms exports are recognised as they are.",
    ),
    "interactions": (
        "Interactions",
        "One row per contact (call, chat, e-mail): wait and handle time, abandons, transfers, "
        "first-contact resolution, callbacks.",
    ),
    "adherence": (
        "Adherence",
        "One row per agent and day: scheduled, in-adherence, logged-in and available minutes.",
    ),
    "roster": (
        "Roster",
        "Who works where: agents, their teams, supervisors and functions. Load it first; the "
        "other files refer to its agent and team ids.",
    ),
    "targets": (
        "Targets",
        "Targets per metric, for the whole organisation or one team, with the amber "
        "tolerance and the date each one takes effect.",
    ),
    "kpis": (
        "Business KPIs",
        "Finished business numbers per day (sales per FTE, quality score), for the "
        "organisation or one team.",
    ),
    "learning": (
        "Learning",
        "One row per agent, day and topic: the hours of training logged. Shown on the "
        "agent's page, and as learning hours per agent among the business KPIs.",
    ),
    "obstacles": (
        "Obstacles",
        "What gets in the way of great service, as frontline staff raised it: one row per "
        "obstacle as it stands (owner, status, what was done). A later file with the same "
        "obstacle_id records the change; the Obstacles page keeps the register.",
    ),
    "meetings": (
        "Frontline meetings",
        "Leaders on the floor: one row per meeting of a leader with a team's frontline staff "
        "(date, team, leader, who attended, notes).",
    ),
    "access": (
        "Access",
        "Who may sign in with which role: email, role (admin, analyst, leader, supervisor, "
        "agent) and a supervisor's team_ids separated by `;`. Admins only.",
    ),
}
ADMIN_KINDS = {"access"}
FILE_TYPES = ["csv", "gz", "xlsx", "txt"]
VENDORS = {
    "qualtrics": "Qualtrics export",
    "surveymonkey": "SurveyMonkey export",
    "google_forms": "Google Forms export",
}
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
DATE_ORDERS = {
    "auto": "Automatic: reject ambiguous dates",
    "dayfirst": "Day first (03/04 = 3 April)",
    "monthfirst": "Month first (03/04 = March 4)",
}
LAYOUT_DATE_ORDER = {
    "dayfirst": ("day first", "03/04/2026 = 3 April"),
    "monthfirst": ("month first", "03/04/2026 = March 4"),
}
SLASHED = re.compile(r"^\s*\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b")
QUOTED = re.compile(r"`([^`]*)`")
FROM = "From your file"
# Static styling (no data in it): the detected-layout facts in a smaller type than KPIs.
PAGE_CSS = """
<style>
.st-key-upload-facts [data-testid="stMetricValue"] { font-size: 1.45rem; }
</style>
"""


def readable(text: object) -> str:
    """A library message or rejection reason as a person reads it: the library quotes
    columns and values in backticks (for the command line); here they get quotation marks."""
    return QUOTED.sub(r"“\1”", str(text))


def plain(text: object) -> str:
    """Library text that may quote the file, as one inert markdown line."""
    return components.inert_markdown(readable(text))


def _set(key: str, value: object) -> None:
    st.session_state[key] = value


# ----------------------------------------------------------------------------- kind and file


def pick_kind() -> str:
    st.session_state.setdefault("upload_kind", "surveys")
    admin = identity.current().is_admin
    kinds = [k for k in KINDS if admin or k not in ADMIN_KINDS]
    if st.session_state.get("upload_kind") not in kinds:
        st.session_state["upload_kind"] = "surveys"
    kind = st.segmented_control(
        "What are you uploading?",
        kinds,
        key="upload_kind",
        required=True,
        format_func=lambda k: KINDS[k][0],
        persist_state="session",
    )
    st.caption(KINDS[kind][1])
    path = SAMPLES_DIR / f"{kind}.csv"
    more = sorted(SAMPLES_DIR.glob(f"{kind}_*.csv"))
    with st.container(horizontal=True, key="upload-samples"):
        if path.is_file():
            st.download_button(
                f"Sample {kind}.csv",
                data=path.read_bytes(),
                file_name=path.name,
                mime="text/csv",
                key="sample_download",
                icon=":material/download:",
                on_click="ignore",
                help=f"A small canonical {KINDS[kind][0].lower()} file (cxmetrics/samples/"
                f"{path.name}) with the expected columns",
            )
        if more:
            with st.popover("Vendor samples", icon=":material/folder_open:"):
                for extra in more:
                    vendor = extra.stem.removeprefix(f"{kind}_")
                    st.download_button(
                        VENDORS.get(vendor, vendor),
                        data=extra.read_bytes(),
                        file_name=extra.name,
                        mime="text/csv",
                        key=f"sample_download_{vendor}",
                        icon=":material/download:",
                        on_click="ignore",
                        width="stretch",
                    )
    return kind


def pick_template(kind: str) -> str | None:
    saved = data.templates(kind)
    if saved.empty:
        return None
    names = list(saved["name"])
    labels = {}
    for row in saved.itertuples():
        when = f" on {row.saved_at:%d %b %Y}" if pd.notna(row.saved_at) else ""
        labels[row.name] = f"{row.name} (saved by {row.saved_by or 'someone'}{when})"
    return st.selectbox(
        "Saved mapping for a recurring file",
        names,
        index=None,
        key=f"upload_template_{kind}",
        format_func=labels.get,
        placeholder="None: detect the columns",
        help="A template saved earlier maps this file's columns the same way as last time",
    )


def file_input():
    # What the browser may send (Streamlit's maxUploadSize) and what a load accepts
    # (the ingest input limit, also for a compressed file once expanded): the smaller says.
    limit = min(st.get_option("server.maxUploadSize"), data.ingest_limit_mb())
    upload = st.file_uploader(
        "Your file",
        type=FILE_TYPES,
        key="upload_file",
        help="CSV with any delimiter (UTF-8 with or without BOM, UTF-16, Windows-1252), "
        ".csv.gz, .xlsx or .txt",
    )
    st.caption(
        f"CSV, .csv.gz, .xlsx or .txt, up to {limit:,} MB per file (once decompressed). "
        "Larger files: split them, or load them on the server with "
        "`cxmetrics ingest KIND FILE`."
    )
    return upload


def inspect(upload, kind: str, template: str | None, mapping=None, dayfirst=None):
    """The library's look at the file's head, kept per file, kind, template and choices.

    Returns (inspection, None) or (None, the one-line reason the file cannot be read).
    """
    token = (
        upload.file_id,
        upload.name,
        upload.size,
        kind,
        template,
        None if mapping is None else tuple(mapping.items()),
        dayfirst,
    )
    kept = st.session_state.setdefault("upload_inspections", {})
    if token not in kept:
        if len(kept) > 8:
            kept.clear()
        upload.seek(0)
        try:
            kept[token] = (
                ingest.inspect_file(
                    upload,
                    kind,
                    store=data.get_store(),
                    filename=upload.name,
                    template=template,
                    mapping=mapping,
                    dayfirst=dayfirst,
                ),
                None,
            )
        except (ingest.UnreadableFile, ValueError) as exc:
            kept[token] = (None, str(exc))
        finally:
            upload.seek(0)
    return kept[token]


# ----------------------------------------------------------------------------- what we found


def section_layout(found) -> None:
    delimiter = "— (Excel)" if found.delimiter is None else DELIMITERS.get(found.delimiter)
    if delimiter is None:
        delimiter = repr(found.delimiter)
    rows = "—" if found.rows_estimate is None else f"{found.rows_estimate:,}"
    facts = [
        ("Layout", found.layout_label),
        ("Encoding", found.encoding or "— (Excel)"),
        ("Delimiter", delimiter),
        ("Header rows", f"{found.header_rows:,}"),
        ("Rows (estimate)", rows),
    ]
    with st.container(key="upload-facts"):
        for col, (label, value) in zip(st.columns([2.2, 1, 1, 1, 1]), facts, strict=True):
            with col:
                st.metric(label, value, border=True)


def show_warnings(warnings: list[str]) -> None:
    """The library's notes on the file, in one box: its title and every note as a bullet
    (the notes may quote the file's cells, so each is inert)."""
    if not warnings:
        return
    title = f"**{len(warnings)} thing{'s' if len(warnings) > 1 else ''} to know before loading**"
    bullets = "\n".join(f"- {plain(w)}" for w in warnings)
    st.warning(f"{title}\n\n{bullets}", icon=":material/warning:")


def mapping_editor(found, key: str) -> dict[str, str | None]:
    """The canonical columns with the file's column each one is read from; editable."""
    options = [c for c in dict.fromkeys(str(c) for c in found.source_columns) if c]
    frame = pd.DataFrame(
        {
            "Column": list(found.mapping),
            "Required": [name in found.required for name in found.mapping],
            FROM: [src if src in options else None for src in found.mapping.values()],
        }
    )
    edited = st.data_editor(
        frame,
        key=key,
        hide_index=True,
        disabled=["Column", "Required"],
        num_rows="fixed",
        column_config={
            "Column": st.column_config.TextColumn("Column", help="What cxmetrics needs"),
            "Required": st.column_config.CheckboxColumn(
                "Required", help="The file must provide this column", width="small"
            ),
            FROM: st.column_config.SelectboxColumn(
                FROM,
                options=options,
                required=False,
                width="large",
                help="The column of your file read as this one; empty: not in the file",
            ),
        },
        height=(len(frame) + 1) * 35 + 3,
        placeholder="— not in the file",
    )
    return {
        row["Column"]: row[FROM] if isinstance(row[FROM], str) and row[FROM] else None
        for _, row in edited.iterrows()
    }


def looks_slashed(preview: pd.DataFrame) -> bool:
    """Some value reads like 03/04/2026, where day and month could swap."""
    return any(
        preview.iloc[:, i].astype(str).str.match(SLASHED).any() for i in range(preview.shape[1])
    )


def date_order(found, template: str | None, key: str) -> bool | None:
    """dayfirst for the library: the analyst's choice when the file leaves it open."""
    if found.date_order in LAYOUT_DATE_ORDER:
        options = (data.template(template).get("options") or {}) if template else {}
        if options.get("dayfirst") is not None:
            where = "as the template says"
        else:
            where = "as the file's layout or its own dates settle it"
        order, example = LAYOUT_DATE_ORDER[found.date_order]
        st.caption(f"Dates are read {order} ({example}), {where}.")
        return None
    if key not in st.session_state and not looks_slashed(found.preview):
        return None
    st.session_state.setdefault(key, "auto")
    choice = st.radio(
        "Dates like 03/04/2026: which comes first?",
        list(DATE_ORDERS),
        key=key,
        horizontal=True,
        format_func=DATE_ORDERS.get,
        help="Automatic reads the dates the file settles (25/03 can only be 25 March) and "
        "rejects the ambiguous ones with a reason",
    )
    return {"dayfirst": True, "monthfirst": False}.get(choice)


def uploader() -> str | None:
    """Who loads: the signed-in e-mail, else (auth none) the name typed on the page."""
    return identity.who() or st.session_state.get("uploaded_by") or None


def _save_template(kind: str, mapping: dict, dayfirst: bool | None) -> None:
    name = (st.session_state.get("upload_template_name") or "").strip()
    if not name:
        st.session_state["upload_template_msg"] = ("error", "Give the template a name first.")
        return
    options = {} if dayfirst is None else {"dayfirst": dayfirst}
    try:
        ingest.save_template(
            data.get_store(),
            name,
            kind,
            mapping,
            options=options or None,
            saved_by=uploader(),
        )
    except ValueError as exc:
        st.session_state["upload_template_msg"] = ("error", str(exc))
        return
    st.session_state["upload_template_msg"] = (
        "success",
        "Template saved: pick it under “Saved mapping” next time this file comes in.",
    )


def save_template_form(kind: str, mapping: dict, dayfirst: bool | None) -> None:
    name, button = st.columns([2.6, 1.4], vertical_alignment="bottom")
    with name:
        st.text_input(
            "Save this mapping as a template",
            key="upload_template_name",
            placeholder="e.g. Qualtrics weekly NPS export",
            max_chars=80,
        )
    with button:
        st.button(
            "Save template",
            key="upload_template_save",
            icon=":material/bookmark_add:",
            on_click=_save_template,
            args=(kind, mapping, dayfirst),
            width="stretch",
        )
    message = st.session_state.pop("upload_template_msg", None)
    if message:
        (st.error if message[0] == "error" else st.success)(plain(message[1]))


# ----------------------------------------------------------------------------- dry run and load


def run_batch(upload, kind, mapping, template, dayfirst, token, dry_run: bool) -> None:
    """Dry run or load with a progress bar; the report is kept for the page to show."""
    label = "Checking every row (dry run)…" if dry_run else "Loading…"
    slot = st.empty()  # the running status, gone once the report below is shown
    report, problem = None, None
    with slot.status(label, expanded=True):
        bar = st.progress(0.0, text="Reading the file")

        def progress(fraction: float, message: str = "") -> None:
            bar.progress(min(max(float(fraction), 0.0), 1.0), text=plain(message) or None)

        upload.seek(0)
        try:
            report = ingest.load_batch(
                data.get_store(),
                kind,
                upload,
                mapping=mapping,
                template=template,
                dry_run=dry_run,
                dayfirst=dayfirst,
                uploaded_by=uploader(),
                filename=upload.name,
                progress=progress,
            )
        except (ingest.UnreadableFile, ValueError) as exc:
            problem = str(exc)
        finally:
            upload.seek(0)
    slot.empty()
    if report is None:
        st.session_state["upload_report"] = (token, {"error": problem})
        return
    st.session_state["upload_report"] = (token, report.to_dict())
    if report.batch_id:  # the new batch, or the one that already holds this file
        st.session_state["batch_pick"] = report.batch_id
    if not dry_run:
        st.rerun()  # every count on the page (and the banner) from the new data


def _counts(report: dict) -> None:
    dry = report["status"] == "dry_run"
    tiles = [
        ("Rows in the file", report["rows_in"]),
        ("Would load" if dry else "Loaded", report["loaded"]),
        ("Would reject" if dry else "Rejected", report["rejected"]),
        ("Duplicates", report["duplicates"]),
    ]
    for col, (label, value) in zip(st.columns(len(tiles)), tiles, strict=True):
        with col:
            st.metric(label, f"{value:,}", border=True)


def show_report(report: dict) -> None:
    if "error" in report:
        st.error(plain(report["error"]), icon=":material/error:")
        return
    status = report["status"]
    if status == "already_loaded":
        st.info(
            f"**Already loaded.** This file was loaded before as batch "
            f"`{report['batch_id']}`: nothing was loaded again. Undo that batch below "
            "to load the file again.",
            icon=":material/content_copy:",
        )
        return
    if status == "dry_run":
        st.info(
            "**Dry run: nothing was written.** This is what loading the file would do.",
            icon=":material/fact_check:",
        )
    else:
        st.success(
            f"**Loaded** as batch `{report['batch_id']}`: every page now includes it. "
            "Undo it below if it was the wrong file.",
            icon=":material/check_circle:",
        )
    _counts(report)
    if report["reasons"]:
        reasons = pd.DataFrame(
            {
                "Reason": [readable(r) for r in report["reasons"]],
                "Rows": list(report["reasons"].values()),
            }
        )
        sample = pd.DataFrame(report["rejected_sample"], columns=["Line", "Why"])
        sample["Why"] = sample["Why"].map(readable)
        left, right = st.columns([2, 3])
        with left:
            st.markdown("**Why rows are rejected**")
            st.dataframe(reasons, hide_index=True)
        with right:
            st.markdown(f"**The first {len(sample):,} rejected lines**")
            st.dataframe(
                sample,
                hide_index=True,
                column_config={
                    "Line": st.column_config.NumberColumn(
                        format="plain", help="Line in the file (the header is line 1)"
                    ),
                    "Why": st.column_config.TextColumn(width="large"),
                },
            )
        if status == "committed":
            st.caption(
                "Every rejected row is kept: download them from the batch history, with the "
                "file's own columns, fix them in a spreadsheet and load that file again."
            )
    if report.get("duplicate_sample"):
        dups = pd.DataFrame(report["duplicate_sample"], columns=["Line", "Why"])
        st.markdown(f"**The first {len(dups):,} duplicate lines** (not loaded again)")
        st.dataframe(
            dups,
            hide_index=True,
            column_config={
                "Line": st.column_config.NumberColumn(format="plain"),
                "Why": st.column_config.TextColumn(width="large"),
            },
        )
    if report.get("timezone"):
        st.caption(
            f"Times without a UTC offset were read as {plain(report['timezone'])} time "
            "(the business time zone, unless the file names its own)."
        )
    if report["unknown_agents"]:
        st.warning(
            f"{len(report['unknown_agents']):,} agent id(s) are not in the roster. Their rows "
            "load and count in the organisation's numbers, but not for any team or agent "
            "until a roster names them:",
            icon=":material/person_search:",
        )
        st.text(", ".join(map(str, report["unknown_agents"])))
    if report.get("ignored_columns"):
        st.caption("Columns of the file that are not used:")
        st.text(", ".join(map(str, report["ignored_columns"])))


def section_file(kind: str) -> None:
    template = pick_template(kind)
    upload = file_input()
    if upload is None:
        return
    base, error = inspect(upload, kind, template)
    if error is not None:
        st.error(plain(error), icon=":material/error:")
        return
    tag = abs(hash((upload.file_id, kind, template))) % 10**10

    st.subheader("2 · What we found", anchor=False)
    section_layout(base)
    notes = st.container()  # filled once the mapping and date order are known
    dates = st.container()
    left, right = st.columns([2, 3], gap="large")
    with left:
        st.markdown("**Column mapping** · change any row; required columns are ticked")
        mapping = mapping_editor(base, f"upload_mapping_{tag}")
        edited = mapping != base.mapping
        probe, error = inspect(upload, kind, template, mapping) if edited else (base, None)
        if probe is None:
            st.error(plain(error), icon=":material/error:")
            return
        with dates:
            dayfirst = date_order(probe, template, f"upload_dates_{tag}")
        found = probe
        if dayfirst is not None:
            found, error = inspect(upload, kind, template, mapping, dayfirst)
            if found is None:
                st.error(plain(error), icon=":material/error:")
                return
        save_template_form(kind, mapping, dayfirst)
    with right:
        st.markdown(f"**First {len(found.preview):,} rows, as cxmetrics reads them**")
        st.dataframe(found.preview, hide_index=True)
    with notes:
        show_warnings(found.warnings)

    st.subheader("3 · Check and load", anchor=False)
    missing = [name for name in found.required if not mapping.get(name)]
    if missing:
        st.error(
            "Map the required column(s) first: " + ", ".join(f"`{m}`" for m in missing),
            icon=":material/error:",
        )
    run_token = (upload.file_id, kind, template, tuple(mapping.items()), dayfirst)
    dry, load, note = st.columns([1, 1, 4], vertical_alignment="center")
    with dry:
        dry_clicked = st.button(
            "Dry run",
            key="upload_dry_run",
            icon=":material/fact_check:",
            disabled=bool(missing),
            width="stretch",
        )
    with load:
        load_clicked = st.button(
            "Load",
            key="upload_load",
            type="primary",
            icon=":material/upload:",
            disabled=bool(missing),
            width="stretch",
        )
    with note:
        st.caption(
            "A dry run reads and checks every row and writes nothing. Load writes the file as "
            "one batch: all of it or none of it."
        )
    if dry_clicked or load_clicked:
        run_batch(upload, kind, mapping, template, dayfirst, run_token, dry_run=dry_clicked)
    kept = st.session_state.get("upload_report")
    if kept and kept[0] == run_token:
        show_report(kept[1])


# ----------------------------------------------------------------------------- history


def _undo(batch_id: str) -> None:
    st.session_state.pop("confirm_undo", None)
    try:
        result = scoped.undo_batch(data.get_store(), identity.current(), batch_id, by=uploader())
    except (ValueError, scoped.NotAllowed) as exc:
        st.session_state["upload_notice_error"] = str(exc)
        return
    st.session_state["upload_notice"] = result.message


def history_table(batches: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Uploaded": batches["uploaded_at"],
            "By": batches["uploaded_by"].fillna(""),
            "Kind": batches["kind"],
            "File": batches["filename"].fillna(""),
            "SHA-256": batches["sha256"].fillna("").str[:12],
            "Rows in": batches["rows_in"],
            "Loaded": batches["loaded"],
            "Rejected": batches["rejected"],
            "Duplicates": batches["duplicates"],
            "Status": batches["status"],
            "Batch": batches["batch_id"],
        }
    )


def section_history(batches: pd.DataFrame) -> None:
    st.subheader("Batch history", anchor=False)
    if batches.empty:
        st.write("Nothing loaded yet.")
        return
    table = history_table(batches)
    st.dataframe(
        table,
        hide_index=True,
        column_config={
            "Uploaded": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
            "SHA-256": st.column_config.TextColumn(
                help="First 12 characters of the file's SHA-256: the same file is never "
                "loaded twice"
            ),
            "Rows in": st.column_config.NumberColumn(format="localized"),
            "Loaded": st.column_config.NumberColumn(format="localized"),
            "Rejected": st.column_config.NumberColumn(format="localized"),
            "Duplicates": st.column_config.NumberColumn(format="localized"),
        },
        height=min(len(batches) + 1, 11) * 35 + 3,
    )
    components.table_download(table, "batches", "batches-csv")
    rows = batches.set_index("batch_id")
    ids = list(rows.index)
    if st.session_state.get("batch_pick") not in ids:
        st.session_state.pop("batch_pick", None)

    labels = {
        batch_id: f"{batch_id} · {row['kind']} · {row['uploaded_at']:%Y-%m-%d %H:%M} · "
        f"{row['status']}"
        for batch_id, row in rows.iterrows()
    }
    # The browser keeps showing a picked option's old label when the options change under
    # the same widget ("committed" after an undo): the widget is keyed by its labels, and
    # the pick itself is kept under `batch_pick`.
    digest = zlib.crc32("\n".join(labels.values()).encode())
    picked = st.session_state.get("batch_pick")
    pick, undo, download = st.columns([3, 1.2, 1.6], vertical_alignment="bottom")
    with pick:
        batch_id = st.selectbox(
            "Batch",
            ids,
            index=ids.index(picked) if picked in ids else 0,
            key=f"batch_pick-{digest:08x}",
            format_func=labels.__getitem__,
        )
    st.session_state["batch_pick"] = batch_id
    row = rows.loc[batch_id]
    with undo:
        st.button(
            "Undo batch",
            key="batch_undo",
            icon=":material/undo:",
            disabled=row["status"] != "committed",
            help="Take the batch's rows out again, in one transaction"
            if row["status"] == "committed"
            else "Only a committed batch can be undone",
            on_click=_set,
            args=("confirm_undo", batch_id),
            width="stretch",
        )
    with download:
        if int(row["rejected"]):
            st.download_button(
                f"Rejected rows ({int(row['rejected']):,}) as CSV",
                data=data.rejected_csv(batch_id),
                file_name=f"rejected-{batch_id}.csv",
                mime="text/csv",
                key="rejected_download",
                icon=":material/download:",
                on_click="ignore",
                help="Line number, the reason (`error`) and the row as it was in the file",
                width="stretch",
            )
        else:
            st.caption("No rejected rows in this batch.")
    if st.session_state.get("confirm_undo") == batch_id:
        st.warning(
            f"Undo batch `{batch_id}` ({row['kind']}, "
            f"{int(row['loaded']):,} rows)? Its rows leave every page; its rejected rows stay "
            "for the record. Load the file again to bring them back.",
            icon=":material/warning:",
        )
        depends = ingest.undo_impact(data.get_store(), batch_id)
        if depends:
            st.error(plain(depends), icon=":material/link:")
        with st.container(horizontal=True):
            st.button(
                "Yes, undo it",
                key="batch_undo_confirm",
                type="primary",
                on_click=_undo,
                args=(batch_id,),
            )
            st.button("Cancel", key="batch_undo_cancel", on_click=_set, args=("confirm_undo", None))


# ----------------------------------------------------------------------------- page


def notices() -> None:
    """Results of an action taken in a callback (undo, clear demo), shown once."""
    notice = st.session_state.pop("upload_notice", None)
    if notice:
        st.success(plain(notice), icon=":material/check_circle:")
    problem = st.session_state.pop("upload_notice_error", None)
    if problem:
        st.error(plain(problem), icon=":material/error:")


def render() -> None:
    st.html(PAGE_CSS)
    st.title("Upload data", anchor=False)
    components.demo_banner()
    notices()
    batches = data.batches()
    st.subheader("1 · Your file", anchor=False)
    if identity.who() is None:  # auth none: a typed name; signed in: the e-mail
        who, _ = st.columns([2, 3])
        with who:
            st.text_input(
                "Your name",
                key="uploaded_by",
                persist_state="session",
                placeholder="Recorded with each batch you load",
                max_chars=80,
            )
    kind = pick_kind()
    section_file(kind)
    st.divider()
    section_history(batches)


identity.require("upload")
render()
