"""Faults and hostile input: one line naming the problem and the fix, never a traceback.

Each command case runs the real `cxmetrics` in a subprocess against a real DuckDB file and
asserts the exit code (2), one line on stderr that names the problem, no traceback, no
machine path or process id, and a store neither created nor changed. Page cases run the
app with Streamlit's AppTest. Read-only stores are made with a read-only bind mount in a
private mount namespace when running as root (root writes through file modes), else with
file modes; a full disk with RLIMIT_FSIZE (and a small tmpfs where one can be mounted).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from cxmetrics.config import SAMPLES_DIR
from cxmetrics.demo import build_demo
from cxmetrics.periods import last_complete_week
from cxmetrics.serve import MAIN_SCRIPT
from cxmetrics.store import open_store
from cxmetrics.store.schema import SCHEMA_VERSION
from tests.ui.tiles import tiles

ROOT = Path(__file__).resolve().parent.parent
APP = MAIN_SCRIPT
SAMPLES = SAMPLES_DIR
UPLOAD_PAGE = "views/upload.py"
TEAM_PAGE = "views/team.py"
WEEK = last_complete_week().label
NEWER = SCHEMA_VERSION + 1  # a schema version from a cxmetrics newer than this one
INTERACTIONS_HEADER = (
    "interaction_id,started_at,channel,queue,team_id,agent_id,customer_id,wait_seconds,"
    "handle_seconds,abandoned,transferred,resolved_first_contact,callback_promised,"
    "callback_kept\n"
)


# ----------------------------------------------------------------------------- helpers


def cli(*args: str, cwd: Path, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    """Run `cxmetrics ARGS` in a subprocess, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "cxmetrics.cli", *args],
        cwd=cwd,
        env={**os.environ, "CXMETRICS_DEBUG": "", **(env or {})},
        capture_output=True,
        text=True,
        timeout=180,
        **kwargs,
    )


def assert_one_line(result: subprocess.CompletedProcess, *needles: str, code: int = 2) -> str:
    """Exit `code`, nothing on stdout, one line on stderr holding every needle, and no
    traceback, machine path or process id in it."""
    err = result.stderr
    assert result.returncode == code, (result.returncode, err)
    assert result.stdout == "", result.stdout
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith("cxmetrics: ")
    assert "Traceback" not in err
    assert not re.search(r"(^|[\s`'\"(])/(tmp|work|root|home|usr|var|proc)\b", err), err
    assert not re.search(r"\bPID\s*\d", err), err
    for needle in needles:
        assert needle in err, (needle, err)
    return err


