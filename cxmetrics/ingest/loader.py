"""Read → map → validate → load one file as one batch (one transaction); undo; batch listing.

Steps, each replaceable on its own (vendor layouts, encodings and xlsx plug in at `read_file`
and `canonical.map_columns`):

1. `read_file`: bytes → a frame of strings (every cell as text, nothing converted), the
   header, each row's record number and the file's sha256.
2. `canonical.map_columns`: header names → canonical columns.
3. `canonical.validate`: typed columns + the first rejection reason of each row (vectorised).
4. `plan_batch`: which valid rows are duplicates (in the file or already stored), which
   agents are unknown, what a roster replaces: a read-only step, so a dry run is exact.
5. `write_batch`: facts (streamed to DuckDB from the typed Arrow columns), rejected rows, the
   batch row and the rollups, in the caller's transaction.
"""

from __future__ import annotations

import csv
import io
import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, text

from cxmetrics.config import IngestLimits, load_settings
from cxmetrics.demo import BATCH_ID as DEMO_BATCH
from cxmetrics.ingest import canonical, layouts, sources
from cxmetrics.ingest.canonical import KINDS, UnreadableFile, quote_label
from cxmetrics.store import (
    batches,
    membership,
    register_table,
    rollups,
    schema,
    unregister_table,
)

if TYPE_CHECKING:
    from cxmetrics.store import Store

__all__ = [
    "KINDS",
    "BatchReport",
    "UndoReport",
    "UnreadableFile",
    "list_batches",
    "load_batch",
    "rejected_rows",
    "undo_batch",
    "undo_impact",
]

SAMPLE_SIZE = 20  # (line_no, reason) pairs kept in a report
# Columns the rejected-rows download adds after the file's own (and drops from a file that
# is such a download, loaded again).
DOWNLOAD_COLUMNS = layouts.DOWNLOAD_COLUMNS
LOADED, REJECTED, DUPLICATE = 0, 1, 2
BATCH_TABLES = schema.BATCH_TABLES
AGENT_FIELDS = ("name", "team_id", "email", "hired_on", "active", "nickname")
TEAM_FIELDS = ("name", "supervisor", "supervisor_email", "function")


# ---------------------------------------------------------------- reports


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
    batch_id: str
    kind: str
    removed: int  # rows deleted from fact / roster tables
    restored: int  # roster rows the batch had replaced, put back
    message: str
    moves: list[dict] = field(default_factory=list)  # facts whose team changes back

    def to_dict(self) -> dict:
        return asdict(self)


# ---------------------------------------------------------------- 1. read


@dataclass
class RawTable:
    """A file's data rows as text (header rows split off): nothing trimmed or converted yet."""

    header: list[str]  # source-column labels (question text when there is one)
    data: pd.DataFrame  # columns 0..width-1, str cells, RangeIndex over data rows
    line_no: np.ndarray  # record number of each row in the file (first record = 1)
    sha256: str
    width_errors: dict[int, str] = field(default_factory=dict)  # row position -> reason
    raw_override: dict[int, str] = field(default_factory=dict)  # position -> raw text
    layout: layouts.Layout | None = None
    encoding: str | None = None
    delimiter: str | None = None
    container: str = "csv"
    notes: list[str] = field(default_factory=list)
    complete: bool = True  # False: the head of the file only (inspection)
    rows_estimate: int | None = None

    @property
    def rows(self) -> int:
        """Data rows read (also once `keep_rows` has let the others go)."""
        return len(self.line_no)

    def keep_rows(self, positions: np.ndarray) -> None:
        """Keep the text of these rows only (a checked batch still needs the text of its
        rejected rows, and nothing else); rows keep their positions as labels."""
        self.data = self.data.iloc[positions]

    @property
    def decimal_comma(self) -> bool:
        """Numbers may be written 12,5: delimited text that is not comma-delimited."""
        return self.delimiter is not None and self.delimiter != ","


def _remap(found: dict[int, str], keep: np.ndarray) -> dict[int, str]:
    new_pos = {int(old): new for new, old in enumerate(keep)}
    return {new_pos[p]: v for p, v in found.items() if p in new_pos}


def split_grid(grid: sources.Grid, spec: canonical.KindSpec | None) -> RawTable:
    """Header rows off (as many as the layout has), blank rows and repeated headers out."""
    frame = grid.frame
    if spec is None:
        spec = canonical.spec_for("kpis")  # any non-survey kind: one header row, canonical
    top = frame.iloc[:3].to_numpy(dtype=object).tolist()
    if not top or not any(str(h).strip() for h in top[0]):
        raise UnreadableFile("the first row is empty: the first row must hold the column names")
    layout = layouts.detect_layout(top, spec)
    h = layout.header_rows
    body = frame.iloc[h:].reset_index(drop=True)
    line_no = grid.line_no[h:]
    width_errors = {p - h: r for p, r in grid.width_errors.items() if p >= h}
    raw_override = {p - h: r for p, r in grid.raw_override.items() if p >= h}
    drop = np.zeros(len(body), dtype=bool)
    if len(body):
        # Fully blank records (empty lines, rows of bare delimiters) are not rows, and
        # neither is a header repeated mid-file (exports pasted together).
        first = body[0].str.strip()
        blank = np.array(first == "", dtype=bool)
        for col in body.columns[1:]:
            cand = np.flatnonzero(blank)
            if not len(cand):
                break
            blank[cand] = (body[col].iloc[cand].str.strip() == "").to_numpy(dtype=bool)
        repeated = np.zeros(len(body), dtype=bool)
        for header in layout.header_values:
            header = [str(v).strip() for v in header]
            if not any(header):
                continue
            same = np.array(first == header[0], dtype=bool)
            for col in body.columns[1:]:
                cand = np.flatnonzero(same)
                if not len(cand):
                    break
                value = header[col] if col < len(header) else ""
                same[cand] = (body[col].iloc[cand].str.strip() == value).to_numpy(dtype=bool)
            repeated |= same
        drop = (blank | repeated) & ~np.isin(np.arange(len(body)), list(width_errors))
    if drop.any():
        keep = np.flatnonzero(~drop)
        body = body.iloc[keep].reset_index(drop=True)
        line_no = line_no[keep]
        width_errors = _remap(width_errors, keep)
        raw_override = _remap(raw_override, keep)
    return RawTable(
        header=layout.labels,
        data=body,
        line_no=line_no,
        sha256=grid.sha256,
        width_errors=width_errors,
        raw_override=raw_override,
        layout=layout,
        encoding=grid.encoding,
        delimiter=grid.delimiter,
        container=grid.container,
        notes=list(grid.notes),
        complete=grid.complete,
        rows_estimate=grid.rows_estimate,
    )


def read_file(
    source,
    spec: canonical.KindSpec | None = None,
    *,
    filename: str | None = None,
    limits: IngestLimits = sources.DEFAULT_LIMITS,
) -> RawTable:
    """Read a whole file (path, bytes, binary file object or Source) into data rows of text.

    Raises UnreadableFile (one line) when it cannot be read at all, or holds more than
    `limits` allow.
    """
    if not isinstance(source, sources.Source):
        source = sources.Source(source, filename)
    return split_grid(sources.read_grid(source, limits), spec)


def _cells(raw: RawTable, positions: np.ndarray) -> list[str]:
    """The given rows' cells as read, each row a JSON list (the rejected-rows download)."""
    values = raw.data.loc[positions].to_numpy(dtype=object)
    return [
        json.dumps(["" if v is None else str(v) for v in row], ensure_ascii=False) for row in values
    ]


