"""What a load or an undo says it did: the report of every row of a file (loaded, rejected
with its line and reason, or a duplicate with the line it repeats), and of an undo.

`rows_in = loaded + rejected + duplicates` always; the message is one line, the warnings
what an analyst should know (facts a roster moves between teams, demo rows that gave way).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import Row

from cxmetrics.ingest.plan import DUPLICATE, REJECTED
from cxmetrics.ingest.prepare import Prepared
from cxmetrics.ingest.read import RawTable
from cxmetrics.ingest.reasons import plural, quote_label
from cxmetrics.ingest.validation import Validated
from cxmetrics.ingest.write import Batch
from cxmetrics.store.membership import Move

SAMPLE_SIZE = 20  # (line_no, reason) pairs kept in a report


@dataclass
class BatchReport:
    """What happened to every row of one file."""

    batch_id: str | None
    kind: str
    filename: str
    sha256: str
    rows_in: int
    loaded: int
    rejected: int
    duplicates: int
    status: str  # "committed" | "dry_run" | "already_loaded"
    reasons: dict[str, int]  # column + rule -> rows rejected for it
    rejected_sample: list[tuple[int, str]]  # first (line_no, reason) pairs
    unknown_agents: list[str]  # agent ids not in the roster (their rows still load)
    message: str
    ignored_columns: list[str] = field(default_factory=list)  # header names not used
    layout: str = "canonical"  # canonical | qualtrics | surveymonkey | google_forms
    mapping: dict[str, str | None] = field(default_factory=dict)  # canonical -> source column
    warnings: list[str] = field(default_factory=list)  # what an analyst should know
    # roster: facts whose team changes (from_team, to_team, since, interactions, responses,
    # adherence_days): a row dated in the past restates the days from its date on
    moves: list[dict] = field(default_factory=list)
    duplicate_sample: list[tuple[int, str]] = field(default_factory=list)  # (line_no, why)
    # The time zone times without an offset were read in (None: the kind has no times).
    timezone: str | None = None

    def to_dict(self) -> dict:
        data = asdict(self)
        data["rejected_sample"] = [[line, reason] for line, reason in self.rejected_sample]
        data["duplicate_sample"] = [[line, why] for line, why in self.duplicate_sample]
        return data


@dataclass
class UndoReport:
    """What undoing a batch did."""

    batch_id: str
    kind: str
    removed: int  # rows deleted from fact / roster tables
    restored: int  # roster rows the batch had replaced, put back
    message: str
    moves: list[dict] = field(default_factory=list)  # facts whose team changes back

    def to_dict(self) -> dict:
        return asdict(self)


def already_loaded(
    kind: str, filename: str, raw: RawTable, prep: Prepared, earlier: Row
) -> BatchReport:
    """The report on a file loaded before (same bytes, same kind): every row a duplicate."""
    n = len(raw.data)
    when = f"{earlier.uploaded_at:%Y-%m-%d %H:%M}" if earlier.uploaded_at else "earlier"
    return BatchReport(
        batch_id=earlier.batch_id,
        kind=kind,
        filename=filename,
        sha256=raw.sha256,
        rows_in=n,
        loaded=0,
        rejected=0,
        duplicates=n,
        status="already_loaded",
        reasons={},
        rejected_sample=[],
        unknown_agents=[],
        message=(
            f"this file was already loaded as batch {earlier.batch_id} on {when}: nothing "
            f"loaded ({plural(n, 'row')} counted as duplicates); undo that batch to load it again"
        ),
        ignored_columns=prep.mapping.ignored,
        layout=prep.layout_name,
        mapping=prep.labels,
        warnings=prep.warnings,
        timezone=prep.timezone,
    )


def batch_report(b: Batch, status: str) -> BatchReport:
    """What became of every row of a written (or dry-run) batch."""
    rows_in, loaded, rejected, duplicates = b.counts
    bad = np.flatnonzero(b.plan.status == REJECTED)
    rejected_groups = b.checked.errors.group[bad] if len(bad) else []
    groups = pd.Series(rejected_groups, dtype=object).value_counts(sort=False)
    reasons = dict(sorted(((str(k), int(v)) for k, v in groups.items()), key=lambda kv: -kv[1]))
    sample = [(int(b.raw.line_no[i]), str(b.checked.errors.reason[i])) for i in bad[:SAMPLE_SIZE]]
    dups = np.flatnonzero(b.plan.status == DUPLICATE)[:SAMPLE_SIZE]
    dup_sample = [
        (int(b.raw.line_no[i]), why)
        for i, why in zip(dups, _duplicate_reasons(b, dups), strict=True)
    ]
    counts = (
        f"{loaded} of {plural(rows_in, 'row')}; {rejected} rejected; "
        f"{plural(duplicates, 'duplicate')}"
    )
    if status == "dry_run":
        message = f"dry run: would load {counts}; nothing written"
    else:
        message = f"loaded {counts}"
    moves = b.plan.restated.moves if b.plan.restated is not None else []
    warnings = list(b.warnings) + move_lines(moves)
    if b.plan.demo_giving_way:
        warnings.append(
            f"{plural(b.plan.demo_giving_way, 'demo row')} with the same key as rows of this "
            f"file {'give' if status == 'dry_run' else 'gave'} way to them (demo data never "
            "hides real data; clear the demo data to remove the rest)"
        )
    if b.time_note:
        message += f"; {b.time_note}"
    return BatchReport(
        batch_id=None if status == "dry_run" else b.batch_id,
        kind=b.spec.kind,
        filename=b.filename,
        sha256=b.raw.sha256,
        rows_in=rows_in,
        loaded=loaded,
        rejected=rejected,
        duplicates=duplicates,
        status=status,
        reasons=reasons,
        rejected_sample=sample,
        unknown_agents=list(b.plan.unknown_agents),
        message=message,
        ignored_columns=list(b.ignored),
        layout=b.layout,
        mapping=dict(b.mapping),
        warnings=warnings,
        moves=[m.to_dict() for m in moves],
        duplicate_sample=dup_sample,
        timezone=b.timezone,
    )


MOVES_SHOWN = 10  # lines of a report that say which facts change team


def move_lines(moves: list[Move]) -> list[str]:
    """Report lines for facts whose team changes (a roster dated in the past restates)."""
    lines = [f"team numbers restated: {m.describe()}" for m in moves[:MOVES_SHOWN]]
    if len(moves) > MOVES_SHOWN:
        lines.append(f"… and {plural(len(moves) - MOVES_SHOWN, 'more move')} of facts")
    return lines


def _roster_duplicate_of(checked: Validated) -> np.ndarray:
    """Per roster row, the position of the first valid row with the same agent_id (-1: none
    earlier in the file)."""
    of = np.full(len(checked.ok), -1, dtype=np.int64)
    ok = np.flatnonzero(checked.ok)
    ids = checked.frame["agent_id"].iloc[ok].to_numpy(dtype=object)
    first: dict[object, int] = {}
    for pos, agent in zip(ok, ids, strict=True):
        if agent in first:
            of[pos] = first[agent]
        else:
            first[agent] = int(pos)
    return of


def _duplicate_reasons(b: Batch, positions: np.ndarray) -> list[str]:
    """Why each of these duplicate rows is one: the line it repeats, or already stored."""
    if not len(positions):
        return []
    roster = b.plan.duplicate_of is None
    of = _roster_duplicate_of(b.checked) if roster else b.plan.duplicate_of
    named = [quote_label(b.mapping[k]) for k in b.spec.key if b.mapping.get(k)]
    key = " and ".join(named) if named else "answers"
    out = []
    if b.spec.kind == "obstacles":  # a row repeating the state before it
        for pos in positions:
            first = int(of[pos])
            out.append(
                f"the same obstacle as line {int(b.raw.line_no[first])}: nothing changed"
                if first >= 0
                else "already in the register as it is: nothing changed"
            )
        return out
    for pos in positions:
        first = int(of[pos])
        if first >= 0:
            out.append(f"same {key} as line {int(b.raw.line_no[first])}")
        elif roster:
            out.append("already in the roster as it is: nothing to change")
        else:
            out.append(f"already stored: a row with the same {key} was loaded before")
    return out
