"""What every step of a run is given: the options with their defaults resolved, the
temporary directory, the main store, and the peak-memory figures collected so far."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from cxmetrics.periods import Period, last_complete_week


@dataclass(frozen=True)
class Options:
    """The command line, sizes resolved (see `parse_args` in cli.py for the defaults)."""

    agents: int
    weeks: int
    seed: int
    end: date
    repeat: int
    ingest_rows: int
    sweep_agents: int
    sweep_weeks: list[int]
    skip_ingest: bool
    ingest_repeat: int
    qualtrics_rows: int
    skip_browser: bool
    chromium: str
    shared_rows: int

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Options:
        qualtrics_rows = args.qualtrics_rows
        if qualtrics_rows is None:
            qualtrics_rows = 200_000 if args.agents >= 1000 else 20_000
        return cls(
            agents=args.agents,
            weeks=args.weeks,
            seed=args.seed,
            end=date.fromisoformat(args.end) if args.end else last_complete_week().end,
            repeat=max(5, args.repeat),
            ingest_rows=args.ingest_rows or (1_000_000 if args.agents >= 1000 else 100_000),
            sweep_agents=args.sweep_agents or args.agents,
            sweep_weeks=sorted({int(w) for w in args.sweep_weeks.split(",") if w.strip()}),
            skip_ingest=args.skip_ingest,
            ingest_repeat=args.ingest_repeat,
            qualtrics_rows=qualtrics_rows,
            skip_browser=args.skip_browser,
            chromium=args.chromium,
            shared_rows=max(0, args.shared_rows),
        )

    @property
    def ingest_runs(self) -> int:
        """Timed load_batch calls per file (median)."""
        return max(1, self.ingest_repeat)

    def as_json(self) -> dict:
        """The arguments as results.json records them."""
        return {
            "agents": self.agents,
            "weeks": self.weeks,
            "seed": self.seed,
            "end": self.end.isoformat(),
            "repeat": self.repeat,
            "ingest_rows": None if self.skip_ingest else self.ingest_rows,
            "sweep_agents": self.sweep_agents,
            "sweep_weeks": self.sweep_weeks,
            "skip_ingest": self.skip_ingest,
            "ingest_repeat": self.ingest_repeat,
            "qualtrics_rows": self.qualtrics_rows,
            "skip_browser": self.skip_browser,
            "shared_rows": self.shared_rows,
        }


@dataclass(frozen=True)
class MainStore:
    """The demo store every scorecard figure is measured on."""

    path: Path
    summary: dict  # build_store's summary: row counts, first_day / last_day (ISO), seconds
    period: Period  # the last week with data
    team: str  # the busiest team of that week

    @property
    def first_day(self) -> date:
        return date.fromisoformat(self.summary["first_day"])

    @property
    def last_day(self) -> date:
        return date.fromisoformat(self.summary["last_day"])


@dataclass
class Context:
    opts: Options
    tmp: Path
    service_level_s: tuple  # (threshold of other channels, {channel: threshold})
    memory: dict[str, dict] = field(default_factory=dict)  # step label → peak RSS figure