def _raw_lines(raw: RawTable, positions: np.ndarray) -> list[str]:
    """The given rows as they were read, re-encoded as CSV lines."""
    out = []
    values = raw.data.loc[positions].to_numpy(dtype=object)
    for pos, row in zip(positions, values, strict=True):
        override = raw.raw_override.get(int(pos))
        if override is not None:
            out.append(override)
            continue
        buf = io.StringIO()
        csv.writer(buf, lineterminator="").writerow(["" if v is None else v for v in row])
        out.append(buf.getvalue())
    return out


# ---------------------------------------------------------------- 4. plan


@dataclass
class Plan:
    status: np.ndarray  # LOADED / REJECTED / DUPLICATE per row
    rows: pd.DataFrame | None  # roster: merged agents to (re)insert
    table: pa.Table | None = None  # facts: every row typed, in file order (LOADED ones go in)
    unknown_agents: list[str] = field(default_factory=list)
    replaced_agents: list[str] = field(default_factory=list)
    teams: pd.DataFrame | None = None  # roster: merged team rows to (re)insert
    replaced_teams: list[str] = field(default_factory=list)
    demo_giving_way: int = 0  # facts: demo rows with the key of a loaded row (replaced)
    # roster: each written agent's team change (agent_id, team_id, effective_from,
    # loaded_on) and what it does to facts already stored
    changes: pa.Table | None = None
    restated: membership.Restatement | None = None
    # Facts: per row, the position of the first row with the same key (-1: already stored).
    duplicate_of: np.ndarray | None = None


def _arrow(frame: pd.DataFrame, dates: tuple[str, ...] = ()) -> pa.Table:
    table = pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)
    for i, name in enumerate(table.column_names):
        typ = table.schema.field(i).type
        if name in dates:
            table = table.set_column(i, name, table.column(i).cast(pa.date32()))
        elif pa.types.is_timestamp(typ):
            table = table.set_column(i, name, table.column(i).cast(pa.timestamp("us")))
        elif pa.types.is_null(typ):
            table = table.set_column(i, name, table.column(i).cast(pa.string()))
    return table


ROW_GROUP = 122_880  # rows per DuckDB row group
BATCH_BYTES = 64 << 20  # most bytes of one batch handed to DuckDB (rows of long comments)


def _in_row_groups(table: pa.Table) -> pa.RecordBatchReader:
    """The table as a stream of row-group-sized batches, built one at a time.

    DuckDB's insertion-ordered INSERT is quickest fed whole row groups; the reader's chunks
    follow how the file was read (about 100 k rows), and re-cutting the whole table at once
    would copy it. A batch of long rows (comments of thousands of characters) is cut smaller,
    so that no more than BATCH_BYTES are copied at a time.
    """
    row_bytes = table.nbytes / max(table.num_rows, 1)
    step = max(1_024, min(ROW_GROUP, int(BATCH_BYTES / max(row_bytes, 1))))

    def batches():
        for start in range(0, table.num_rows, step):
            part = table.slice(start, step)
            yield pa.RecordBatch.from_arrays(
                [c.chunk(0) if c.num_chunks == 1 else c.combine_chunks() for c in part.columns],
                schema=table.schema,
            )

    return pa.RecordBatchReader.from_batches(table.schema, batches())


class _Registered:
    """Register in-memory tables on a connection for the duration of a block."""

    def __init__(self, conn: Connection):
        self.conn, self.names = conn, []

    def __call__(self, name: str, table) -> str:
        register_table(self.conn, name, table)
        self.names.append(name)
        return name

    def __enter__(self):
        return self

    def drop(self, name: str) -> None:
        unregister_table(self.conn, name)
        self.names.remove(name)

    def __exit__(self, *exc):
        for name in self.names:
            unregister_table(self.conn, name)


def _date_columns(spec: canonical.KindSpec) -> tuple[str, ...]:
    return tuple(c.name for c in spec.columns if c.type == "date")


def _key_match(spec: canonical.KindSpec, left: str, right: str) -> str:
    """SQL matching `left` and `right` on the kind's key (a missing optional part matches a
    missing one)."""
    nullable = {c.name for c in spec.columns if not c.not_null}
    return " AND ".join(
        f"{left}.{k} IS NOT DISTINCT FROM {right}.{k}"
        if k in nullable
        else f"{left}.{k} = {right}.{k}"
        for k in spec.key
    )


def _plan_facts(conn: Connection, spec: canonical.KindSpec, checked: canonical.Validated) -> Plan:
    ok = checked.ok
    status = np.where(ok, LOADED, REJECTED).astype(np.int8)
    table = _arrow(checked.frame[spec.names], _date_columns(spec))
    plan = Plan(status=status, rows=None, table=table)
    plan.duplicate_of = np.full(len(status), -1, dtype=np.int64)
    if not ok.any():
        return plan
    key = ", ".join(spec.key)
    keys = table.select(list(spec.key))
    keys = keys.append_column("row_pos", pa.array(np.arange(len(status), dtype=np.int64)))
    keys = keys.append_column("ok", pa.array(ok))
    # Only fixed names (the kind's table and key columns) are formatted into the SQL.
    match = _key_match(spec, "c", "d")
    in_file = (
        f"WITH c AS (SELECT row_pos, {key} FROM cx_incoming_keys WHERE ok), "  # noqa: S608
        f"d AS (SELECT {key}, min(row_pos) AS first_pos FROM c GROUP BY {key} "
        f"HAVING count(*) > 1) SELECT c.row_pos, d.first_pos FROM c JOIN d ON {match} "
        "WHERE c.row_pos <> d.first_pos"
    )
    # Demo rows never shadow real ones: a key held only by the demo is loaded, and the demo
    # row gives way to it when the batch is written.
    stored = (
        "SELECT i.row_pos, -1 FROM cx_incoming_keys i WHERE i.ok AND EXISTS "  # noqa: S608
        f"(SELECT 1 FROM {spec.table} t WHERE {_key_match(spec, 't', 'i')} "
        "AND t.batch_id <> :demo)"
    )
    # As many distinct key hashes as rows: no key is repeated (a hash collision only costs
    # the exact query).
    distinct = f"SELECT count(*) = count(DISTINCT hash({key})) FROM cx_incoming_keys WHERE ok"  # noqa: S608
    with _Registered(conn) as reg:
        reg("cx_incoming_keys", keys)
        # A key stored already makes every row of it a duplicate; a key repeated in the file,
        # every row of it after the first.
        repeated = not conn.execute(text(distinct)).scalar_one()
        for sql in (in_file, stored) if repeated else (stored,):
            found = conn.execute(text(sql), {"demo": DEMO_BATCH}).all()
            found = np.asarray(found, dtype=np.int64).reshape(-1, 2)
            status[found[:, 0]] = DUPLICATE
            plan.duplicate_of[found[:, 0]] = found[:, 1]
    plan.demo_giving_way = _demo_giving_way(conn, spec, keys.drop_columns(["ok"]), status)
    if "agent_id" in table.column_names:
        agents = pa.table({"agent_id": table["agent_id"], "loaded": pa.array(status == LOADED)})
        with _Registered(conn) as reg:
            reg("cx_incoming_agents", agents)
            plan.unknown_agents = sorted(
                conn.execute(
                    text(
                        "SELECT DISTINCT i.agent_id FROM cx_incoming_agents i "
                        "WHERE i.loaded AND i.agent_id IS NOT NULL AND NOT EXISTS "
                        "(SELECT 1 FROM agents a WHERE a.agent_id = i.agent_id)"
                    )
                )
                .scalars()
                .all()
            )
    return plan


