"""Planning (step 4 of a load): each valid row's fate against the store, read-only, so a
dry run says exactly what a load would do.

Facts: a row whose key an earlier row of the file has, or a row outside the demo holds
already, is a duplicate; demo rows with the key of a loaded row will give way to it; agent
ids that no roster row names are listed (their rows still load). Roster: a row repeating an
earlier agent of the file, or changing nothing the store holds (a value in the file wins,
an empty one keeps the stored value) is a duplicate; each written row states its agent's
team from its date on, and what that does to stored facts is worked out here. Obstacles:
each row states an obstacle as it stands; read in file order against the state before it
(the register's, then the file's earlier rows), a row that changes nothing is a duplicate
and any other is a change (a later file moves an obstacle's status on; a file may carry
its history line by line).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy import Connection

from cxmetrics.demo import BATCH_ID as DEMO_BATCH
from cxmetrics.ingest.specs import KindSpec
from cxmetrics.ingest.validation import Validated
from cxmetrics.store import access as stored_access
from cxmetrics.store import facts, membership
from cxmetrics.store import obstacles as stored_obstacles
from cxmetrics.store import roster as stored_roster

LOADED, REJECTED, DUPLICATE = 0, 1, 2
AGENT_FIELDS = stored_roster.ROSTER_FIELDS["agents"][1]
TEAM_FIELDS = stored_roster.ROSTER_FIELDS["teams"][1]


@dataclass
class Plan:
    """Each row's fate against the store, and what writing the batch needs."""

    status: np.ndarray  # LOADED / REJECTED / DUPLICATE per row
    # roster: merged agents to (re)insert; obstacles: the changes in file order (the
    # obstacle's state and `from_status`, None for a new obstacle)
    rows: pd.DataFrame | None
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
    # Facts: per row, the position of the first row with the same key (-1: already stored);
    # obstacles: of the row whose state it repeats (-1: the register's).
    duplicate_of: np.ndarray | None = None


def to_arrow(frame: pd.DataFrame, dates: tuple[str, ...] = ()) -> pa.Table:
    """A typed frame as the Arrow table the store takes: `dates` as dates, timestamps in
    microseconds, all-empty columns as text."""
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


def date_columns(spec: KindSpec) -> tuple[str, ...]:
    """The kind's columns of type date (stored as DATE, not TIMESTAMP)."""
    return tuple(c.name for c in spec.columns if c.type == "date")


def _plan_facts(conn: Connection, spec: KindSpec, checked: Validated) -> Plan:
    ok = checked.ok
    status = np.where(ok, LOADED, REJECTED).astype(np.int8)
    table = to_arrow(checked.frame[spec.names], date_columns(spec))
    plan = Plan(status=status, rows=None, table=table)
    plan.duplicate_of = np.full(len(status), -1, dtype=np.int64)
    if not ok.any():
        return plan
    keys = table.select(list(spec.key))
    keys = keys.append_column("row_pos", pa.array(np.arange(len(status), dtype=np.int64)))
    # A key stored already makes every row of it a duplicate; a key repeated in the file,
    # every row of it after the first.
    found = facts.duplicate_keys(
        conn,
        spec.table,
        spec.key,
        spec.nullable_key,
        keys.append_column("ok", pa.array(ok)),
        demo_batch=DEMO_BATCH,
    )
    for pairs in found:
        status[pairs[:, 0]] = DUPLICATE
        plan.duplicate_of[pairs[:, 0]] = pairs[:, 1]
    loaded = status == LOADED
    if loaded.any():
        plan.demo_giving_way = facts.demo_rows_keyed_like(
            conn,
            spec.table,
            spec.key,
            spec.nullable_key,
            keys.append_column("cx_loaded", pa.array(loaded)),
            demo_batch=DEMO_BATCH,
        )
    if "agent_id" in table.column_names:
        agents = pa.table({"agent_id": table["agent_id"], "loaded": pa.array(loaded)})
        plan.unknown_agents = facts.unknown_agents(conn, agents)
    return plan


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


