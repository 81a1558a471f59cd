"""bench/run.py (the bench/cxbench package) still runs end to end at tiny sizes and prints
the same table, so the benchmark does not rot; and its processes draw no DuckDB progress bars.

Not a timing test: speed and memory targets are measured by bench/run.py as ratios.
The browser part of the page-render figure is skipped here (--skip-browser): it starts a
Streamlit server and Chromium, which the browser tests already do.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "bench" / "run.py"
PROGRESS_BAR = "SELECT current_setting('enable_progress_bar')"


def _table(markdown: str) -> list[tuple[str, str]]:
    """(figure, target) of every row of the README's results table."""
    rows = [line for line in markdown.splitlines() if line.startswith("| ")][1:]
    return [(cells[0], cells[4]) for cells in (r.strip("| ").split(" | ") for r in rows)]


def _expected_table(res: dict) -> list[tuple[str, str]]:
    """The rows a run with the arguments of the test below prints, in order."""
    period, team, rows = res["period"], res["team"], res["agent_table"]["rows"]
    return [
        (f"1 org scorecard {period}, cold", ""),
        ("1 org scorecard, cold in a fresh process", ""),
        ("1 org scorecard, warm (median of 5)", "≥ 20×"),
        ("1 org scorecard, warm time", "≤ 100 ms"),
        ("1 baseline: load raw tables into pandas (once)", ""),
        ("1 (load + compute) / warm, if pandas re-read per request", ""),
        (f"2 team scorecard {team}, warm", ""),
        (f"2 agent table {team} ({rows} rows), warm", ""),
        ("3 scorecard with 2 weeks of history, warm", ""),
        ("3 scorecard with 3 weeks of history, warm", ""),
        ("3 history max/min (12 agents)", "≤ 1.5×"),
        ("4 ingest 2,000 survey rows: load_batch (median of 3) vs DuckDB read_csv into a table"
         " in a database file", "≤ 2×"),
        ("4 ingest vs DuckDB read_csv into an in-memory table (no file, no commit)", ""),
        ("4 ingest: pandas read_csv + to_sql / load_batch", "> 1×"),
        ("5 Qualtrics-layout ingest 300 rows, no mapping: load_batch (median of 3)", ""),
        ("5 Qualtrics: loaded / rejected (previews, tests, unfinished)", ""),
        ("5 Qualtrics per row vs canonical ingest per row (item 4)", ""),
        ("5 Qualtrics CSV MB/s vs canonical CSV MB/s (wider rows: more bytes per row)", ""),
        ("6 peak RSS: build demo (main store)", ""),
        ("6 peak RSS: scorecard (org cold+warm, team, agent table)", "≤ 1000 MB"),
        ("6 peak RSS: pandas baseline (load raw tables + org scorecard)", ""),
        ("6 peak RSS: build demo (12 agents × 2 weeks)", ""),  # 3 weeks: the main store
        ("6 peak RSS: ingest load_batch (surveys)", "≤ 1000 MB"),
        ("6 peak RSS: ingest DuckDB read_csv (in memory)", ""),
        ("6 peak RSS: ingest pandas read_csv + to_sql", ""),
        ("6 peak RSS: Qualtrics ingest load_batch (auto-detected layout)", "≤ 1000 MB"),
        ("6 peak RSS: page render (AppTest: imports, first run, warm reruns)", ""),
        ("6 store on disk", ""),
        ("6 ingest store on disk (roster + surveys)", ""),
        ("6 Qualtrics ingest store on disk (roster + surveys)", ""),
        ("7 all-hands page, first render (AppTest, cold caches, fresh process)", "≤ 2 s"),
        ("7 all-hands page, warm rerun (AppTest, median of 5)", ""),
        ("7 all-hands page in Chromium", ""),
        ("8 PostgreSQL beside DuckDB", ""),
    ]  # fmt: skip


