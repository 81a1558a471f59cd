"""Hostile and broken files through the command line: one clear line, nothing lost.

Each case runs `cxmetrics ingest` in a child process under a 1.5 GB address-space limit
(`RLIMIT_AS`) and asserts: exit code 2, exactly one line on stderr naming the problem and
the fix, no traceback, no file path or process id, a peak resident memory (the child's own
`VmHWM`) under 1 GB, and a store left exactly as it was. The bombs are built by streaming
(tests/fixtures/bombs.py), in well under a second each.
"""

from __future__ import annotations

import gzip
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cxmetrics.ingest import load_batch
from cxmetrics.store import open_store
from tests.fixtures import bombs

AS_LIMIT = 1536 * bombs.MB  # address space the child may map
PEAK_RSS = 10**9  # bytes the child may hold resident at its peak
TABLES = ("survey_responses", "upload_batches", "rejected_rows", "batch_columns")

# Runs the CLI in this process under the limit, then records the peak resident set size
# (VmHWM, which exec resets: the child's own, not the test runner's).
RUNNER = """
import os, resource, sys
limit = int(os.environ["CXMETRICS_TEST_AS"])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from cxmetrics.cli import main
try:
    code = main(sys.argv[1:])
finally:
    with open("/proc/self/status") as status:
        peak = next(line for line in status if line.startswith("VmHWM:"))
    with open(os.environ["CXMETRICS_TEST_PEAK"], "w") as out:
        out.write(peak.split()[1])
sys.exit(code)
"""