def _demo_rows_matching(spec: canonical.KindSpec, incoming: str) -> str:
    """WHERE clause (on `spec.table` as t) for demo rows keyed like a loaded row of
    `incoming` (a registered table with a `cx_status` column)."""
    # Only fixed names (the kind's key columns and a registered table's name) are formatted.
    return (
        f"t.batch_id = :demo AND EXISTS (SELECT 1 FROM {incoming} i "  # noqa: S608
        f"WHERE i.cx_status = :loaded AND {_key_match(spec, 't', 'i')})"
    )


def _demo_giving_way(
    conn: Connection, spec: canonical.KindSpec, keys: pa.Table, status: np.ndarray
) -> int:
    """How many demo rows hold the key of a row this batch loads (they will give way)."""
    demo_rows = conn.execute(
        text(f"SELECT count(*) FROM {spec.table} WHERE batch_id = :demo"),  # noqa: S608
        {"demo": DEMO_BATCH},
    ).scalar_one()
    if not demo_rows or not (status == LOADED).any():
        return 0
    keys = keys.append_column("cx_status", pa.array(status))
    with _Registered(conn) as reg:
        reg("cx_incoming_status", keys)
        return conn.execute(
            text(
                f"SELECT count(*) FROM {spec.table} t "  # noqa: S608
                f"WHERE {_demo_rows_matching(spec, 'cx_incoming_status')}"
            ),
            {"demo": DEMO_BATCH, "loaded": LOADED},
        ).scalar_one()


def _replace_demo_rows(conn: Connection, b: Batch) -> tuple | None:
    """Delete the demo rows that give way to this batch's rows (registered as
    `cx_incoming`); returns the local date span they covered in the rollup source."""
    spec = b.spec
    where = _demo_rows_matching(spec, "cx_incoming")
    params = {"demo": DEMO_BATCH, "loaded": LOADED}
    span = None
    if spec.rollup:
        day = rollups.FACT_DATE[spec.rollup]
        lo, hi = conn.execute(
            text(f"SELECT min({day}), max({day}) FROM {spec.table} t WHERE {where}"),  # noqa: S608
            params,
        ).one()
        span = None if lo is None else (lo, hi)
    conn.execute(text(f"DELETE FROM {spec.table} t WHERE {where}"), params)  # noqa: S608
    return span


def _comparable(values: pd.Series) -> pd.Series:
    """Values as nullable strings, so file and store versions compare equal when equal."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.strftime("%Y-%m-%d").astype("string")
    if values.dtype == object and values.map(lambda v: hasattr(v, "isoformat")).any():
        return pd.to_datetime(values).dt.strftime("%Y-%m-%d").astype("string")
    return values.astype("string")


def _changed(new: pd.DataFrame, old: pd.DataFrame, fields: tuple[str, ...]) -> np.ndarray:
    """Per row: does `new` differ from `old` (same index) in any field?"""
    diff = np.zeros(len(new), dtype=bool)
    for f in fields:
        a, b = _comparable(new[f]), _comparable(old[f])
        same = (a == b).fillna(False) | (a.isna() & b.isna())
        diff |= ~same.to_numpy(dtype=bool)
    return diff


def _existing(conn: Connection, sql: str, ids: list[str], columns: list[str]) -> pd.DataFrame:
    if not ids:
        return pd.DataFrame(columns=columns)
    with _Registered(conn) as reg:
        reg("cx_roster_ids", pa.table({"id": pa.array(ids, pa.string())}))
        result = conn.execute(text(sql))
        return pd.DataFrame(result.fetchall(), columns=columns)


def _against_stored(
    conn: Connection,
    table: str,
    key: str,
    fields: tuple[str, ...],
    new: pd.DataFrame,
    defaults: Mapping[str, object] | None = None,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Roster rows (indexed by `key`) merged with what `table` stores for them (then
    `defaults` for what is still empty): the merged rows, and per row whether it was stored
    already and whether it differs from what is stored."""
    columns = [key, *fields]
    old = _existing(
        conn,
        f"SELECT {', '.join(columns)} FROM {table} "  # noqa: S608 - fixed names
        f"WHERE {key} IN (SELECT id FROM cx_roster_ids)",
        list(new.index),
        columns,
    )
    old = old.drop_duplicates(key, keep="last").set_index(key)
    merged = _merge(new, old, fields)
    for name, value in (defaults or {}).items():
        merged[name] = merged[name].where(merged[name].notna(), value)
    known = merged.index.isin(old.index)
    return merged, known, ~known | _changed(merged, old.reindex(merged.index), fields)


def _merge(new: pd.DataFrame, old: pd.DataFrame, fields: tuple[str, ...]) -> pd.DataFrame:
    """A value given in the file wins; an empty one keeps what the store has."""
    merged = new.copy()
    for f in fields:
        stored = old[f].reindex(new.index)
        if pd.api.types.is_datetime64_any_dtype(new[f]):
            stored = pd.to_datetime(stored).astype("datetime64[us]")
            merged[f] = new[f].where(new[f].notna(), stored)
        else:
            merged[f] = new[f].astype(object).where(new[f].notna(), stored.astype(object))
    return merged


def _team_changes(agents: pd.DataFrame, effective: pd.Series, today: date) -> pa.Table:
    """The team change each merged agent row states (rows with a team only)."""
    teamed = agents[agents["team_id"].notna()]
    when = pd.to_datetime(effective.reindex(teamed.index)).astype("datetime64[us]")
    return pa.table(
        {
            "batch_id": pa.nulls(len(teamed), pa.string()),
            "seq": pa.array(np.arange(len(teamed), dtype=np.int64)),
            "agent_id": pa.array(teamed.index.astype(str).tolist(), pa.string()),
            "team_id": pa.array(teamed["team_id"].astype(str).tolist(), pa.string()),
            "effective_from": pa.array(when, from_pandas=True).cast(pa.date32()),
            "loaded_on": pa.array([today] * len(teamed), pa.date32()),
        }
    )


def _restated(conn: Connection, changes: pa.Table, seq_from: int) -> membership.Restatement:
    """What the team changes (numbered from `seq_from`, in row order) do to stored facts."""
    numbered = changes.set_column(
        changes.schema.get_field_index("seq"),
        "seq",
        pa.array(np.arange(changes.num_rows, dtype=np.int64) + seq_from),
    )
    with _Registered(conn) as reg:
        reg("cx_roster_agents", numbered.select(["agent_id"]))
        reg("cx_roster_changes", numbered)
        return membership.restatement(conn, "cx_roster_agents", extra="cx_roster_changes")


