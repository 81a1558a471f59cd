"""The command line as the README's command-line section describes it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cxmetrics.cli import main
from cxmetrics.metrics.registry import default_registry
from cxmetrics.periods import last_complete_week
from tests.fixtures.known_answer import TEAMS, write_csvs

DEMO_ARGS = ["demo", "--agents", "60", "--weeks", "2"]


@pytest.fixture
def db(tmp_path):
    return ["--db", f"duckdb:///{tmp_path / 'cli.duckdb'}"]


def _reject_constant(name: str):
    raise AssertionError(f"{name} is not JSON")


def _json_out(capsys):
    """The whole of stdout, which must be exactly one strict JSON document."""
    return json.loads(capsys.readouterr().out, parse_constant=_reject_constant)


def test_demo_then_scorecard_json_has_all_metrics(db, capsys):
    assert main([*db, *DEMO_ARGS]) == 0
    assert "demo organisation" in capsys.readouterr().out
    week = last_complete_week().label
    assert main([*db, "scorecard", "--period", week, "--json"]) == 0
    card = _json_out(capsys)
    assert card["period"] == week and card["scope"] == {"team": None, "agent": None}
    registry = default_registry()
    assert [m["id"] for m in card["metrics"]] == list(registry)  # every metric, card order
    for m in card["metrics"]:
        assert {
            "id",
            "value",
            "n",
            "ci_low",
            "ci_high",
            "target",
            "status",
            "previous",
            "delta",
            "significant",
        } <= set(m)
        assert m["status"] in {
            "green", "amber", "red", "insufficient", "none", "provisional", "not_applicable"
        }  # fmt: skip
        assert m["n"] > 0
    nps = next(m for m in card["metrics"] if m["id"] == "nps")
    assert nps["ci_low"] < nps["value"] < nps["ci_high"]
    sl = next(m for m in card["metrics"] if m["id"] == "service_level")
    assert 0 <= sl["value"] <= 100  # rates as percentages
    assert main([*db, "scorecard", "--period", week, "--team", "T01", "--json"]) == 0
    team = _json_out(capsys)
    assert team["scope"]["team"] == "T01" and len(team["metrics"]) == len(registry)
    assert main([*db, "scorecard", "--period", week]) == 0  # the human table
    out = capsys.readouterr().out
    assert "Net Promoter Score" in out and "Service level (20 s)" in out


def test_unknown_team_and_bad_period_exit_2(db, capsys):
    assert main([*db, *DEMO_ARGS]) == 0
    assert main([*db, "scorecard", "--team", "NOPE"]) == 2
    assert "not in the roster" in capsys.readouterr().err
    assert main([*db, "scorecard", "--period", "last week"]) == 2
    assert "2026-W46" in capsys.readouterr().err


def test_ingest_batches_undo_round_trip(db, tmp_path, capsys):
    files = write_csvs(tmp_path)
    assert main([*db, "ingest", "roster", str(files["roster"])]) == 0
    assert "committed" in capsys.readouterr().out  # without --json the report is on stdout
    assert main([*db, "ingest", "surveys", str(files["surveys"]), "--dry-run", "--json"]) == 0
    dry = _json_out(capsys)
    assert dry["status"] == "dry_run" and dry["loaded"] == 26 and dry["batch_id"] is None
    assert main([*db, "ingest", "surveys", str(files["surveys"]), "--json"]) == 0
    report = _json_out(capsys)
    assert report["rows_in"] == report["loaded"] + report["rejected"] + report["duplicates"]
    assert report["unknown_agents"] == ["A9"]
    assert main([*db, "ingest", "surveys", str(files["surveys"]), "--json"]) == 0
    again = _json_out(capsys)
    assert again["status"] == "already_loaded" and again["loaded"] == 0
    assert main([*db, "batches", "--json"]) == 0
    batches = _json_out(capsys)
    assert [b["kind"] for b in batches] == ["surveys", "roster"]
    assert main([*db, "undo", report["batch_id"]]) == 0
    assert "undid" in capsys.readouterr().out
    assert main([*db, "undo", report["batch_id"]]) == 2
    assert "already undone" in capsys.readouterr().err


def test_unreadable_file_exits_2_with_one_line(db, tmp_path, capsys):
    garbage = tmp_path / "x.csv"
    garbage.write_bytes(bytes(range(256)) * 8)
    assert main([*db, "ingest", "surveys", str(garbage)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("cxmetrics: cannot read") and "\n" not in err
    assert main([*db, "batches", "--json"]) == 0
    assert _json_out(capsys) == []


def test_console_script_is_installed_and_helpful():
    exe = Path(sys.executable).with_name("cxmetrics")
    result = subprocess.run([exe, "--help"], capture_output=True, text=True, check=True)
    for command in ("demo", "ingest", "scorecard", "batches", "undo", "rebuild-rollups"):
        assert command in result.stdout
    sub = subprocess.run([exe, "ingest", "--help"], capture_output=True, text=True, check=True)
    assert "--dry-run" in sub.stdout and "--dayfirst" in sub.stdout


def test_stars_json_shape(db, capsys):
    from cxmetrics.periods import last_complete

    assert main([*db, "demo", "--agents", "60", "--weeks", "9"]) == 0
    capsys.readouterr()
    month = last_complete("month").label
    assert main([*db, "stars", "--period", month, "--json"]) == 0
    report = _json_out(capsys)
    assert list(report) == ["period", "stars", "most_improved", "praise"]
    assert report["period"] == month
    star = report["stars"][0]
    assert set(star) == {"agent_id", "name", "team_id", "metric", "value", "n", "ci_low", "ci_high"}
    lows = [s["ci_low"] for s in report["stars"]]
    assert lows == sorted(lows, reverse=True)  # ranked by the interval's low end
    assert all(s["n"] >= 20 for s in report["stars"])
    praise = report["praise"][0]
    assert set(praise) == {"response_id", "agent_id", "name", "responded_at", "comment", "thanked"}
    assert main([*db, "stars", "--period", month, "--team", "T02"]) == 0
    assert "Service stars" in capsys.readouterr().out


def test_every_json_command_prints_one_json_document_and_its_notes_on_stderr(db, tmp_path, capsys):
    files = write_csvs(tmp_path)
    roster = str(files["roster"])
    week = "2026-W45"  # the hand-worked fixture's week
    commands = [
        ["ingest", "roster", roster, "--dry-run", "--json"],
        ["ingest", "roster", roster, "--json", "--save-template", "mine"],
        ["ingest", "surveys", str(files["surveys"]), "--json"],  # unknown agent A9: a note
        ["ingest", "surveys", str(files["surveys"]), "--json"],  # already loaded
        ["scorecard", "--period", week, "--json"],
        ["scorecard", "--period", week, "--team", "T1", "--json"],
        ["scorecard", "--period", week, "--agent", "A9", "--json"],  # not in the roster: a note
        ["stars", "--period", week, "--json"],
        ["batches", "--json"],
    ]
    for args in commands:
        assert main([*db, *args]) == 0, args
        captured = capsys.readouterr()
        document = json.loads(captured.out, parse_constant=_reject_constant)  # all of stdout
        assert isinstance(document, (dict, list)), args
        assert captured.out.count("\n") == 1, args  # one document, on one line
        if args[0] == "ingest":
            assert document["status"] in captured.err  # the human report went to stderr
    assert main([*db, "ingest", "roster", roster, "--json"]) == 0
    assert "saved mapping template" not in capsys.readouterr().out


def test_scorecard_for_an_agent_or_team_not_in_the_roster(db, tmp_path, capsys):
    files = write_csvs(tmp_path)
    assert main([*db, "ingest", "roster", str(files["roster"])]) == 0
    assert main([*db, "ingest", "surveys", str(files["surveys"])]) == 0
    capsys.readouterr()
    assert main([*db, "scorecard", "--period", "2026-W45", "--agent", "NOBODY"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("cxmetrics: agent `NOBODY` is not in the roster")
    assert captured.err.count("\n") == 1
    # A9 is in no roster but its survey rows carry its id: shown, with a note
    assert main([*db, "scorecard", "--period", "2026-W45", "--agent", "A9", "--json"]) == 0
    captured = capsys.readouterr()
    assert "agent `A9` is not in the roster" in captured.err
    nps = next(m for m in json.loads(captured.out)["metrics"] if m["id"] == "nps")
    assert nps["n"] > 0
    assert main([*db, "scorecard", "--team", "NOPE"]) == 2
    err = capsys.readouterr().err
    teams = ", ".join(sorted(t[0] for t in TEAMS))  # few teams: every id is listed
    assert err == f"cxmetrics: team `NOPE` is not in the roster; teams: {teams}\n"


ESCAPES = "\x1b[2J\x1b]0;owned\x07\x1b[31m\x9b1m\x07\x08\r\u202e"


def test_stars_strips_terminal_control_characters_but_json_keeps_the_text(db, capsys):
    from sqlalchemy import text

    from cxmetrics.periods import last_complete
    from cxmetrics.store import open_store

    assert main([*db, "demo", "--agents", "60", "--weeks", "9"]) == 0
    month = last_complete("month").label
    store = open_store(db[1])
    with store.transaction() as conn:  # names and comments as a hostile upload could leave them
        conn.execute(text("UPDATE agents SET name = name || :x"), {"x": " " + ESCAPES + "Jr"})
        conn.execute(
            text("UPDATE survey_responses SET comment = comment || :x WHERE comment IS NOT NULL"),
            {"x": " " + ESCAPES + "end\nfake line"},
        )
    store.close()
    capsys.readouterr()
    assert main([*db, "stars", "--period", month]) == 0
    out = capsys.readouterr().out
    assert "Jr" in out and "end fake line" in out  # the text is there, on its line
    controls = [ch for ch in out if ch != "\n" and (ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0)]
    assert controls == [] and "\u202e" not in out
    assert "owned" not in out  # an OSC title sequence is removed whole
    assert main([*db, "stars", "--period", month, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["praise"] and all(ESCAPES in p["comment"] for p in report["praise"])
    assert all(s["name"].endswith(ESCAPES + "Jr") for s in report["stars"])


def test_a_dry_run_that_saves_a_template_keeps_it_in_a_new_store(db, tmp_path, capsys):
    roster = str(write_csvs(tmp_path)["roster"])
    assert main([*db, "ingest", "roster", roster, "--dry-run", "--save-template", "mine"]) == 0
    assert "saved mapping template `mine`" in capsys.readouterr().out
    assert main([*db, "ingest", "roster", roster, "--dry-run", "--template", "mine"]) == 0
    assert main([*db, "batches", "--json"]) == 0  # the dry runs loaded nothing
    assert json.loads(capsys.readouterr().out.splitlines()[-1]) == []


def test_agent_scorecard_names_queue_measures_not_applicable(tmp_path, capsys):
    from cxmetrics.store import open_store
    from tests.fixtures.known_answer import insert_directly

    url = f"duckdb:///{tmp_path / 'known.duckdb'}"
    store = open_store(url)
    insert_directly(store)
    store.close()
    args = ["--db", url, "scorecard", "--period", "2026-W45", "--agent", "A1"]
    assert main(args) == 0
    out = capsys.readouterr().out
    rows = {line.split("  ")[0]: line for line in out.splitlines()}
    assert "not applicable (a queue measure)" in rows["Abandonment"]
    assert "0.0 %" not in rows["Abandonment"]  # never a 0 % abandonment for one agent
    assert "Occupancy: 1 agent-days left out" in out  # A1 11-04: logged time, no contacts
    assert main([*args, "--json"]) == 0
    metrics = json.loads(capsys.readouterr().out)["metrics"]
    line = next(m for m in metrics if m["id"] == "abandon_rate")
    assert line["value"] is None and line["status"] == "not_applicable"
    assert line["note"] == "a queue measure"
