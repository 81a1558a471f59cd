"""The package works when installed normally (not as an editable checkout): it finds its
samples and Streamlit settings inside itself and keeps its store where the settings say,
and `cxmetrics serve` builds the demo before the server starts."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.harness import free_port

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The project built as a wheel and installed (no dependencies: the venv has them)
    into a folder of its own."""
    work = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
         "-w", str(work), str(ROOT)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    [wheel] = work.glob("cxmetrics-*.whl")
    site = work / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site),
         str(wheel)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return site


def run_installed(site: Path, cwd: Path, *code_or_cli: str, env: dict | None = None):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CXMETRICS_")}
    environment |= {"PYTHONPATH": str(site), **(env or {})}
    return subprocess.run(
        [sys.executable, *code_or_cli], cwd=cwd, env=environment, capture_output=True,
        text=True, timeout=300,
    )  # fmt: skip


def test_an_installed_package_finds_its_files_and_keeps_its_store_where_told(installed, tmp_path):
    where = run_installed(
        installed,
        tmp_path,
        "-c",
        "import cxmetrics, cxmetrics.config as c, cxmetrics.serve as s; "
        "print(cxmetrics.__file__); print(c.PROJECT_ROOT); "
        "print(sorted(p.name for p in c.SAMPLES_DIR.glob('*.csv'))); "
        "print(s.MAIN_SCRIPT.is_file(), s.STREAMLIT_SETTINGS.is_file()); "
        "print('--client.disableDataExport=true' in s.streamlit_flags())",
    )
    assert where.returncode == 0, where.stderr
    package, home, samples, files, export_off = where.stdout.splitlines()
    assert Path(package).is_relative_to(installed)  # not the checkout
    assert Path(home) == tmp_path  # an installed package keeps its files where it runs
    assert "roster.csv" in samples and "surveys_qualtrics.csv" in samples
    assert files == "True True" and export_off == "True"

    roster = installed / "cxmetrics" / "samples" / "roster.csv"
    cli = ("-m", "cxmetrics.cli")
    loaded = run_installed(installed, tmp_path, *cli, "ingest", "roster", str(roster), "--json")
    assert loaded.returncode == 0, loaded.stderr
    assert (tmp_path / "data" / "cxmetrics.duckdb").is_file()  # the default, under the home
    elsewhere = tmp_path / "home"
    elsewhere.mkdir()
    loaded = run_installed(
        installed, tmp_path, *cli, "ingest", "roster", str(roster),
        env={"CXMETRICS_HOME": str(elsewhere)},
    )  # fmt: skip
    assert loaded.returncode == 0, loaded.stderr
    assert (elsewhere / "data" / "cxmetrics.duckdb").is_file()
    url = f"duckdb:///{tmp_path / 'named.duckdb'}"
    loaded = run_installed(
        installed, tmp_path, *cli, "ingest", "roster", str(roster), env={"CXMETRICS_DB_URL": url}
    )
    assert loaded.returncode == 0, loaded.stderr
    assert (tmp_path / "named.duckdb").is_file()


def test_serve_builds_the_demo_before_the_server_starts(tmp_path):
    port = free_port()
    env = {**os.environ, "CXMETRICS_DB_URL": f"duckdb:///{tmp_path / 'serve.duckdb'}"}
    command = [sys.executable, "-m", "cxmetrics.cli", "serve", "--port", str(port)]
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://localhost:{port}/_stcore/health") as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            assert server.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=20)
    printed = log.read_text()
    steps = ["building the demo", "contacts", "survey responses", "daily rollups", "demo ready"]
    positions = [printed.find(step) for step in steps]
    assert -1 not in positions and positions == sorted(positions), printed
    assert printed.find("demo ready") < printed.find("Serving on"), printed
