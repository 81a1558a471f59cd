"""The upload contract around a load: dry run, re-upload, undo, progress, templates, the
roster's nicknames, and the CSV a person downloads."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from cxmetrics.cli import main
from cxmetrics.config import SAMPLES_DIR
from cxmetrics.export import rejected_csv, safe_cell, safe_csv
from cxmetrics.ingest import (
    get_template,
    inspect_file,
    list_batches,
    list_templates,
    load_batch,
    save_template,
    undo_batch,
)
from cxmetrics.metrics.engine import scorecard
from cxmetrics.periods import parse_period

SAMPLES = SAMPLES_DIR
CORPUS = Path(__file__).parent / "corpus"
TABLES = (
    "teams", "agents", "roster_replaced", "survey_responses", "upload_batches",
    "rejected_rows", "rollup_surveys", "rollup_team_daily", "rollup_org_daily",
    "mapping_templates",
)  # fmt: skip


def snapshot(store) -> dict[str, list]:
    return {
        t: sorted(tuple(str(v) for v in r) for r in store.rows(f"SELECT * FROM {t}"))
        for t in TABLES
    }


@pytest.fixture
def demo_store(store):
    from cxmetrics.demo import build_demo

    build_demo(store, agents=6, weeks=6, end=date(2026, 10, 25))
    return store


def test_dry_run_writes_nothing_and_reports_what_a_load_does(store):
    load_batch(store, "roster", SAMPLES / "roster.csv")
    before = snapshot(store)
    dry = load_batch(store, "surveys", SAMPLES / "surveys_qualtrics.csv", dry_run=True)
    assert dry.status == "dry_run" and dry.batch_id is None
    assert snapshot(store) == before
    real = load_batch(store, "surveys", SAMPLES / "surveys_qualtrics.csv")
    for key in ("rows_in", "loaded", "rejected", "duplicates", "reasons", "rejected_sample",
                "layout", "mapping"):  # fmt: skip
        assert getattr(dry, key) == getattr(real, key), key


def test_reupload_loads_nothing_and_overlap_counts_as_duplicates(store, tmp_path):
    first = load_batch(store, "surveys", SAMPLES / "surveys_surveymonkey.csv")
    again = load_batch(store, "surveys", SAMPLES / "surveys_surveymonkey.csv")
    assert again.status == "already_loaded" and again.loaded == 0
    assert again.duplicates == again.rows_in == first.rows_in
    assert f"already loaded as batch {first.batch_id}" in again.message
    # A later export holding the same responses and two new ones: only those load.
    lines = (SAMPLES / "surveys_surveymonkey.csv").read_text(encoding="utf-8").splitlines()
    extra = [
        "115999000001,431234567,10/20/2026 09:00:00 AM,10/20/2026 09:05:00 AM,,,,,,9,5,,,,New",
        "115999000002,431234567,10/21/2026 09:00:00 AM,10/21/2026 09:05:00 AM,,,,,,4,2,,,,",
    ]
    later = tmp_path / "later.csv"
    later.write_text("\n".join(lines + extra) + "\n", encoding="utf-8")
    report = load_batch(store, "surveys", later)
    assert (report.loaded, report.duplicates, report.rejected) == (2, first.rows_in, 0)


def test_undo_restores_the_scorecard_exactly(demo_store):
    store = demo_store
    october = parse_period("2026-10")
    before = scorecard(store, october).to_dict()
    team = store.scalar("SELECT min(team_id) FROM teams")
    before_team = scorecard(store, october, team=team).to_dict()
    report = load_batch(store, "surveys", SAMPLES / "surveys_qualtrics.csv")
    assert report.loaded == 39
    assert scorecard(store, october).to_dict() != before
    undo_batch(store, report.batch_id)
    assert scorecard(store, october).to_dict() == before
    assert scorecard(store, october, team=team).to_dict() == before_team


def test_progress_goes_from_zero_to_one_through_each_stage(store):
    calls: list[tuple[float, str]] = []
    load_batch(
        store, "surveys", SAMPLES / "surveys_google_forms.csv",
        progress=lambda f, m: calls.append((f, m)),
    )  # fmt: skip
    fractions = [f for f, _ in calls]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert fractions == sorted(fractions) and all(0 <= f <= 1 for f in fractions)
    text = " | ".join(m for _, m in calls)
    for stage in ("reading", "checking", "writing", "rollups", "done"):
        assert stage in text
    dry: list[float] = []
    load_batch(
        store, "surveys", SAMPLES / "surveys_surveymonkey.csv", dry_run=True,
        progress=lambda f, m: dry.append(f),
    )  # fmt: skip
    assert dry[-1] == 1.0


# ---------------------------------------------------------------- templates


@pytest.mark.both_stores
def test_templates_save_list_get_replace(store):
    assert list(list_templates(store).columns) == ["name", "kind", "saved_by", "saved_at"]
    save_template(store, "weekly", "surveys", {"responded_at": "when", "nps": "score A"},
                  saved_by="ana")  # fmt: skip
    save_template(store, "wfm", "adherence", {"agent_id": "Agent"}, options={"dayfirst": True})
    listed = list_templates(store)
    assert listed["name"].tolist() == ["weekly", "wfm"]
    assert list_templates(store, "surveys")["name"].tolist() == ["weekly"]
    assert get_template(store, "weekly") == {
        "kind": "surveys",
        "mapping": {"responded_at": "when", "nps": "score A"},
        "options": {},
    }
    save_template(store, "weekly", "surveys", {"responded_at": "when", "nps": "score B"})
    assert get_template(store, "weekly")["mapping"]["nps"] == "score B"
    assert len(list_templates(store)) == 2
    with pytest.raises(ValueError, match=r"no mapping template `nope` \(saved templates: weekly"):
        get_template(store, "nope")
    with pytest.raises(ValueError, match="`score` is not a surveys column"):
        save_template(store, "bad", "surveys", {"score": "x"})
    with pytest.raises(ValueError, match="unknown kind"):
        save_template(store, "bad", "survey", {})
    with pytest.raises(ValueError, match="needs a name"):
        save_template(store, " ", "surveys", {})
    with pytest.raises(ValueError, match="unknown template option"):
        save_template(store, "bad", "surveys", {}, options={"sheet": 2})


@pytest.mark.both_stores
def test_a_template_maps_a_file_and_carries_its_date_order(store, tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text(
        "when,score A,remarks\n03/04/2026 10:00,9,fine\n05/06/2026 11:00,3,bad\n",
        encoding="utf-8",
    )
    mapping = {"responded_at": "when", "nps": "score A", "comment": "remarks"}
    save_template(store, "odd export", "surveys", mapping, options={"dayfirst": True})
    ins = inspect_file(path, "surveys", store=store, template="odd export")
    assert ins.mapping["nps"] == "score A" and ins.date_order == "dayfirst"
    report = load_batch(store, "surveys", path, template="odd export")
    assert (report.loaded, report.rejected) == (2, 0)
    got = sorted(str(r[0]) for r in store.rows("SELECT responded_at FROM survey_responses"))
    assert got == ["2026-04-03 10:00:00", "2026-06-05 11:00:00"]
    with pytest.raises(ValueError, match="maps surveys files, not kpis"):
        load_batch(store, "kpis", path, template="odd export")
    with pytest.raises(ValueError, match="no mapping template"):
        load_batch(store, "surveys", path, template="missing")


def test_cli_ingest_with_template_map_and_save(tmp_path, capsys):
    db = ["--db", f"duckdb:///{tmp_path / 'cli.duckdb'}"]
    path = tmp_path / "odd.csv"
    path.write_text(
        "when,score A,score B,remarks\n2026-10-05 10:00,9,4,fine\n2026-10-06 10:00,3,2,bad\n",
        encoding="utf-8",
    )
    # Nothing to recognise: exit 2 with one line.
    assert main([*db, "ingest", "surveys", str(path)]) == 2
    assert "no `responded_at` column" in capsys.readouterr().err
    args = [*db, "ingest", "surveys", str(path), "--dry-run", "--map", "responded_at=when",
            "--map", "nps=score A", "--save-template", "odd", "--json"]  # fmt: skip
    assert main(args) == 0
    out, err = capsys.readouterr()  # with --json the human report goes to stderr
    assert "saved mapping template `odd`" in err and "nps              ← score A" in err
    dry = json.loads(out)
    assert dry["status"] == "dry_run" and dry["loaded"] == 2
    assert main([*db, "ingest", "surveys", str(path), "--template", "odd", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["loaded"] == 2 and report["mapping"]["nps"] == "score A"
    assert report["mapping"]["csat"] is None
    assert main([*db, "ingest", "surveys", str(path), "--template", "nope"]) == 2
    assert "no mapping template `nope`" in capsys.readouterr().err
    assert main([*db, "ingest", "surveys", str(path), "--map", "nps"]) == 2
    assert "write CANONICAL=SOURCE" in capsys.readouterr().err


def test_cli_reads_vendor_exports_and_prints_the_layout(tmp_path, capsys):
    db = ["--db", f"duckdb:///{tmp_path / 'cli.duckdb'}"]
    assert main([*db, "ingest", "surveys", str(SAMPLES / "surveys_qualtrics.csv")]) == 0
    out = capsys.readouterr().out
    assert "layout: qualtrics" in out and "survey preview response" in out


# ---------------------------------------------------------------- roster nicknames


def test_roster_nicknames_are_compared_replaced_and_restored(store, tmp_path):
    first = load_batch(store, "roster", CORPUS / "roster_nickname.csv")
    assert dict(store.rows("SELECT agent_id, nickname FROM agents")) == {
        "0101": "Bea", "0102": "Bob", "0103": None,
    }  # fmt: skip
    same = tmp_path / "same.csv"
    same.write_bytes((CORPUS / "roster_nickname.csv").read_bytes() + b"\n")
    assert load_batch(store, "roster", same).duplicates == 3
    changed = tmp_path / "changed.csv"
    changed.write_text("agent_id,nickname\n0101,Triz\n0103,Alex\n", encoding="utf-8")
    report = load_batch(store, "roster", changed)
    assert (report.loaded, report.duplicates) == (2, 0)
    got = dict(store.rows("SELECT agent_id, nickname FROM agents"))
    assert got == {"0101": "Triz", "0102": "Bob", "0103": "Alex"}
    assert store.scalar("SELECT name FROM agents WHERE agent_id = '0101'") == "Beatriz Souza"
    undo_batch(store, report.batch_id)
    assert dict(store.rows("SELECT agent_id, nickname FROM agents")) == {
        "0101": "Bea", "0102": "Bob", "0103": None,
    }  # fmt: skip
    # A survey naming an agent by nickname or e-mail is matched to the agent's id.
    survey = tmp_path / "s.csv"
    survey.write_text(
        "responded_at,agent,nps\n2026-10-05 10:00,Bea,9\n2026-10-05 11:00,BOB@example.com,8\n"
        "2026-10-05 12:00,Zed,7\n",
        encoding="utf-8",
    )
    loaded = load_batch(store, "surveys", survey)
    assert loaded.unknown_agents == ["Zed"]
    agents = sorted(r[0] for r in store.rows("SELECT agent_id FROM survey_responses"))
    assert agents == ["0101", "0102", "Zed"]
    assert first.batch_id in set(list_batches(store)["batch_id"])


# ---------------------------------------------------------------- safe CSV


def test_safe_cell_and_safe_csv_leave_numbers_alone():
    assert safe_cell("=1+2") == "'=1+2"
    assert safe_cell("+44 20 7946 0000") == "'+44 20 7946 0000"
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("\tx") == "'\tx" and safe_cell("\rx") == "'\rx"
    assert safe_cell("-5") == "-5" and safe_cell("+3.5") == "+3.5" and safe_cell("-1e3") == "-1e3"
    assert safe_cell("-") == "'-" and safe_cell("-2+3") == "'-2+3"
    assert safe_cell(-5) == -5 and safe_cell(None) is None and safe_cell("fine") == "fine"
    frame = pd.DataFrame(
        {"n": [-5, 7], "x": [-1.5, 2.0], "t": ["-5", "=cmd|' /C calc'!A0"], "c": ["é", None]}
    )
    data = safe_csv(frame)
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(__import__("io").BytesIO(data), encoding="utf-8-sig", dtype=str)
    assert back["n"].tolist() == ["-5", "7"] and back["x"].tolist() == ["-1.5", "2.0"]
    assert back["t"].tolist() == ["-5", "'=cmd|' /C calc'!A0"]
    assert back["c"].tolist()[0] == "é"


def test_rejected_rows_download_is_safe(store, tmp_path):
    path = tmp_path / "evil.csv"
    path.write_text(
        "response_id,responded_at,nps,comment\n=1+1,2026-10-05,12,=cmd\n",
        encoding="utf-8",
    )
    report = load_batch(store, "surveys", path)
    assert report.rejected == 1
    text = rejected_csv(store, report.batch_id).decode("utf-8-sig")
    # The file's own columns, then the line number and the reason.
    assert text.splitlines()[0] == "response_id,responded_at,nps,comment,line_no,error"
    # Cells that start with '=' are neutralised; the score and line number stay numbers.
    reason = '"""nps"" is \'12\', outside 0–10"'
    assert text.splitlines()[1] == "'=1+1,2026-10-05,12,'=cmd,2," + reason
