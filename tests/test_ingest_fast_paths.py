"""Validation's shortcuts read exactly what the general path reads.

Plain values (naive ISO date-times, digits) are read in one Arrow pass and only the others go
through the general, value-by-value path; large files have their columns checked on threads;
the rows a batch writes are streamed to DuckDB in row groups. Each shortcut is checked here
against the path it stands in for, on values chosen to sit on either side of its edges.
"""

from __future__ import annotations

import csv
import random
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from cxmetrics.ingest import cells, dates, figures, load_batch, specs, undo_batch, validation

TZ = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 20, 12, 0)
SPACES = ["", "", "", " ", "  ", "\t", "\u00a0", "\u3000", "\u2009", "\u200b", "\x1f"]
TEXT = ["0101", "0102", " 0102 ", "A0001", "NA", "n/a", "None", "-", "", "nULL", "#N/A",
        "ab c", "Ünïcode", "İD", "K\u212a", "Ana Lima", "T01"]  # fmt: skip
TIMES = [
    "2026-10-05 09:00:00", "2026-10-05 09:00", "2026-10-05T09:00:00", "2026-10-05",
    "2024-02-29 10:00:00", "2025-02-29 10:00:00", "2026-04-30", "2026-04-31", "2026-12-31",
    "2026-10-05 24:00:00", "2026-10-05 23:59:60", "0999-01-01", "2026-1-5 9:00",
    "2026-10-05 09:00:00.123", "2026-10-05T09:00:00Z", "2026-10-05 09:00+02:00",
    "05/10/2026 09:00", "10/16/2026", "16/10/2026", "2026/10/05 9:30:12 AM GMT", "5.10.2026",
    "2099-01-01 00:00:00", "2026-10-05 9:00", "garbage", "", "NA", "2026-13-01", "2026-00-10",
    "2026-10-05 09", "2026-10-05t09:00", "2026-11-20 12:00:01", "2026-11-20", "1000-01-01",
]  # fmt: skip
FIGURES = [
    "0", "1", "5", "7", "10", "11", "-1", "05", "5.0", "5,0", "9/10", "7/10", "3 out of 5",
    "10 - Extremely likely", "Very satisfied", "Somewhat satisfied", "Completely satisfied",
    "Very easy", "abc", "", "NA", " 3 ", "1e1", "+5", "\u0663", "\uff13", "3.5", "99", "inf",
    "12.5", "1,5", "1.234,5", "0012", "123456789012", "1.1234567", "0.1", "300.25", "5400",
]  # fmt: skip
FLAGS = ["yes", "No", "TRUE", "f", "1", "0.0", "maybe", "", "NA", "Y", "\u0130", "t", "0"]
CHOICES = ["customer", "Colleague", "COLLEAGUE", "cust", "", "NA", "colleague\u00a0"]
COMMENTS = ["fine", " NA ", "n/a", "NULL\t", "", "  ", "Ünïcode ☕", "line\nbreak",
            "\u00a0none\u00a0", "Nonè", "-", "ok, thanks", "\u212a"]  # fmt: skip
POOLS = {"id": TEXT, "text": TEXT, "timestamp": TIMES, "date": TIMES, "number": FIGURES,
         "score": FIGURES, "bool": FLAGS, "choice": CHOICES, "comment": COMMENTS}  # fmt: skip


def _columns(spec: specs.KindSpec, n: int, seed: int, plain: float) -> dict[str, pd.Series]:
    """Text columns for every column of `spec`: a share `plain` of well-formed values (what
    the shortcuts take), the rest drawn from the pools of awkward ones."""
    rng = random.Random(seed)

    def well_formed(col: specs.Column) -> str:
        if col.type in ("timestamp", "date"):
            day = f"2026-{rng.randint(1, 10):02d}-{rng.randint(1, 31):02d}"
            return day if rng.random() < 0.2 else f"{day} {rng.randint(0, 23):02d}:17:42"
        if col.type == "score":
            return str(rng.randint(int(col.minimum), int(col.maximum)))
        if col.type == "number":
            return f"{rng.randint(0, 900)}.{rng.randint(0, 99)}"
        return rng.choice(POOLS[col.type])

    def cell(col: specs.Column) -> str:
        if rng.random() < plain:
            return well_formed(col)
        value = rng.choice(POOLS[col.type])
        if rng.random() < 0.2:
            value = rng.choice(SPACES) + value + rng.choice(SPACES)
        return value

    return {col.name: pd.Series([cell(col) for _ in range(n)], dtype="str") for col in spec.columns}


