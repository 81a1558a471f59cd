"""How the web app is started (`cxmetrics serve`, `make run`, the browser tests and the
bench): `streamlit run` on the packaged entry script, with the packaged Streamlit settings
passed as flags, so an installed package serves exactly what a checkout does (no table
export, the upload limit, both themes) whatever folder it is started from.

No streamlit import: this only builds a command line.
"""

from __future__ import annotations

import sys
import tomllib

from cxmetrics.config import PACKAGE_DIR

MAIN_SCRIPT = PACKAGE_DIR / "ui" / "main.py"
STREAMLIT_SETTINGS = PACKAGE_DIR / "ui" / "streamlit.toml"
LAUNCHER = "cxmetrics.ui.launch"  # the server process: warm-up, then `streamlit run`


def _flags(table: dict, prefix: str = "") -> list[str]:
    out: list[str] = []
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out += _flags(value, f"{name}.")
        else:
            text = str(value).lower() if isinstance(value, bool) else str(value)
            out.append(f"--{name}={text}")
    return out


def streamlit_flags() -> list[str]:
    """The packaged Streamlit settings (`ui/streamlit.toml`) as `--section.option=value`."""
    with STREAMLIT_SETTINGS.open("rb") as fh:
        return _flags(tomllib.load(fh))


def streamlit_command(*options: str, port: int | None = None) -> list[str]:
    """The command that serves the app: this interpreter's Streamlit on the packaged entry
    script, the packaged settings, then `options` (which win). Streamlit runs in the
    server process of `cxmetrics.ui.launch`, which warms it up before it listens."""
    command = [sys.executable, "-m", LAUNCHER, "run", str(MAIN_SCRIPT), *streamlit_flags()]
    if port is not None:
        command.append(f"--server.port={port}")
    return [*command, *options]
