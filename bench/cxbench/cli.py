"""Scale benchmark: scorecard, team view, history growth, ingest (canonical and Qualtrics
layout), memory and the all-hands page render, with baselines.

The command line of `python bench/run.py`: parse the options, run, print the table and the
profile notes, write results.json and the README table.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from . import db
from .context import Options
from .report import headline, markdown, profile_text, text_table, update_readme, write_results
from .runner import run

BENCH = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CXMETRICS_CHROMIUM", "/usr/bin/chromium")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--agents", type=int, default=200)
    ap.add_argument("--weeks", type=int, default=52)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--end", help="last Sunday of the demo (default: last complete week)")
    ap.add_argument("--repeat", type=int, default=7, help="warm calls per median (min 5)")
    ap.add_argument(
        "--ingest-rows",
        type=int,
        help="survey CSV rows (default 1,000,000 with --agents ≥ 1000, else 100,000)",
    )
    ap.add_argument(
        "--sweep-agents", type=int, help="agents in the history sweep (default --agents)"
    )
    ap.add_argument("--sweep-weeks", default="13,26,52,104", help="history sizes, comma-separated")
    ap.add_argument(
        "--ingest-repeat",
        type=int,
        default=3,
        help="load_batch / DuckDB runs, also for the Qualtrics export (median); pandas once",
    )
    ap.add_argument("--skip-ingest", action="store_true")
    ap.add_argument(
        "--qualtrics-rows",
        type=int,
        help="Qualtrics-layout export rows (default 200,000 with --agents ≥ 1000, else 20,000;"
        " 0 skips it)",
    )
    ap.add_argument(
        "--skip-browser",
        action="store_true",
        help="page render through AppTest only (no Streamlit server, no Chromium)",
    )
    ap.add_argument(
        "--shared-rows",
        type=int,
        default=200_000,
        help="survey rows loaded by a CLI ingest while 20 readers ask for scorecards, on "
        "DuckDB and PostgreSQL (0 skips the PostgreSQL-beside-DuckDB step)",
    )
    ap.add_argument(
        "--chromium",
        default=CHROMIUM,
        help="Chromium for the browser page load (default $CXMETRICS_CHROMIUM or "
        "/usr/bin/chromium; missing: that part is skipped and says so)",
    )
    ap.add_argument("--out", type=Path, default=BENCH / "results.json")
    ap.add_argument("--readme", type=Path, default=BENCH / "README.md")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    db.quiet_progress_bars()
    res = run(Options.from_args(args))
    print(headline(res))
    print()
    print(text_table(res))
    print()
    print(profile_text(res))
    write_results(args.out, res)
    update_readme(args.readme, markdown(res))
    print(f"\nwrote {args.out} and the table in {args.readme} ({res['total_run_s']} s in all)")
    return 0