def _validate(spec, columns, decimal_comma=False, dayfirst=None):
    return validation.validate(
        spec, columns, tz=TZ, now=NOW, dayfirst=dayfirst, decimal_comma=decimal_comma
    )


def _general_path_only(monkeypatch):
    """Send every value through the general path, one column at a time."""

    def no_plain_figures(col, text):
        fill = 0 if col.type == "score" else np.nan
        dtype = np.int16 if col.type == "score" else np.float64
        return np.zeros(len(text), dtype=bool), np.full(len(text), fill, dtype=dtype)

    monkeypatch.setattr(dates, "_plain_iso", lambda text: None)
    monkeypatch.setattr(figures, "_plain_figures", no_plain_figures)
    monkeypatch.setattr(validation, "PARALLEL_ROWS", 10**12)


def _assert_same(got: validation.Validated, want: validation.Validated) -> None:
    pd.testing.assert_frame_equal(got.frame, want.frame)
    assert got.errors.reason.tolist() == want.errors.reason.tolist()
    assert got.errors.group.tolist() == want.errors.group.tolist()


@pytest.mark.parametrize("kind", ["surveys", "interactions", "adherence", "targets", "kpis"])
@pytest.mark.parametrize(("plain", "decimal_comma", "dayfirst"), [
    (0.9, False, None), (0.5, True, None), (0.3, False, True), (0.0, False, False),
])  # fmt: skip
def test_the_shortcuts_read_what_the_general_path_reads(
    monkeypatch, kind, plain, decimal_comma, dayfirst
):
    spec = specs.spec_for(kind)
    columns = _columns(spec, 3000, seed=len(kind) + int(plain * 10), plain=plain)
    monkeypatch.setattr(validation, "PARALLEL_ROWS", 0)  # threads even for a small file
    fast = _validate(spec, columns, decimal_comma, dayfirst)
    with monkeypatch.context() as patched:
        _general_path_only(patched)
        general = _validate(spec, columns, decimal_comma, dayfirst)
    _assert_same(fast, general)
    assert fast.errors.bad.any() and fast.ok.any()


def test_a_file_of_plain_values_takes_the_shortcuts_throughout():
    spec = specs.spec_for("surveys")
    columns = _columns(spec, 2000, seed=3, plain=1.0)
    text, _ = cells.clean(columns["responded_at"])
    plain, _ = dates._plain_iso(text)
    # Only the 29th, 30th and 31st of a month that may not have them go the general way.
    assert plain.sum() == sum(
        not (v[5:7] == "02" and v[8:10] > "28") and not (v[5:7] in "04 06 09 11" and v[8:10] > "30")
        for v in text
    )
    nps, _ = cells.clean(columns["nps"])
    assert figures._plain_figures(spec.column("nps"), nps)[0].all()


def test_plain_iso_values_are_read_as_pandas_reads_them():
    days = pd.date_range("2023-12-25", "2025-03-05", freq="D")
    values = [f"{d:%Y-%m-%d}" for d in days] + [f"{d:%Y-%m-%d}T{d.day % 24:02d}:59" for d in days]
    values += ["2024-02-29 23:59:59", "2023-02-29", "2024-04-31", "9999-12-31 23:59:59"]
    text = pd.Series(values, dtype="str")
    plain, stamps = dates._plain_iso(text)
    expected = pd.to_datetime(text[plain], format="ISO8601").to_numpy(dtype="datetime64[us]")
    assert (stamps[plain] == expected).all()
    assert not plain[-3:-1].any()  # 29 February and 31 April are left to the general path
    parsed = dates.parse_times(text, TZ, None)
    assert parsed.bad.tolist()[-3:] == [True, True, False]
    assert parsed.values.iloc[-4] == pd.Timestamp("2024-02-29 23:59:59")


def test_cleaning_trims_every_space_pandas_trims():
    spaces = [chr(c) for c in range(0x3001) if chr(c).isspace()]
    raw = pd.Series([f"{s}x{s}" for s in spaces] + [f"{s}NA{s}" for s in spaces], dtype="str")
    text, empty = cells.clean(raw)
    stripped = raw.str.strip()
    assert text.tolist()[: len(spaces)] == stripped.tolist()[: len(spaces)] == ["x"] * len(spaces)
    assert empty.tolist() == [False] * len(spaces) + [True] * len(spaces)