def files(folder: Path) -> dict[str, str]:
    """Every file under `folder` and the sha256 of its bytes: "nothing created or changed"."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def contents(path: Path) -> dict[str, list]:
    """What a store holds, table by table (read-only, closed again at once)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        return {t: sorted(map(repr, con.execute(f"SELECT * FROM {t}").fetchall())) for t in tables}
    finally:
        con.close()


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory) -> Path:
    """A small demo store (1 team, 10 agents, 2 weeks), built once; tests copy it."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    store = open_store(f"duckdb:///{path}")
    build_demo(store, agents=10, weeks=2)
    store.close()
    return path


@pytest.fixture
def work(tmp_path, demo_file) -> Path:
    """A folder holding `store.duckdb`, a copy of the demo store; commands run here."""
    folder = tmp_path / "work"
    folder.mkdir()
    shutil.copy(demo_file, folder / "store.duckdb")
    return folder


DB = ["--db", "duckdb:///store.duckdb"]  # relative to the `work` folder


# ----------------------------------------------------------------------------- periods


@pytest.mark.parametrize(
    ("command", "period"),
    [("scorecard", "0001"), ("scorecard", "0999-W01"), ("scorecard", "9999"), ("stars", "0001-01")],
)
def test_a_period_outside_the_years_handled_is_one_line(work, command, period):
    before = files(work)
    result = cli(*DB, command, "--period", period, cwd=work)
    assert_one_line(result, f"period `{period}` is outside the years", "2026-W46")
    assert files(work) == before


# ----------------------------------------------------------------------------- --db


def test_a_url_that_is_a_path_or_cannot_be_parsed(tmp_path):
    result = cli("--db", "data/typo.duckdb", "batches", cwd=tmp_path)
    assert_one_line(result, "is a path, not a URL", "duckdb:///data/typo.duckdb")
    result = cli("--db", str(tmp_path / "abs.duckdb"), "batches", cwd=tmp_path)
    assert_one_line(result, "is a path, not a URL", "four before an absolute one")
    result = cli("--db", "duckdb://x:notaport/db", "batches", cwd=tmp_path)
    assert_one_line(result, "`duckdb://…` cannot be parsed", "duckdb:///data/cxmetrics.duckdb")
    assert files(tmp_path) == {}


@pytest.mark.parametrize(
    ("url", "command"),
    [("sqlite://", "demo"), ("sqlite:///x.db", "batches"), ("mysql://u@h/x", "demo"),
     ("foo+bar://x", "scorecard")],
)  # fmt: skip
def test_an_unsupported_database_is_refused_before_anything_is_made(tmp_path, url, command):
    result = cli("--db", url, command, cwd=tmp_path)
    assert_one_line(result, "which cxmetrics does not support", "duckdb:///")
    assert files(tmp_path) == {}


def test_a_database_without_its_driver_names_the_package(tmp_path):
    blocker = tmp_path / "blocked"
    blocker.mkdir()
    # Whether or not psycopg is installed here, this interpreter cannot import it.
    (blocker / "psycopg.py").write_text("raise ImportError('blocked', name='psycopg')\n")
    env = {
        "PYTHONPATH": os.pathsep.join(filter(None, [str(blocker), os.environ.get("PYTHONPATH")]))
    }
    for url in ("postgresql://me@localhost/cx", "postgresql+psycopg://me:secret@db/cx"):
        result = cli("--db", url, "batches", cwd=tmp_path, env=env)
        err = assert_one_line(result, "driver `psycopg`", "pip install 'psycopg[binary]'")
        assert "secret" not in err


def test_a_url_naming_a_folder(work):
    (work / "folder").mkdir()
    before = files(work)
    for command in ("batches", "demo", "ingest"):
        extra = ["roster", str(SAMPLES / "roster.csv")] if command == "ingest" else []
        result = cli("--db", "duckdb:///folder", command, *extra, cwd=work)
        assert_one_line(result, "points at a folder, not a file", "duckdb:///")
    assert files(work) == before


def test_an_in_memory_store_is_refused_for_writes_and_reads(tmp_path):
    memory = ["--db", "duckdb:///:memory:"]
    roster = str(SAMPLES / "roster.csv")
    for args in (["demo"], ["ingest", "roster", roster], ["undo", "x"], ["rebuild-rollups"]):
        result = cli(*memory, *args, cwd=tmp_path)
        assert_one_line(result, "keeps nothing after the command ends")
    for args in (["scorecard"], ["batches"], ["stars"]):
        result = cli(*memory, *args, cwd=tmp_path)
        assert_one_line(result, "in-memory store", "is always empty")
    # A dry run only reads: it checks the file against the empty store.
    dry = cli(*memory, "ingest", "roster", roster, "--dry-run", "--json", cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert json.loads(dry.stdout)["status"] == "dry_run"
    assert files(tmp_path) == {}


@pytest.mark.parametrize(
    "args",
    [["scorecard"], ["batches"], ["stars"], ["undo", "b1"], ["rebuild-rollups"]],
    ids=lambda a: a[0],
)
def test_a_mistyped_store_path_is_not_created_by_a_read(tmp_path, args):
    result = cli("--db", "duckdb:///typo/cxmetrcs.duckdb", *args, cwd=tmp_path)
    assert_one_line(result, "there is no store at `typo/cxmetrcs.duckdb`", "cxmetrics demo")
    assert list(tmp_path.iterdir()) == []  # neither the file nor its folder


def test_a_dry_run_without_a_store_compares_with_an_empty_one_and_creates_nothing(tmp_path):
    roster = str(SAMPLES / "roster.csv")
    result = cli("--db", "duckdb:///new.duckdb", "ingest", "roster", roster, "--dry-run", "--json",
                 cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["loaded"] == 4  # data/samples/roster.csv has 4 agents
    assert "there is no store there yet" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_an_absolute_store_path_is_not_quoted(tmp_path):
    result = cli("--db", f"duckdb:///{tmp_path / 'missing.duckdb'}", "batches", cwd=tmp_path)
    assert_one_line(result, "there is no store at that path")


# ----------------------------------------------------------------------------- busy


@pytest.fixture
def held(work):
    """Another process holds `store.duckdb` open (as the app or a CLI load would)."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time\n"
         "con = duckdb.connect(sys.argv[1]); print('open', flush=True); time.sleep(120)",
         str(work / "store.duckdb")],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout.readline().strip() == "open"
    yield holder
    holder.kill()
    holder.wait()


