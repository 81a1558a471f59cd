"""Vendor exports load with no hand mapping, and give the NPS an independent count gives.

The independent count reads each raw sample file with the csv module and the layout's own
rules, written out by hand here (not the library's code): Qualtrics rows after the three
header rows, without survey previews, test responses or unfinished responses; SurveyMonkey
rows after its two header rows; Google Forms rows after its one header row.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from cxmetrics.config import SAMPLES_DIR
from cxmetrics.ingest import (
    Inspection,
    UnreadableFile,
    dates,
    delimited,
    inspect_file,
    layouts,
    load_batch,
    specs,
)
from cxmetrics.metrics.engine import scorecard
from cxmetrics.periods import parse_period

SAMPLES = SAMPLES_DIR
CORPUS = Path(__file__).parent / "corpus"
OCTOBER = parse_period("2026-10")


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def independent_nps(name: str) -> tuple[float, int]:
    """100·(promoters − detractors)/answers, counted from the raw file by hand."""
    rows = _rows(SAMPLES / name)
    if name == "surveys_qualtrics.csv":
        ids = rows[0]
        status, finished, q1 = ids.index("Status"), ids.index("Finished"), ids.index("Q1")
        data = [
            r[q1]
            for r in rows[3:]
            if r[status] not in ("Survey Preview", "Survey Test") and r[finished] == "True"
        ]
    elif name == "surveys_surveymonkey.csv":
        col = next(i for i, h in enumerate(rows[0]) if "recommend" in h)
        data = [r[col] for r in rows[2:]]
    else:
        col = next(i for i, h in enumerate(rows[0]) if "recommend" in h)
        data = [r[col] for r in rows[1:]]
    scores = [int(v) for v in data if v.strip()]
    promoters = sum(s >= 9 for s in scores)
    detractors = sum(s <= 6 for s in scores)
    return 100 * (promoters - detractors) / len(scores), len(scores)


@pytest.mark.parametrize(
    ("name", "layout", "rejected"),
    [
        ("surveys_qualtrics.csv", "qualtrics", 5),
        ("surveys_surveymonkey.csv", "surveymonkey", 0),
        ("surveys_google_forms.csv", "google_forms", 0),
    ],
)
def test_vendor_exports_give_the_independent_nps(store, name, layout, rejected):
    load_batch(store, "roster", SAMPLES / "roster.csv")
    report = load_batch(store, "surveys", SAMPLES / name)
    assert report.layout == layout and report.status == "committed"
    assert report.rejected == rejected and report.duplicates == 0
    assert report.unknown_agents == []  # ids, e-mails and names all matched the roster
    expected, n = independent_nps(name)
    nps = scorecard(store, OCTOBER).by_id()["nps"]
    assert nps.n == n
    assert nps.value == pytest.approx(expected)


def test_vendor_agents_are_matched_by_id_email_and_name(store):
    load_batch(store, "roster", SAMPLES / "roster.csv")
    for name in ("surveys_qualtrics.csv", "surveys_surveymonkey.csv", "surveys_google_forms.csv"):
        load_batch(store, "surveys", SAMPLES / name)
    agents = {r[0] for r in store.rows("SELECT DISTINCT agent_id FROM survey_responses")}
    assert agents == {"0101", "0102", "0201", "0301"}


def test_inspection_of_a_qualtrics_export(store):
    load_batch(store, "roster", SAMPLES / "roster.csv")
    ins = inspect_file(SAMPLES / "surveys_qualtrics.csv", "surveys", store=store)
    assert isinstance(ins, Inspection)
    assert (ins.layout, ins.layout_label, ins.header_rows) == (
        "qualtrics",
        "Qualtrics export (3 header rows)",
        3,
    )
    assert (ins.encoding, ins.delimiter, ins.rows_estimate) == ("utf-8", ",", 44)
    nps_q = "How likely are you to recommend Acme Energy to a friend or colleague?"
    assert ins.mapping["nps"] == nps_q and nps_q in ins.source_columns
    assert ins.mapping["responded_at"] == "Recorded Date"
    assert ins.mapping["response_id"] == "Response ID"
    assert ins.mapping["agent_id"] == "AgentID"
    assert ins.mapping["csat"].startswith("Overall, how satisfied")
    assert ins.mapping["ces"] == "How easy was it to get your issue resolved?"
    assert ins.mapping["comment"].startswith("Is there anything else")
    assert set(ins.mapping) == set(specs.spec_for("surveys").names)
    assert ins.required == ["responded_at"]
    assert list(ins.preview.columns) == [c for c, s in ins.mapping.items() if s is not None]
    assert len(ins.preview) == 20
    assert ins.preview["responded_at"].iloc[0] == "2026-10-03 08:43:05"  # as read
    assert any("2 survey preview responses" in w for w in ins.warnings)
    assert ins.date_order is None  # ISO dates


def test_inspection_follows_a_changed_mapping_and_order(store):
    ins = inspect_file(CORPUS / "ambiguous_dates.csv", "surveys", store=store)
    assert ins.date_order is None
    assert any("ambiguous" in w and "03/04/2026" in w for w in ins.warnings)
    day = inspect_file(CORPUS / "ambiguous_dates.csv", "surveys", dayfirst=True)
    assert day.date_order == "dayfirst" and not any("ambiguous" in w for w in day.warnings)
    sm = inspect_file(SAMPLES / "surveys_surveymonkey.csv", "surveys")
    assert sm.date_order == "monthfirst" and sm.header_rows == 2
    unmapped = inspect_file(
        SAMPLES / "surveys_surveymonkey.csv",
        "surveys",
        mapping={**sm.mapping, "nps": None, "csat": None},
    )
    assert unmapped.mapping["nps"] is None
    assert any("no column for nps / csat / ces" in w for w in unmapped.warnings)
    wrong = inspect_file(
        SAMPLES / "surveys_surveymonkey.csv", "surveys", mapping={**sm.mapping, "nps": "nope"}
    )
    assert wrong.mapping["nps"] is None
    assert any("column 'nope', which this file does not have" in w for w in wrong.warnings)
    settled = inspect_file(CORPUS / "google_forms_dayfirst.csv", "surveys")
    assert settled.layout == "google_forms" and settled.date_order == "dayfirst"


def test_inspection_reads_only_the_head_of_a_large_file(tmp_path):
    path = tmp_path / "big.csv"
    lines = ["response_id,responded_at,nps"] + [
        f"R{i},2026-10-0{1 + i % 9} 10:00,{i % 11}" for i in range(60_000)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ins = inspect_file(path, "surveys")
    assert 50_000 < ins.rows_estimate < 70_000
    assert len(ins.preview) == 20


def test_sources_bytes_and_file_objects(store):
    data = (CORPUS / "qualtrics.csv").read_bytes()
    ins = inspect_file(data, "surveys", filename="export.csv")
    assert ins.layout == "qualtrics"
    report = load_batch(store, "surveys", io.BytesIO(data), filename="export.csv")
    assert (report.loaded, report.rejected, report.filename) == (5, 3, "export.csv")
    again = load_batch(store, "surveys", data)
    assert again.status == "already_loaded"


def test_an_explicit_mapping_overrides_detection(store, tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text(
        "when,score A,score B,remarks\n2026-10-05 10:00,9,2,fine\n2026-10-06 10:00,3,5,bad\n",
        encoding="utf-8",
    )
    with pytest.raises(UnreadableFile, match="no `responded_at` column"):
        load_batch(store, "surveys", path)
    mapping = {"responded_at": "when", "nps": "score A", "csat": "score B", "comment": "remarks"}
    report = load_batch(store, "surveys", path, mapping=mapping)
    assert report.loaded == 2 and report.mapping["nps"] == "score A"
    assert report.mapping["ces"] is None
    assert sorted(r[0] for r in store.rows("SELECT nps FROM survey_responses")) == [3, 9]
    with pytest.raises(UnreadableFile, match="column 'nope', which this file does not have"):
        load_batch(store, "surveys", path, mapping={**mapping, "nps": "nope"})
    with pytest.raises(ValueError, match="`score` is not a surveys column"):
        load_batch(store, "surveys", path, mapping={**mapping, "score": "score A"})
    with pytest.raises(UnreadableFile, match="the mapping gives no column for `responded_at`"):
        load_batch(store, "surveys", path, mapping={"nps": "score A"})


def test_a_canonical_file_with_vendor_like_names_stays_canonical(store):
    data = b"respondent_id,start_date,responded_at,nps\n1,2026-10-01,2026-10-01 10:00,9\n"
    assert inspect_file(data, "surveys").layout == "canonical"
    report = load_batch(store, "surveys", data)
    assert (report.layout, report.loaded) == ("canonical", 1)
    assert store.scalar("SELECT response_id FROM survey_responses") == "1"


def test_qualtrics_columns_answer_to_ids_too():
    top = _rows(SAMPLES / "surveys_qualtrics.csv")[:3]
    layout = layouts.detect_layout(top, specs.spec_for("surveys"))
    assert layout.find("Q1") == layout.find(layout.labels[layout.ids.index("Q1")])
    assert layout.find("QID1") is None


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ('a,b,c\n1,"x;y;z;w",3\n', ","),
        ('a;b;c\n1;"x, y, z, w";3\n', ";"),
        ("a\tb\tc\n1\tx, y\t3\n", "\t"),
        ("a|b|c\n1|x;y|3\n", "|"),
        ('"How likely, really?";b\n1;2\n', ";"),
        ("single\n1\n", ","),
    ],
)
def test_delimiter_sniffing(text, delimiter):
    assert delimited.sniff_delimiter(text) == delimiter


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026/11/16 9:30:12 AM GMT", "2026-11-16 09:30:12"),
        ("2026/11/16 9:30:12 PM GMT+1", "2026-11-16 20:30:12"),
        ("16.11.2026", "2026-11-16"),
        ("10.11.2026", "2026-11-10"),  # dotted: day first by convention
        ("11/16/2026 09:30:12 PM", "2026-11-16 21:30:12"),
        ("2026-11-16T09:30:12.250Z", "2026-11-16 09:30:12.250"),
        ("2026-11-16 09:30:12 UTC", "2026-11-16 09:30:12"),
    ],
)
def test_date_forms(value, expected):
    from zoneinfo import ZoneInfo

    parsed = dates.parse_times(pd.Series([value], dtype="str"), ZoneInfo("UTC"), None)
    assert not parsed.bad[0] and not parsed.ambiguous[0]
    assert parsed.values[0] == pd.Timestamp(expected)