def _write_surveys(path, rows: int, seed: int) -> list[list[str]]:
    """A canonical survey file crossing several DuckDB row groups, with rejected rows and
    ids repeated within the file."""
    rng = random.Random(seed)
    body = []
    for i in range(rows):
        rid = f"S{i}" if i % 997 else f"S{i - 1}"  # every 997th row repeats the one before
        nps = "11" if i % 1009 == 0 else str(rng.randint(0, 10))  # out of range: rejected
        when = f"2026-{rng.randint(1, 10):02d}-{rng.randint(1, 28):02d} 10:{i % 60:02d}:00"
        body.append([rid, when, "0101" if i % 2 else "0102", nps, "" if i % 3 else "merci"])
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["response_id", "responded_at", "agent_id", "nps", "comment"])
        out.writerows(body)
    return body


def test_a_batch_over_several_row_groups_stores_its_rows_in_file_order(store, tmp_path):
    rows = 2 * 122_880 + 5_000
    first = tmp_path / "first.csv"
    body = _write_surveys(first, rows, seed=1)
    report = load_batch(store, "surveys", first)
    rejected = [i for i in range(rows) if i % 1009 == 0]
    repeated = [i for i in range(rows) if i % 997 == 0 and i and (i - 1) % 1009]
    assert report.rejected == len(rejected)
    assert report.duplicates == len(repeated)
    assert report.loaded == rows - len(rejected) - len(repeated)
    stored = store.rows(
        "SELECT response_id, agent_id, nps, comment FROM survey_responses ORDER BY rowid"
    )
    skipped = set(rejected) | set(repeated)
    expected = [
        (r[0], r[2], int(r[3]), r[4] or None) for i, r in enumerate(body) if i not in skipped
    ]
    assert [tuple(r) for r in stored] == expected
    lines = store.rows("SELECT line_no FROM rejected_rows ORDER BY line_no")
    assert [r[0] for r in lines] == [i + 2 for i in rejected]
    assert store.scalar("SELECT sum(responses) FROM rollup_surveys") == report.loaded

    # A second file sharing half its ids: those rows are duplicates of stored ones.
    second = tmp_path / "second.csv"
    with second.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["response_id", "responded_at", "agent_id", "nps"])
        out.writerows([f"S{i}", "2026-10-05 09:00", "0101", "7"] for i in range(1, 40_000, 2))
        out.writerows([f"N{i}", "2026-10-05 09:00", "0101", "7"] for i in range(20_000))
    again = load_batch(store, "surveys", second)
    stored_ids = {f"S{i}" for i in range(1, 40_000, 2) if i % 1009 and i % 997}
    assert (again.loaded, again.duplicates) == (40_000 - len(stored_ids), len(stored_ids))
    undo_batch(store, again.batch_id)
    assert store.scalar("SELECT count(*) FROM survey_responses") == report.loaded


def test_byte_counts_of_a_text_column_are_read_chunk_by_chunk():
    import pyarrow as pa

    # "ab" 2 + "" 0 + "cdé" 4 (é is 2 bytes) + "x" 1 = 7 bytes; the longest is "cdé", 4.
    whole = pa.array(["ab", "", "cdé", "x"], pa.large_string())
    assert (cells.value_bytes(whole), cells.longest_value(whole)) == (7, 4)
    # A slice counts only its own values: "" 0 + "cdé" 4.
    assert (cells.value_bytes(whole.slice(1, 2)), cells.longest_value(whole.slice(1, 2))) == (4, 4)
    # Missing values count nothing: "a" 1 + "bcd" 3 = 4, the longest 3; 32-bit offsets too.
    gaps = pa.chunked_array([pa.array(["a", None], pa.string()), pa.array(["bcd"], pa.string())])
    assert (cells.value_bytes(gaps), cells.longest_value(gaps)) == (4, 3)
    empty = pa.chunked_array([], pa.large_string())
    assert (cells.value_bytes(empty), cells.longest_value(empty)) == (0, 0)


def test_no_array_of_lengths_as_long_as_the_column_is_built(monkeypatch):
    """Reading and cleaning a file's text columns measures them a chunk at a time: arrays of
    lengths as long as a 1 M-row column cost a fresh 8 MB each (page faults), 20 of them."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from cxmetrics.ingest.limits import DEFAULT_LIMITS, check_record_lengths

    measured = []
    length = pc.binary_length
    monkeypatch.setattr(pc, "binary_length", lambda arr: measured.append(len(arr)) or length(arr))
    column = pa.chunked_array([pa.array([f"v{i}" for i in range(100)], pa.large_string())] * 4)
    check_record_lengths(pa.table({"a": column, "b": column}), 1, DEFAULT_LIMITS)
    assert measured and max(measured) == 100  # chunk by chunk, never all 400 rows at once
    measured.clear()
    text, _ = cells.clean(pd.Series(column, dtype="str"))
    assert text.tolist()[:2] == ["v0", "v1"] and measured == []  # no missing value: offsets
