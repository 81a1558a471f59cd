"""The targets the figures are checked against: reported (pass / MISS), never asserted."""

from __future__ import annotations

# key → (what is checked, comparison, threshold, unit)
TARGETS = {
    "scorecard_ratio": ("org scorecard: pandas baseline / warm", ">=", 20.0, "x"),
    "scorecard_warm_ms": ("org scorecard warm", "<=", 100.0, "ms"),
    "history_flat": ("scorecard warm, max/min over history sizes", "<=", 1.5, "x"),
    "ingest_vs_duckdb": (
        "ingest: load_batch / DuckDB read_csv into a table in a database file",
        "<=",
        2.0,
        "x",
    ),
    "pandas_vs_ingest": ("ingest: pandas to_sql / load_batch", ">", 1.0, "x"),
    "rss_ingest_mb": ("peak RSS of ingest (load_batch)", "<=", 1000.0, "MB"),
    "rss_scorecard_mb": ("peak RSS of scorecard step", "<=", 1000.0, "MB"),
    "rss_qualtrics_mb": ("peak RSS of Qualtrics-layout ingest (load_batch)", "<=", 1000.0, "MB"),
    "render_first_s": ("all-hands page, server render (AppTest, first run)", "<=", 2.0, "s"),
    "browser_readable_fresh_s": (
        "all-hands page in Chromium, fresh server: title, headline and tiles painted",
        "<=",
        2.0,
        "s",
    ),
    "browser_readable_warm_s": (
        "all-hands page in Chromium, warm server and browser: title, headline and tiles "
        "painted (median of the warm visits)",
        "<=",
        1.0,
        "s",
    ),
    "browser_charts_s": (
        "all-hands page in Chromium: every chart drawn (last DOM change), slowest visit",
        "<=",
        3.0,
        "s",
    ),
    "pg_scorecard_warm_ms": ("org scorecard warm on PostgreSQL", "<=", 100.0, "ms"),
    "pg_ingest_vs_copy": ("ingest on PostgreSQL: load_batch / its own COPY", "<=", 2.0, "x"),
    "duckdb_p95_under_load_ms": (
        "DuckDB: readers' p95 while a CLI ingest commits",
        "<=",
        300.0,
        "ms",
    ),
    "pg_p95_under_load_ms": ("PostgreSQL: readers' p95 while an ingest commits", "<=", 300.0, "ms"),
    "errors_under_load": ("errors of readers and ingest under load, both stores", "<=", 0.0, ""),
    "rss_shared_mb": (
        "peak RSS of the shared store's processes (ingest commands, PostgreSQL load_batch, "
        "readers' growth)",
        "<=",
        1000.0,
        "MB",
    ),
}
# The peak-RSS figure (memory label) each memory target is checked on.
MEMORY_TARGETS = {
    "rss_ingest_mb": "ingest load_batch (surveys)",
    "rss_scorecard_mb": "scorecard (org cold+warm, team, agent table)",
    "rss_qualtrics_mb": "Qualtrics ingest load_batch (auto-detected layout)",
}


def verdict(key: str, value: float | None) -> dict:
    """Target `key` checked on `value`: pass is None when there is no value to check."""
    label, op, threshold, unit = TARGETS[key]
    shown = {">=": "≥", "<=": "≤", ">": ">"}[op]
    if value is None:
        passed = None
    elif op == ">=":
        passed = value >= threshold
    elif op == ">":
        passed = value > threshold
    else:
        passed = value <= threshold
    return {
        "target": f"{shown} {threshold:g}{'×' if unit == 'x' else ' ' + unit}",
        "label": label,
        "value": value,
        "pass": passed,
    }


def _browser_values(browser: dict) -> dict:
    """The Chromium figures the targets read (None when the browser part was skipped): when
    the title, headline and tiles were painted on the fresh server's first visit and (the
    median) on the warm visits; charts on the slowest visit."""
    keys = ("browser_readable_fresh_s", "browser_readable_warm_s", "browser_charts_s")
    if browser.get("skipped"):
        return dict.fromkeys(keys)
    visits = [browser["first"], browser["second"], *browser["warm"]]
    return dict(
        zip(
            keys,
            (
                browser["first"]["readable_s"],
                browser["warm_readable_s"],
                max(v["last_dom_change_s"] for v in visits),
            ),
            strict=True,
        )
    )


def check_targets(res: dict) -> dict:
    """Every target checked on the figures of a run (results.json's `targets`)."""
    ingest, memory = res["ingest"], res["memory"]
    values = {
        "scorecard_ratio": res["scorecard_org"]["ratio"],
        "scorecard_warm_ms": res["scorecard_org"]["warm_ms"],
        "history_flat": res["history"]["max_min_ratio"],
        "ingest_vs_duckdb": ingest.get("ratio_ingest_vs_duckdb_file"),
        "pandas_vs_ingest": ingest.get("ratio_pandas_vs_ingest"),
        **{key: memory.get(step, {}).get("peak_rss_mb") for key, step in MEMORY_TARGETS.items()},
        "render_first_s": res["page_render"]["apptest"]["first_s"],
        **_browser_values(res["page_render"]["browser"]),
        **_shared_values(res.get("shared_store") or {}),
    }
    return {key: verdict(key, values[key]) for key in TARGETS if key in values}


def _shared_values(shared: dict) -> dict:
    """The shared-store step's checked figures (none when it was skipped)."""
    if shared.get("skipped") or not shared:
        return {}  # not run: not checked
    load = shared["under_load"]
    rss = shared["peak_rss_mb"]
    return {
        "pg_scorecard_warm_ms": shared["scorecard_warm"]["postgresql"]["warm_ms"],
        **(
            {"pg_ingest_vs_copy": shared["ingest_postgres"]["ratio_vs_copy"]}
            if "ingest_postgres" in shared
            else {}
        ),
        "duckdb_p95_under_load_ms": load["duckdb"]["p95_ms"],
        "pg_p95_under_load_ms": load["postgresql"]["p95_ms"],
        "errors_under_load": float(sum(side["errors"] for side in load.values())),
        "rss_shared_mb": rss["largest"],
    }