def _against_stored(
    conn: Connection,
    table: str,
    new: pd.DataFrame,
    defaults: Mapping[str, object] | None = None,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Roster rows (indexed by the key of `table`, "agents" or "teams") merged with what the
    store holds for them (then `defaults` for what is still empty): the merged rows, and per
    row whether it was stored already and whether it differs from what is stored."""
    key, fields = stored_roster.ROSTER_FIELDS[table]
    old = stored_roster.stored_rows(conn, table, list(new.index))
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
    return membership.restatement_by(conn, numbered)


def _plan_roster(conn: Connection, checked: Validated, today: date) -> Plan:
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
    teams, known_team, team_diff = _against_stored(conn, "teams", teams)
    touched_teams = set(teams.index[team_diff])
    replaced_teams = list(teams.index[team_diff & known_team])

    # Agents: a value in the file wins, an empty one keeps the stored value.
    by_agent = rows.set_index("agent_id")
    agents, known_agent, agent_diff = _against_stored(
        conn,
        "agents",
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


def _obstacle_value(value: object) -> object:
    """A cell or stored value of an obstacle as comparable Python: None, a date, or text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, datetime):  # pandas' Timestamp too
        return value.date()
    return value


def _obstacle_states(frame: pd.DataFrame) -> list[tuple]:
    """Each row's state as a tuple of the register's fields, in their order."""
    fields = stored_obstacles.FIELDS
    columns = [frame[name].astype(object).tolist() for name in fields]
    return [tuple(_obstacle_value(v) for v in row) for row in zip(*columns, strict=True)]


def plan_obstacles(conn: Connection, checked: Validated) -> Plan:
    """Each valid obstacle row against the state before it: a duplicate when it changes
    nothing (`duplicate_of`: the row it repeats, -1 when the register holds it so), else a
    change, kept in `rows` in file order."""
    fields = stored_obstacles.FIELDS
    status_at = fields.index("status")
    status = np.where(checked.ok, LOADED, REJECTED).astype(np.int8)
    duplicate_of = np.full(len(status), -1, dtype=np.int64)
    ok = np.flatnonzero(checked.ok)
    rows = checked.frame.iloc[ok]
    stored = stored_obstacles.states_of(conn, sorted(set(rows["obstacle_id"])))
    # obstacle_id -> (its state, the position of the row that set it; -1: the register)
    before: dict[object, tuple[tuple, int]] = {s[0]: (s, -1) for s in _obstacle_states(stored)}
    changes = []
    for pos, state in zip(ok, _obstacle_states(rows), strict=True):
        earlier = before.get(state[0])
        if earlier is not None and earlier[0] == state:
            status[pos] = DUPLICATE
            duplicate_of[pos] = earlier[1]
            continue
        changes.append((*state, None if earlier is None else earlier[0][status_at]))
        before[state[0]] = (state, int(pos))
    frame = pd.DataFrame(changes, columns=[*fields, "from_status"], dtype=object)
    return Plan(status=status, rows=frame, duplicate_of=duplicate_of)


def plan_batch(
    conn: Connection,
    spec: KindSpec,
    checked: Validated,
    *,
    today: date | None = None,
) -> Plan:
    """Decide each row's fate against the store (reads only). `today`: the load's local
    date, from which a roster row without `effective_from` takes effect."""
    if spec.kind == "roster":
        return _plan_roster(conn, checked, today or date.today())
    if spec.kind == "obstacles":
        return plan_obstacles(conn, checked)
    if spec.kind == "access":
        return _plan_access(conn, spec, checked)
    return _plan_facts(conn, spec, checked)


def _plan_access(conn: Connection, spec: KindSpec, checked: Validated) -> Plan:
    """An access row replaces the stored row of its e-mail; a row repeating an earlier
    row's e-mail, or the stored row exactly, is a duplicate (it changes nothing)."""
    ok = checked.ok
    frame = checked.frame[spec.names]
    status = np.where(ok, LOADED, REJECTED).astype(np.int8)
    plan = Plan(status=status, rows=None, table=to_arrow(frame))
    plan.duplicate_of = np.full(len(status), -1, dtype=np.int64)
    first: dict[str, int] = {}
    for pos in np.flatnonzero(ok):
        email = frame["email"].iloc[pos]
        if email in first:
            status[pos] = DUPLICATE
            plan.duplicate_of[pos] = first[email]
        else:
            first[email] = int(pos)
    stored = stored_access.stored_rows(conn, list(first))
    for email, pos in first.items():
        if stored.get(email) == (
            frame["role"].iloc[pos],
            none_if_blank(frame["team_ids"].iloc[pos]),
        ):
            status[pos] = DUPLICATE
    return plan


def none_if_blank(value: object) -> str | None:
    """A cell as stored: None for an empty or missing one."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    return str(value) or None