def test_the_cli_on_a_store_another_process_holds(work, held):
    """A process that never lets the file go (not cxmetrics): with no wait allowed, one
    line at once; with a wait, the note that it waits, then that line."""
    before = files(work)
    roster = str(SAMPLES / "roster.csv")
    no_wait = {"CXMETRICS_STORE_WAIT_SECONDS": "0"}
    for args in (["scorecard"], ["batches", "--json"], ["ingest", "roster", roster]):
        err = assert_one_line(cli(*DB, *args, cwd=work, env=no_wait), "is busy", "retry")
        assert "lock" not in err.lower()
    waited = cli(*DB, "batches", cwd=work, env={"CXMETRICS_STORE_WAIT_SECONDS": "1"})
    assert waited.returncode == 2 and "Traceback" not in waited.stderr
    assert waited.stderr.splitlines() == [
        "cxmetrics: waiting for the store (another process is using it)…",
        err.strip().replace("the wait (0 s)", "the wait (1 s)"),
    ]
    assert files(work) == before  # the request for the file was taken back


# ----------------------------------------------------------------------------- full disk


def _big_interactions(path: Path, rows: int) -> None:
    with path.open("w") as fh:
        fh.write(INTERACTIONS_HEADER)
        for i in range(rows):
            fh.write(
                f"F-{i:07d},2026-11-16 09:{i % 60:02d}:11,phone,general,T01,0101,"
                f"CU-{i % 999:04d},{i % 90},{100 + i % 400},no,no,yes,no,\n"
            )


def test_a_full_disk_during_a_load_names_the_cause_and_changes_nothing(work):
    source = work.parent / "big.csv"
    # The limit is per file: the write-ahead log starts empty and may grow as large as the
    # store, so the load must need more than that: 60,000 rows' log fitted once the demo
    # store grew to 6.5 MB (its frontline tables), and the load went through.
    _big_interactions(source, 150_000)
    store = work / "store.duckdb"
    before = contents(store)
    limit = store.stat().st_size + 64 * 1024  # the store may grow by 64 KiB, not by the load

    def small_disk():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    result = cli(*DB, "ingest", "interactions", str(source), cwd=work, preexec_fn=small_disk)
    err = assert_one_line(result, "is full", "nothing was written", "free some space")
    assert "transaction is aborted" not in err.lower()
    assert contents(store) == before


def _can_mount() -> bool:
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=1m tmpfs /mnt"],
        capture_output=True,
    )
    return probe.returncode == 0


CAN_MOUNT = _can_mount()
# Print `contents` of a store as JSON (argv: the project root, the store file).
DUMP = (
    "import json, sys, pathlib; sys.path.insert(0, sys.argv[1]); "
    "from tests.test_faults import contents; "
    "print(json.dumps(contents(pathlib.Path(sys.argv[2]))))"
)


