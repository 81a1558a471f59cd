"""The bad-input corpus (tests/corpus/expected.toml): every file gives exactly its counts.

Each file is loaded into a fresh store; every report keeps rows_in = loaded + rejected +
duplicates, and a file that cannot be read writes nothing. Large, binary and workbook files
are generated here rather than committed.
"""

from __future__ import annotations

import gzip
import tomllib
from datetime import date, datetime
from pathlib import Path

import pytest

from cxmetrics.export import safe_csv
from cxmetrics.ingest import UnreadableFile, load_batch, rejected_rows
from tests.fixtures import bombs

pytestmark = pytest.mark.both_stores  # the same behaviour on DuckDB and PostgreSQL

CORPUS = Path(__file__).parent / "corpus"
MANIFEST = tomllib.loads((CORPUS / "expected.toml").read_text(encoding="utf-8"))["files"]
BIG = 3 * 1024 * 1024
TABLES = (
    "survey_responses", "interactions", "agents", "teams", "upload_batches", "rejected_rows",
    "batch_columns",
)  # fmt: skip


def _big_comment() -> str:
    unit = 'Line with a comma, a "quote" and an accent é.\n'
    return (unit * (BIG // len(unit) + 1))[:BIG]


def _workbook(rows: list[list]) -> bytes:
    openpyxl = pytest.importorskip("openpyxl")
    import io

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Responses"
    for row in rows:
        sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def generate(name: str, folder: Path) -> Path:
    """Build a generated corpus file in `folder`."""
    path = folder / name
    if name == "binary.csv":
        path.write_bytes(bytes((i * 37 + 11) % 256 for i in range(4096)))
    elif name == "big_comment.csv":
        import csv

        with path.open("w", encoding="utf-8", newline="") as fh:
            out = csv.writer(fh)
            out.writerow(["response_id", "responded_at", "nps", "comment"])
            out.writerow(["BIG1", "2026-10-05 09:00", "9", "short"])
            out.writerow(["BIG2", "2026-10-05 10:00", "3", _big_comment()])
            out.writerow(["BIG3", "2026-10-05 11:00", "10", ""])
    elif name == "xlsx_renamed.csv":
        path.write_bytes(
            _workbook(
                [
                    ["response_id", "responded_at", "agent_id", "nps", "comment"],
                    ["XR1", datetime(2026, 10, 5, 9, 0), "0101", 9, "from a workbook"],
                    ["XR2", datetime(2026, 10, 5, 10, 0), "0102", 11, "out of range"],
                    ["XR3", datetime(2026, 10, 6, 9, 30), "0101", 7.0, None],
                    ["XR4", date(2026, 10, 7), "0102", 0, "date-only cell"],
                ]
            )
        )
    elif name == "workbook.xlsx":
        path.write_bytes(
            _workbook(
                [
                    ["Response ID", "Responded at", "Agent", "NPS", "CSAT", "Comment"],
                    ["0001", datetime(2026, 10, 5, 9, 15, 30), "0101", 9.0, 5, "+1+2 stays text"],
                    ["0002", datetime(2026, 10, 5, 23, 59, 59), "0102", 6, 3.0, None],
                    ["0003", datetime(2099, 1, 1, 8, 0), "0101", 10, 5, "future"],
                    [4, datetime(2026, 10, 6, 0, 0), "0101", 8, 4, "numeric id"],
                    ["0005", "2026-10-07 12:00", "0102", "10 - Extremely likely", None, "text"],
                ]
            )
        )
    elif name == "qualtrics.csv.gz":
        path.write_bytes(gzip.compress((CORPUS / "qualtrics.csv").read_bytes()))
    elif name == "blank_header.xlsx":
        path.write_bytes(
            _workbook(
                [
                    ["response_id", "responded_at", "nps", None],
                    ["BX1", datetime(2026, 10, 5, 9, 0), 9, "T01"],
                    ["BX2", datetime(2026, 10, 5, 10, 0), 7, "T02"],
                ]
            )
        )
    elif name == "late_short_row.csv":
        header = "response_id,responded_at,respondent_type,agent_id,nps,csat,ces,comment\n"
        rows = [f"L{k},2026-10-05 09:00,customer,A1,9,5,7,fine\n" for k in range(1, 30_001)]
        rows[26_999] = "L27000,2026-10-05 09:00,customer,A1\n"
        path.write_text(header + "".join(rows), encoding="utf-8")
    elif name in BOMBS:
        BOMBS[name](path)
    else:  # pragma: no cover - a manifest error
        raise AssertionError(f"no generator for {name}")
    return path


BOMBS = {
    "gzip_bomb.csv.gz": bombs.gzip_bomb,
    "xlsx_bomb.xlsx": bombs.xlsx_bomb,
    "xlsx_liar.xlsx": lambda path: bombs.xlsx_bomb(path, declared=4_000),
    "long_header.csv": bombs.long_header,
    "long_cell.csv": bombs.long_cell,
    "truncated_short.csv.gz": lambda path: bombs.truncated_gzip(path, rows=2_000, cut=8),
    "truncated_long.csv.gz": lambda path: bombs.truncated_gzip(path, rows=20_000, cut=20_000),
}


def corpus_file(name: str, entry: dict, folder: Path) -> Path:
    if entry.get("generated"):
        return generate(name, folder)
    return CORPUS / entry.get("source", name)


def counts(store) -> dict[str, int]:
    return {t: store.scalar(f"SELECT count(*) FROM {t}") for t in TABLES}


def test_the_corpus_is_big_enough_and_covers_the_brief():
    assert len(MANIFEST) >= 25
    committed = {p.name for p in CORPUS.iterdir() if p.name != "expected.toml"}
    named = {e.get("source", n) for n, e in MANIFEST.items() if not e.get("generated")}
    assert committed == named, "every committed file has an entry, and the reverse"
    data = [p for p in CORPUS.iterdir() if p.suffix != ".toml"]
    assert all(p.stat().st_size < 4096 for p in data), "committed files stay small"


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_corpus_file(store, tmp_path, name):
    entry = MANIFEST[name]
    path = corpus_file(name, entry, tmp_path)
    kind = entry["kind"]
    if "unreadable" in entry:
        before = counts(store)
        with pytest.raises(UnreadableFile) as info:
            load_batch(store, kind, path, dayfirst=entry.get("dayfirst"))
        message = str(info.value)
        assert entry["unreadable"] in message and "\n" not in message
        assert counts(store) == before
        return
    report = load_batch(store, kind, path, dayfirst=entry.get("dayfirst"))
    got = [report.rows_in, report.loaded, report.rejected, report.duplicates]
    assert got == entry["counts"], (name, report.reasons, report.rejected_sample)
    assert report.rows_in == report.loaded + report.rejected + report.duplicates
    assert sum(report.reasons.values()) == report.rejected
    assert report.status == "committed"
    stored = store.scalar(
        "SELECT rows_in, loaded, rejected, duplicates FROM upload_batches WHERE batch_id = :b",
        {"b": report.batch_id},
    )
    assert stored == report.rows_in
    assert len(rejected_rows(store, report.batch_id)) == report.rejected
    # Loading the same bytes again loads nothing and says so.
    again = load_batch(store, kind, path, dayfirst=entry.get("dayfirst"))
    assert again.status == "already_loaded" and again.loaded == 0
    assert again.duplicates == again.rows_in == report.rows_in


# ---------------------------------------------------------------- what the corpus proves


def _responses(store) -> dict[str, tuple]:
    rows = store.rows(
        "SELECT response_id, responded_at, agent_id, nps, csat, ces, comment "
        "FROM survey_responses ORDER BY response_id"
    )
    return {r[0]: tuple(r[1:]) for r in rows}


def test_encodings_decode_to_the_same_text(store):
    load_batch(store, "surveys", CORPUS / "utf8_comma.csv")
    load_batch(store, "surveys", CORPUS / "cp1252_semicolon.csv")
    load_batch(store, "surveys", CORPUS / "utf16_tab_excel.txt")
    load_batch(store, "surveys", CORPUS / "utf8_bom_semicolon.csv")
    got = _responses(store)
    assert got["U1"][-1] == "Très bien – merci, Zoë !"
    assert got["U4"][-1] == "Naïve façade ☕"
    assert got["W1"][-1] == "Très bien, 5 € de remise"
    assert got["W2"][-1] == "Größe passt – danke"
    assert got["W3"][-1] == "“Parfait”"
    assert got["X1"][-1] == "Großartig" and got["X3"][-1] == "日本語もOK"
    assert got["B1"][2] == 9  # 9,0 in a ;-delimited file
    assert got["B1"][0] == datetime(2026, 10, 5, 9, 0)  # the BOM is not part of the header


def test_vendor_rows_and_dates(store):
    load_batch(store, "surveys", CORPUS / "surveymonkey.csv")
    load_batch(store, "surveys", CORPUS / "google_forms_gmt.csv")
    load_batch(store, "surveys", CORPUS / "google_forms_dayfirst.csv")
    got = _responses(store)
    # SurveyMonkey: End Date, month first, 12-hour clock.
    assert got["115002"][0] == datetime(2026, 10, 6, 13, 20)
    assert got["115003"][0] == datetime(2026, 10, 8, 0, 2)
    at = sorted(r[1] for r in store.rows("SELECT response_id, responded_at FROM survey_responses"))
    assert datetime(2026, 10, 16, 9, 30, 12) in at and datetime(2026, 10, 17, 23, 45, 59) in at
    assert datetime(2026, 10, 5, 10, 0) in at  # 05/10/2026 read day-first (16/10 settled it)


def test_qualtrics_rejections_say_why(store):
    report = load_batch(store, "surveys", CORPUS / "qualtrics.csv")
    assert report.layout == "qualtrics"
    assert report.rejected_sample == [
        (5, "survey preview response (Status = Survey Preview): not a real customer"),
        (7, "survey test response (Status = Survey Test): not a real customer"),
        (8, "unfinished response (Finished = False): the respondent did not complete the survey"),
    ]
    got = _responses(store)
    assert set(got) == {"R_a1", "R_a3", "R_a6", "R_a7", "R_a8"}
    assert got["R_a3"][2:5] == (10, 4, 6)  # "10 - Extremely likely", Satisfied, Easy
    assert got["R_a1"][3:5] == (5, 7)  # Very satisfied, Very easy


def test_quotes_ragged_rows_and_repeated_headers_report_lines(store):
    broken = load_batch(store, "surveys", CORPUS / "broken_quotes.csv")
    assert broken.reasons == {"unclosed quote": 1}
    assert broken.rejected_sample[0][0] == 4
    # The download shows the line's cells under the file's own header (the quote removed).
    rejects = rejected_rows(store, broken.batch_id)
    assert rejects.drop(columns=["line_no", "error"]).values.tolist() == [
        ["Q3", "2026-10-05 11:00", "0101", "7", "4", "", "this quote is never closed"]
    ]
    assert {"Q4", "Q5", "Q6"} <= set(_responses(store))
    ragged = load_batch(store, "surveys", CORPUS / "ragged.csv")
    # R2 (4 values) and R5 (4 values) are short, R3 has 9 values; R4's extra cells are empty.
    assert [line for line, _ in ragged.rejected_sample] == [3, 4, 6]
    assert ragged.rejected_sample[0][1] == (
        "the row has 4 values but the header has 7 columns: add the missing values (an empty "
        "one still needs its delimiter)"
    )
    assert "the row has 9 values but the header has 7 columns" in ragged.rejected_sample[1][1]
    assert set(_responses(store)) >= {"R1", "R4"} and not {"R2", "R3", "R5"} & set(
        _responses(store)
    )
    rejects = rejected_rows(store, ragged.batch_id).drop(columns=["line_no", "error"])
    assert rejects.values.tolist() == [
        ["R2", "2026-10-05 10:00", "0102", "8", "", "", ""],
        ["R3", "2026-10-05 11:00", "0101", "7", "4", "5", "too,many,values"],
        ["R5", "2026-10-05 13:00", "0101", "10", "", "", ""],
    ]
    repeated = load_batch(store, "surveys", CORPUS / "repeated_header.csv")
    assert repeated.rejected_sample == [
        (9, "\"nps\" is 'bad', not a score (use a whole number from 0–10)")
    ]


def test_scores_nulls_and_ids(store):
    load_batch(store, "surveys", CORPUS / "text_scores.csv")
    load_batch(store, "surveys", CORPUS / "null_tokens.csv")
    load_batch(store, "surveys", CORPUS / "leading_zero_ids.csv")
    got = _responses(store)
    assert [got[f"T{i}"][2] for i in range(1, 5)] == [9, 10, 10, 0]
    assert got["T5"][3] == 5 and got["T6"][4] == 7
    assert got["N1"] == (datetime(2026, 10, 5, 9, 0), None, 9, None, None, None)
    assert got["N5"][-1] is None and got["N4"][-1] is None
    assert got["000123"][1] == "0042" and "0123" in got
    ids = {r[0] for r in store.rows("SELECT interaction_id FROM survey_responses")}
    assert {"00000001", "00000002", "00000003"} <= ids


def test_comments_are_stored_exactly_and_exported_safely(store, tmp_path):
    load_batch(store, "surveys", CORPUS / "html_formula.csv")
    load_batch(store, "surveys", CORPUS / "newline_comment.csv")
    load_batch(store, "surveys", generate("big_comment.csv", tmp_path))
    got = _responses(store)
    assert got["H1"][-1] == "<script>alert('x')</script>"
    assert got["H2"][-1] == '=HYPERLINK("http://evil.example","click")'
    assert got["H3"][-1] == "+SUM(1;2)" and got["H4"][-1] == "@cmd" and got["H5"][-1] == "-2+3"
    assert got["L1"][-1] == 'first line\r\nsecond line, with a comma\r\nthird "quoted" line'
    # A 3 MB comment is longer than a comment may be: its row is rejected, the others load.
    assert "BIG2" not in got and got["BIG1"][-1] == "short"
    frame = store.frame("SELECT response_id, nps, comment FROM survey_responses ORDER BY 1")
    text = safe_csv(frame[frame["response_id"].str.startswith("H")]).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'+SUM" in text and "'@cmd" in text and "'-2+3" in text
    assert "<script>" in text  # HTML is not a spreadsheet risk; pages escape it when shown


def test_decimal_commas_and_workbooks(store, tmp_path):
    load_batch(store, "interactions", CORPUS / "decimal_comma_interactions.csv")
    rows = store.rows(
        "SELECT interaction_id, customer_id, wait_seconds, handle_seconds FROM interactions "
        "ORDER BY 1"
    )
    assert [tuple(r) for r in rows] == [
        ("000123", "4,2", 12.5, 1234.5),
        ("000124", "C-9", 7.0, 300.25),
        ("000125", "C-10", 45.75, None),
    ]
    report = load_batch(store, "surveys", generate("workbook.xlsx", tmp_path))
    assert report.rejected_sample[0][0] == 4  # the 2099 row, by its spreadsheet row
    got = _responses(store)
    assert got["0001"][0] == datetime(2026, 10, 5, 9, 15, 30)
    assert got["0001"][2:4] == (9, 5) and got["0001"][-1] == "+1+2 stays text"
    assert got["4"][0] == datetime(2026, 10, 6) and got["0005"][2] == 10


def test_export_time_zones_strict_scores_and_length_limits(store):
    load_batch(store, "surveys", CORPUS / "qualtrics_denver.csv")
    load_batch(store, "surveys", CORPUS / "strict_scores.csv")
    got = _responses(store)
    # Recorded 2026-10-05 09:03:01 in Denver (MDT, UTC-6): 15:03:01 in the store's UTC;
    # 2026-10-07 12:04:01 MDT: 18:04:01 UTC.
    assert got["D_a1"][0] == datetime(2026, 10, 5, 15, 3, 1)
    assert got["D_a8"][0] == datetime(2026, 10, 7, 18, 4, 1)
    # 10 - Extremely likely, Not at all likely 0, 9/10, " 8 ", 7.0; then a CSAT and a CES label.
    assert [got[f"S{i}"][2] for i in range(1, 6)] == [10, 0, 9, 8, 7]
    assert got["S6"][3] == 5 and got["S7"][4] == 7
    assert not {f"S{i}" for i in range(8, 17)} & set(got)
    roster = load_batch(store, "roster", CORPUS / "long_values.csv")
    assert store.scalar("SELECT nickname FROM agents") == "N" * 200
    assert [line for line, _ in roster.rejected_sample] == [3, 4, 5, 6]