def test_bench_runs_tiny_and_writes_results(tmp_path):
    out, readme = tmp_path / "results.json", tmp_path / "README.md"
    readme.write_text(
        "# bench\n\nintro kept\n\n<!-- results:start -->\nSTALE TABLE\n"
        "<!-- results:end -->\n\ntail kept\n",
        encoding="utf-8",
    )
    args = [
        "--agents", "12", "--weeks", "3", "--ingest-rows", "2000", "--sweep-weeks", "2,3",
        "--repeat", "5", "--qualtrics-rows", "300", "--skip-browser", "--shared-rows", "0",
        "--out", str(out), "--readme", str(readme),
    ]  # fmt: skip
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    # Nothing but the report on stdout; no DuckDB progress bar on stderr either.
    assert proc.stdout.startswith("cxmetrics scale benchmark — 12 agents × 3 weeks")
    assert "▕" not in proc.stdout + proc.stderr
    assert "org scorecard" in proc.stdout and "not measured yet" not in proc.stdout
    assert "5 Qualtrics-layout ingest 300 rows" in proc.stdout
    assert "7 all-hands page, first render" in proc.stdout
    assert "skipped (--skip-browser)" in proc.stdout
    assert "skipped (--shared-rows 0)" in proc.stdout

    res = json.loads(out.read_text(encoding="utf-8"))
    for key in (
        "machine", "date", "args", "methods", "store", "period", "team", "equal_to_baseline",
        "scorecard_org", "scorecard_team", "agent_table", "history", "ingest", "memory",
        "targets", "profile_scorecard", "profile_ingest", "qualtrics", "profile_qualtrics",
        "page_render",
    ):  # fmt: skip
        assert key in res, key
    assert {"cpu_count", "ram_gb", "python", "duckdb"} <= set(res["machine"])
    assert res["equal_to_baseline"]["equal"] is True
    org = res["scorecard_org"]
    assert org["warm_ms"] > 0 and org["baseline_ms"] > 0 and org["ratio"] > 0
    assert [s["weeks"] for s in res["history"]["stores"]] == [2, 3]
    assert res["ingest"]["load_batch_report"]["loaded"] == 2000
    assert res["ingest"]["ratio_ingest_vs_duckdb"] > 0

    # 5: 300 rows hold 2 previews, 1 test and 6 unfinished responses (fixed positions).
    q = res["qualtrics"]
    kinds, report = q["kinds_written"], q["load_batch_report"]
    assert kinds == {"complete": 291, "preview": 2, "test": 1, "unfinished": 6}
    assert report["layout"] == "qualtrics"
    assert (report["rows_in"], report["loaded"], report["rejected"]) == (300, 291, 9)
    assert report["reasons"] == {
        "survey preview response": 2, "survey test response": 1, "unfinished response": 6,
    }  # fmt: skip
    assert report["mapping"]["nps"].startswith("How likely are you to recommend")
    assert report["mapping"]["agent_id"] == "AgentID"
    assert q["ratio_per_row_vs_canonical"] > 0 and q["rows_per_s"] > 0

    # 7: AppTest rendered the page; the browser part said why it did not run.
    render = res["page_render"]
    assert render["apptest"]["title"].startswith("All-hands scorecard")
    assert render["apptest"]["first_s"] > 0 and render["apptest"]["warm_s"] > 0
    assert render["browser"] == {"skipped": "--skip-browser"}

    assert set(res["targets"]) == {
        "scorecard_ratio", "scorecard_warm_ms", "history_flat", "ingest_vs_duckdb",
        "pandas_vs_ingest", "rss_ingest_mb", "rss_scorecard_mb", "rss_qualtrics_mb",
        "render_first_s", "browser_readable_fresh_s", "browser_readable_warm_s", "browser_charts_s",
    }  # fmt: skip
    browser_targets = {k for k in res["targets"] if k.startswith("browser_")}
    assert all(res["targets"][k]["pass"] is None for k in browser_targets)  # skipped
    assert all(
        t["pass"] in (True, False) for k, t in res["targets"].items() if k not in browser_targets
    )
    assert all(m["peak_rss_mb"] >= m["base_rss_mb"] > 0 for m in res["memory"].values())
    assert "Qualtrics ingest load_batch (auto-detected layout)" in res["memory"]

    text = readme.read_text(encoding="utf-8")
    assert text.startswith("# bench\n\nintro kept\n") and text.endswith("tail kept\n")
    assert "STALE TABLE" not in text and "| figure |" in text
    assert _table(text) == _expected_table(res)
    assert "| 7 all-hands page in Chromium | skipped (--skip-browser) |" in text


def progress_bar_settings(path: str) -> dict:
    """Child side of the test below: DuckDB's progress-bar setting on a connection opened
    as DuckDB would by default, on a store's, and on the bench's own."""
    import duckdb

    from bench.cxbench import db
    from cxmetrics.store import open_store

    plain = duckdb.connect()
    store = open_store(db.url(path))
    bench = db.connect()
    try:
        return {
            "plain": plain.execute(PROGRESS_BAR).fetchone()[0],
            "store": store.scalar(PROGRESS_BAR),
            "bench": bench.execute(PROGRESS_BAR).fetchone()[0],
        }
    finally:
        plain.close(), store.close(), bench.close()


def test_no_duckdb_progress_bars_in_bench_child_processes(tmp_path):
    # DuckDB turns its progress bar on in a process whose __main__ has no file: a `python -c`
    # parent here, and so its spawned child, as the children of bench/run.py were. "plain"
    # shows the bar would be on; the store's and the bench's own connections must not draw.
    code = (
        "from bench.cxbench.measure import in_child\n"
        "from tests.test_bench_smoke import progress_bar_settings\n"
        f"print(in_child(progress_bar_settings, path={str(tmp_path / 's.duckdb')!r})['result'])"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip() == str({"plain": True, "store": False, "bench": False})


def test_readable_times_take_the_first_frame_holding_each_whole_part():
    from bench.cxbench.steps.page import readable_times

    # frames stamped in the page: [ms since navigation, h1s, headline sentences, tiles]
    frames = [[400.0, 0, 0, 0], [812.5, 1, 0, 4], [990.0, 1, 0, 17], [1204.0, 1, 9, 17]]
    assert readable_times(frames) == {
        "h1_s": 0.812, "headline_s": 1.204, "tiles_s": 0.99, "readable_s": 1.204,
    }  # fmt: skip
    # a part the page never showed: never readable (the bench then stops with an error)
    assert readable_times([[500.0, 1, 0, 3]])["readable_s"] is None
    assert readable_times([])["readable_s"] is None