@pytest.mark.skipif(not CAN_MOUNT, reason="needs root and mount namespaces (unshare -m)")
def test_a_full_tmpfs_during_a_load(work):
    """The same on a real full file system (ENOSPC), in a private mount namespace."""
    source = work.parent / "big.csv"
    # The limit is per file: the write-ahead log starts empty and may grow as large as the
    # store, so the load must need more than that: 60,000 rows' log fitted once the demo
    # store grew to 6.5 MB (its frontline tables), and the load went through.
    _big_interactions(source, 150_000)
    disk = work.parent / "disk"
    disk.mkdir()
    size_kib = (work / "store.duckdb").stat().st_size // 1024 + 256
    out = work.parent
    dump = f"{sys.executable} -c '{DUMP}' '{ROOT}' '{disk}/store.duckdb'"
    script = textwrap.dedent(f"""\
        mount -t tmpfs -o size={size_kib}k tmpfs "{disk}" || exit 99
        cp "{work}/store.duckdb" "{disk}/store.duckdb"
        {dump} > "{out}/before.json"
        cd "{disk}"
        {sys.executable} -m cxmetrics.cli --db duckdb:///store.duckdb \\
            ingest interactions "{source}" > "{out}/out" 2> "{out}/err"
        echo $? > "{out}/rc"
        {dump} > "{out}/after.json"
        """)
    done = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    code, stdout, stderr = ((out / name).read_text() for name in ("rc", "out", "err"))
    result = subprocess.CompletedProcess([], int(code), stdout, stderr)
    assert_one_line(result, "is full", "nothing was written")
    before = json.loads((out / "before.json").read_text())
    assert before["upload_batches"] and json.loads((out / "after.json").read_text()) == before


# ----------------------------------------------------------------------------- read-only


def run_read_only(target: Path, command: list[str], **kwargs) -> subprocess.CompletedProcess:
    """Run `command` while `target` (a file or folder) cannot be written."""
    if os.geteuid() == 0:
        if not CAN_MOUNT:
            pytest.skip("as root, a read-only store needs a read-only mount (unshare -m)")
        script = 'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" "$0" && exec "$@"'
        return subprocess.run(
            ["unshare", "-m", "sh", "-c", script, str(target), *command],
            capture_output=True, text=True, timeout=300, **kwargs,
        )  # fmt: skip
    modes = {p: p.stat().st_mode for p in [target, *target.glob("*")]}
    try:
        for p in modes:
            p.chmod(0o555 if p.is_dir() else 0o444)
        return subprocess.run(command, capture_output=True, text=True, timeout=300, **kwargs)
    finally:
        for p, mode in modes.items():
            p.chmod(mode)


CLI = [sys.executable, "-m", "cxmetrics.cli", *DB]


@pytest.mark.parametrize("what", ["folder", "file"])
def test_a_read_only_store_is_read_and_writes_are_refused(work, what):
    target = work if what == "folder" else work / "store.duckdb"
    before = files(work)
    env = {**os.environ, "CXMETRICS_DEBUG": ""}
    card = run_read_only(target, [*CLI, "scorecard", "--period", WEEK, "--json"], cwd=work, env=env)
    assert card.returncode == 0, card.stderr
    assert len(json.loads(card.stdout)["metrics"]) == 17
    batches = run_read_only(target, [*CLI, "batches", "--json"], cwd=work, env=env)
    assert [b["batch_id"] for b in json.loads(batches.stdout)] == ["demo"]
    # Rollups built for 20 s cannot be rebuilt for 30 s here: shown as built, and so labelled
    env30 = {**env, "CXMETRICS_SERVICE_LEVEL_SECONDS": "30"}
    human = run_read_only(target, [*CLI, "scorecard", "--period", WEEK], cwd=work, env=env30)
    assert human.returncode == 0 and "Service level (20 s)" in human.stdout, human.stderr
    roster = str(SAMPLES / "roster.csv")
    for args in (["ingest", "roster", roster], ["demo"], ["undo", "demo"], ["rebuild-rollups"]):
        result = run_read_only(target, [*CLI, *args], cwd=work, env=env)
        assert_one_line(result, "is read-only", "nothing was changed", "write access")
    assert files(work) == before  # not even a journal file


def test_a_store_cannot_be_created_in_a_read_only_folder(tmp_path):
    env = {**os.environ, "CXMETRICS_DEBUG": ""}
    command = [*CLI, "ingest", "roster", str(SAMPLES / "roster.csv")]
    result = run_read_only(tmp_path, command, cwd=tmp_path, env=env)
    assert_one_line(result, "cannot be created", "folder is read-only")
    assert list(tmp_path.iterdir()) == []


