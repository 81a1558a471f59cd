"""Inputs that used to load silently wrong, and the reports that say what became of a file.

Score text read only as a label of its scale; short rows rejected; a bad value late in a
large file caught like an early one; reasons that name the file's own column; rejected rows
downloaded with the file's own columns and loaded again; duplicates listed by line; the time
zone of times without an offset, a Qualtrics export's own one honoured; a zero byte rejecting
its row; a column with values but no header never dropped; length limits on names, ids and
comments; the ingest limits as settings. Every expectation is worked out by hand.
"""

from __future__ import annotations

import csv
import gzip
import io
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from cxmetrics.config import IngestLimits, Settings, load_settings
from cxmetrics.export import safe_csv
from cxmetrics.ingest import (
    UnreadableFile,
    inspect_file,
    load_batch,
    rejected_rows,
    validation,
)
from cxmetrics.store import open_store

CORPUS = Path(__file__).parent / "corpus"


def csv_bytes(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode("utf-8")


def check(report) -> None:
    assert report.rows_in == report.loaded + report.rejected + report.duplicates
    assert sum(report.reasons.values()) == report.rejected


def stored(store, column: str, table: str = "survey_responses", key: str = "response_id"):
    return dict(store.rows(f"SELECT {key}, {column} FROM {table}"))


# ---------------------------------------------------------------- 1. score text

SCORE_CASES = {
    # column: (texts that load and their score, texts that are rejected)
    "nps": (
        {"10 - Extremely likely": 10, "Not at all likely 0": 0, "9/10": 9, " 8 ": 8, "7.0": 7,
         "(6) Unlikely": 6, "Would recommend: 5": 5},
        ["8.5", "99", "1e1", "banana8", "8a", "Q9", "9 or 10", "Q 9", "8 apples"],
    ),
    "csat": (
        {"5 - Very satisfied": 5, "Very dissatisfied 1": 1, "4/5": 4, " 3 ": 3, "2.0": 2,
         "(4) Satisfied": 4, "3 - Neither": 3, "Neutral (3)": 3},
        ["3.5", "9", "1e0", "banana3", "3a", "Q3", "3 or 4", "4 stars"],
    ),
    "ces": (
        {"7 - Very easy": 7, "Strongly disagree 1": 1, "6/7": 6, " 5 ": 5, "4.0": 4,
         "Very difficult (1)": 1, "2: Difficult": 2},
        ["4.5", "99", "1e0", "banana4", "4a", "Q4", "4 or 5", "5 points"],
    ),
}  # fmt: skip


@pytest.mark.parametrize("column", sorted(SCORE_CASES))
def test_score_text_is_read_only_as_a_label_of_its_scale(store, column):
    good, bad = SCORE_CASES[column]
    rows = [["response_id", "responded_at", column]]
    texts = [*good, *bad]
    rows += [[f"S{i}", "2026-10-05 09:00", given] for i, given in enumerate(texts)]
    report = load_batch(store, "surveys", csv_bytes(rows), filename=f"{column}.csv")
    check(report)
    assert (report.loaded, report.rejected) == (len(good), len(bad))
    got = stored(store, column)
    assert {texts[int(rid[1:])]: score for rid, score in got.items()} == good
    reasons = dict(report.rejected_sample)
    for i, given in enumerate(bad, start=len(good)):
        reason = reasons[i + 2]  # the header is line 1, row i is line i + 2
        assert f"\"{column}\" is '{given.strip()}'" in reason, reason
        assert "\n" not in reason and "`" not in reason


def test_score_reasons_say_what_is_wrong(store):
    rows = [["response_id", "responded_at", "nps"]]
    rows += [["A", "2026-10-05", "8.5"], ["B", "2026-10-05", "99"], ["C", "2026-10-05", "1e1"]]
    rows += [["D", "2026-10-05", "banana8"], ["E", "2026-10-05", "4/5"]]
    report = load_batch(store, "surveys", csv_bytes(rows))
    assert report.rejected_sample == [
        (2, "\"nps\" is '8.5', not a whole number from 0–10"),
        (3, "\"nps\" is '99', outside 0–10"),
        (4, "\"nps\" is '1e1', not a score (use a whole number from 0–10)"),
        (5, "\"nps\" is 'banana8', not a score (use a whole number from 0–10)"),
        (6, "\"nps\" is '4/5', not on the 0–10 scale"),
    ]


# ---------------------------------------------------------------- 2. short rows


def _surveys(n: int, changes: dict[int, list[str]] | None = None) -> bytes:
    """A canonical survey file of n rows (row k, from 1, is on line k + 1); `changes`
    replaces whole rows."""
    lines = ["response_id,responded_at,respondent_type,agent_id,nps,csat,ces,comment"]
    for k in range(1, n + 1):
        row = changes.get(k) if changes else None
        if row is None:
            day = 1 + k % 28
            scores = [str(k % 11), str(1 + k % 5), str(1 + k % 7)]
            comment = "fine" if k % 3 else ""
            row = [f"R{k}", f"2026-10-{day:02d} 09:{k % 60:02d}", "customer", f"A{k % 7}",
                   *scores, comment]  # fmt: skip
        lines.append(",".join(row))
    return ("\n".join(lines) + "\n").encode()


SHORT_REASON = (
    "the row has 4 values but the header has 8 columns: add the missing values (an empty one "
    "still needs its delimiter)"
)


@pytest.mark.parametrize("container", ["csv", "gzip"])
def test_a_short_row_late_in_a_large_file_is_rejected_by_line(store, container):
    # Row 27,000 has 4 of 8 values; the fast reader cannot take it and the record reader
    # must reject it (it used to pad it with blanks and load it).
    data = _surveys(30_000, {27_000: ["R27000", "2026-10-05 09:00", "customer", "A1"]})
    if container == "gzip":
        data = gzip.compress(data)
    report = load_batch(store, "surveys", data)
    check(report)
    assert (report.rows_in, report.loaded, report.rejected) == (30_000, 29_999, 1)
    assert report.rejected_sample == [(27_001, SHORT_REASON)]
    assert report.reasons == {"wrong number of values": 1}


def test_a_workbook_row_with_empty_last_cells_is_not_short(store, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.append(["response_id", "responded_at", "nps", "comment"])
    book.active.append(["W1", "2026-10-05 09:00", 9])  # no comment: the cell is just empty
    book.active.append(["W2", "2026-10-05 10:00", 7, "ok"])
    book.save(tmp_path / "w.xlsx")
    report = load_batch(store, "surveys", tmp_path / "w.xlsx")
    assert (report.loaded, report.rejected) == (2, 0)


# ---------------------------------------------------------------- 3. late bad values

INTERACTIONS = (
    "interaction_id,started_at,channel,queue,team_id,agent_id,customer_id,wait_seconds,"
    "handle_seconds,abandoned,transferred,resolved_first_contact,callback_promised,callback_kept"
)


def _interactions(n: int, bad: tuple[int, str, str] | None = None) -> bytes:
    columns = INTERACTIONS.split(",")
    lines = [INTERACTIONS]
    for k in range(1, n + 1):
        row = [f"I{k}", f"2026-10-{1 + k % 28:02d} {k % 24:02d}:{k % 60:02d}:00", "phone",
               "general", f"T{k % 3}", f"A{k % 9}", f"C{k}", str(k % 90), str(60 + k % 500),
               "no", "yes" if k % 4 else "no", "", "no", ""]  # fmt: skip
        if bad and bad[0] == k:
            row[columns.index(bad[1])] = bad[2]
        lines.append(",".join(row))
    return ("\n".join(lines) + "\n").encode()


LATE = {
    "timestamp": ("started_at", "2026-13-45 09:00",
                  "\"started_at\" is '2026-13-45 09:00', not a date (use YYYY-MM-DD or "
                  "YYYY-MM-DD HH:MM)"),
    "number": ("wait_seconds", "abc",
               "\"wait_seconds\" is 'abc', not a number (use digits, e.g. 42 or 42.5)"),
    "number below its minimum": ("handle_seconds", "-1",
                                 "\"handle_seconds\" is '-1', below 0: it must be 0 or more"),
    "bool": ("transferred", "maybe",
             "\"transferred\" is 'maybe', not yes/no: use 1/0, true/false or yes/no"),
    "id": ("interaction_id", "", '"interaction_id" is empty: fill it in (every row needs one)'),
    "id too long": ("customer_id", "C" * 129,
                    "\"customer_id\" is '" + "C" * 39 + "…' (129 characters), longer than the "
                    "128 allowed: shorten it"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(LATE))
def test_one_bad_value_at_row_27000_of_30000_is_caught(store, case):
    column, value, reason = LATE[case]
    report = load_batch(store, "interactions", _interactions(30_000, (27_000, column, value)))
    check(report)
    assert (report.rows_in, report.loaded, report.rejected) == (30_000, 29_999, 1)
    assert report.rejected_sample == [(27_001, reason)]


def test_late_bad_scores_dates_and_choices_are_caught_on_the_threaded_path(store):
    # 60,000 rows: columns are checked on several threads (validation.PARALLEL_ROWS).
    assert validation.PARALLEL_ROWS <= 60_000
    good = ["2026-10-05 09:00", "customer", "A1", "9", "5", "7", ""]
    changes = {
        27_000: ["R27000", "2026-10-05 09:00", "customer", "A1", "banana8", "5", "7", ""],
        45_000: ["R45000", "2026-02-30 10:00", *good[1:]],
        58_000: ["R58000", "2026-10-05 09:00", "staff", *good[2:]],
        59_999: ["R59999", "2026-10-05 09:00", "customer", "A1", "9", "4.5", "7", ""],
        60_000: ["R60000", *good[:5], "8", ""],
    }
    report = load_batch(store, "surveys", _surveys(60_000, changes))
    check(report)
    assert report.rejected_sample == [
        (27_001, "\"nps\" is 'banana8', not a score (use a whole number from 0–10)"),
        (45_001, "\"responded_at\" is '2026-02-30 10:00', not a date (use YYYY-MM-DD or "
                 "YYYY-MM-DD HH:MM)"),
        (58_001, "\"respondent_type\" is 'staff': use customer or colleague (blank means "
                 "customer)"),
        (60_000, "\"csat\" is '4.5', not a whole number from 1–5"),
        (60_001, "\"ces\" is '8', outside 1–7"),
    ]  # fmt: skip
    assert report.loaded == 60_000 - 5


def test_a_late_bad_date_in_a_date_column(store):
    lines = ["agent_id,date,scheduled_minutes,in_adherence_minutes,logged_in_minutes,"
             "available_minutes"]  # fmt: skip
    lines += [
        f"A{k % 50},2026-{1 + k % 9:02d}-{1 + k % 28:02d},480,450,470,400" for k in range(30_000)
    ]
    lines[27_001] = "A1,2026-02-30,480,450,470,400"
    report = load_batch(store, "adherence", ("\n".join(lines) + "\n").encode())
    assert report.rejected_sample == [
        (27_002, "\"date\" is '2026-02-30', not a date (use YYYY-MM-DD)")
    ]


# ---------------------------------------------------------------- 4. reasons name the file's column


def test_reasons_name_the_files_own_column_in_plain_text(store):
    rows = [
        ["Response ID", "Recorded Date", "How likely are you to recommend us to a friend?",
         "Comment"],
        ["R1", "2026-10-05 09:00", "9", "fine"],
        ["R2", "2025-13-45", "8", ""],
        ["R3", "2026-10-05 10:00", "12", ""],
        ["R4", "next\ntuesday", "7", ""],
        ["R5", "2026-10-05 11:00", "10", ""],
        ["R6", "2026-10-05 12:00", "9", ""],
    ]  # fmt: skip
    report = load_batch(store, "surveys", csv_bytes(rows))
    assert report.mapping["responded_at"] == "Recorded Date"
    assert report.rejected_sample == [
        (3, "\"Recorded Date\" is '2025-13-45', not a date (use YYYY-MM-DD or YYYY-MM-DD HH:MM)"),
        (4, "\"How likely are you to recommend us to a friend?\" is '12', outside 0–10"),
        (5, "\"Recorded Date\" is 'next tuesday', not a date (use YYYY-MM-DD or "
            "YYYY-MM-DD HH:MM)"),
    ]  # fmt: skip
    assert set(report.reasons) == {
        '"Recorded Date" not a date',
        '"How likely are you to recommend us to a friend?" outside 0–10',
    }
    for _, reason in report.rejected_sample:
        assert "`" not in reason and "responded_at" not in reason and "\n" not in reason


def test_a_long_column_label_is_cut_in_a_reason(store):
    question = "Thinking about everything that happened today, how likely are you to recommend us?"
    rows = [["response_id", "responded_at", question], ["R1", "2026-10-05", "11"]]
    rows += [[f"R{n}", "2026-10-05", str(n)] for n in range(2, 6)]
    report = load_batch(store, "surveys", csv_bytes(rows))
    # 59 characters of the label and an ellipsis.
    assert report.rejected_sample == [(2, f"\"{question[:59]}…\" is '11', outside 0–10")]


# ---------------------------------------------------------------- 5. rejected rows, loaded again


def download(store, batch_id: str) -> list[list[str]]:
    """The rejected-rows CSV as the Upload page serves it, parsed as a spreadsheet would."""
    text = safe_csv(rejected_rows(store, batch_id)).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def fixed_file(rows: list[list[str]], fixes: dict[tuple[str, str], str]) -> bytes:
    """The download with some cells changed: {(response id, column label): new text}."""
    header = rows[0]
    out = [header]
    for row in rows[1:]:
        row = list(row)
        for (rid, label), value in fixes.items():
            if rid in row:
                row[header.index(label)] = value
        out.append(row)
    return csv_bytes(out)


def test_rejected_rows_come_back_with_the_files_own_columns_and_load_again(store):
    rows = [
        ["Response ID", "Recorded Date", "NPS", "Comment"],
        ["R1", "2026-10-05 09:00", "9", "fine"],
        ["R2", "2025-13-45", " 8 ", "date typo"],
        ["R3", "2026-10-05 10:00", "12", "score typo, with a comma"],
    ]
    report = load_batch(store, "surveys", csv_bytes(rows), filename="week.csv")
    assert (report.loaded, report.rejected) == (1, 2)
    frame = rejected_rows(store, report.batch_id)
    assert list(frame.columns) == ["Response ID", "Recorded Date", "NPS", "Comment", "line_no",
                                   "error"]  # fmt: skip
    # Cells as they were (the spaces around 8 kept), the line and the reason beside them.
    assert frame.values.tolist() == [
        ["R2", "2025-13-45", " 8 ", "date typo", 3,
         "\"Recorded Date\" is '2025-13-45', not a date (use YYYY-MM-DD or YYYY-MM-DD HH:MM)"],
        ["R3", "2026-10-05 10:00", "12", "score typo, with a comma", 4,
         "\"NPS\" is '12', outside 0–10"],
    ]  # fmt: skip
    sheet = download(store, report.batch_id)
    again = fixed_file(sheet, {("R2", "Recorded Date"): "2026-10-05 11:00", ("R3", "NPS"): "10"})
    second = load_batch(store, "surveys", again, filename="week-fixed.csv")
    check(second)
    assert (second.loaded, second.rejected, second.duplicates) == (2, 0, 0)
    assert second.ignored_columns == ["line_no", "error"]
    assert stored(store, "nps") == {"R1": 9, "R2": 8, "R3": 10}
    assert stored(store, "comment")["R3"] == "score typo, with a comma"


def test_cells_the_download_guarded_against_formulas_load_back_as_they_were(store):
    """The download prefixes formula-like text with a quote (a spreadsheet must not run it);
    loading the fixed download again stores the text as the customer wrote it."""
    rows = [
        ["Response ID", "Recorded Date", "NPS", "Comment"],
        ["R1", "2026-10-05 09:00", "12", '=HYPERLINK("http://x","click")'],
        ["R2", "2026-10-05 09:30", "99", "-- not great --"],
    ]
    report = load_batch(store, "surveys", csv_bytes(rows), filename="week.csv")
    sheet = download(store, report.batch_id)
    comments = [row[3] for row in sheet[1:]]
    assert comments == ['\'=HYPERLINK("http://x","click")', "'-- not great --"]
    again = fixed_file(sheet, {("R1", "NPS"): "9", ("R2", "NPS"): "3"})
    assert load_batch(store, "surveys", again, filename="fixed.csv").loaded == 2
    assert stored(store, "comment") == {
        "R1": '=HYPERLINK("http://x","click")',
        "R2": "-- not great --",
    }


def test_a_batch_loaded_before_headers_were_kept_downloads_as_before(store):
    data = b"response_id,responded_at,nps\nR1,2026-10-05,12\n"
    report = load_batch(store, "surveys", data)
    with store.transaction() as conn:  # as a store of schema version 3 recorded it
        conn.execute(text("DELETE FROM batch_columns"))
        conn.execute(text("UPDATE rejected_rows SET cells = NULL"))
    frame = rejected_rows(store, report.batch_id)
    assert frame.values.tolist() == [[2, "\"nps\" is '12', outside 0–10", "R1,2026-10-05,12"]]
    assert list(frame.columns) == ["line_no", "error", "raw"]


QUALTRICS_HEADER = [
    ["StartDate", "RecordedDate", "Status", "Finished", "ResponseId", "DistributionChannel",
     "Q1", "Q2", "AgentID"],
    ["Start Date", "Recorded Date", "Response Type", "Finished", "Response ID",
     "Distribution Channel", "How likely are you to recommend us?",
     "Anything else you'd like to tell us?", "AgentID"],
    ['{"ImportId":"startDate","timeZone":"America/Denver"}',
     '{"ImportId":"recordedDate","timeZone":"America/Denver"}', '{"ImportId":"status"}',
     '{"ImportId":"finished"}', '{"ImportId":"_recordId"}',
     '{"ImportId":"distributionChannel"}', '{"ImportId":"QID1"}', '{"ImportId":"QID2_TEXT"}',
     '{"ImportId":"AgentID"}'],
]  # fmt: skip


def qualtrics(rows: list[list[str]]) -> bytes:
    return csv_bytes([*QUALTRICS_HEADER, *rows])


def test_a_qualtrics_exports_rejected_rows_load_again_as_the_same_kind(store):
    data = qualtrics(
        [
            ["2026-10-05 09:00:00", "2026-10-05 09:03:01", "IP Address", "True", "R_1",
             "anonymous", "9", "Great", "0101"],
            ["2026-10-05 10:00:00", "2026-10-05 10:02:00", "IP Address", "True", "R_2",
             "anonymous", "66", "typo in the score", "0102"],
            ["2026-10-05 11:00:00", "2026-10-05 11:01:00", "Survey Preview", "True", "R_3",
             "preview", "0", "testing", "0101"],
            ["2026-10-05 12:00:00", "2026-10-05 12:30:00", "IP Address", "False", "R_4",
             "anonymous", "2", "", "0101"],
            ["2026-10-05 13:00:00", "2026-10-05 13:03:00", "IP Address", "True", "R_5",
             "anonymous", "10", "", "0102"],
        ]
    )  # fmt: skip
    first = load_batch(store, "surveys", data, filename="qualtrics.csv")
    assert (first.layout, first.loaded, first.rejected) == ("qualtrics", 2, 3)
    sheet = download(store, first.batch_id)
    # One header row: the labels, with the export's time zone on its date columns.
    assert sheet[0] == [
        "Start Date (America/Denver)", "Recorded Date (America/Denver)", "Response Type",
        "Finished", "Response ID", "Distribution Channel", "How likely are you to recommend us?",
        "Anything else you'd like to tell us?", "AgentID", "line_no", "error",
    ]  # fmt: skip
    assert [row[4] for row in sheet[1:]] == ["R_2", "R_3", "R_4"]
    again = fixed_file(sheet, {("R_2", "How likely are you to recommend us?"): "6"})
    second = load_batch(store, "surveys", again, filename="qualtrics-fixed.csv")
    check(second)
    # R_2 loads; the preview and the unfinished response are rejected again, as before.
    assert (second.loaded, second.rejected, second.duplicates) == (1, 2, 0)
    assert set(second.reasons) == {"survey preview response", "unfinished response"}
    assert second.mapping["responded_at"] == "Recorded Date (America/Denver)"
    # Recorded 10:02:00 in Denver (MDT, UTC-6) is 16:02:00 in the store's UTC, both times.
    at = stored(store, "responded_at")
    assert at["R_2"] == datetime(2026, 10, 5, 16, 2, 0)
    assert at["R_1"] == datetime(2026, 10, 5, 15, 3, 1)
    assert stored(store, "nps") == {"R_1": 9, "R_2": 6, "R_5": 10}


def test_a_surveymonkey_exports_rejected_rows_load_again_month_first(store):
    text = (CORPUS / "surveymonkey.csv").read_text(encoding="utf-8")
    text = text.replace("0102,7,4,", "0102,70,4,")  # respondent 115002's NPS mistyped
    first = load_batch(store, "surveys", text.encode(), filename="sm.csv")
    assert (first.layout, first.loaded, first.rejected) == ("surveymonkey", 4, 1)
    sheet = download(store, first.batch_id)
    assert sheet[0][:4] == ["Respondent ID", "Collector ID", "Start Date", "End Date"]
    label = "How likely is it that you would recommend us to a friend or colleague?"
    again = fixed_file(sheet, {("115002", label): "7"})
    second = load_batch(store, "surveys", again, filename="sm-fixed.csv")
    assert (second.layout, second.loaded, second.rejected) == ("surveymonkey", 1, 0)
    # End Date 10/06/2026 01:20:00 PM, month first as SurveyMonkey writes it.
    assert stored(store, "responded_at")["115002"] == datetime(2026, 10, 6, 13, 20)


# ---------------------------------------------------------------- 6. duplicates by line


def test_duplicates_are_listed_by_line_with_what_they_repeat(store):
    rows = [["response_id", "responded_at", "nps"], ["S1", "2026-10-05", "9"],
            ["S2", "2026-10-05", "8"], ["S1", "2026-10-05", "7"],
            ["S3", "2026-10-05", "6"]]  # fmt: skip
    dry = load_batch(store, "surveys", csv_bytes(rows), dry_run=True)
    first = load_batch(store, "surveys", csv_bytes(rows))
    for report in (dry, first):
        assert report.duplicates == 1
        assert report.duplicate_sample == [(4, 'same "response_id" as line 2')]
    later = [["response_id", "responded_at", "nps"], ["S4", "2026-10-06", "9"],
             ["S2", "2026-10-05", "8"]]  # fmt: skip
    second = load_batch(store, "surveys", csv_bytes(later))
    assert second.duplicate_sample == [
        (3, 'already stored: a row with the same "response_id" was loaded before')
    ]
    assert second.to_dict()["duplicate_sample"] == [
        [3, 'already stored: a row with the same "response_id" was loaded before']
    ]


def test_roster_duplicates_are_listed_by_line(store):
    roster = [["agent_id", "agent_name", "team_id"], ["A1", "Ana", "T1"], ["A2", "Ben", "T1"],
              ["A1", "Ana", "T1"]]  # fmt: skip
    first = load_batch(store, "roster", csv_bytes(roster))
    assert first.duplicate_sample == [(4, 'same "agent_id" as line 2')]
    again = load_batch(store, "roster", csv_bytes(roster[:3]))
    assert again.duplicate_sample == [
        (2, "already in the roster as it is: nothing to change"),
        (3, "already in the roster as it is: nothing to change"),
    ]


# ---------------------------------------------------------------- 7. time zones


@pytest.fixture
def paris(tmp_path):
    url = f"duckdb:///{tmp_path / 'paris.duckdb'}"
    store = open_store(url, settings=Settings(db_url=url, timezone="Europe/Paris"))
    yield store
    store.close()


def test_a_qualtrics_time_zone_is_honoured_and_reported(paris):
    data = qualtrics(
        [
            # Denver MDT (UTC-6) 09:03:01 = 15:03:01 UTC = Paris CEST (UTC+2) 17:03:01.
            ["2026-10-05 09:00:00", "2026-10-05 09:03:01", "IP Address", "True", "R_1",
             "anonymous", "9", "", "0101"],
            # 30 Oct: Denver still MDT (until 1 Nov), Paris already CET (since 25 Oct, UTC+1):
            # 10:00 -> 16:00 UTC -> 17:00.
            ["2026-10-30 09:00:00", "2026-10-30 10:00:00", "IP Address", "True", "R_2",
             "anonymous", "8", "", "0101"],
            # 2 Nov: Denver MST (UTC-7): 10:00 -> 17:00 UTC -> 18:00.
            ["2026-11-02 09:00:00", "2026-11-02 10:00:00", "IP Address", "True", "R_3",
             "anonymous", "7", "", "0101"],
            # An offset in the value wins: 09:00 UTC is 11:00 in Paris (CEST).
            ["2026-10-05 09:00:00", "2026-10-05T09:00:00Z", "IP Address", "True", "R_4",
             "anonymous", "6", "", "0101"],
        ]
    )  # fmt: skip
    note = (
        "times without an offset read as America/Denver (the file's own time zone), converted "
        "to Europe/Paris"
    )
    assert inspect_file(data, "surveys", store=paris).timezone == "America/Denver"
    dry = load_batch(paris, "surveys", data, dry_run=True)
    report = load_batch(paris, "surveys", data)
    for each in (dry, report):
        assert each.timezone == "America/Denver"
        assert each.message.endswith(note), each.message
    assert stored(paris, "responded_at") == {
        "R_1": datetime(2026, 10, 5, 17, 3, 1),
        "R_2": datetime(2026, 10, 30, 17, 0),
        "R_3": datetime(2026, 11, 2, 18, 0),
        "R_4": datetime(2026, 10, 5, 11, 0),
    }


def test_a_time_zone_in_a_column_label_and_the_business_zone(paris):
    rows = [["response_id", "Recorded Date (America/Denver)", "nps"],
            ["Z1", "2026-10-05 09:03:01", "9"]]  # fmt: skip
    report = load_batch(paris, "surveys", csv_bytes(rows))
    assert report.timezone == "America/Denver"
    assert stored(paris, "responded_at") == {"Z1": datetime(2026, 10, 5, 17, 3, 1)}
    plain = [["response_id", "responded_at", "nps"], ["Z2", "2026-10-05 09:03:01", "9"]]
    report = load_batch(paris, "surveys", csv_bytes(plain))
    assert report.timezone == "Europe/Paris"
    assert report.message.endswith(
        "times without an offset read as Europe/Paris (the business time zone)"
    )
    assert stored(paris, "responded_at")["Z2"] == datetime(2026, 10, 5, 9, 3, 1)
    # A label whose brackets hold no time zone is just a label.
    other = [["response_id", "responded_at (local)", "nps"], ["Z3", "2026-10-05", "9"]]
    with pytest.raises(UnreadableFile, match="no `responded_at` column"):
        load_batch(paris, "surveys", csv_bytes(other))


def test_an_unknown_export_time_zone_is_refused_in_one_line(store):
    header = [list(r) for r in QUALTRICS_HEADER]
    header[2][1] = '{"ImportId":"recordedDate","timeZone":"Mars/Olympus_Mons"}'
    data = csv_bytes([*header, ["2026-10-05", "2026-10-05", "IP Address", "True", "R", "x", "9",
                                "", "0101"]])  # fmt: skip
    with pytest.raises(UnreadableFile) as info:
        load_batch(store, "surveys", data)
    assert str(info.value) == (
        "the export says the times of column 'Recorded Date' are in time zone "
        "'Mars/Olympus_Mons', which is not a known time zone: export it again with a standard "
        "zone (such as America/Denver)"
    )


# ---------------------------------------------------------------- 10. a zero byte in a cell


def test_a_zero_byte_rejects_its_row_not_the_file(store):
    data = (
        b"response_id,responded_at,nps,comment,extra\n"
        b"N1,2026-10-05 09:00,9,fine,\n"
        b"N2,2026-10-05 10:00,8,bro\x00ken,\n"
        b"N3,2026-10-05 11:00,7,fine,x\x00\n"
        b"N4,2026-10-05 12:00,6,fine,\n"
    )
    report = load_batch(store, "surveys", data)
    check(report)
    assert (report.loaded, report.rejected) == (2, 2)
    zero = "holds a zero byte (NUL, an invisible control character): delete it from the cell, "
    assert report.rejected_sample == [
        (3, f'"comment" {zero}or export the file again'),
        (4, f'"extra" {zero}or export the file again'),  # a column not loaded counts too
    ]
    assert set(stored(store, "nps")) == {"N1", "N4"}


def test_a_zero_byte_is_looked_for_in_the_bytes_of_the_values_only():
    import pyarrow as pa

    from cxmetrics.ingest.cells import may_hold_zero_byte

    whole = pa.array(["ab", "c\x00d", "ef", ""], pa.large_string())
    assert may_hold_zero_byte(whole)
    # Slices share the whole array's bytes: only those of their own values count.
    assert not may_hold_zero_byte(whole.slice(0, 1)) and not may_hold_zero_byte(whole.slice(2))
    assert may_hold_zero_byte(whole.slice(1, 1))
    chunks = pa.chunked_array([whole.slice(2), pa.array(["x", "y\x00"], pa.large_string())])
    assert may_hold_zero_byte(chunks) and not may_hold_zero_byte(chunks.slice(0, 3))
    assert may_hold_zero_byte(pa.array(["x\x00"], pa.string()))  # 32-bit offsets too
    assert not may_hold_zero_byte(pa.array(["x", "yz"], pa.string()).slice(1))
    assert not may_hold_zero_byte(pa.chunked_array([], pa.large_string()))
    assert not may_hold_zero_byte(pa.array(["", None], pa.string()))  # no value bytes at all


def test_a_file_without_a_zero_byte_is_not_matched_cell_by_cell(store, monkeypatch):
    import pyarrow.compute as pc

    matched = []
    match = pc.match_substring
    monkeypatch.setattr(pc, "match_substring", lambda *a, **k: matched.append(a) or match(*a, **k))
    clean = b"response_id,responded_at,nps,comment\nN1,2026-10-05 09:00,9,fine\n"
    assert load_batch(store, "surveys", clean).loaded == 1
    assert matched == []  # a 1 M-row file spent 0.15 s of CPU matching 11 clean columns
    dirty = clean + b"N2,2026-10-05 10:00,8,bro\x00ken\n"
    assert load_batch(store, "surveys", dirty).rejected == 1
    assert len(matched) == 1  # only the column that holds one is matched, to find its rows


# ---------------------------------------------------------------- 11. values without a header


def _workbook(tmp_path: Path, rows: list[list]) -> Path:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    path = tmp_path / "blank_header.xlsx"
    book.save(path)
    return path


def test_a_column_with_values_but_no_header_is_offered_and_never_dropped(store, tmp_path):
    # Column D holds team ids under a header cell left blank (a merged "team_id" header).
    path = _workbook(
        tmp_path,
        [["response_id", "responded_at", "nps", None, None],
         ["X1", "2026-10-05 09:00", 9, "T01", None], ["X2", "2026-10-05 10:00", 7, "T02", None]],
    )  # fmt: skip
    problem = (
        "column D has values but no header: name it in the file's first row, or map it to a column"
    )
    with pytest.raises(UnreadableFile) as info:
        load_batch(store, "surveys", path)
    assert str(info.value) == problem
    assert store.scalar("SELECT count(*) FROM upload_batches") == 0
    seen = inspect_file(path, "surveys", store=store)
    assert seen.source_columns == ["response_id", "responded_at", "nps", "column D (no header)"]
    assert seen.problem == problem and problem in seen.warnings
    mapping = {**seen.mapping, "team_id": "column D (no header)"}
    report = load_batch(store, "surveys", path, mapping=mapping)
    assert (report.loaded, report.rejected) == (2, 0)
    assert stored(store, "team_id") == {"X1": "T01", "X2": "T02"}


def test_a_csv_column_with_values_but_no_header_is_refused_by_its_letter(store):
    data = b"response_id,responded_at,,nps\nY1,2026-10-05,T01,9\n"
    with pytest.raises(UnreadableFile, match=r"^column C has values but no header"):
        load_batch(store, "surveys", data)
    # A trailing column with no header and no values is nothing to worry about.
    report = load_batch(store, "surveys", b"response_id,responded_at,nps,\nY2,2026-10-05,9,\n")
    assert report.loaded == 1


def test_a_mapped_column_without_a_header_is_named_in_the_download(store):
    data = b"response_id,responded_at,nps,\nV1,2026-10-05,11,T01\n"
    mapping = {"response_id": "response_id", "responded_at": "responded_at", "nps": "nps",
               "team_id": "column D (no header)"}  # fmt: skip
    report = load_batch(store, "surveys", data, mapping=mapping)
    assert report.rejected == 1
    frame = rejected_rows(store, report.batch_id)
    assert list(frame.columns) == ["response_id", "responded_at", "nps", "team_id", "line_no",
                                   "error"]  # fmt: skip


# ---------------------------------------------------------------- 12. length limits


def test_names_ids_labels_and_comments_have_length_limits(store):
    name200, name201 = "N" * 200, "N" * 201
    roster = [["agent_id", "agent_name", "team_id", "nickname", "supervisor"],
              ["A" * 128, "Ok", "T1", name200, "Sue"],
              ["A" * 129, "Too long an id", "T1", "", ""],
              ["B1", "Bea", "T1", name201, ""],
              ["B2", "Bo", "T1", "", "S" * 201]]  # fmt: skip
    report = load_batch(store, "roster", csv_bytes(roster))
    check(report)
    assert report.rejected_sample == [
        (3, "\"agent_id\" is '" + "A" * 39 + "…' (129 characters), longer than the 128 allowed: "
            "shorten it"),
        (4, "\"nickname\" is '" + "N" * 39 + "…' (201 characters), longer than the 200 allowed: "
            "shorten it"),
        (5, "\"supervisor\" is '" + "S" * 39 + "…' (201 characters), longer than the 200 "
            "allowed: shorten it"),
    ]  # fmt: skip
    assert store.scalar("SELECT nickname FROM agents") == name200
    kpis = [["date", "metric_id", "value"], ["2026-10-05", "m" * 129, "1"],
            ["2026-10-05", "sales", "2"]]  # fmt: skip
    report = load_batch(store, "kpis", csv_bytes(kpis))
    assert (report.loaded, report.rejected) == (1, 1)
    assert report.reasons == {'"metric_id" too long': 1}
    # Comments may be longer: 10,000 characters load, 10,001 do not (é counts as one).
    comments = [["response_id", "responded_at", "nps", "comment"],
                ["C1", "2026-10-05", "9", "é" * 10_000],
                ["C2", "2026-10-05", "9", "é" * 10_001]]  # fmt: skip
    report = load_batch(store, "surveys", csv_bytes(comments))
    assert (report.loaded, report.rejected) == (1, 1)
    assert report.rejected_sample[0][1].endswith(
        "(10,001 characters), longer than the 10,000 allowed: shorten it"
    )


# ---------------------------------------------------------------- 8. limits are settings


def test_ingest_limits_are_settings(monkeypatch, tmp_path):
    monkeypatch.setenv("CXMETRICS_MAX_COLUMNS", "3")
    monkeypatch.setenv("CXMETRICS_MAX_CELLS", "10")
    settings = load_settings(f"duckdb:///{tmp_path / 'l.duckdb'}", root=tmp_path)
    assert settings.ingest == IngestLimits(max_columns=3, max_cells=10)
    store = open_store(settings.db_url, settings=settings)
    try:
        with pytest.raises(UnreadableFile) as info:
            load_batch(store, "kpis", b"date,metric_id,team_id,value\n2026-10-05,m,T1,1\n")
        assert str(info.value) == (
            "the header has 4 columns, more than the 3 one upload may have: remove the columns "
            "not needed (or raise CXMETRICS_MAX_COLUMNS)"
        )
        # 3 columns × 4 lines (a header and three rows) = 12 cells, more than 10.
        with pytest.raises(UnreadableFile, match="about 4 rows of 3 columns, more than the 10"):
            load_batch(store, "kpis", b"date,metric_id,value\n" + b"2026-10-05,m,1\n" * 3)
        assert store.scalar("SELECT count(*) FROM upload_batches") == 0
    finally:
        store.close()
    monkeypatch.setenv("CXMETRICS_MAX_INPUT_MB", "lots")
    with pytest.raises(ValueError, match="CXMETRICS_MAX_INPUT_MB is 'lots'"):
        load_settings(root=tmp_path)
