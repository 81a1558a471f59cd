"""Canonical ingest against real DuckDB files: every row loaded, rejected or duplicate."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from sqlalchemy import text

from cxmetrics.config import SAMPLES_DIR, Settings
from cxmetrics.ingest import (
    KINDS,
    BatchReport,
    UnreadableFile,
    dates,
    list_batches,
    load_batch,
    rejected_rows,
    undo_batch,
)
from cxmetrics.ingest.mapping import map_columns
from cxmetrics.ingest.plan import plan_batch
from cxmetrics.ingest.read import read_file
from cxmetrics.ingest.specs import spec_for
from cxmetrics.ingest.validation import validate_file
from cxmetrics.ingest.write import Batch, write_batch
from cxmetrics.store import Store, rollups

pytestmark = pytest.mark.both_stores  # the same behaviour on DuckDB and PostgreSQL

FIX = Path(__file__).parent / "fixtures" / "ingest"
SAMPLES = SAMPLES_DIR
TABLES = (
    "teams", "agents", "roster_replaced", "interactions", "adherence", "survey_responses",
    "kpi_values", "targets", "upload_batches", "rejected_rows", "rollup_interactions",
    "rollup_surveys", "rollup_adherence", "rollup_team_daily", "rollup_org_daily",
)  # fmt: skip
INTERACTIONS_HEADER = (
    "interaction_id,started_at,channel,queue,team_id,agent_id,customer_id,wait_seconds,"
    "handle_seconds,abandoned,transferred,resolved_first_contact,callback_promised,callback_kept"
)


def load(store, kind, name, **kw) -> BatchReport:
    """Load a fixture file and check the invariant every report must keep."""
    path = name if isinstance(name, Path) else FIX / name
    report = load_batch(store, kind, path, **kw)
    assert report.rows_in == report.loaded + report.rejected + report.duplicates
    assert sum(report.reasons.values()) == report.rejected
    return report


def write(tmp_path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def snapshot(store) -> dict[str, list]:
    """Every row of every table the ingest touches, sorted (to compare states)."""
    out = {}
    for table in TABLES:
        rows = store.rows(f"SELECT * FROM {table}")
        out[table] = sorted(tuple(str(v) for v in r) for r in rows)
    return out


def rollup_state(store) -> dict[str, list]:
    return {t: v for t, v in snapshot(store).items() if t.startswith("rollup_")}


# ---------------------------------------------------------------- each kind loads


@pytest.mark.parametrize("kind", KINDS)
def test_each_sample_file_loads_completely(store, kind):
    report = load(store, kind, SAMPLES / f"{kind}.csv")
    assert (report.status, report.rows_in, report.loaded, report.rejected) == (
        "committed", 4, 4, 0,
    )  # fmt: skip
    message = "loaded 4 of 4 rows; 0 rejected; 0 duplicates"
    if kind in ("interactions", "surveys"):  # the kinds with times of day
        message += "; times without an offset read as UTC (the business time zone)"
        assert report.timezone == "UTC"
    else:
        assert report.timezone is None
    assert report.message == message
    assert report.batch_id.startswith("b") and len(report.batch_id) == len("b20261123-101502-3f2a")


def test_samples_in_order_know_every_agent(store):
    for kind in KINDS:
        report = load(store, kind, SAMPLES / f"{kind}.csv")
        assert report.loaded == 4 and report.unknown_agents == []
    committed = "SELECT count(*) FROM upload_batches WHERE status = 'committed'"
    assert store.scalar(committed) == len(KINDS)


def test_roster_loads_agents_and_teams_with_leading_zeros(store):
    report = load(store, "roster", "roster_v1.csv")
    assert (report.loaded, report.rejected, report.duplicates) == (2, 0, 0)
    agents = store.rows(
        "SELECT agent_id, name, team_id, email, hired_on, active, batch_id FROM agents "
        "ORDER BY agent_id"
    )
    assert [tuple(a) for a in agents] == [
        ("001", "Ana Lima", "T1", "ana@example.com", date(2023, 4, 3), True, report.batch_id),
        ("002", "Ben Okafor", "T1", "ben@example.com", date(2024, 9, 16), True, report.batch_id),
    ]
    teams = store.rows("SELECT team_id, name, supervisor, function, batch_id FROM teams")
    assert [tuple(t) for t in teams] == [
        ("T1", "Care", "Ann Ortiz", "customer service", report.batch_id)
    ]


def test_interactions_values_and_blank_defaults(store):
    report = load(store, "interactions", "interactions_a.csv")
    assert (report.loaded, report.rejected, report.duplicates) == (3, 0, 0)
    rows = store.rows(
        "SELECT interaction_id, started_at, agent_id, customer_id, wait_seconds, handle_seconds,"
        " abandoned, transferred, resolved_first_contact, callback_promised, callback_kept "
        "FROM interactions ORDER BY interaction_id"
    )
    assert [tuple(r) for r in rows] == [
        ("000101", datetime(2025, 11, 3, 9, 0), "001", "0042", 10, 300, False, False, True,
         False, None),
        ("000102", datetime(2025, 11, 3, 9, 30), "002", "0043", 45, 420, False, True, None,
         True, False),
        ("000103", datetime(2025, 11, 4, 10, 0), None, "0044", 70, None, True, False, None,
         False, None),
    ]  # fmt: skip
    # The rollup was refreshed in the same transaction.
    assert store.scalar("SELECT sum(offered) FROM rollup_interactions") == 3
    assert store.scalar("SELECT sum(abandoned) FROM rollup_interactions") == 1


# ---------------------------------------------------------------- rejection rules


def test_interaction_rejections_name_the_line_and_the_fix(store):
    report = load(store, "interactions", "interactions_bad.csv")
    assert (report.rows_in, report.loaded, report.rejected, report.duplicates) == (13, 3, 9, 1)
    assert report.rejected_sample == [
        (3, "\"wait_seconds\" is '-5', below 0: it must be 0 or more"),
        (4, "\"wait_seconds\" is 'abc', not a number (use digits, e.g. 42 or 42.5)"),
        (5, "answered contact without \"handle_seconds\": fill it in, or set \"abandoned\" to "
            "yes if the customer hung up before an answer"),
        (7, "\"abandoned\" is 'maybe', not yes/no: use 1/0, true/false or yes/no"),
        (8, "\"started_at\" is empty: fill it in (every row needs one)"),
        (9, "\"interaction_id\" is empty: fill it in (every row needs one)"),
        (10, "\"started_at\" is '2025-13-45 09:00', not a date (use YYYY-MM-DD or "
             "YYYY-MM-DD HH:MM)"),
        (11, "\"started_at\" is '2099-01-01 09:00', in the future: check the date (and the "
             "day/month order)"),
        (14, "\"handle_seconds\" is '-1', below 0: it must be 0 or more"),
    ]  # fmt: skip
    assert report.reasons == {
        '"wait_seconds" below 0': 1,
        '"wait_seconds" not a number': 1,
        '"handle_seconds" missing on an answered contact': 1,
        '"abandoned" not yes/no': 1,
        '"started_at" empty': 1,
        '"interaction_id" empty': 1,
        '"started_at" not a date': 1,
        '"started_at" in the future': 1,
        '"handle_seconds" below 0': 1,
    }
    assert not any("`" in reason for _, reason in report.rejected_sample)
    loaded = [r[0] for r in store.rows("SELECT interaction_id FROM interactions ORDER BY 1")]
    assert loaded == ["I01", "I05", "I11"]  # I11: abandoned with an agent id is fine
    rejects = rejected_rows(store, report.batch_id)
    header = INTERACTIONS_HEADER.split(",")
    assert list(rejects.columns) == [*header, "line_no", "error"]
    assert rejects["line_no"].tolist() == [3, 4, 5, 7, 8, 9, 10, 11, 14]
    first = ["I02", "2025-11-03 09:05", "phone", "general", "T1", "001", "C2", "-5", "300", "no"]
    first += ["", "", "", ""]
    assert rejects.iloc[0][header].tolist() == first
    batch = list_batches(store).iloc[0]
    assert (batch["rows_in"], batch["loaded"], batch["rejected"], batch["duplicates"]) == (
        13, 3, 9, 1,
    )  # fmt: skip


def test_adherence_rules_and_unknown_agents(store):
    load(store, "roster", "roster_v1.csv")
    report = load(store, "adherence", "adherence_bad.csv")
    assert (report.rows_in, report.loaded, report.rejected, report.duplicates) == (6, 2, 3, 1)
    assert report.rejected_sample == [
        (3, "\"in_adherence_minutes\" is '500', more than \"scheduled_minutes\" '480': time "
            "in adherence cannot exceed the schedule"),
        (4, "\"in_adherence_minutes\" is empty: fill it in (every row needs one)"),
        (5, "\"scheduled_minutes\" is '-1', below 0: it must be 0 or more"),
    ]  # fmt: skip
    # "0001" is not "001": identifiers are text, leading zeros matter.
    assert report.unknown_agents == ["0001"]
    assert store.scalar("SELECT sum(agent_days) FROM rollup_adherence") == 2


def test_survey_rules(store):
    report = load(store, "surveys", "surveys_bad.csv")
    assert (report.rows_in, report.loaded, report.rejected, report.duplicates) == (11, 2, 9, 0)
    assert report.rejected_sample == [
        (3, "\"nps\" is '12', outside 0–10"),
        (4, "\"nps\" is '9.5', not a whole number from 0–10"),
        (5, "\"csat\" is '0', outside 1–5"),
        (6, "\"ces\" is '8', outside 1–7"),
        (7, 'no score: fill in one of "nps", "csat", "ces"'),
        (8, "\"respondent_type\" is 'staff': use customer or colleague (blank means customer)"),
        (9, "\"responded_at\" is '2025-13-45', not a date (use YYYY-MM-DD or YYYY-MM-DD HH:MM)"),
        (11, '"responded_at" is empty: fill it in (every row needs one)'),
        (12, "\"nps\" is 'ten', not a score (use a whole number from 0–10)"),
    ]
    assert report.reasons['"nps" outside 0–10'] == 1
    rows = store.rows(
        "SELECT response_id, respondent_type, nps, comment FROM survey_responses ORDER BY 1"
    )
    # The comment is stored exactly as given, surrounding spaces included.
    assert [tuple(r) for r in rows] == [
        ("S01", "customer", 9, "  Great, thanks!  "),
        ("S09", "colleague", 10, None),
    ]


def test_targets_and_kpis_keys_with_org_wide_rows(store):
    report = load(store, "targets", "targets.csv")
    assert (report.loaded, report.rejected) == (3, 2)
    assert report.rejected_sample == [
        (5, "\"target\" is 'thirty', not a number (use digits, e.g. 42 or 42.5)"),
        (6, "\"amber_tolerance\" is '-2', below 0: it must be 0 or more"),
    ]
    org = store.rows("SELECT metric_id, target FROM targets WHERE team_id IS NULL ORDER BY 1")
    assert [tuple(r) for r in org] == [("csat", 85.0), ("nps", 30.0)]
    # Same (metric, org-wide, effective_from) again: a duplicate, even with NULL team ids.
    again = load(store, "targets", "targets_again.csv")  # aliases metric, team
    assert (again.loaded, again.duplicates) == (1, 1)
    # A target may take effect in the future (no future-date rule for targets).
    assert store.scalar("SELECT count(*) FROM targets WHERE effective_from = '2026-01-01'") == 1

    kpis = load(store, "kpis", "kpis.csv")
    assert (kpis.rows_in, kpis.loaded, kpis.rejected, kpis.duplicates) == (5, 3, 1, 1)
    assert kpis.rejected_sample == [(6, '"value" is empty: fill it in (every row needs one)')]
    assert store.scalar("SELECT value FROM kpi_values WHERE team_id IS NULL") == 3.9


def test_quoted_newlines_count_records_not_physical_lines(store):
    report = load(store, "surveys", "surveys_quoted.csv")
    assert (report.loaded, report.rejected) == (2, 1)
    assert report.rejected_sample == [(3, "\"nps\" is '11', outside 0–10")]
    rejects = rejected_rows(store, report.batch_id)
    assert rejects.drop(columns=["line_no", "error"]).values.tolist() == [
        ["Q2", "2025-11-03 10:05", "11", 'said "wow"']
    ]
    comment = store.scalar("SELECT comment FROM survey_responses WHERE response_id = 'Q1'")
    assert comment == "line one\nline two, with a comma"


def test_other_delimiter_blank_lines_and_ragged_rows(store):
    report = load(store, "kpis", "ragged_semicolon.csv")
    # Blank lines and rows of bare delimiters are not rows; they still count as lines.
    # A ;-delimited file writes decimals with a comma: 4,2 is 4.2.
    assert (report.rows_in, report.loaded, report.rejected, report.duplicates) == (4, 3, 1, 0)
    assert report.rejected_sample == [
        (5, "the row has 5 values but the header has 4 columns: quote values that contain the "
            "delimiter, or remove the extra values"),
    ]  # fmt: skip
    assert report.reasons["wrong number of values"] == 1
    # The download keeps the file's four columns: the extra value stays in the last cell.
    rejects = rejected_rows(store, report.batch_id)
    assert rejects.drop(columns=["line_no", "error"]).values.tolist() == [
        ["2025-11-04", "quality_score", "T1", "90.1;extra"]
    ]
    assert store.scalar("SELECT value FROM kpi_values WHERE metric_id = 'sales_per_fte'") == 4.2


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_bom_and_windows_line_ends(store, tmp_path, encoding):
    content = "agent_id,date,scheduled_minutes,in_adherence_minutes,logged_in_minutes,"
    content += "available_minutes\r\n007,2025-11-03,480,450,470,90\r\n007,2025-11-04,x,1,1,1\r\n"
    path = tmp_path / "wfm.csv"
    path.write_bytes(content.encode(encoding))
    report = load(store, "adherence", path)
    assert (report.loaded, report.rejected) == (1, 1)
    assert report.rejected_sample[0][0] == 3
    assert store.scalar("SELECT agent_id FROM adherence") == "007"


def test_headers_are_matched_loosely_and_unknown_columns_reported(store, tmp_path):
    path = write(
        tmp_path,
        "kpi.csv",
        " Date ,METRIC,Team ID,Value,Note\n2025-11-03, sales ,0T1, 4 ,ignored\n",
    )
    report = load(store, "kpis", path)
    assert report.loaded == 1 and report.ignored_columns == ["Note"]
    row = store.rows("SELECT metric_id, team_id, value FROM kpi_values")[0]
    assert tuple(row) == ("sales", "0T1", 4.0)


# ---------------------------------------------------------------- duplicates, idempotence


def test_duplicates_in_file_and_across_batches(store):
    load(store, "roster", "roster_v1.csv")
    first = load(store, "interactions", "interactions_a.csv")
    second = load(store, "interactions", "interactions_b.csv")
    assert (second.rows_in, second.loaded, second.duplicates) == (3, 2, 1)
    assert second.unknown_agents == ["003"]
    assert store.scalar("SELECT count(*) FROM interactions") == 5
    owner = store.scalar("SELECT batch_id FROM interactions WHERE interaction_id = '000103'")
    assert owner == first.batch_id


def test_same_file_twice_writes_nothing(store, tmp_path):
    first = load(store, "interactions", "interactions_a.csv")
    before = snapshot(store)
    copy = tmp_path / "renamed.csv"
    copy.write_bytes((FIX / "interactions_a.csv").read_bytes())
    again = load(store, "interactions", copy)
    assert again.status == "already_loaded"
    assert again.batch_id == first.batch_id
    assert (again.rows_in, again.loaded, again.rejected, again.duplicates) == (3, 0, 0, 3)
    assert "already loaded as batch " + first.batch_id in again.message
    assert snapshot(store) == before
    # A dry run of it says the same, still writing nothing.
    assert load(store, "interactions", copy, dry_run=True).status == "already_loaded"
    # After undo the file may be loaded again.
    undo_batch(store, first.batch_id)
    third = load(store, "interactions", copy)
    assert third.status == "committed" and third.loaded == 3 and third.batch_id != first.batch_id


def test_dry_run_reports_the_same_and_writes_nothing(store):
    load(store, "roster", "roster_v1.csv")
    load(store, "interactions", "interactions_a.csv")
    before = snapshot(store)
    dry = load(store, "interactions", "interactions_bad.csv", dry_run=True)
    assert dry.status == "dry_run" and dry.batch_id is None
    assert dry.message.startswith("dry run: would load 3 of 13 rows; 9 rejected; 1 duplicate")
    assert snapshot(store) == before
    real = load(store, "interactions", "interactions_bad.csv")
    same = ("rows_in", "loaded", "rejected", "duplicates", "reasons", "rejected_sample",
            "unknown_agents", "sha256")  # fmt: skip
    assert {k: getattr(dry, k) for k in same} == {k: getattr(real, k) for k in same}


def test_survey_ids_from_content_are_stable(store):
    first = load(store, "surveys", "surveys_noid.csv")
    assert first.loaded == 3
    ids = [r[0] for r in store.rows("SELECT response_id FROM survey_responses")]
    assert all(i.startswith("h") and len(i) == 17 for i in ids)
    assert all(int(i[1:], 16) >= 0 for i in ids)
    # A differently named, re-formatted export with one more row: three duplicates, one new.
    second = load(store, "surveys", "surveys_noid_copy.csv")
    assert (second.rows_in, second.loaded, second.duplicates) == (4, 1, 3)
    assert store.scalar("SELECT count(*) FROM survey_responses") == 4


# ---------------------------------------------------------------- dates and time zones


def test_offsets_are_converted_to_the_business_time_zone(tmp_path):
    settings = Settings(db_url=f"duckdb:///{tmp_path / 'ny.duckdb'}", timezone="America/New_York")
    store = Store(settings)
    path = write(
        tmp_path,
        "tz.csv",
        INTERACTIONS_HEADER + "\n"
        "Z1,2025-11-03T14:30:00Z,phone,,,,,1,10,no,,,,\n"
        "Z2,2025-07-01T12:00:00+02:00,phone,,,,,1,10,no,,,,\n"
        "Z3,2025-11-03 09:30,phone,,,,,1,10,no,,,,\n"
        "Z4,2025-11-04T02:00:00Z,phone,,,,,1,10,no,,,,\n"
        "Z5,2025-11-04T03:00:00-0100,phone,,,,,1,10,no,,,,\n",
    )
    report = load(store, "interactions", path)
    assert report.loaded == 5
    got = dict(store.rows("SELECT interaction_id, started_at FROM interactions"))
    assert got == {
        "Z1": datetime(2025, 11, 3, 9, 30),  # EST, UTC-5
        "Z2": datetime(2025, 7, 1, 6, 0),  # EDT, UTC-4
        "Z3": datetime(2025, 11, 3, 9, 30),  # naive: already local
        "Z4": datetime(2025, 11, 3, 21, 0),  # the local date is the day before
        "Z5": datetime(2025, 11, 3, 23, 0),
    }
    days = dict(store.rows("SELECT date, sum(offered) FROM rollup_interactions GROUP BY 1"))
    assert days == {date(2025, 7, 1): 1, date(2025, 11, 3): 4}
    store.close()


def test_ambiguous_slashed_dates_need_an_order(store):
    report = load(store, "surveys", "surveys_ambiguous.csv")
    assert (report.loaded, report.rejected) == (2, 2)
    assert report.rejected_sample == [
        (2, "\"responded_at\" is '03/04/2025 10:00', ambiguous (day/month or month/day?): "
            "load again with --dayfirst or --monthfirst"),
        (3, "\"responded_at\" is '05/06/2025', ambiguous (day/month or month/day?): load again "
            "with --dayfirst or --monthfirst"),
    ]  # fmt: skip
    assert report.reasons == {'"responded_at" ambiguous day/month order': 2}
    # 07/07/2025 reads the same either way.
    assert store.scalar("SELECT responded_at FROM survey_responses WHERE response_id = 'A3'") == (
        datetime(2025, 7, 7)
    )


@pytest.mark.parametrize(
    ("dayfirst", "a1", "a2"),
    [
        (True, datetime(2025, 4, 3, 10), datetime(2025, 6, 5)),
        (False, datetime(2025, 3, 4, 10), datetime(2025, 5, 6)),
    ],
)
def test_dayfirst_choice_settles_slashed_dates(store, dayfirst, a1, a2):
    report = load(store, "surveys", "surveys_ambiguous.csv", dayfirst=dayfirst)
    assert (report.loaded, report.rejected) == (4, 0)
    got = dict(store.rows("SELECT response_id, responded_at FROM survey_responses"))
    assert (got["A1"], got["A2"]) == (a1, a2)


def test_the_file_itself_can_settle_the_order(store):
    day = load(store, "surveys", "surveys_dayfirst_settled.csv")  # has 25/03/2025
    month = load(store, "surveys", "surveys_monthfirst_settled.csv")  # has 03/25/2025
    assert (day.loaded, month.loaded) == (2, 2)
    got = dict(store.rows("SELECT response_id, responded_at FROM survey_responses"))
    assert got["D1"] == datetime(2025, 4, 3, 10)
    assert got["D2"] == datetime(2025, 3, 25, 14, 30)  # 2:30 PM
    assert got["M1"] == datetime(2025, 3, 4, 10)
    assert got["M2"] == datetime(2025, 3, 25)


def test_future_dates_are_rejected(store, tmp_path):
    tz = store.settings.tz
    tomorrow = (datetime.now(tz) + timedelta(days=1)).date()
    yesterday = (datetime.now(tz) - timedelta(days=1)).date()
    path = write(
        tmp_path,
        "kpis.csv",
        f"date,metric_id,value\n{yesterday},sales,1\n{tomorrow},sales,2\n",
    )
    report = load(store, "kpis", path)
    assert (report.loaded, report.rejected) == (1, 1)
    assert report.rejected_sample == [
        (3, f"\"date\" is '{tomorrow}', in the future: check the date (and the day/month order)")
    ]


def test_parse_times_unit():
    values = pd.Series(
        [
            "2025-02-30", "31/12/2025", "12/31/2025", "13/13/2025", "1/2/25 11:59 pm", None,
            "2025-1-6 9:05", "2025/11/16 08:00", "2025-11-16 9:30Z", "16.11.2025", "yesterday",
        ],
        dtype="str",
    )  # fmt: skip
    parsed = dates.parse_times(values, ZoneInfo("Europe/Paris"), None)
    # The column holds both 31/12 and 12/31: its order is not settled, yet each of those two
    # is unambiguous on its own; 1/2/25 is ambiguous.
    assert parsed.bad.tolist() == [True] + [False] * 2 + [True] + [False] * 6 + [True]
    assert parsed.ambiguous.tolist() == [False] * 4 + [True] + [False] * 6
    assert parsed.values[1] == pd.Timestamp("2025-12-31")
    assert parsed.values[2] == pd.Timestamp("2025-12-31")
    assert parsed.values[6] == pd.Timestamp("2025-01-06 09:05")
    assert parsed.values[7] == pd.Timestamp("2025-11-16 08:00")
    assert parsed.values[8] == pd.Timestamp("2025-11-16 10:30")  # UTC → Paris (CET)
    assert parsed.values[9] == pd.Timestamp("2025-11-16")
    settled = dates.parse_times(values, ZoneInfo("UTC"), False)
    assert settled.values[4] == pd.Timestamp("2025-01-02 23:59")


# ---------------------------------------------------------------- undo


@pytest.mark.parametrize(
    ("kind", "base", "extra"),
    [
        ("interactions", "interactions_a.csv", "interactions_b.csv"),
        ("surveys", "surveys_noid.csv", "surveys_noid_copy.csv"),
        ("adherence", "adherence_bad.csv", None),
    ],
)
def test_undo_removes_rows_and_rollup_contributions(store, tmp_path, kind, base, extra):
    load(store, kind, base)
    before = snapshot(store)
    if extra is None:
        extra = write(
            tmp_path,
            "more.csv",
            "agent_id,date,scheduled_minutes,in_adherence_minutes,logged_in_minutes,"
            "available_minutes\n002,2025-11-03,100,90,95,10\n001,2025-11-06,100,90,95,10\n",
        )
    report = load(store, kind, extra)
    assert report.loaded >= 1
    assert rollup_state(store) != {k: v for k, v in before.items() if k.startswith("rollup_")}
    undo = undo_batch(store, report.batch_id)
    assert undo.removed == report.loaded
    assert undo.message.startswith(f"undid batch {report.batch_id} ({kind}): removed ")
    after = snapshot(store)
    for table in TABLES:
        if table not in ("upload_batches", "rejected_rows"):
            assert after[table] == before[table], table
    status = store.scalar(
        "SELECT status FROM upload_batches WHERE batch_id = :b", {"b": report.batch_id}
    )
    assert status == "undone"


def test_undo_keeps_rejected_rows_for_the_record(store):
    report = load(store, "surveys", "surveys_bad.csv")
    undo_batch(store, report.batch_id)
    assert store.scalar("SELECT count(*) FROM survey_responses") == 0
    assert len(rejected_rows(store, report.batch_id)) == 9


def test_roster_replace_and_undo_restore_the_previous_rows(store):
    v1 = load(store, "roster", "roster_v1.csv")
    v2 = load(store, "roster", "roster_v2.csv")
    # 001 unchanged → duplicate; 002 moved to T2 → replaced (loaded); 003 new.
    assert (v2.rows_in, v2.loaded, v2.duplicates) == (3, 2, 1)
    agents = dict(store.rows("SELECT agent_id, team_id FROM agents"))
    assert agents == {"001": "T1", "002": "T2", "003": "T2"}
    assert store.scalar("SELECT count(*) FROM agents WHERE agent_id = '002'") == 1
    assert store.scalar("SELECT name FROM teams WHERE team_id = 'T2'") == "Billing"

    undo = undo_batch(store, v2.batch_id)
    assert (undo.removed, undo.restored) == (3, 1)  # agents 002, 003 and team T2; 002 back
    rows = store.rows("SELECT agent_id, team_id, batch_id FROM agents ORDER BY 1")
    assert [tuple(r) for r in rows] == [("001", "T1", v1.batch_id), ("002", "T1", v1.batch_id)]
    assert [r[0] for r in store.rows("SELECT team_id FROM teams")] == ["T1"]
    assert store.scalar("SELECT count(*) FROM roster_replaced") == 0


def test_roster_rows_already_stored_are_duplicates(store, tmp_path):
    load(store, "roster", "roster_v1.csv")
    before = snapshot(store)
    # Same agents in a different file (an extra column): nothing changes.
    content = (FIX / "roster_v1.csv").read_text().replace("active", "active,note")
    content = content.replace(",yes", ",yes,").replace(",Y", ",Y,")
    report = load(store, "roster", write(tmp_path, "again.csv", content))
    assert (report.rows_in, report.loaded, report.duplicates) == (2, 0, 2)
    assert report.ignored_columns == ["note"]
    after = snapshot(store)
    assert {t: v for t, v in after.items() if t != "upload_batches"} == {
        t: v for t, v in before.items() if t != "upload_batches"
    }


def test_roster_team_change_and_undo(store):
    load(store, "roster", "roster_v1.csv")
    change = load(store, "roster", "roster_supervisor.csv")
    # Same agent (absent columns keep stored values), its team's supervisor changed: loaded.
    assert (change.loaded, change.duplicates) == (1, 0)
    team = store.rows("SELECT name, supervisor, function FROM teams WHERE team_id = 'T1'")
    assert tuple(team[0]) == ("Care", "Zoe Adams", "customer service")
    assert store.scalar("SELECT email FROM agents WHERE agent_id = '001'") == "ana@example.com"
    undo_batch(store, change.batch_id)
    team = store.rows("SELECT name, supervisor, function FROM teams WHERE team_id = 'T1'")
    assert tuple(team[0]) == ("Care", "Ann Ortiz", "customer service")


def test_undoing_a_roster_batch_a_later_one_replaced(store):
    v1 = load(store, "roster", "roster_v1.csv")
    v2 = load(store, "roster", "roster_v2.csv")  # 002 → T2
    v3 = load(store, "roster", "roster_v3.csv")  # 002 → T3
    undo_batch(store, v2.batch_id)  # the middle one: 002 stays in T3 (v3 is still loaded)
    assert store.rows("SELECT team_id, batch_id FROM agents WHERE agent_id = '002'") == [
        ("T3", v3.batch_id)
    ]
    assert store.scalar("SELECT count(*) FROM agents WHERE agent_id = '003'") == 0
    undo_batch(store, v3.batch_id)  # now 002 goes back to what v1 said, not to v2's T2
    assert store.rows("SELECT team_id, batch_id FROM agents WHERE agent_id = '002'") == [
        ("T1", v1.batch_id)
    ]


def test_undo_demo_batch(store):
    with store.transaction() as conn:
        conn.execute(
            text("INSERT INTO teams (team_id, name, batch_id) VALUES ('T9', 'Demo', 'demo')")
        )
        conn.execute(
            text(
                "INSERT INTO agents (agent_id, name, team_id, active, batch_id) "
                "VALUES ('A9', 'Dee', 'T9', true, 'demo')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO survey_responses (response_id, responded_at, respondent_type, "
                "agent_id, nps, batch_id) VALUES ('d1', '2025-11-03 10:00', 'customer', 'A9', "
                "10, 'demo')"
            )
        )
        conn.execute(text("INSERT INTO kpi_values VALUES ('2025-11-03', 'sales', NULL, 1, 'demo')"))
        conn.execute(text("INSERT INTO targets VALUES ('nps', NULL, 30, 5, '2025-01-01', 'demo')"))
        conn.execute(
            text(
                "INSERT INTO upload_batches VALUES ('demo', 'demo', NULL, NULL, NULL, "
                "current_timestamp, 5, 5, 0, 0, 'committed')"
            )
        )
        rollups.refresh(conn, "surveys", date(2025, 11, 3), date(2025, 11, 3), store.settings)
    assert store.scalar("SELECT sum(responses) FROM rollup_surveys") == 1
    # An upload that replaced a demo agent; undoing the demo leaves the upload's version.
    upload = load(store, "roster", FIX / "roster_v1.csv")
    report = undo_batch(store, "demo")
    assert report.kind == "demo" and report.removed == 5
    for table in ("survey_responses", "kpi_values", "targets", "rollup_surveys"):
        assert store.scalar(f"SELECT count(*) FROM {table}") == 0, table
    assert store.scalar("SELECT count(*) FROM agents WHERE batch_id = 'demo'") == 0
    assert store.scalar("SELECT count(*) FROM agents") == 2
    assert {r[0] for r in store.rows("SELECT batch_id FROM agents")} == {upload.batch_id}


def test_undo_the_built_demo(store):
    demo = pytest.importorskip("cxmetrics.demo")
    demo.build_demo(store, agents=4, weeks=1, end=date(2025, 11, 9))
    assert store.scalar("SELECT count(*) FROM interactions") > 0
    undo_batch(store, "demo")
    for table in TABLES:
        if table not in ("upload_batches", "rejected_rows"):
            assert store.scalar(f"SELECT count(*) FROM {table}") == 0, table


def test_undo_and_listing_errors_name_the_fix(store):
    with pytest.raises(ValueError, match=r"no batch `nope`: run `cxmetrics batches`"):
        undo_batch(store, "nope")
    with pytest.raises(ValueError, match="no batch `nope`"):
        rejected_rows(store, "nope")
    with pytest.raises(ValueError, match=r"unknown kind `survey`: use one of roster, "):
        load_batch(store, "survey", FIX / "surveys_bad.csv")
    report = load(store, "kpis", "kpis.csv")
    undo_batch(store, report.batch_id)
    with pytest.raises(ValueError, match="already undone"):
        undo_batch(store, report.batch_id)


# ---------------------------------------------------------------- atomicity


def test_a_failure_inside_the_transaction_leaves_nothing(store):
    load(store, "roster", "roster_v1.csv")
    before = snapshot(store)
    spec = spec_for("interactions")
    raw = read_file(FIX / "interactions_a.csv")
    mapping = map_columns(spec, raw.header)
    checked = validate_file(store, spec, raw, mapping, None)
    with pytest.raises(RuntimeError, match="disk full"), store.transaction() as conn:
        planned = plan_batch(conn, spec, checked)
        batch = Batch("b-test", spec, raw, checked, planned, "x.csv", None, datetime(2025, 11, 5))
        write_batch(conn, batch, store.settings)
        # Inside the transaction the rows, the batch and the rollups are there ...
        assert conn.execute(text("SELECT count(*) FROM interactions")).scalar_one() == 3
        assert conn.execute(text("SELECT count(*) FROM rollup_interactions")).scalar_one() > 0
        raise RuntimeError("disk full")
    # ... and after the failure none of it is.
    assert snapshot(store) == before


def test_the_invariant_is_checked_before_writing(store):
    spec = spec_for("kpis")
    raw = read_file(FIX / "kpis.csv")
    checked = validate_file(store, spec, raw, map_columns(spec, raw.header), None)
    with store.reading() as conn:
        planned = plan_batch(conn, spec, checked)
    planned.status = planned.status[:-1]  # one row unaccounted for
    batch = Batch("b-x", spec, raw, checked, planned, "k.csv", None, datetime(2025, 1, 1))
    with pytest.raises(RuntimeError, match="internal error"), store.transaction() as conn:
        write_batch(conn, batch, store.settings)
    assert store.scalar("SELECT count(*) FROM upload_batches") == 0


# ---------------------------------------------------------------- unreadable files


@pytest.mark.parametrize(
    ("content", "kind", "message"),
    [
        (b"", "surveys", "the file is empty (0 bytes)"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "surveys", "not a text file"),
        # Windows-1252 is read (é), so what is missing is the date column.
        (b"caf\xe9,nps\n1,2\n", "surveys", "no `responded_at` column: surveys files need"),
        (b"\n\n  \n", "kpis", "no header row"),
        (b",,,\n1,2,3,4\n", "kpis", "first row is empty"),
        (
            (FIX / "interactions_missing_column.csv").read_bytes(),
            "interactions",
            "no `started_at` column: interactions files need the columns interaction_id, "
            "started_at, wait_seconds in their first row "
            "(found: interaction_id, channel, wait_seconds)",
        ),
        (b"response_id,responded_at,comment\n1,2025-11-03,hi\n", "surveys", "no nps / csat / ces"),
        (b"agent_id,Agent ID,date\n", "adherence", "columns `agent_id` and `Agent ID`"),
    ],
)
def test_unreadable_files_raise_one_line_and_write_nothing(store, tmp_path, content, kind, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    before = snapshot(store)
    with pytest.raises(UnreadableFile) as info:
        load_batch(store, kind, path)
    assert message in str(info.value)
    assert "\n" not in str(info.value)
    assert snapshot(store) == before


def test_missing_file_and_folder_are_unreadable(store, tmp_path):
    with pytest.raises(UnreadableFile, match="no such file"):
        load_batch(store, "kpis", tmp_path / "nope.csv")
    with pytest.raises(UnreadableFile, match="folder"):
        load_batch(store, "kpis", tmp_path)


def test_header_only_is_zero_rows_not_unreadable(store):
    report = load(store, "adherence", "header_only.csv")
    assert (report.status, report.rows_in, report.loaded) == ("committed", 0, 0)
    assert report.message.startswith("loaded 0 of 0 rows")


# ---------------------------------------------------------------- reports and listings


def test_report_to_dict_is_json_and_batches_are_listed_newest_first(store):
    first = load(store, "kpis", "kpis.csv", uploaded_by="ana", filename="kpis-nov.csv")
    second = load(store, "surveys", "surveys_bad.csv")
    data = json.loads(json.dumps(first.to_dict()))
    assert data["rejected_sample"] == [[6, '"value" is empty: fill it in (every row needs one)']]
    assert data["filename"] == "kpis-nov.csv"
    batches = list_batches(store)
    assert batches["batch_id"].tolist() == [second.batch_id, first.batch_id]
    assert list(batches.columns) == [
        "batch_id", "kind", "filename", "sha256", "uploaded_by", "uploaded_at", "rows_in",
        "loaded", "rejected", "duplicates", "status",
    ]  # fmt: skip
    assert batches.iloc[1]["uploaded_by"] == "ana"
    assert batches.iloc[1]["filename"] == "kpis-nov.csv"


def test_many_rows_validate_in_bulk(store, tmp_path):
    """A larger file (vectorised validation): counts stay exact."""
    n = 20_000
    lines = [INTERACTIONS_HEADER]
    for i in range(n):
        handle = "" if i % 1000 == 0 else str(100 + i % 50)  # every 1000th row rejected
        lines.append(f"{i:07d},2025-11-0{1 + i % 7} 10:{i % 60:02d},phone,,,A{i % 40:03d},"
                     f"C{i % 900},{i % 40},{handle},no,,,,")  # fmt: skip
    path = write(tmp_path, "big.csv", "\n".join(lines) + "\n")
    report = load(store, "interactions", path)
    assert (report.rows_in, report.loaded, report.rejected) == (n, n - 20, 20)
    assert report.reasons == {'"handle_seconds" missing on an answered contact': 20}
    assert len(report.rejected_sample) == 20
    assert store.scalar("SELECT sum(offered) FROM rollup_interactions") == n - 20
    assert store.scalar("SELECT min(interaction_id) FROM interactions") == "0000001"
