"""bench/run.py still runs end to end (tiny sizes), so the benchmark does not rot.

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


def test_bench_runs_tiny_and_writes_results(tmp_path):
    out, readme = tmp_path / "results.json", tmp_path / "README.md"
    readme.write_text(
        "# bench\n\nintro kept\n\n<!-- results:start -->\nSTALE TABLE\n"
        "<!-- results:end -->\n\ntail kept\n",
        encoding="utf-8",
    )
    args = [
        "--agents", "12", "--weeks", "3", "--ingest-rows", "2000", "--sweep-weeks", "2,3",
        "--repeat", "5", "--qualtrics-rows", "300", "--skip-browser",
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
    assert "org scorecard" in proc.stdout and "not measured yet" not in proc.stdout
    assert "5 Qualtrics-layout ingest 300 rows" in proc.stdout
    assert "7 all-hands page, first render" in proc.stdout
    assert "skipped (--skip-browser)" in proc.stdout

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
        "render_first_s",
    }  # fmt: skip
    assert all(t["pass"] in (True, False) for t in res["targets"].values())
    assert all(m["peak_rss_mb"] >= m["base_rss_mb"] > 0 for m in res["memory"].values())
    assert "Qualtrics ingest load_batch (auto-detected layout)" in res["memory"]

    text = readme.read_text(encoding="utf-8")
    assert text.startswith("# bench\n\nintro kept\n") and text.endswith("tail kept\n")
    assert "STALE TABLE" not in text and "| figure |" in text
    assert "| 7 all-hands page in Chromium | skipped (--skip-browser) |" in text
