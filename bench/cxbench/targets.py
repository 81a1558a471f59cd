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
    "browser_h1_fresh_s": ("all-hands page in Chromium, fresh server: h1 visible", "<=", 2.0, "s"),
    "browser_h1_warm_s": (
        "all-hands page in Chromium, warm server and browser: h1 visible",
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
    """The Chromium figures the targets read (None when the browser part was skipped): h1 on
    the fresh server's first visit and on the third (server and HTTP cache warm); charts on
    the slowest of the three visits."""
    if browser.get("skipped"):
        return dict.fromkeys(("browser_h1_fresh_s", "browser_h1_warm_s", "browser_charts_s"))
    visits = [browser[key] for key in ("first", "second", "third")]
    return {
        "browser_h1_fresh_s": browser["first"]["h1_visible_s"],
        "browser_h1_warm_s": browser["third"]["h1_visible_s"],
        "browser_charts_s": max(v["last_dom_change_s"] for v in visits),
    }


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
    }
    return {key: verdict(key, values[key]) for key in TARGETS}