def _plan_roster(conn: Connection, checked: canonical.Validated, today: date) -> Plan:
    frame = checked.frame
    status = np.where(checked.ok, LOADED, REJECTED)
    cand = np.flatnonzero(checked.ok)
    in_file = frame.iloc[cand]["agent_id"].duplicated(keep="first").to_numpy()
    status[cand[in_file]] = DUPLICATE
    cand = cand[~in_file]
    rows = frame.iloc[cand].rename(columns={"agent_name": "name"})
    rows.index = cand

    # Teams: one row per team_id, its first non-empty name / supervisor / function.
    team_rows = rows[rows["team_id"].notna()]
    teams = (
        team_rows.rename(columns={"name": "agent_name", "team_name": "name"})
        .groupby("team_id", sort=False)[list(TEAM_FIELDS)]
        .first()
    )
    teams, known_team, team_diff = _against_stored(conn, "teams", "team_id", TEAM_FIELDS, teams)
    touched_teams = set(teams.index[team_diff])
    replaced_teams = list(teams.index[team_diff & known_team])

    # Agents: a value in the file wins, an empty one keeps the stored value.
    by_agent = rows.set_index("agent_id")
    agents, known_agent, agent_diff = _against_stored(
        conn,
        "agents",
        "agent_id",
        AGENT_FIELDS,
        by_agent[list(AGENT_FIELDS)],
        defaults={"active": True},
    )
    agents["active"] = agents["active"].astype(bool)

    # Team history: a row whose team (from its date on) is not what the history already
    # says loads even when every other field is the same (a correction).
    effective = by_agent["effective_from"]
    seq_from = membership.next_seq(conn)
    everyone = _team_changes(agents, effective, today)
    restated = _restated(conn, everyone, seq_from) if everyone.num_rows else None
    history_diff = agents.index.isin(restated.changed if restated else [])
    write = agent_diff | history_diff
    team_touch = agents["team_id"].isin(touched_teams).to_numpy()
    status[cand[~write & ~team_touch]] = DUPLICATE

    # The changes of rows written for another reason (a new name, say) move no fact, so
    # what `everyone` restates is what the written rows restate.
    changes = _team_changes(agents[write], effective, today)
    return Plan(
        status=status,
        rows=agents[write].reset_index(),
        replaced_agents=list(agents.index[write & known_agent]),
        teams=teams[team_diff].reset_index(),
        replaced_teams=replaced_teams,
        changes=changes,
        restated=restated,
    )


def plan_batch(
    conn: Connection,
    spec: canonical.KindSpec,
    checked: canonical.Validated,
    *,
    today: date | None = None,
) -> Plan:
    """Decide each row's fate against the store (reads only). `today`: the load's local
    date, from which a roster row without `effective_from` takes effect."""
    if spec.kind == "roster":
        return _plan_roster(conn, checked, today or date.today())
    return _plan_facts(conn, spec, checked)


# ---------------------------------------------------------------- 5. write


@dataclass
class Batch:
    """Everything needed to write one batch."""

    batch_id: str
    spec: canonical.KindSpec
    raw: RawTable
    checked: canonical.Validated
    plan: Plan
    filename: str
    uploaded_by: str | None
    uploaded_at: datetime
    ignored: list[str] = field(default_factory=list)  # header names not used
    layout: str = "canonical"
    mapping: dict[str, str | None] = field(default_factory=dict)  # canonical -> source label
    warnings: list[str] = field(default_factory=list)
    download_header: list[str] = field(default_factory=list)  # rejected rows' header row
    timezone: str | None = None  # zone of times without an offset (None: no times)
    time_note: str = ""  # the report's sentence about it

    @property
    def counts(self) -> tuple[int, int, int, int]:
        s = self.plan.status
        return (
            len(s),
            int((s == LOADED).sum()),
            int((s == REJECTED).sum()),
            int((s == DUPLICATE).sum()),
        )


def _write_roster(conn: Connection, b: Batch) -> None:
    plan, params = b.plan, {"b": b.batch_id}
    with _Registered(conn) as reg:
        reg("cx_replaced_agents", pa.table({"id": pa.array(plan.replaced_agents, pa.string())}))
        reg("cx_replaced_teams", pa.table({"id": pa.array(plan.replaced_teams, pa.string())}))
        conn.execute(
            text(
                "INSERT INTO roster_replaced (batch_id, entity, key, name, team_id, email, "
                "hired_on, active, nickname, prior_batch_id) "
                "SELECT :b, 'agent', agent_id, name, team_id, email, hired_on, active, nickname, "
                "batch_id FROM agents WHERE agent_id IN (SELECT id FROM cx_replaced_agents)"
            ),
            params,
        )
        conn.execute(
            text(
                "INSERT INTO roster_replaced (batch_id, entity, key, name, supervisor, "
                "supervisor_email, function, prior_batch_id) "
                "SELECT :b, 'team', team_id, name, supervisor, supervisor_email, function, "
                "batch_id FROM teams WHERE team_id IN (SELECT id FROM cx_replaced_teams)"
            ),
            params,
        )
        conn.execute(
            text("DELETE FROM agents WHERE agent_id IN (SELECT id FROM cx_replaced_agents)")
        )
        conn.execute(text("DELETE FROM teams WHERE team_id IN (SELECT id FROM cx_replaced_teams)"))
        agents = plan.rows[["agent_id", *AGENT_FIELDS]].copy()
        agents["hired_on"] = pd.to_datetime(agents["hired_on"]).astype("datetime64[us]")
        for col in ("agent_id", "name", "team_id", "email", "nickname"):
            agents[col] = agents[col].astype("str")
        reg("cx_new_agents", _arrow(agents, ("hired_on",)))
        conn.execute(
            text(
                "INSERT INTO agents (agent_id, name, team_id, email, hired_on, active, nickname, "
                "batch_id) SELECT agent_id, name, team_id, email, hired_on, active, nickname, :b "
                "FROM cx_new_agents"
            ),
            params,
        )
        teams = plan.teams[["team_id", *TEAM_FIELDS]].astype("str")
        reg("cx_new_teams", _arrow(teams))
        conn.execute(
            text(
                "INSERT INTO teams (team_id, name, supervisor, supervisor_email, function, "
                "batch_id) SELECT team_id, name, supervisor, supervisor_email, function, :b "
                "FROM cx_new_teams"
            ),
            params,
        )
        # Every agent row written states its team (from its date on): kept in load order,
        # then the history of those agents is replayed and the team rows of the dates
        # whose facts change team are rewritten.
        if plan.changes is not None and plan.changes.num_rows:
            reg("cx_team_changes", plan.changes)
            conn.execute(
                text(
                    "INSERT INTO agent_team_changes (batch_id, seq, agent_id, team_id, "
                    "effective_from, loaded_on) SELECT :b, :seq + seq, agent_id, team_id, "
                    "effective_from, loaded_on FROM cx_team_changes"
                ),
                {**params, "seq": membership.next_seq(conn)},
            )
            membership.replay(conn, "cx_team_changes")
    if plan.restated is not None:
        rollups.refresh_teams(conn, plan.restated.spans)


def write_batch(conn: Connection, b: Batch, settings, progress=None) -> None:
    """Write a planned batch inside the caller's transaction (facts, rejects, batch, rollups).

    progress(fraction, message), when given, is told as each part is written."""
    tell = progress or (lambda fraction, message: None)
    rows_in, loaded, rejected, duplicates = b.counts
    if rows_in != loaded + rejected + duplicates or rows_in != b.raw.rows:
        raise RuntimeError(
            f"internal error: {rows_in} rows in but {loaded} loaded + {rejected} rejected + "
            f"{duplicates} duplicates; nothing was written"
        )
    params = {"b": b.batch_id}
    spec = b.spec
    tell(0.65, f"writing {_plural(loaded, 'row')}")
    demo_span = None
    with _Registered(conn) as reg:
        if spec.kind == "roster":
            _write_roster(conn, b)
        elif loaded:
            assert b.plan.table is not None
            incoming = b.plan.table.append_column("cx_status", pa.array(b.plan.status))
            if b.plan.demo_giving_way:
                reg("cx_incoming", incoming)
                demo_span = _replace_demo_rows(conn, b)
                reg.drop("cx_incoming")
            reg("cx_incoming", _in_row_groups(incoming))
            names = ", ".join(spec.names)
            conn.execute(
                text(
                    f"INSERT INTO {spec.table} ({names}, batch_id) "  # noqa: S608 - fixed names
                    f"SELECT {names}, :b FROM cx_incoming WHERE cx_status = :loaded"
                ),
                {**params, "loaded": LOADED},
            )
        bad = np.flatnonzero(b.plan.status == REJECTED)
        if len(bad):
            rejects = pd.DataFrame(
                {
                    "line_no": b.raw.line_no[bad].astype("int32"),
                    "reason": b.checked.errors.reason[bad].astype(str),
                    "raw": _raw_lines(b.raw, bad),
                    "cells": _cells(b.raw, bad),
                }
            )
            reg("cx_rejects", _arrow(rejects))
            conn.execute(
                text(
                    "INSERT INTO rejected_rows (batch_id, line_no, reason, raw, cells) "
                    "SELECT :b, line_no, reason, raw, cells FROM cx_rejects"
                ),
                params,
            )
    conn.execute(
        text("INSERT INTO batch_columns (batch_id, labels) VALUES (:b, :labels)"),
        {"b": b.batch_id, "labels": json.dumps(b.download_header, ensure_ascii=False)},
    )
    batches.record_batch(
        conn,
        batch_id=b.batch_id,
        kind=spec.kind,
        filename=b.filename,
        sha256=b.raw.sha256,
        uploaded_by=b.uploaded_by,
        uploaded_at=b.uploaded_at,
        rows_in=rows_in,
        loaded=loaded,
        rejected=rejected,
        duplicates=duplicates,
    )
    if spec.rollup:
        tell(0.85, "writing: updating the daily rollups")
        span = rollups.batch_dates(conn, spec.rollup, b.batch_id)
        if span and demo_span:
            span = (min(span[0], demo_span[0]), max(span[1], demo_span[1]))
        if span:
            rollups.refresh(conn, spec.rollup, span[0], span[1], settings)


