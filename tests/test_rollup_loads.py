"""A load's rollup refresh gives what a full rebuild from the facts gives, on both stores.

On PostgreSQL a survey load whose dates hold no other survey rows computes its rollups in
this process (store/batch_rollups.py) and copies them in; a load onto dates other batches hold
recomputes them on the server. Both must equal `rollups.rebuild` and the sums by hand.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from cxmetrics.ingest import load_batch, undo_batch
from cxmetrics.store import batch_rollups, rollups
from cxmetrics.store.dialect import POSTGRESQL

pytestmark = pytest.mark.both_stores

ROLLUP_TABLES = ("rollup_surveys", "rollup_team_daily", "rollup_org_daily")
ROSTER = """agent_id,agent_name,team_id,team_name,supervisor,function,email,hired_on,active
001,Ana Lima,T1,Care,Ann Ortiz,customer service,ana@example.com,2023-04-03,yes
002,Ben Okafor,T1,Care,Ann Ortiz,customer service,ben@example.com,2024-09-16,yes
003,Cy Doe,T2,Billing,Bo Chen,customer service,cy@example.com,2024-01-08,yes
"""
HEADER = "response_id,responded_at,respondent_type,channel,team_id,agent_id,nps,csat,ces\n"
# Batch A: 2 Nov: r1, r2 customers of 001 (T1 on the row); r3 a colleague of 002 (no team
# on the row: 002's roster team, T1). 3 Nov: r4 a customer of 003 (no team: T2).
BATCH_A = HEADER + (
    "r1,2026-11-02 09:00:00,customer,phone,T1,001,10,5,7\n"
    "r2,2026-11-02 10:00:00,customer,phone,T1,001,6,2,\n"
    "r3,2026-11-02 11:00:00,colleague,chat,,002,9,,\n"
    "r4,2026-11-03 12:00:00,customer,email,,003,8,4,5\n"
)
# Batch B: one more customer of 003 on 3 Nov, a date batch A holds.
BATCH_B = HEADER + "r5,2026-11-03 15:00:00,customer,phone,T2,003,0,1,1\n"
# Batch C: 5 Nov, a date no batch holds, in a store with other dates.
BATCH_C = HEADER + "r6,2026-11-05 08:00:00,customer,chat,T1,002,9,,\n"


def _load(store, tmp_path: Path, name: str, content: str):
    path = tmp_path / f"{name}.csv"
    path.write_text(content, encoding="utf-8")
    kind = "roster" if name == "roster" else "surveys"
    report = load_batch(store, kind, path)
    assert report.status == "committed" and report.rejected == 0, report.message
    return report


def _rollups(store) -> dict[str, list]:
    return {t: sorted(map(repr, store.rows(f"SELECT * FROM {t}"))) for t in ROLLUP_TABLES}


def _equal_to_rebuild(store) -> None:
    loaded = _rollups(store)
    with store.transaction() as conn:
        rollups.rebuild(conn, store.settings, ("surveys",))
    assert _rollups(store) == loaded


def _in_process(store, day: date) -> bool:
    """Whether a survey load of `day` alone computes its rollups in this process."""
    with store.reading() as conn:
        return store.dialect == POSTGRESQL and not batch_rollups.held(conn, "surveys", day, day)


def _team(store, day: str, team: str) -> dict[str, float]:
    rows = store.rows(
        "SELECT measure, value FROM rollup_team_daily WHERE date = :d AND team_id = :t",
        {"d": date.fromisoformat(day), "t": team},
    )
    return {m.removeprefix("surveys."): v for m, v in rows}


def _org(store, day: str) -> dict[str, float]:
    rows = store.rows(
        "SELECT measure, value FROM rollup_org_daily WHERE date = :d",
        {"d": date.fromisoformat(day)},
    )
    return {m.removeprefix("surveys."): v for m, v in rows}


def test_a_load_onto_new_dates_and_onto_held_dates_equals_a_rebuild(store, tmp_path):
    postgres = store.dialect == POSTGRESQL
    _load(store, tmp_path, "roster", ROSTER)
    assert _in_process(store, date(2026, 11, 2)) is postgres  # an empty store: in process
    _load(store, tmp_path, "a", BATCH_A)
    # 2 Nov, T1: r1, r2, r3 -> 3 responses, 2 customers, 1 colleague; NPS answers of
    # customers 10 and 6 -> 1 promoter, 1 detractor; CSAT 5 and 2 -> 1 of 2 in the top two;
    # CES 7 (r1 only) -> 1 of 1 easy; colleague NPS 9 -> 1 internal promoter. Zero sums
    # (internal detractors) have no row.
    t1 = {
        "responses": 3, "customer_responses": 2, "colleague_responses": 1, "nps_n": 2,
        "promoters": 1, "detractors": 1, "csat_n": 2, "csat_top2": 1, "ces_n": 1,
        "ces_easy": 1, "inps_n": 1, "inps_promoters": 1,
    }  # fmt: skip
    assert _team(store, "2026-11-02", "T1") == t1
    assert _org(store, "2026-11-02") == t1  # the only team that day
    # The agent row of r3 keeps the row's own (missing) team; the team rollup gives it T1.
    assert store.rows(
        "SELECT team_id, responses, colleague_responses, inps_promoters FROM rollup_surveys "
        "WHERE agent_id = '002'"
    ) == [(None, 1, 1, 1)]
    # 3 Nov, T2 (003's roster team): r4, NPS 8 (passive), CSAT 4 (top two), CES 5 (easy).
    t2 = {"responses": 1, "customer_responses": 1, "nps_n": 1, "csat_n": 1, "csat_top2": 1,
          "ces_n": 1, "ces_easy": 1}  # fmt: skip
    assert _team(store, "2026-11-03", "T2") == t2
    _equal_to_rebuild(store)

    assert not _in_process(store, date(2026, 11, 3))  # batch A holds 3 Nov: on the server
    b = _load(store, tmp_path, "b", BATCH_B)
    # 3 Nov, T2: r4 and r5 -> 2 responses; NPS 8, 0 -> 1 detractor; CSAT 4, 1 -> 1 of 2;
    # CES 5, 1 -> 1 of 2 easy.
    t2 = {"responses": 2, "customer_responses": 2, "nps_n": 2, "detractors": 1, "csat_n": 2,
          "csat_top2": 1, "ces_n": 2, "ces_easy": 1}  # fmt: skip
    assert _team(store, "2026-11-03", "T2") == t2
    assert _org(store, "2026-11-03") == t2
    _equal_to_rebuild(store)

    assert _in_process(store, date(2026, 11, 5)) is postgres  # a new date: in process
    _load(store, tmp_path, "c", BATCH_C)
    # 5 Nov, T1: r6, a customer's NPS 9 -> 1 promoter; no CSAT or CES.
    t1 = {"responses": 1, "customer_responses": 1, "nps_n": 1, "promoters": 1}
    assert _team(store, "2026-11-05", "T1") == t1
    assert _org(store, "2026-11-05") == t1
    assert _team(store, "2026-11-02", "T1")["responses"] == 3  # other dates as they were
    _equal_to_rebuild(store)

    undo_batch(store, b.batch_id)  # 3 Nov back to batch A's r4 alone
    assert _org(store, "2026-11-03")["responses"] == 1
    _equal_to_rebuild(store)
