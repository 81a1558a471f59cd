"""Several writer processes on one PostgreSQL store (`cxmetrics ingest`/`undo` from the
command line at the same moment): writes take turns by the store's advisory lock, so two
loads of different files both land, the same file started twice loads once, and an undo
during another load leaves both right."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from cxmetrics.config import SAMPLES_DIR
from cxmetrics.ingest import load_batch
from cxmetrics.store import open_store

ROOT = Path(__file__).resolve().parent.parent


def _interactions(path: Path, ids: range, day: str = "2026-11-16") -> None:
    lines = ["interaction_id,started_at,channel,team_id,wait_seconds,handle_seconds,abandoned"]
    lines += [f"P{i:06d},{day} 09:{i % 60:02d}:00,phone,T01,{i % 40},300,no" for i in ids]
    path.write_text("\n".join(lines) + "\n")


def _at_once(url: str, *commands: list[str]) -> list[subprocess.CompletedProcess]:
    """Start every command (a cxmetrics CLI call) at once; wait for all of them."""
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "cxmetrics.cli", "--db", url, *command],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(os.environ),
        )
        for command in commands
    ]
    done = []
    for child, command in zip(children, commands, strict=True):
        out, err = child.communicate(timeout=300)
        done.append(subprocess.CompletedProcess(command, child.returncode, out, err))
    return done


def _count(url: str, sql: str) -> int:
    store = open_store(url)
    try:
        return int(store.scalar(sql))
    finally:
        store.close()


def test_parallel_loads_of_different_files_both_land(postgres_url, tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    _interactions(first, range(0, 20_000))
    _interactions(second, range(10_000, 30_000))  # 10,000 ids in both
    done = _at_once(
        postgres_url,
        ["ingest", "interactions", str(first)],
        ["ingest", "interactions", str(second)],
    )
    assert [d.returncode for d in done] == [0, 0], [d.stderr for d in done]
    assert _count(postgres_url, "SELECT count(*) FROM interactions") == 30_000
    assert _count(postgres_url, "SELECT count(DISTINCT interaction_id) FROM interactions") == 30_000
    # The rollups hold every stored row once (the second load planned against the first).
    assert _count(postgres_url, "SELECT sum(offered) FROM rollup_interactions") == 30_000


def test_the_same_file_started_twice_loads_once(postgres_url, tmp_path):
    path = tmp_path / "calls.csv"
    _interactions(path, range(20_000))
    done = _at_once(
        postgres_url,
        ["ingest", "interactions", str(path)],
        ["ingest", "interactions", str(path)],
    )
    assert [d.returncode for d in done] == [0, 0], [d.stderr for d in done]
    assert sum("already loaded" in d.stdout + d.stderr for d in done) == 1, done
    assert _count(postgres_url, "SELECT count(*) FROM interactions") == 20_000
    assert (
        _count(postgres_url, "SELECT count(*) FROM upload_batches WHERE kind = 'interactions'") == 1
    )


def test_an_undo_during_another_load_leaves_both_right(postgres_url, tmp_path):
    store = open_store(postgres_url)
    load_batch(store, "roster", SAMPLES_DIR / "roster.csv")
    undone = load_batch(store, "surveys", SAMPLES_DIR / "surveys.csv")
    store.close()
    path = tmp_path / "calls.csv"
    _interactions(path, range(40_000))
    done = _at_once(
        postgres_url,
        ["ingest", "interactions", str(path)],
        ["undo", undone.batch_id],
    )
    assert [d.returncode for d in done] == [0, 0], [d.stderr for d in done]
    assert _count(postgres_url, "SELECT count(*) FROM survey_responses") == 0
    assert _count(postgres_url, "SELECT count(*) FROM rollup_surveys") == 0
    assert _count(postgres_url, "SELECT count(*) FROM interactions") == 40_000
    assert _count(postgres_url, "SELECT sum(offered) FROM rollup_interactions") == 40_000
    assert (
        _count(postgres_url, "SELECT count(*) FROM rollup_org_daily WHERE measure LIKE 'surveys.%'")
        == 0
    )
