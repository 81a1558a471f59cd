"""Settings from the environment, `.streamlit/secrets.toml` in the cxmetrics home, or
defaults (in that order)."""

from __future__ import annotations

import math
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PACKAGE_DIR = Path(__file__).resolve().parent
SAMPLES_DIR = PACKAGE_DIR / "samples"  # a small file of each kind (installed with the package)


def _home() -> Path:
    """Where cxmetrics keeps its files (the default store under `data/`, and
    `.streamlit/secrets.toml`): `CXMETRICS_HOME`, else the source checkout this package sits
    in, else the current directory (an installed package)."""
    chosen = os.environ.get("CXMETRICS_HOME")
    if chosen:
        return Path(chosen).expanduser().resolve()
    checkout = PACKAGE_DIR.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / ".git").exists():
        return checkout
    return Path.cwd()


PROJECT_ROOT = _home()
DEFAULT_DB_URL = "duckdb:///data/cxmetrics.duckdb"
AUTH_MODES = ("none", "oidc", "header")
DEFAULT_AUTH_HEADER = "X-Forwarded-Email"
_HEADER_NAME = re.compile(r"^[A-Za-z0-9-]{1,64}$")


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
    # Channels whose service-level threshold differs from `service_level_seconds`.
    service_level_by_channel: tuple[tuple[str, int], ...] = (("email", 86_400),)
    ingest: IngestLimits = IngestLimits()
    # Who is signing in (docs/access.md): none (everyone is admin), oidc (st.login), header
    # (a trusted proxy names the signed-in e-mail in `auth_header`).
    auth: str = "none"
    auth_header: str = DEFAULT_AUTH_HEADER
    # How long a command (or the app) waits for a DuckDB store file that another process
    # has open before it gives up saying the store is busy.
    store_wait_seconds: float = 120.0

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def service_level_thresholds(self) -> dict[str, int]:
        """Seconds a contact may wait and still count as answered in time, per channel
        (lower case); a channel not named here uses `service_level_seconds`."""
        named = {channel: self.service_level_seconds for channel in SERVICE_LEVEL_NAMED}
        return {**named, **dict(self.service_level_by_channel)}


# ---- service level per channel ----------------------------------------------------------
# Email waits are hours, not seconds: each channel may have its own threshold. Phone and
# chat follow `service_level_seconds` unless configured; email defaults to 24 h.
SERVICE_LEVEL_NAMED = ("phone", "chat")
DEFAULT_SERVICE_LEVEL_BY_CHANNEL = {"email": 86_400}
_DURATION = re.compile(r"^\s*(\d+)\s*(s|sec|min|m|h)?\s*$", re.IGNORECASE)
_DURATION_SECONDS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}


def _duration_seconds(channel: str, raw: object) -> int:
    if isinstance(raw, int) and not isinstance(raw, bool) and raw >= 0:
        return raw
    match = _DURATION.match(str(raw))
    if not match:
        raise ValueError(
            f"service-level threshold `{raw}` for channel `{channel}` is not a duration: "
            "write whole seconds or a number with s, min or h, such as 20s or 24h"
        )
    return int(match.group(1)) * _DURATION_SECONDS[(match.group(2) or "s").lower()]


def parse_service_level_by_channel(raw: object) -> dict[str, int]:
    """Per-channel thresholds from `email=24h, chat=30s` (environment) or a secrets table
    `{email = "24h", chat = 30}`, in seconds, channel names in lower case."""
    if isinstance(raw, dict):
        items = list(raw.items())
    else:
        items = []
        for entry in str(raw).split(","):
            if not entry.strip():
                continue
            channel, sep, value = entry.partition("=")
            if not sep or not channel.strip():
                raise ValueError(
                    f"service-level setting `{entry.strip()}` is not `channel=duration`: "
                    "write it like email=24h, chat=30s"
                )
            items.append((channel, value))
    return {str(c).strip().lower(): _duration_seconds(str(c).strip(), v) for c, v in items}


def format_duration(seconds: int) -> str:
    """A threshold as people say it: "20 s", "5 min", "24 h"."""
    if seconds and seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"


def describe_service_level(settings: Settings) -> str:
    """Which thresholds apply, for the tile and the definitions:
    "within 20 s (phone, chat, others), 24 h (email)"."""
    groups: dict[int, list[str]] = {settings.service_level_seconds: []}
    for channel, seconds in settings.service_level_thresholds().items():
        groups.setdefault(seconds, []).append(channel)
    groups[settings.service_level_seconds].append("others")
    parts = [f"{format_duration(t)} ({', '.join(names)})" for t, names in groups.items()]
    return "within " + ", ".join(parts)


# ------------------------------------------------------------------------------------------


def _auth(pick) -> tuple[str, str]:
    """The sign-in mode and the proxy's header name, checked."""
    mode = str(pick("CXMETRICS_AUTH", "auth", "none")).strip().lower()
    if mode not in AUTH_MODES:
        raise ValueError(
            f"CXMETRICS_AUTH is '{mode}': set it to none, oidc or header "
            "(see Sign-in and roles in the README)"
        )
    header = str(pick("CXMETRICS_AUTH_HEADER", "auth_header", DEFAULT_AUTH_HEADER)).strip()
    if not _HEADER_NAME.fullmatch(header):
        raise ValueError(
            f"CXMETRICS_AUTH_HEADER is '{header[:64]}': set it to an HTTP header name such as "
            f"{DEFAULT_AUTH_HEADER} (letters, digits and hyphens)"
        )
    return mode, header


def _wait_seconds(raw: object) -> float:
    """The wait for a busy store, in seconds (0 to a day)."""
    try:
        wait = float(str(raw))
    except ValueError:
        wait = math.nan
    if not 0 <= wait <= 86_400:  # NaN fails too
        raise ValueError(
            f"CXMETRICS_STORE_WAIT_SECONDS is '{raw}': set it to the seconds to wait for a "
            "busy store, from 0 to 86400"
        )
    return wait


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
    auth, auth_header = _auth(pick)
    wait = _wait_seconds(pick("CXMETRICS_STORE_WAIT_SECONDS", "store_wait_seconds", 120))
    by_channel = {
        **DEFAULT_SERVICE_LEVEL_BY_CHANNEL,
        **parse_service_level_by_channel(
            pick("CXMETRICS_SERVICE_LEVEL_BY_CHANNEL", "service_level_by_channel", "")
        ),
    }
    return Settings(
        db_url=db_url or str(pick("CXMETRICS_DB_URL", "db_url", DEFAULT_DB_URL)),
        timezone=tz,
        service_level_seconds=sl,
        stars_min_n=stars,
        service_level_by_channel=tuple(sorted(by_channel.items())),
        ingest=_ingest_limits(pick),
        auth=auth,
        auth_header=auth_header,
        store_wait_seconds=wait,
    )
