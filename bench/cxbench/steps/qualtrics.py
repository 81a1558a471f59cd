"""Item 5: a Qualtrics export through `load_batch` with no mapping. Every load is checked:
layout detected, columns mapped, previews / tests / unfinished rows rejected with their own
reasons, every other row loaded; or the run stops."""

from __future__ import annotations

from cxmetrics.config import load_settings

from ..context import Context, MainStore
from ..data import (
    QUALTRICS_COLUMNS,
    QUALTRICS_EXPECTED_MAPPING,
    QUALTRICS_REASONS,
    write_qualtrics,
    write_roster,
)
from ..measure import in_child, log, memory_entry, ratio, timed
from .ingest import load_batch_step, load_repeatedly

REPORT_KEYS = (
    "layout", "rows_in", "loaded", "rejected", "duplicates", "unknown_agents", "reasons",
    "mapping",
)  # fmt: skip


def check_qualtrics(out: dict, expected: dict) -> None:
    """Raise unless a Qualtrics load was auto-detected as such, mapped the expected columns,
    rejected exactly the previews, tests and unfinished responses, and loaded the rest."""
    kinds = expected["kinds"]
    labels = {col[0]: col[1] for col in QUALTRICS_COLUMNS}
    want_mapping = {canon: labels[cid] for canon, cid in QUALTRICS_EXPECTED_MAPPING.items()}
    want_reasons = {QUALTRICS_REASONS[k]: kinds[k] for k in QUALTRICS_REASONS if kinds[k]}
    problems = []
    if out["layout"] != "qualtrics":
        problems.append(f"layout {out['layout']!r}, not 'qualtrics'")
    if out["mapping"] != want_mapping:
        problems.append(f"mapping {out['mapping']} ≠ {want_mapping}")
    if out["reasons"] != want_reasons:
        problems.append(f"rejected {out['reasons']} ≠ {want_reasons}")
    got = (out["rows_in"], out["loaded"], out["duplicates"], out["unknown_agents"])
    if got != (expected["rows"], kinds["complete"], 0, 0):
        problems.append(
            f"rows_in {out['rows_in']}, loaded {out['loaded']}, duplicates {out['duplicates']},"
            f" unknown agents {out['unknown_agents']}; expected {expected['rows']} in,"
            f" {kinds['complete']} loaded, none duplicate or unknown"
        )
    if out["status"] != "committed":
        problems.append(f"status {out['status']!r}")
    if problems:
        raise AssertionError("Qualtrics-layout ingest: " + "; ".join(problems))


def _against_canonical(seconds: float, csv_mb: float, rows: int, ingest: dict) -> dict:
    """Cost per row and per MB of CSV, beside the canonical ingest of item 4 (when run)."""
    per_row = seconds / rows
    if ingest.get("skipped"):
        canonical_per_row = canonical_mb_per_s = None
    else:
        canonical_per_row = ingest["load_batch_s"] / ingest["rows"]
        canonical_mb_per_s = ingest["csv_mb"] / ingest["load_batch_s"]
    return {
        "us_per_row": round(per_row * 1e6, 3),
        "canonical_us_per_row": None
        if canonical_per_row is None
        else round(canonical_per_row * 1e6, 3),
        "ratio_per_row_vs_canonical": ratio(per_row, canonical_per_row),
        "csv_mb_per_s": round(csv_mb / seconds, 1) if seconds else None,
        "canonical_csv_mb_per_s": None
        if canonical_mb_per_s is None
        else round(canonical_mb_per_s, 1),
        "ratio_per_mb_vs_canonical": None
        if canonical_mb_per_s is None
        else ratio(canonical_mb_per_s, csv_mb / seconds),
    }


def qualtrics(ctx: Context, main: MainStore, ingest: dict) -> dict:
    """The `qualtrics` and `profile_qualtrics` figures of results.json; `ingest` is item 4's."""
    rows = ctx.opts.qualtrics_rows
    log(f"Qualtrics-layout ingest: writing a {rows:,}-row export …")
    gen_s, written = timed(
        write_qualtrics, main.path, ctx.tmp, rows, main.first_day, main.last_day,
        load_settings().timezone,
    )  # fmt: skip
    roster_csv = write_roster(main.path, ctx.tmp)
    log("Qualtrics-layout ingest: load_batch with no mapping (timed here) …")
    qb, loads = load_repeatedly(
        ctx, "qualtrics", roster_csv, written["csv"], lambda _i, out: check_qualtrics(out, written)
    )
    log("Qualtrics-layout ingest: peak memory (child process) …")
    child = in_child(
        load_batch_step, path=str(ctx.tmp / "qualtrics-child.duckdb"), roster_csv=roster_csv,
        survey_csv=written["csv"], profile=True,
    )  # fmt: skip
    check_qualtrics(child["result"], written)
    ctx.memory["Qualtrics ingest load_batch (auto-detected layout)"] = memory_entry(child)
    seconds = qb["seconds"]
    figures = {
        "rows": rows,
        "csv_mb": written["csv_mb"],
        "csv_write_s": round(gen_s, 2),
        "repeat": ctx.opts.ingest_runs,
        "kinds_written": written["kinds"],
        "load_batch_s": seconds,
        "load_batch_samples_s": [x["seconds"] for x in loads],
        "rows_per_s": round(rows / seconds) if seconds else None,
        **_against_canonical(seconds, written["csv_mb"], rows, ingest),
        "load_batch_report": {k: qb[k] for k in REPORT_KEYS},
        "store_mb": qb["store_mb"],
        "checked": "layout qualtrics; mapping auto-detected as expected; rejected = "
        "exactly the previews, tests and unfinished rows written; all others loaded",
    }
    return {"qualtrics": figures, "profile_qualtrics": child["result"]["profile"]}
