"""bench/run.py still runs end to end (tiny sizes), so the benchmark does not rot.

Not a timing test: speed and memory targets are measured by bench/run.py as ratios.
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
        "--repeat", "5", "--out", str(out), "--readme", str(readme),
    ]  # fmt: skip
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "org scorecard" in proc.stdout and "not measured yet" in proc.stdout

    res = json.loads(out.read_text(encoding="utf-8"))
    for key in (
        "machine", "date", "args", "methods", "store", "period", "team", "equal_to_baseline",
        "scorecard_org", "scorecard_team", "agent_table", "history", "ingest", "memory",
        "targets", "not_measured", "profile_scorecard", "profile_ingest",
    ):  # fmt: skip
        assert key in res, key
    assert {"cpu_count", "ram_gb", "python", "duckdb"} <= set(res["machine"])
    assert res["equal_to_baseline"]["equal"] is True
    org = res["scorecard_org"]
    assert org["warm_ms"] > 0 and org["baseline_ms"] > 0 and org["ratio"] > 0
    assert [s["weeks"] for s in res["history"]["stores"]] == [2, 3]
    assert res["ingest"]["load_batch_report"]["loaded"] == 2000
    assert res["ingest"]["ratio_ingest_vs_duckdb"] > 0
    assert set(res["targets"]) == {
        "scorecard_ratio", "scorecard_warm_ms", "history_flat", "ingest_vs_duckdb",
        "pandas_vs_ingest", "rss_ingest_mb", "rss_scorecard_mb",
    }  # fmt: skip
    assert all(t["pass"] in (True, False) for t in res["targets"].values())
    assert all(m["peak_rss_mb"] >= m["base_rss_mb"] > 0 for m in res["memory"].values())

    text = readme.read_text(encoding="utf-8")
    assert text.startswith("# bench\n\nintro kept\n") and text.endswith("tail kept\n")
    assert "STALE TABLE" not in text and "| figure |" in text
