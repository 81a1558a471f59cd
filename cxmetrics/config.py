"""Settings from the environment, `.streamlit/secrets.toml`, or defaults (in that order)."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_URL = "duckdb:///data/cxmetrics.duckdb"


# ---------------------------------------------------------------- ingest limits
# What one uploaded file may hold; a larger file is refused with a one-line reason before it
# is read into memory (so a decompression bomb cannot take the server down). The defaults
# keep the peak memory of a load under 1 GB.


@dataclass(frozen=True)
class IngestLimits:
    """Limits on one uploaded file (environment variables CXMETRICS_MAX_…)."""

    max_input_mb: int = 100  # text after decompression; a workbook's XML once unpacked
    max_columns: int = 1_000
    max_line_kb: int = 4_096  # one record (line), its cells included
    max_cells: int = 15_000_000  # rows × columns

    @property
    def input_bytes(self) -> int:
        return self.max_input_mb << 20

    @property
    def line_bytes(self) -> int:
        return self.max_line_kb << 10


LIMIT_VARIABLES = {
    "max_input_mb": "CXMETRICS_MAX_INPUT_MB",
    "max_columns": "CXMETRICS_MAX_COLUMNS",
    "max_line_kb": "CXMETRICS_MAX_LINE_KB",
    "max_cells": "CXMETRICS_MAX_CELLS",
}


def _ingest_limits(pick) -> IngestLimits:
    values = {}
    for key, env in LIMIT_VARIABLES.items():
        raw = pick(env, key, getattr(IngestLimits, key))
        try:
            values[key] = int(raw)
        except (TypeError, ValueError):
            values[key] = 0
        if values[key] <= 0:
            raise ValueError(f"{env} is '{raw}': set it to a whole number above 0")
    return IngestLimits(**values)


# ---------------------------------------------------------------- settings


@dataclass(frozen=True)
class Settings:
    """What the library needs to know about its installation."""

    db_url: str = DEFAULT_DB_URL
    timezone: str = "UTC"
    service_level_seconds: int = 20
    stars_min_n: int = 20
    ingest: IngestLimits = IngestLimits()

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _secrets(root: Path) -> dict:
    path = root / ".streamlit" / "secrets.toml"
    if not path.is_file():
        return {}
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    return data.get("cxmetrics", data)


def load_settings(db_url: str | None = None, root: Path = PROJECT_ROOT) -> Settings:
    """Read settings: argument, then `CXMETRICS_*` variables, then secrets, then defaults."""
    secrets = _secrets(root)

    def pick(env: str, key: str, default):
        value = os.environ.get(env)
        if value not in (None, ""):
            return value
        return secrets.get(key, default)

    tz = str(pick("CXMETRICS_TIMEZONE", "timezone", "UTC"))
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"business time zone `{tz}` is unknown: set CXMETRICS_TIMEZONE to an IANA name "
            "such as Europe/Paris"
        ) from exc
    sl = pick("CXMETRICS_SERVICE_LEVEL_SECONDS", "service_level_seconds", 20)
    stars = pick("CXMETRICS_STARS_MIN_N", "stars_min_n", 20)
    try:
        sl, stars = int(sl), int(stars)
    except ValueError as exc:
        raise ValueError(
            "CXMETRICS_SERVICE_LEVEL_SECONDS and CXMETRICS_STARS_MIN_N must be whole numbers"
        ) from exc
    return Settings(
        db_url=db_url or str(pick("CXMETRICS_DB_URL", "db_url", DEFAULT_DB_URL)),
        timezone=tz,
        service_level_seconds=sl,
        stars_min_n=stars,
        ingest=_ingest_limits(pick),
    )
