"""A throw-away PostgreSQL server for the tests, from the machine's own binaries.

`initdb` and `pg_ctl` run in a temporary directory; the server listens on a free loopback
port and on a socket in that directory, trusts local connections, and is stopped and
deleted afterwards. PostgreSQL refuses to run as root, so when the tests run as root the
server runs as an unprivileged user (`postgres` when the package created it, else `nobody`).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DATABASE = "cxmetrics"


def binaries() -> Path | None:
    """The folder holding initdb and pg_ctl (newest PostgreSQL first), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if found:
        return Path(found[0]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_user() -> str | None:
    """Who runs the server: None (this user) unless we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise RuntimeError("running as root and no unprivileged user to run PostgreSQL as")


def _run(command: list[str], user: str | None, **kwargs) -> subprocess.CompletedProcess:
    if user is not None:
        command = ["runuser", "-u", user, "--", *command]
    return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs)


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start a fresh server; yield its SQLAlchemy URL; stop and delete it afterwards."""
    bin_dir = binaries()
    if bin_dir is None:
        raise FileNotFoundError("PostgreSQL binaries (initdb, pg_ctl) are not installed")
    user = _server_user()
    root = Path(tempfile.mkdtemp(prefix="cxpg-"))
    data = root / "data"
    try:
        if user is not None:
            entry = pwd.getpwnam(user)
            os.chown(root, entry.pw_uid, entry.pw_gid)
        os.chmod(root, 0o700)
        _run(
            [str(bin_dir / "initdb"), "-D", str(data), "-U", "cx", "-A", "trust", "-E", "UTF8",
             "--no-locale"],
            user,
        )  # fmt: skip
        port = _free_port()
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=100 -c shared_buffers=128MB"
        )
        _run(
            [str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l",
             str(root / "server.log"), "-w", "-t", "60", "start"],
            user,
        )  # fmt: skip
        try:
            _run(
                [str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "cx",
                 DATABASE],
                user,
            )  # fmt: skip
            yield f"postgresql+psycopg://cx@127.0.0.1:{port}/{DATABASE}"
        finally:
            _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], user)
    finally:
        shutil.rmtree(root, ignore_errors=True)