def run_cli(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess, int, int]:
    """(the finished child, its pid, its peak RSS in bytes)."""
    peak_file = tmp_path / "peak.txt"
    env = {
        **os.environ,
        "CXMETRICS_TEST_AS": str(AS_LIMIT),
        "CXMETRICS_TEST_PEAK": str(peak_file),
        # Address space, not memory, is what RLIMIT_AS counts: Arrow's default allocator
        # reserves 1 GB of it up front and glibc 64 MB per thread, none of it used. The
        # system allocator with two arenas keeps reservations near what is used, so the
        # limit bounds real allocations (VmHWM, asserted too, is the memory actually used).
        "ARROW_DEFAULT_MEMORY_POOL": "system",
        "MALLOC_ARENA_MAX": "2",
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", RUNNER, *args],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = proc.communicate(timeout=120)
    done = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    return done, proc.pid, int(peak_file.read_text()) * 1024


def store_state(url: str) -> dict[str, list]:
    store = open_store(url)
    try:
        return {t: sorted(map(tuple, store.rows(f"SELECT * FROM {t}"))) for t in TABLES}
    finally:
        store.close()


@pytest.fixture
def loaded_store(tmp_path) -> str:
    """A store that already holds one batch (so "unchanged" means something)."""
    url = f"duckdb:///{tmp_path / 'store.duckdb'}"
    store = open_store(url)
    try:
        first = bombs.SURVEY_HEADER + b"F1,2026-10-05 09:00,9,fine\nF2,2026-10-05,11,x\n"
        report = load_batch(store, "surveys", first, filename="first.csv")
        assert (report.loaded, report.rejected) == (1, 1)
    finally:
        store.close()
    return url


def _truncated_short(path: Path) -> Path:
    # Only the 8-byte trailer (check sum and size) is missing: every row decompresses, and
    # the file used to load that readable part with exit 0.
    return bombs.truncated_gzip(path, rows=2_000, cut=8)


def _truncated_long(path: Path) -> Path:
    return bombs.truncated_gzip(path, rows=20_000, cut=20_000)


def _blank_header_workbook(path: Path) -> Path:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.append(["response_id", "responded_at", "nps", None])  # a merged team header
    book.active.append(["W1", "2026-10-05 09:00", 9, "T01"])
    book.save(path)
    return path


def _workbook_bomb_in_gzip(path: Path) -> Path:
    inner = bombs.xlsx_bomb(path.with_suffix(".inner"))
    path.write_bytes(gzip.compress(inner.read_bytes(), 1))
    return path


CASES = {
    "gzip bomb: 13 MB of .csv.gz expanding to 5 GB": (
        "bomb.csv.gz",
        bombs.gzip_bomb,
        "it expands to more than 100 MB, the most one upload may hold: split the export into "
        "smaller files (or raise CXMETRICS_MAX_INPUT_MB)",
    ),
    "workbook of 6 MB holding 2 GB of sheet XML": (
        "bomb.xlsx",
        bombs.xlsx_bomb,
        "its parts unpack to more than 100 MB, the most one upload may hold: split the export "
        "into smaller files (or raise CXMETRICS_MAX_INPUT_MB)",
    ),
    "workbook whose directory says 4 KB but holds 2 GB": (
        "liar.xlsx",
        lambda path: bombs.xlsx_bomb(path, declared=4_000),
        "its parts unpack to more than 100 MB",
    ),
    "the same workbook, gzip-compressed": (
        "bomb.xlsx.gz",
        _workbook_bomb_in_gzip,
        "its parts unpack to more than 100 MB",
    ),
    "50 MB header line": (
        "header.csv",
        bombs.long_header,
        "the first line (the header row) is longer than 1 MB: check that it is a data export "
        "whose first row holds the column names",
    ),
    "50 MB header line, gzip-compressed": (
        "header.csv.gz",
        lambda path: bombs.long_header(path, gz=True),
        "the first line (the header row) is longer than 1 MB",
    ),
    "50 MB single cell": (
        "cell.csv",
        bombs.long_cell,
        "line 2 is longer than 4 MB, the most one line may hold: check that it is a data "
        "export (or raise CXMETRICS_MAX_LINE_KB)",
    ),
    "a workbook column with values but no header": (
        "blank.xlsx",
        _blank_header_workbook,
        "column D has values but no header: name it in the file's first row, or map it to a column",
    ),
    "a .csv.gz missing its last 8 bytes": (
        "short.csv.gz",
        _truncated_short,
        "the .gz file is cut short (it ends before its compressed data does), so none of it is "
        "loaded: copy or download it again, or load the uncompressed file",
    ),
    "a .csv.gz cut in the middle": ("long.csv.gz", _truncated_long, "the .gz file is cut short"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_cli_refuses_in_one_line_within_memory(tmp_path, loaded_store, case):
    name, build, expected = CASES[case]
    path = build(tmp_path / name)
    before = store_state(loaded_store)
    done, pid, peak = run_cli(tmp_path, "--db", loaded_store, "ingest", "surveys", str(path))
    err = done.stderr
    assert done.returncode == 2, err
    assert err.endswith("\n") and err.count("\n") == 1, err  # exactly one line
    assert err.startswith(f"cxmetrics: cannot read `{name}`: ") and expected in err
    assert "Traceback" not in err and done.stdout == ""
    assert str(tmp_path) not in err and not re.search(r"(?:^|[\s'(])/\w", err)  # no path
    assert not re.search(rf"\b{pid}\b", err) and "pid" not in err.lower()
    assert peak < PEAK_RSS, f"peak RSS {peak / bombs.MB:.0f} MB"
    assert store_state(loaded_store) == before


def test_the_runner_sees_a_real_load(tmp_path, loaded_store):
    """The harness itself: the same runner loads a good file (exit 0, rows stored), so the
    refusals above are the files' doing."""
    path = tmp_path / "good.csv"
    path.write_bytes(bombs.SURVEY_HEADER + b"G1,2026-10-06 09:00,7,ok\n")
    done, _, peak = run_cli(tmp_path, "--db", loaded_store, "ingest", "surveys", str(path))
    assert done.returncode == 0 and "loaded 1 of 1 row" in done.stdout, done.stderr
    assert peak < PEAK_RSS
    assert len(store_state(loaded_store)["survey_responses"]) == 2


def test_a_zero_byte_rejects_its_row_and_the_cli_loads_the_rest(tmp_path, loaded_store):
    path = tmp_path / "nul.csv"
    path.write_bytes(bombs.SURVEY_HEADER + b"Z1,2026-10-06 09:00,7,ok\nZ2,2026-10-06,8,a\x00b\n")
    done, _, _ = run_cli(tmp_path, "--db", loaded_store, "ingest", "surveys", str(path))
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert "loaded 1 of 2 rows; 1 rejected" in done.stdout
    assert '  line 3: "comment" holds a zero byte (NUL' in done.stdout


# The Upload page's path: the dropped file (a binary file object) is inspected at once, then
# dry-run; both must refuse a bomb in one message and in bounded memory, as the CLI does.
PAGE_RUNNER = """
import os, resource, sys
limit = int(os.environ["CXMETRICS_TEST_AS"])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from cxmetrics.ingest import UnreadableFile, inspect_file, load_batch
from cxmetrics.store import open_store
said = []
with open(sys.argv[1], "rb") as dropped:
    try:
        inspect_file(dropped, "surveys", filename="export.csv")
        said.append("inspected")
    except (UnreadableFile, ValueError) as exc:  # what the page catches and shows
        said.append("inspect: " + str(exc))
with open(sys.argv[1], "rb") as dropped:
    try:
        load_batch(open_store(sys.argv[2]), "surveys", dropped, filename="export.csv",
                   dry_run=True)
        said.append("dry run passed")
    except (UnreadableFile, ValueError) as exc:
        said.append("dry run: " + str(exc))
with open("/proc/self/status") as status:
    peak = next(line for line in status if line.startswith("VmHWM:"))
print("\\n".join(said))
print(peak.split()[1])
"""


@pytest.mark.parametrize("build", [bombs.gzip_bomb, bombs.xlsx_bomb], ids=["gzip", "xlsx"])
def test_the_upload_pages_inspect_and_dry_run_refuse_a_bomb_within_memory(tmp_path, build):
    bomb = build(tmp_path / "export.bin")
    url = f"duckdb:///{tmp_path / 'store.duckdb'}"
    env = {
        **os.environ,
        "CXMETRICS_TEST_AS": str(AS_LIMIT),
        "ARROW_DEFAULT_MEMORY_POOL": "system",
        "MALLOC_ARENA_MAX": "2",
    }
    done = subprocess.run(
        [sys.executable, "-c", PAGE_RUNNER, str(bomb), url],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    (inspected, dry_run), peak_kb = done.stdout.strip().splitlines()[:2], done.stdout.split()[-1]
    # the inspection reads the start of a gzip stream for its preview (bounded: it may pass);
    # a workbook's parts are checked before anything is unpacked (refused at once)
    if build is bombs.xlsx_bomb:
        assert inspected.startswith("inspect: its parts unpack to more than 100 MB"), inspected
    assert dry_run.startswith("dry run: ") and "more than 100 MB" in dry_run, dry_run
    assert "(or raise CXMETRICS_MAX_INPUT_MB)" in dry_run  # names the fix
    assert int(peak_kb) * 1024 < PEAK_RSS