APP_SCRIPT = """
import json, os, sys
from streamlit.testing.v1 import AppTest

sys.path.insert(0, os.getcwd())  # the repository, for the tests' tile reader
from tests.ui.tiles import tiles

at = AppTest.from_file(sys.argv[1], default_timeout=120)
at.run()
seen = {
    "exceptions": [e.value for e in at.exception],
    "captions": [c.value for c in at.sidebar.caption],
    "tiles": [t.label for t in tiles(at)],
    "errors": [e.value for e in at.error],
}
at.button(key="demo_clear").click().run()
at.button(key="demo_clear_confirm").click().run()
seen["clear_exceptions"] = [e.value for e in at.exception]
seen["clear_errors"] = [e.value for e in at.error]
at.switch_page(sys.argv[2]).run()
seen["upload_exceptions"] = [e.value for e in at.exception]
seen["upload_warnings"] = [w.value for w in at.warning]
seen["upload_buttons"] = [b.label for b in at.button]
print(json.dumps(seen))
"""


def test_the_app_shows_a_read_only_store_and_the_upload_page_refuses(work):
    before = files(work)
    script = work.parent / "app_check.py"
    script.write_text(APP_SCRIPT)
    env = {**os.environ, "CXMETRICS_DB_URL": f"duckdb:///{work / 'store.duckdb'}"}
    result = run_read_only(
        work, [sys.executable, str(script), str(APP), UPLOAD_PAGE], cwd=ROOT, env=env
    )
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["exceptions"] == [] and seen["errors"] == []
    assert "Net Promoter Score" in seen["tiles"]
    assert any("Read-only store" in c for c in seen["captions"])
    # Clearing the demo on a read-only store says why it did not happen (no traceback)
    assert seen["clear_exceptions"] == []
    assert any("not cleared" in e and "read" in e for e in seen["clear_errors"])
    assert seen["upload_exceptions"] == []
    assert any("read-only" in w and "write access" in w for w in seen["upload_warnings"])
    assert not any(label in ("Load", "Dry run", "Undo") for label in seen["upload_buttons"])
    assert files(work) == before


# ----------------------------------------------------------------------------- damaged