# ---------------------------------------------------------------- load_batch


def _new_batch_id(conn: Connection) -> str:
    while True:
        candidate = datetime.now(UTC).strftime("b%Y%m%d-%H%M%S-") + secrets.token_hex(2)
        taken = conn.execute(
            text("SELECT count(*) FROM upload_batches WHERE batch_id = :b"), {"b": candidate}
        ).scalar_one()
        if not taken:
            return candidate


def _earlier(conn: Connection, sha: str, kind: str):
    # Results are always read to the end: DuckDB refuses other work on a connection with
    # an unfinished result.
    rows = conn.execute(
        text(
            "SELECT batch_id, uploaded_at FROM upload_batches "
            "WHERE sha256 = :sha AND kind = :kind AND status = 'committed' "
            "ORDER BY uploaded_at LIMIT 1"
        ),
        {"sha": sha, "kind": kind},
    ).all()
    return rows[0] if rows else None


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _already(kind, filename, raw, prep, earlier) -> BatchReport:
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
            f"loaded ({_plural(n, 'row')} counted as duplicates); undo that batch to load it again"
        ),
        ignored_columns=prep.mapping.ignored,
        layout=_about(prep)[0],
        mapping=prep.labels,
        warnings=prep.warnings,
        timezone=prep.timezone,
    )


