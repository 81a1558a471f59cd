"""Settings from the environment, `.streamlit/secrets.toml`, or defaults (in that order)."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_URL = "duckdb:///data/cxmetrics.duckdb"


@dataclass(frozen=True)
class Settings:
    """What the library needs to know about its installation."""

    db_url: str = DEFAULT_DB_URL
    timezone: str = "UTC"
    service_level_seconds: int = 20
    stars_min_n: int = 20

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
    )
