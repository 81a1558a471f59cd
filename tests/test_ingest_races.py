"""Keys the store keeps, whoever races, and real rows that never hide behind demo rows."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from cxmetrics.demo import build_demo
from cxmetrics.ingest import load_batch, undo_batch
from cxmetrics.metrics.engine import business_kpis
from cxmetrics.periods import parse_period

pytestmark = pytest.mark.both_stores  # the same behaviour on DuckDB and PostgreSQL


def _interactions(path, ids: range, day: str = "2026-11-16") -> None:
    lines = [
        "interaction_id,started_at,channel,team_id,agent_id,wait_seconds,handle_seconds,abandoned"
    ]
    lines += [f"X{i:06d},{day} 09:{i % 60:02d}:00,phone,T01,,{i % 40},300,no" for i in ids]
    path.write_text("\n".join(lines) + "\n")


def _race(*calls) -> list:
    """Run the calls at the same moment on threads; return their results (or exceptions)."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        barrier.wait()
        try:
            results[i] = call()
        except Exception as exc:  # the test inspects it
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_the_same_file_twice_at_once_loads_once(store, tmp_path):
    path = tmp_path / "calls.csv"
    _interactions(path, range(20_000))
    results = _race(*(lambda: load_batch(store, "interactions", path) for _ in range(2)))
    statuses = sorted(r.status for r in results)
    assert statuses == ["already_loaded", "committed"], results
    assert store.scalar("SELECT count(*) FROM interactions") == 20_000
    assert store.scalar("SELECT count(DISTINCT interaction_id) FROM interactions") == 20_000


def test_overlapping_ids_loaded_in_parallel_are_stored_once(store, tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    _interactions(first, range(0, 20_000))
    _interactions(second, range(10_000, 30_000))
    results = _race(
        lambda: load_batch(store, "interactions", first),
        lambda: load_batch(store, "interactions", second),
    )
    assert all(r.status == "committed" for r in results), results
    assert sum(r.loaded for r in results) == 30_000
    assert sum(r.duplicates for r in results) == 10_000
    assert store.scalar("SELECT count(*) FROM interactions") == 30_000


@pytest.fixture
def demo_store(store):
    build_demo(store, agents=6, weeks=3, end=date(2026, 11, 22))
    return store


def test_real_kpis_are_not_shadowed_by_demo_rows(demo_store, tmp_path):
    """A real kpis file whose keys match demo rows: the demo rows give way and the real
    values are stored; clearing the demo afterwards keeps every real row."""
    week = parse_period("2026-W47")
    demo_value = demo_store.scalar(
        "SELECT value FROM kpi_values WHERE metric_id = 'sales_per_fte' AND team_id = 'T01' "
        "AND date = DATE '2026-11-17'"
    )
    assert demo_value is not None  # the demo holds this key
    path = tmp_path / "kpis.csv"
    path.write_text(
        "date,metric_id,team_id,value\n"
        "2026-11-17,sales_per_fte,T01,99.5\n"
        "2026-11-17,quality_score,T01,12.0\n"
        "2026-11-17,brand_new_kpi,T01,7\n"
        "2026-11-18,brand_new_kpi,T01,9\n"
    )
    report = load_batch(demo_store, "kpis", path)
    assert (report.loaded, report.duplicates, report.rejected) == (4, 0, 0)
    assert any("demo" in w for w in report.warnings), report.warnings
    stored = demo_store.rows(
        "SELECT value, batch_id FROM kpi_values WHERE metric_id = 'sales_per_fte' "
        "AND team_id = 'T01' AND date = DATE '2026-11-17'"
    )
    assert [(v, b) for v, b in stored] == [(99.5, report.batch_id)]
    undo_batch(demo_store, "demo")
    left = demo_store.rows("SELECT metric_id, value FROM kpi_values ORDER BY metric_id, value")
    assert [tuple(r) for r in left] == [
        ("brand_new_kpi", 7.0),
        ("brand_new_kpi", 9.0),
        ("quality_score", 12.0),
        ("sales_per_fte", 99.5),
    ]
    by_id = {k.id: k for k in business_kpis(demo_store, week, team="T01")}
    assert by_id["brand_new_kpi"].value == 8.0  # (7 + 9) / 2


def test_real_interactions_replace_demo_rows_with_the_same_id_and_rollups_follow(
    demo_store, tmp_path
):
    demo_id, demo_day = demo_store.rows(
        "SELECT interaction_id, CAST(started_at AS DATE) FROM interactions "
        "WHERE NOT abandoned ORDER BY started_at LIMIT 1"
    )[0]
    offered_before = demo_store.scalar(
        "SELECT sum(value) FROM rollup_org_daily WHERE measure = 'interactions.offered'"
    )
    path = tmp_path / "one.csv"
    path.write_text(
        "interaction_id,started_at,channel,team_id,wait_seconds,handle_seconds,abandoned\n"
        f"{demo_id},2026-11-20 10:00:00,phone,T01,5,100,no\n"
    )
    report = load_batch(demo_store, "interactions", path)
    assert (report.loaded, report.duplicates) == (1, 0)
    assert demo_store.scalar("SELECT count(*) FROM interactions WHERE interaction_id = :i",
                             {"i": demo_id}) == 1  # fmt: skip
    # One demo contact left (on its own day) and one real one came: the total is unchanged,
    # and the demo day lost one.
    assert (
        demo_store.scalar(
            "SELECT sum(value) FROM rollup_org_daily WHERE measure = 'interactions.offered'"
        )
        == offered_before
    )
    per_day = dict(
        demo_store.rows("SELECT date, sum(offered) FROM rollup_interactions GROUP BY date")
    )
    raw_day = dict(
        demo_store.rows("SELECT CAST(started_at AS DATE), count(*) FROM interactions GROUP BY 1")
    )
    assert per_day == raw_day
    assert demo_day in per_day