def _report(b: Batch, status: str) -> BatchReport:
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
        f"{loaded} of {_plural(rows_in, 'row')}; {rejected} rejected; "
        f"{_plural(duplicates, 'duplicate')}"
    )
    if status == "dry_run":
        message = f"dry run: would load {counts}; nothing written"
    else:
        message = f"loaded {counts}"
    moves = b.plan.restated.moves if b.plan.restated is not None else []
    warnings = list(b.warnings) + _move_lines(moves)
    if b.plan.demo_giving_way:
        warnings.append(
            f"{_plural(b.plan.demo_giving_way, 'demo row')} with the same key as rows of this "
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


def _move_lines(moves: list[membership.Move]) -> list[str]:
    """Report lines for facts whose team changes (a roster dated in the past restates)."""
    lines = [f"team numbers restated: {m.describe()}" for m in moves[:MOVES_SHOWN]]
    if len(moves) > MOVES_SHOWN:
        lines.append(f"… and {_plural(len(moves) - MOVES_SHOWN, 'more move')} of facts")
    return lines


def _roster_duplicate_of(checked: canonical.Validated) -> np.ndarray:
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
    for pos in positions:
        first = int(of[pos])
        if first >= 0:
            out.append(f"same {key} as line {int(b.raw.line_no[first])}")
        elif roster:
            out.append("already in the roster as it is: nothing to change")
        else:
            out.append(f"already stored: a row with the same {key} was loaded before")
    return out


# ---------------------------------------------------------------- 2. layout and mapping


@dataclass
class Prepared:
    """A read file with its layout and mapping settled (what inspection and load share)."""

    spec: canonical.KindSpec
    raw: RawTable
    positions: dict[str, int | None]  # canonical -> source position (None: not mapped)
    mapping: canonical.Mapping | None  # None when a required column has no source
    dayfirst: bool | None  # the day/month order in force (None: the file settles it)
    order_from: str | None  # "you" | "template" | "layout" | None
    warnings: list[str]
    roster: layouts.Roster | None
    problem: str | None = None  # why the file cannot load with this mapping
    zones: dict[str, ZoneInfo] = field(default_factory=dict)  # canonical -> zone of naive times
    timezone: str | None = None  # the zone times without an offset are read in
    time_note: str = ""  # what the report says about it

    @property
    def labels(self) -> dict[str, str | None]:
        return layouts.labels_of(self.raw.layout, self.positions)


def read_roster(store: Store | None, spec: canonical.KindSpec) -> layouts.Roster | None:
    """The store's agents and teams, to turn names and e-mails in a file into ids."""
    if store is None or spec.kind == "roster" or "agent_id" not in spec.names:
        return None
    agents = store.frame("SELECT agent_id, name, email, nickname FROM agents")
    teams = store.frame("SELECT team_id, name FROM teams")
    return layouts.Roster.from_frames(agents, teams)


def template_for(store: Store | None, template: str | None, kind: str) -> tuple[dict | None, dict]:
    """A saved template's mapping and options (checked to be for this kind)."""
    if template is None:
        return None, {}
    if store is None:
        raise ValueError("a template is read from the store: pass the store with the template")
    from cxmetrics.ingest.templates import get_template

    saved = get_template(store, template)
    if saved["kind"] != kind:
        raise ValueError(
            f"template `{template}` maps {saved['kind']} files, not {kind}: choose a "
            f"{kind} template or load the file as {saved['kind']}"
        )
    return saved["mapping"], saved["options"] or {}


def prepare(
    store: Store | None,
    spec: canonical.KindSpec,
    raw: RawTable,
    *,
    mapping: dict[str, str | None] | None = None,
    dayfirst: bool | None = None,
    options: dict | None = None,
    strict: bool = True,
) -> Prepared:
    """Settle the mapping (given, else detected) and the day/month order.

    strict (loading): raise UnreadableFile when the mapping cannot load the file; else
    (inspection) say why in `problem` and the warnings.
    """
    layout = raw.layout
    assert layout is not None
    options = options or {}
    roster = read_roster(store, spec)
    warnings = list(raw.notes)
    conflicts: list[str] = []
    if mapping is not None:
        missing: list[str] | None = None if strict else []
        positions = layouts.resolve_mapping(spec, layout, mapping, missing=missing)
        warnings += missing or []
    else:
        found = layouts.detect_mapping(spec, layout, raw.data.iloc[: layouts.SAMPLE_ROWS], roster)
        positions, conflicts = found.mapping, found.conflicts
        warnings += [f"guessed {note}" for note in found.notes]
    problem = conflicts[0] if conflicts else None
    checked_map = None
    try:
        checked_map = canonical.checked_mapping(
            spec, positions, layout.labels, explicit=mapping is not None
        )
    except UnreadableFile as exc:
        problem = problem or str(exc)
    problem = problem or _unnamed_problem(layout, raw.data, positions)
    if problem and strict:
        raise UnreadableFile(problem)
    if problem:
        warnings.append(problem)
    if dayfirst is not None:
        order, order_from = dayfirst, "you"
    elif options.get("dayfirst") is not None:
        order, order_from = bool(options["dayfirst"]), "template"
    elif layout.dayfirst is not None:
        order, order_from = layout.dayfirst, "layout"
        vendor = {"surveymonkey": "SurveyMonkey"}.get(layout.name, layout.label)
        warnings.append(
            f"dates are read {'day' if order else 'month'}-first, as {vendor} writes them"
        )
    else:
        order, order_from = None, None
    business = (store.settings if store is not None else load_settings()).timezone
    zones, timezone, time_note = _time_zones(spec, layout, positions, business)
    return Prepared(
        spec, raw, positions, checked_map, order, order_from, warnings, roster, problem,
        zones, timezone, time_note,
    )  # fmt: skip


def _unnamed_problem(
    layout: layouts.Layout, data: pd.DataFrame, positions: dict[str, int | None]
) -> str | None:
    """Why the file cannot load as mapped: a column holds values but has no header and is
    not mapped (it would be dropped without a word)."""
    used = {p for p in positions.values() if p is not None}
    letters = []
    for pos in layout.unnamed:
        if pos in used or pos not in data.columns:
            continue
        cells = pc.utf8_trim_whitespace(pa.array(data[pos].array, pa.large_string()))
        if pc.any(pc.not_equal(cells, "")).as_py():
            letters.append(layouts.column_letter(pos))
    if not letters:
        return None
    if len(letters) == 1:
        return (
            f"column {letters[0]} has values but no header: name it in the file's first row, "
            "or map it to a column"
        )
    shown = ", ".join(letters[:-1]) + f" and {letters[-1]}"
    return (
        f"columns {shown} have values but no header: name them in the file's first row, or "
        "map them to columns"
    )


def _time_zones(
    spec: canonical.KindSpec,
    layout: layouts.Layout,
    positions: dict[str, int | None],
    business: str,
) -> tuple[dict[str, ZoneInfo], str | None, str]:
    """The zone of each timestamp column's times without an offset (its own, when the file
    says one), the zone the report names and its sentence about it."""
    stamps = {
        c.name: pos
        for c in spec.columns
        if c.type == "timestamp" and (pos := positions.get(c.name)) is not None
    }
    if not stamps:
        return {}, None, ""
    own = {name: zone for name, pos in stamps.items() if (zone := layout.zone(pos))}
    zones = {name: ZoneInfo(zone) for name, zone in own.items() if zone != business}
    zone = own.get(next(iter(stamps)))
    if zone is None:
        return (
            zones,
            business,
            f"times without an offset read as {business} (the business time zone)",
        )
    note = f"times without an offset read as {zone} (the file's own time zone)"
    if zone != business:
        note += f", converted to {business}"
    return zones, zone, note


# ---------------------------------------------------------------- 3. validate


def validate_file(
    store: Store,
    spec: canonical.KindSpec,
    raw: RawTable,
    mapping,
    dayfirst,
    *,
    roster: layouts.Roster | None = None,
    notes: list[str] | None = None,
    zones: dict[str, ZoneInfo] | None = None,
):
    """Step 3 for a read file: typed columns and each row's first problem.

    Rows the layout excludes (Qualtrics previews, tests, unfinished responses) are rejected
    first, then rows with a zero byte in a cell; agent and team names or e-mails that match
    the roster become their ids. zones: the time zone of a timestamp column's times without
    an offset, when the file says it (converted to the business zone).
    """
    tz = store.settings.tz
    now = datetime.now(tz).replace(tzinfo=None)
    errors = canonical.Errors(len(raw.data))
    layout = raw.layout
    if raw.width_errors:
        pos = np.fromiter(raw.width_errors, dtype=np.int64)
        broken = np.array([raw.width_errors[p] == sources.BROKEN_QUOTE for p in pos], dtype=bool)
        for group, rows in (
            ("unclosed quote", pos[broken]),
            ("wrong number of values", pos[~broken]),
        ):
            mask = np.zeros(len(raw.data), dtype=bool)
            mask[rows] = True
            errors.add(mask, group, lambda i: [raw.width_errors[int(p)] for p in i])
    if layout is not None:
        layouts.layout_rejections(layout, raw.data, errors, spec.kind)
    _reject_zero_bytes(raw, errors)
    columns = {name: raw.data[p] for name, p in mapping.columns.items()}
    if not columns:  # pragma: no cover - checked_mapping insists on required columns
        raise UnreadableFile("no known column in the header")
    labels = {name: raw.header[p] for name, p in mapping.columns.items()}
    checked = canonical.validate(
        spec,
        columns,
        tz=tz,
        now=now,
        dayfirst=dayfirst,
        errors=errors,
        decimal_comma=raw.decimal_comma,
        labels=labels,
        zones=zones,
    )
    if roster is not None:
        frame = checked.frame
        matched = 0
        if "agent_id" in columns:
            frame["agent_id"], count = layouts.translate(
                frame["agent_id"], roster.agent_ids, roster.agent_keys
            )
            matched += count
        if "team_id" in columns:
            frame["team_id"], count = layouts.translate(
                frame["team_id"], roster.team_ids, roster.team_keys
            )
            matched += count
        if matched and notes is not None:
            notes.append(
                f"{_plural(matched, 'agent or team name')} (or e-mail) matched to ids from the "
                "roster"
            )
    if spec.kind == "surveys":
        canonical.fill_response_ids(checked.frame, checked.ok)
    return checked


def _reject_zero_bytes(raw: RawTable, errors: canonical.Errors) -> None:
    """Reject each row with a zero byte (NUL) in any of its cells: a stray one is a damaged
    cell, not a reason to refuse the file."""
    for pos in raw.data.columns:
        cells = pa.array(raw.data[pos].array, pa.large_string())
        hit = pc.match_substring(cells, "\x00")
        if not pc.any(hit).as_py():
            continue
        label = quote_label(raw.header[pos])
        errors.add(
            hit.fill_null(False).to_numpy(zero_copy_only=False),
            "zero byte (NUL) in a cell",
            f"{label} holds a zero byte (NUL, an invisible control character): delete it from "
            "the cell, or export the file again",
        )


class _Progress:
    """Calls the caller's progress function with a fraction that never goes back."""

    def __init__(self, fn):
        self.fn, self.last = fn, 0.0

    def __call__(self, fraction: float, message: str) -> None:
        if self.fn is None:
            return
        self.last = min(1.0, max(self.last, fraction))
        self.fn(self.last, message)


def load_batch(
    store: Store,
    kind: str,
    source,
    *,
    mapping: dict[str, str | None] | None = None,
    template: str | None = None,
    dry_run: bool = False,
    dayfirst: bool | None = None,
    uploaded_by: str | None = None,
    filename: str | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> BatchReport:
    """Load one file of `kind` as one batch (one transaction) and say what became of every row.

    source: a path, bytes or a binary file object (.csv with any delimiter and encoding,
    .csv.gz, .xlsx). mapping: canonical column -> source column (as `inspect_file` lists
    them), overriding detection; template: a saved mapping (and its options) by name.
    dayfirst: True reads 03/04/2026 as 3 April, False as March 4, None leaves it to the
    template, the layout or the file (ambiguous rows are rejected). progress(fraction,
    message) is called at each stage (read, validate, write).

    Raises UnreadableFile (nothing written) when the file cannot be read at all, ValueError
    for an unknown kind or template.
    """
    spec = canonical.spec_for(kind)
    tell = _Progress(progress)
    saved, options = template_for(store, template, kind)
    if mapping is None:
        mapping = saved
    tell(0.0, "reading the file")
    src = sources.Source(source, filename)
    raw = read_file(src, spec, limits=store.settings.ingest)
    prep = prepare(store, spec, raw, mapping=mapping, dayfirst=dayfirst, options=options)
    filename = src.name
    label = raw.layout.label if raw.layout else "canonical columns"
    with store.reading() as conn:
        earlier = _earlier(conn, raw.sha256, kind)
    if earlier is not None:
        tell(1.0, "already loaded")
        return _already(kind, filename, raw, prep, earlier)
    tell(0.3, f"checking {_plural(len(raw.data), 'row')} ({label})")
    checked = validate_file(
        store, spec, raw, prep.mapping, prep.dayfirst, roster=prep.roster, notes=prep.warnings,
        zones=prep.zones,
    )  # fmt: skip
    raw.keep_rows(np.flatnonzero(~checked.ok))
    pa.default_memory_pool().release_unused()  # hand the text no longer needed back to the OS
    uploaded_at = datetime.now(store.settings.tz).replace(tzinfo=None)
    tell(0.55, "comparing with the store (duplicates, unknown agents)")
    today = uploaded_at.date()  # a roster row without effective_from dates from here
    if dry_run:
        with store.reading() as conn:
            plan = plan_batch(conn, spec, checked, today=today)
        batch = Batch(
            "", spec, raw, checked, plan, filename, uploaded_by, uploaded_at,
            prep.mapping.ignored, *_about(prep),
        )  # fmt: skip
        tell(1.0, "dry run done: nothing written")
        return _report(batch, "dry_run")
    with store.transaction() as conn:
        earlier = _earlier(conn, raw.sha256, kind)  # loaded meanwhile by someone else?
        if earlier is not None:
            return _already(kind, filename, raw, prep, earlier)
        plan = plan_batch(conn, spec, checked, today=today)
        batch_id = _new_batch_id(conn)
        batch = Batch(
            batch_id, spec, raw, checked, plan, filename, uploaded_by, uploaded_at,
            prep.mapping.ignored, *_about(prep),
        )  # fmt: skip
        write_batch(conn, batch, store.settings, progress=tell)
        tell(0.97, "writing: committing")
    tell(1.0, "done")
    return _report(batch, "committed")


def _about(prep: Prepared) -> tuple[str, dict, list[str], list[str], str | None, str]:
    layout = prep.raw.layout.name if prep.raw.layout else "canonical"
    return (
        layout, prep.labels, prep.warnings, download_header(prep), prep.timezone,
        prep.time_note,
    )  # fmt: skip


def download_header(prep: Prepared) -> list[str]:
    """The header row of the rejected-rows download: the file's own labels, in one row,
    such that the file loads again as it did. A column with no header is named by the
    canonical column it was mapped to (else left blank); a column whose times the file put
    in a zone of its own (a Qualtrics timeZone) names that zone in brackets."""
    layout = prep.raw.layout
    assert layout is not None
    mapped = {p: name for name, p in prep.positions.items() if p is not None}
    header = []
    for pos, label in enumerate(layout.labels):
        if pos in layout.unnamed:
            label = mapped.get(pos, "")
        zone = layout.zone(pos)
        if zone and layouts.split_zone(label)[1] is None:
            label = f"{label} ({zone})"
        header.append(label)
    return header


# ---------------------------------------------------------------- undo and listings


def undo_batch(store: Store, batch_id: str) -> UndoReport:
    """Take a batch out again in one transaction: its rows, its rollup contribution, and
    (roster) put back the rows it replaced. Its rejected rows stay for the record."""
    with store.transaction() as conn:
        row = conn.execute(
            text("SELECT kind, status FROM upload_batches WHERE batch_id = :b"), {"b": batch_id}
        ).all()
        row = row[0] if row else None
        params = {"b": batch_id}
        counts = {
            table: conn.execute(
                text(f"SELECT count(*) FROM {table} WHERE batch_id = :b"),  # noqa: S608
                params,
            ).scalar_one()
            for table in BATCH_TABLES
        }
        if row is None:
            if not any(counts.values()):
                raise ValueError(
                    f"there is no batch `{batch_id}`: run `cxmetrics batches` to list batch ids"
                )
            kind = "demo" if batch_id == "demo" else "unknown"
        elif row.status == "undone":
            raise ValueError(
                f"batch `{batch_id}` was already undone: nothing to do "
                "(load its file again to bring the rows back)"
            )
        elif row.status != "committed":
            raise ValueError(
                f"batch `{batch_id}` has status `{row.status}`, not committed: only committed "
                "batches can be undone"
            )
        kind = row.kind if row is not None else kind
        spans = {src: rollups.batch_dates(conn, src, batch_id) for src in rollups.SOURCES}

        # Roster rows a later batch replaced from this one: point them past this batch.
        conn.execute(
            text(
                "UPDATE roster_replaced AS c SET name = r.name, team_id = r.team_id, "
                "email = r.email, hired_on = r.hired_on, active = r.active, "
                "nickname = r.nickname, "
                "supervisor = r.supervisor, supervisor_email = r.supervisor_email, "
                "function = r.function, "
                "prior_batch_id = r.prior_batch_id "
                "FROM roster_replaced AS r "
                "WHERE c.prior_batch_id = :b AND c.batch_id <> :b AND r.batch_id = :b "
                "AND r.entity = c.entity AND r.key = c.key"
            ),
            params,
        )
        conn.execute(
            text(
                "DELETE FROM roster_replaced WHERE prior_batch_id = :b AND batch_id <> :b "
                "AND NOT EXISTS (SELECT 1 FROM roster_replaced r WHERE r.batch_id = :b "
                "AND r.entity = roster_replaced.entity AND r.key = roster_replaced.key)"
            ),
            params,
        )
        # Thank-you notes on the batch's responses go with them.
        conn.execute(
            text(
                "DELETE FROM recognitions WHERE response_id IN "
                "(SELECT response_id FROM survey_responses WHERE batch_id = :b)"
            ),
            params,
        )
        for table in BATCH_TABLES:
            if counts[table]:
                conn.execute(text(f"DELETE FROM {table} WHERE batch_id = :b"), params)  # noqa: S608
        restored = conn.execute(
            text(
                "SELECT count(*) FROM roster_replaced r WHERE r.batch_id = :b AND ("
                "(r.entity = 'agent' AND NOT EXISTS "
                "(SELECT 1 FROM agents a WHERE a.agent_id = r.key)) OR "
                "(r.entity = 'team' AND NOT EXISTS "
                "(SELECT 1 FROM teams t WHERE t.team_id = r.key)))"
            ),
            params,
        ).scalar_one()
        conn.execute(
            text(
                "INSERT INTO agents (agent_id, name, team_id, email, hired_on, active, nickname, "
                "batch_id) SELECT key, name, team_id, email, hired_on, active, nickname, "
                "prior_batch_id FROM roster_replaced r WHERE r.batch_id = :b "
                "AND r.entity = 'agent' "
                "AND NOT EXISTS (SELECT 1 FROM agents a WHERE a.agent_id = r.key)"
            ),
            params,
        )
        conn.execute(
            text(
                "INSERT INTO teams (team_id, name, supervisor, supervisor_email, function, "
                "batch_id) SELECT key, name, supervisor, supervisor_email, function, "
                "prior_batch_id FROM roster_replaced r WHERE r.batch_id = :b "
                "AND r.entity = 'team' "
                "AND NOT EXISTS (SELECT 1 FROM teams t WHERE t.team_id = r.key)"
            ),
            params,
        )
        conn.execute(text("DELETE FROM roster_replaced WHERE batch_id = :b"), params)
        for src, span in spans.items():
            if span:
                rollups.refresh(conn, src, span[0], span[1], store.settings)
        moves = _undo_team_changes(conn, batch_id)
        conn.execute(
            text("UPDATE upload_batches SET status = 'undone' WHERE batch_id = :b"), params
        )
    removed = int(sum(counts.values()))
    message = f"undid batch {batch_id} ({kind}): removed {_plural(removed, 'row')}"
    if restored:
        message += f"; restored {_plural(int(restored), 'replaced roster row')}"
    if moves:
        message += "; " + "; ".join(_move_lines(moves))
    return UndoReport(
        batch_id=batch_id,
        kind=kind,
        removed=removed,
        restored=int(restored),
        message=message,
        moves=[m.to_dict() for m in moves],
    )


def _undo_team_changes(conn: Connection, batch_id: str) -> list[membership.Move]:
    """Take a batch's team changes out: replay the history of its agents without them and
    rewrite the team rows of the dates whose facts change team. Returns those moves."""
    params = {"b": batch_id}
    agents = (
        conn.execute(
            text("SELECT DISTINCT agent_id FROM agent_team_changes WHERE batch_id = :b"), params
        )
        .scalars()
        .all()
    )
    if not agents:
        return []
    with _Registered(conn) as reg:
        reg("cx_undo_agents", pa.table({"agent_id": pa.array(agents, pa.string())}))
        restated = membership.restatement(conn, "cx_undo_agents", skip_batch=True, params=params)
        conn.execute(text("DELETE FROM agent_team_changes WHERE batch_id = :b"), params)
        membership.replay(conn, "cx_undo_agents")
    rollups.refresh_teams(conn, restated.spans)
    return restated.moves


# What later data a roster batch carries (see `undo_impact`): agents and teams that undoing
# it takes off the roster, later rows that name them, later roster batches built on it.
_UNDO_IMPACT_SQL = """
WITH this AS (
    SELECT coalesce(max(uploaded_at), TIMESTAMP '0001-01-01') AS at FROM upload_batches
    WHERE batch_id = :b
), later AS (
    SELECT u.batch_id FROM upload_batches u, this
    WHERE u.batch_id <> :b AND u.status = 'committed' AND u.uploaded_at >= this.at
), gone_agents AS (
    SELECT agent_id FROM agents a WHERE a.batch_id = :b AND NOT EXISTS (
        SELECT 1 FROM roster_replaced r
        WHERE r.batch_id = :b AND r.entity = 'agent' AND r.key = a.agent_id)
), gone_teams AS (
    SELECT team_id FROM teams t WHERE t.batch_id = :b AND NOT EXISTS (
        SELECT 1 FROM roster_replaced r
        WHERE r.batch_id = :b AND r.entity = 'team' AND r.key = t.team_id)
), naming AS (
    SELECT batch_id FROM interactions
    WHERE agent_id IN (SELECT * FROM gone_agents) OR team_id IN (SELECT * FROM gone_teams)
    UNION ALL SELECT batch_id FROM survey_responses
    WHERE agent_id IN (SELECT * FROM gone_agents) OR team_id IN (SELECT * FROM gone_teams)
    UNION ALL SELECT batch_id FROM adherence WHERE agent_id IN (SELECT * FROM gone_agents)
    UNION ALL SELECT batch_id FROM kpi_values WHERE team_id IN (SELECT * FROM gone_teams)
    UNION ALL SELECT batch_id FROM targets WHERE team_id IN (SELECT * FROM gone_teams)
), building AS (
    SELECT batch_id FROM roster_replaced WHERE prior_batch_id = :b AND batch_id <> :b
    UNION SELECT c.batch_id FROM agent_team_changes c
    WHERE c.batch_id <> :b AND c.seq > (
        SELECT coalesce(max(seq), 0) FROM agent_team_changes WHERE batch_id = :b)
        AND c.agent_id IN (SELECT agent_id FROM agent_team_changes WHERE batch_id = :b)
    UNION SELECT batch_id FROM agents WHERE batch_id <> :b
        AND team_id IN (SELECT * FROM gone_teams)
)
SELECT
    (SELECT count(*) FROM gone_agents),
    (SELECT count(*) FROM gone_teams),
    (SELECT count(*) FROM naming WHERE batch_id IN (SELECT * FROM later)),
    (SELECT count(DISTINCT batch_id) FROM naming WHERE batch_id IN (SELECT * FROM later)),
    (SELECT count(DISTINCT batch_id) FROM building WHERE batch_id IN (SELECT * FROM later))
"""


def undo_impact(store: Store, batch_id: str) -> str | None:
    """A one-line warning when later data depends on a roster batch (rows of later batches
    that name agents or teams it added, later roster batches that build on it), else None.

    Undoing such a batch takes those agents and teams off the roster (their rows lose
    their team) or changes what the later rosters meant: ask before `undo_batch`.
    """
    agents, teams, rows, fact_batches, roster_batches = store.rows(
        _UNDO_IMPACT_SQL, {"b": batch_id}
    )[0]
    if not (rows or roster_batches):
        return None
    parts = []
    if rows:
        added = ", ".join(_plural(n, word) for n, word in ((agents, "agent"), (teams, "team")) if n)
        parts.append(
            f"{_plural(rows, 'row')} in {fact_batches} later "
            f"{'batch' if fact_batches == 1 else 'batches'} name agents or teams it added "
            f"({added})"
        )
    if roster_batches:
        build = "batch builds" if roster_batches == 1 else "batches build"
        parts.append(f"{roster_batches} later roster {build} on it")
    return (
        f"later data depends on batch {batch_id}: {'; '.join(parts)}. Undoing it takes what "
        "it added off the roster and restates team numbers: undo the later batches first, "
        "or undo it anyway"
    )


def list_batches(store: Store) -> pd.DataFrame:
    """Every batch (all upload_batches columns), newest first."""
    return store.frame("SELECT * FROM upload_batches ORDER BY uploaded_at DESC, batch_id DESC")


def rejected_rows(store: Store, batch_id: str) -> pd.DataFrame:
    """A batch's rejected rows, to fix in a spreadsheet and load again: the file's own
    columns (its header labels, each cell as read), then `line_no` and `error` (the reason).

    A batch loaded before its header was kept gives line_no, error and raw (the row as a
    CSV line).
    """
    if not store.scalar("SELECT count(*) FROM upload_batches WHERE batch_id = :b", {"b": batch_id}):
        raise ValueError(
            f"there is no batch `{batch_id}`: run `cxmetrics batches` to list batch ids"
        )
    header = store.scalar("SELECT labels FROM batch_columns WHERE batch_id = :b", {"b": batch_id})
    rows = store.frame(
        "SELECT line_no, reason AS error, raw, cells FROM rejected_rows WHERE batch_id = :b "
        "ORDER BY line_no",
        {"b": batch_id},
    )
    if header is None or rows["cells"].isna().any():
        return rows[["line_no", "error", "raw"]]
    labels = json.loads(header)
    cells = [json.loads(c) for c in rows["cells"]]
    keep = [p for p, label in enumerate(labels) if label not in DOWNLOAD_COLUMNS]
    out = pd.DataFrame(
        {str(p): [row[p] if p < len(row) else "" for row in cells] for p in keep},
        index=rows.index,
        dtype="str",
    )
    out.columns = [labels[p] for p in keep]
    out["line_no"] = rows["line_no"].astype("int64")
    out["error"] = rows["error"].astype("str")
    return out.reset_index(drop=True)