def _truncate(path: Path) -> None:
    with path.open("r+b") as fh:
        fh.truncate(path.stat().st_size * 6 // 10)


def _corrupt_block(path: Path) -> None:
    with path.open("r+b") as fh:
        fh.seek(3 * 4096 + 100)  # inside the first data block: its checksum no longer holds
        fh.write(bytes(range(256)) * 16)


def _not_duckdb(path: Path) -> None:
    path.write_bytes(b"id,name\n1,Ana\n" * 100)


@pytest.mark.parametrize(
    "damage", [_truncate, _corrupt_block, _not_duckdb], ids=lambda f: f.__name__
)
def test_a_damaged_store_is_called_damaged_not_busy(work, damage):
    damage(work / "store.duckdb")
    before = files(work)
    for args in (["scorecard"], ["batches"], ["ingest", "roster", str(SAMPLES / "roster.csv")]):
        err = assert_one_line(cli(*DB, *args, cwd=work), "`store.duckdb` is damaged",
                              "restore it from a backup")  # fmt: skip
        assert "busy" not in err and "another process" not in err
    assert files(work) == before


# ----------------------------------------------------------------------------- newer schema


def test_a_store_from_a_newer_cxmetrics(work):
    con = duckdb.connect(str(work / "store.duckdb"))
    con.execute("INSERT INTO schema_version VALUES (?, current_timestamp)", [NEWER])
    con.close()
    before = files(work)
    for args in (["scorecard"], ["ingest", "roster", str(SAMPLES / "roster.csv")]):
        assert_one_line(cli(*DB, *args, cwd=work), f"made by a newer cxmetrics (schema {NEWER}",
                        "upgrade cxmetrics")  # fmt: skip
    assert files(work) == before


# ----------------------------------------------------------------------------- unexpected


def test_an_unexpected_error_is_one_line_with_the_debug_hint(work):
    con = duckdb.connect(str(work / "store.duckdb"))
    con.execute("DROP TABLE rollup_org_daily")  # a store someone altered by hand
    con.close()
    result = cli(*DB, "scorecard", "--period", WEEK, cwd=work)
    assert_one_line(result, "unexpected error", "run with CXMETRICS_DEBUG=1 for details", code=1)
    debug = cli(*DB, "scorecard", "--period", WEEK, cwd=work, env={"CXMETRICS_DEBUG": "1"})
    assert debug.returncode == 1
    assert "Traceback" in debug.stderr and "rollup_org_daily" in debug.stderr


# ----------------------------------------------------------------------------- pipes


@pytest.mark.parametrize(
    "args",
    [["scorecard", "--period", WEEK], ["scorecard", "--json"], ["batches"], ["stars", "--json"]],
    ids=" ".join,
)
def test_output_into_a_closed_pipe_ends_quietly(work, args):
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader has gone before the first line is written
    try:
        result = subprocess.run(
            [sys.executable, "-m", "cxmetrics.cli", *DB, *args],
            cwd=work, stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=120,
        )  # fmt: skip
    finally:
        os.close(write_end)
    assert result.stderr == ""
    assert result.returncode == 141  # as a shell reports a writer its reader left


def test_piping_into_head_ends_quietly(work):
    command = f"{sys.executable} -m cxmetrics.cli --db duckdb:///store.duckdb scorecard | head -1"
    result = subprocess.run(["sh", "-c", command], cwd=work, capture_output=True, text=True)
    assert result.returncode == 0
    assert result.stdout.startswith(WEEK) and result.stdout.count("\n") == 1
    assert result.stderr == ""


# ----------------------------------------------------------------------------- the app


@pytest.fixture
def app_store(work, monkeypatch):
    """The app pointed at `store.duckdb` (the demo), with fresh Streamlit caches (the store
    and the stories are resources)."""
    monkeypatch.setenv("CXMETRICS_DB_URL", f"duckdb:///{work / 'store.duckdb'}")
    st.cache_resource.clear()
    st.cache_data.clear()
    yield work / "store.duckdb"
    st.cache_resource.clear()
    st.cache_data.clear()


def run_app(query: dict[str, str], page: str | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=90)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _warnings(at: AppTest) -> list[str]:
    """Warnings as a reader sees them (markdown escapes taken out)."""
    return [re.sub(r"\\(.)", r"\1", w.value) for w in at.warning]


@pytest.mark.parametrize(
    ("period", "why"),
    [
        ("garbage", "is not understood"),
        ("0001", "is outside the years"),
        ("0999-W01", "is outside the years"),
        ("9999", "is outside the years"),
        ("2025-W53", "does not exist"),
    ],
)
def test_a_period_in_the_link_that_is_not_understood_is_named(app_store, period, why):
    at = run_app({"period": period})
    shown = at.session_state["period"]
    assert shown == WEEK  # the demo's last week
    assert any(f"period “{period}” {why}" in w and f"showing {shown}" in w for w in _warnings(at))


@pytest.mark.parametrize("slide", ["²", "-1", "1.5", "two", "99999999"])
def test_an_odd_slide_in_the_link_is_named_not_a_traceback(app_store, slide):
    at = run_app({"present": "true", "slide": slide})
    assert at.session_state["slide"] == 0
    assert any(f"slide “{slide}” is not a slide number" in w for w in _warnings(at))


def test_an_odd_present_value_in_the_link_is_named(app_store):
    at = run_app({"present": "maybe"})
    assert at.session_state["present"] is False
    assert any("present “maybe” is not understood" in w for w in _warnings(at))


def test_an_unknown_team_in_the_link_is_named_on_the_team_page(app_store):
    at = run_app({"team": "NOPE<b>"}, page=TEAM_PAGE)
    assert at.selectbox(key="team").value == "T01"
    warnings = _warnings(at)
    assert any("team “NOPE<b>” is not in the roster — showing" in w for w in warnings), warnings
    assert at.query_params["team"] == "T01"


def test_the_app_starting_while_another_process_holds_the_store(app_store, held, monkeypatch):
    # The app waits for the file first (up to the setting), then says it is busy.
    monkeypatch.setenv("CXMETRICS_STORE_WAIT_SECONDS", "1")
    at = AppTest.from_file(str(APP), default_timeout=90)
    at.run()
    assert not at.exception
    assert any("The store is busy" in e.value and "Retry" in e.value for e in at.error)
    assert [b.label for b in at.button] == ["Retry"]
    held.kill()
    held.wait()
    at.button(key="retry-store").click().run()
    assert not at.exception and not at.error
    assert "Net Promoter Score" in [t.label for t in tiles(at)]


def test_the_app_on_a_damaged_store(app_store):
    _corrupt_block(app_store)
    before = files(app_store.parent)
    at = AppTest.from_file(str(APP), default_timeout=90)
    at.run()
    assert not at.exception
    assert any("is damaged" in e.value and "backup" in e.value for e in at.error)
    assert files(app_store.parent) == before


def test_ctrl_c_during_a_command_is_one_line(work):
    """Interrupted while reading its input (a named pipe nobody writes to): exit 130."""
    fifo = work.parent / "export.csv"
    os.mkfifo(fifo)
    before = files(work)
    command = [sys.executable, "-m", "cxmetrics.cli", *DB, "ingest", "roster", str(fifo)]
    process = subprocess.Popen(command, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env={**os.environ, "CXMETRICS_DEBUG": ""})  # fmt: skip
    while True:  # opening the write end without blocking succeeds once the reader is there
        try:
            writer = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            break
        except OSError as exc:
            assert exc.errno == errno.ENXIO and process.poll() is None, process.stderr.read()
            time.sleep(0.05)
    try:
        time.sleep(0.3)  # the reader now waits for data
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        os.close(writer)
    result = subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
    assert_one_line(result, "interrupted", code=130)
    assert files(work) == before


def test_a_damaged_block_found_after_opening_is_a_message_not_a_traceback(app_store):
    """The store opens (its catalog and batches are intact), but the block holding the org
    rollup is corrupt: the first read of it, in the sidebar or the page, says so."""
    con = duckdb.connect(str(app_store), read_only=True)
    blocks = {
        table: {r[0] for r in con.execute(
            f"SELECT block_id FROM pragma_storage_info('{table}') WHERE block_id >= 0"
        ).fetchall()}
        for (table,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
    }  # fmt: skip
    con.close()
    others = set().union(*(b for t, b in blocks.items() if t != "rollup_org_daily"))
    block = min(blocks["rollup_org_daily"] - others)  # a block no other table uses
    with app_store.open("r+b") as fh:  # three 4 KiB headers, then 256 KiB blocks
        fh.seek(3 * 4096 + block * 256 * 1024 + 100)
        fh.write(bytes(range(256)) * 16)
    at = AppTest.from_file(str(APP), default_timeout=90)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("is damaged" in e.value for e in at.error)
    assert at.sidebar.selectbox(key="grain")  # opened: this is not the start-up message
    assert not [b for b in at.button if b.label == "Retry"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file whatever its mode")
def test_a_store_this_user_cannot_read(work):
    store = work / "store.duckdb"
    store.chmod(0o000)
    try:
        result = cli(*DB, "scorecard", cwd=work)
    finally:
        store.chmod(0o644)
    assert_one_line(result, "`store.duckdb` cannot be read", "read access")


def test_the_app_on_a_store_from_a_newer_cxmetrics(app_store):
    con = duckdb.connect(str(app_store))
    con.execute("INSERT INTO schema_version VALUES (?, current_timestamp)", [NEWER])
    con.close()
    before = files(app_store.parent)
    at = AppTest.from_file(str(APP), default_timeout=90)
    at.run()
    assert not at.exception
    assert any("newer cxmetrics" in e.value and "upgrade" in e.value for e in at.error)
    assert files(app_store.parent) == before
