"""The `cxmetrics` command line.

Output rules: with --json a command prints exactly one JSON document on stdout and its
human lines on stderr; every failure is one line on stderr naming the problem and the fix
(exit 2), and an unexpected error is one line too (exit 1) unless CXMETRICS_DEBUG=1 asks
for the traceback. User text (names, comments, file headers) is printed with terminal
control characters taken out.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import re
import sys
import traceback
import unicodedata
from datetime import date
from pathlib import Path

from cxmetrics.config import load_settings
from cxmetrics.formatting import (
    format_count,
    format_delta,
    format_margin,
    format_target,
    format_value,
)
from cxmetrics.periods import last_complete_week, parse_period

EPILOG = """\
examples:
  cxmetrics demo                                   fill an empty store with the demo organisation
  cxmetrics scorecard --period 2026-W46            org scorecard for an ISO week
  cxmetrics scorecard --period 2026-11 --team T01 --json
  cxmetrics ingest surveys export.csv --dry-run    see what would load, write nothing
  cxmetrics stars --period 2026-11 --json          service stars and praise naming agents
  cxmetrics explain --period 2026-W46 --metric nps why NPS moved: rate and mix by team
  cxmetrics deck --period 2026-W46 --out week.pptx the all-hands deck (PowerPoint)
  cxmetrics obstacles --period 2026-11 --json      you said, we did: obstacles resolved, open
  cxmetrics batches                                what was uploaded, when, with what counts
  cxmetrics undo b20261123-101502-3f2a             take a batch out again
  cxmetrics ingest access people.csv               who may sign in: email, role, team_ids
  cxmetrics audit --json                           who loaded, undid or changed access, when

The store is --db URL, else $CXMETRICS_DB_URL, else duckdb:///data/cxmetrics.duckdb
(relative to the project root). A DuckDB file can be open in one process at a time:
stop the app before writing to its store from the command line. Commands that only
read never create a store; a store that cannot be written is read (not changed).

exit status: 0 done, 2 a problem named on stderr (bad input, store busy, read-only,
damaged, missing…), 1 an unexpected error (CXMETRICS_DEBUG=1 shows its traceback),
130 interrupted (Ctrl-C), 141 the reader of the output went away (`| head`).
"""


# The kinds `ingest` loads, as cxmetrics/ingest/specs.py declares them (a test keeps the two
# equal): written out so that `cxmetrics --help` does not import the whole ingest package.
INGEST_KINDS = (
    "roster", "interactions", "adherence", "surveys", "targets", "kpis", "obstacles", "meetings",
    "learning", "access",
)  # fmt: skip
DEBUG_HINT = "run with CXMETRICS_DEBUG=1 for details"
MEMORY_WRITE = (
    "an in-memory store (duckdb:///:memory:) keeps nothing after the command ends: point "
    "--db at a store file such as duckdb:///data/cxmetrics.duckdb"
)

# Terminal escape sequences (CSI, OSC, DCS/PM/APC strings, two-character escapes, and the
# 8-bit CSI), then any single control character left over.
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"
    r"|\x1b[ -/]*[0-~]?"
    r"|\x9b[0-?]*[ -/]*[@-~]?"
)
_BIDI_CONTROLS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def plain(value: object) -> str:
    """User text made safe to print on a terminal, on one line: escape sequences and
    control characters removed (tabs and line breaks become spaces)."""
    text = _ESCAPE_SEQUENCE.sub("", str(value))
    out = []
    for ch in text:
        if ch in "\t\n\r\v\f":
            out.append(" ")
        elif unicodedata.category(ch) != "Cc" and ch not in _BIDI_CONTROLS:
            out.append(ch)
    return "".join(out)


class Output:
    """Where a command's human lines go: stdout, or stderr when stdout carries JSON."""

    def __init__(self, args: argparse.Namespace):
        self.json = bool(getattr(args, "json", False))
        self.human = sys.stderr if self.json else sys.stdout

    def say(self, *lines: str) -> None:
        for line in lines:
            for part in str(line).split("\n"):
                print(plain(part), file=self.human)

    def data(self, payload) -> None:
        """The one JSON document of a --json command."""
        print(json.dumps(payload, ensure_ascii=False, default=str))


# Stores a command opened, closed when it ends: a store left to interpreter shutdown can
# make DuckDB's bindings print leak warnings on stderr after the command's one line.
_OPENED: list = []


def _open(args, *, write: bool, create: bool = False, check_later: bool = False):
    """The store --db names. write: the command changes it (a read-only or in-memory store
    is refused before any work); create: it may be created (demo, ingest), otherwise a
    store that does not exist is refused rather than created empty. check_later: its schema
    is checked by its first operation (see `Store`)."""
    from cxmetrics.store import locate, open_store
    from cxmetrics.store.errors import StoreError

    settings = load_settings(args.db)
    if write and locate(settings.db_url).in_memory:
        raise StoreError(MEMORY_WRITE)
    store = open_store(settings=settings, create=create, check_later=check_later)
    _OPENED.append(store)
    if write:
        store.require_writable()
    return store


def cmd_serve(args) -> int:
    """Start the web app: on an empty store, build the demo first (saying so), then hand
    the process to Streamlit with the packaged settings, in the cxmetrics home folder (where
    `.streamlit/secrets.toml` is read). The server warms up (imports, store open) before
    it answers: see cxmetrics/ui/launch.py."""
    from cxmetrics.config import PROJECT_ROOT
    from cxmetrics.demo import build_demo
    from cxmetrics.serve import streamlit_command
    from cxmetrics.store import is_empty, locate
    from cxmetrics.store.errors import StoreError

    if locate(load_settings(args.db).db_url).in_memory:
        raise StoreError(
            "an in-memory store would be empty in the app (it keeps nothing between "
            "processes): serve a store file, e.g. --db duckdb:///data/cxmetrics.duckdb"
        )
    store = _open(args, write=False, create=True)
    try:
        if not store.read_only and is_empty(store):
            print("First start: building the demo organisation …", flush=True)
            summary = build_demo(store, progress=lambda step: print(f"  · {step}", flush=True))
            print(
                f"  demo ready: {summary.agents} agents, {summary.interactions:,} contacts, "
                f"{summary.responses:,} survey responses ({summary.seconds:.1f} s)",
                flush=True,
            )
        url = store.url
    finally:
        store.close()  # DuckDB: one process opens the file at a time; the server opens it next
    options = [f"--server.address={args.address}"] if args.address else []
    command = streamlit_command(*options, port=args.port)
    os.chdir(PROJECT_ROOT)
    os.environ["CXMETRICS_DB_URL"] = url
    print(f"Serving on http://{args.address or 'localhost'}:{args.port} (Ctrl-C stops)", flush=True)
    os.execv(command[0], command)
    return 0  # pragma: no cover - execv does not return


def cmd_demo(args) -> int:
    from cxmetrics.demo import build_demo

    store = _open(args, write=True, create=True)
    summary = build_demo(store, agents=args.agents, weeks=args.weeks, seed=args.seed, end=args.end)
    print(
        f"demo organisation: {summary.teams} teams, {summary.agents} agents, "
        f"{summary.interactions:,} interactions, {summary.responses:,} survey responses, "
        f"{summary.adherence_rows:,} adherence rows, {summary.first_day} to {summary.last_day} "
        f"({summary.seconds:.1f} s)"
    )
    return 0


def _map_option(items: list[str]) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for item in items:
        if "=" not in item:
            raise ValueError(
                f"--map {item!r}: write CANONICAL=SOURCE, e.g. --map nps=Q1 "
                "(an empty SOURCE unmaps the column)"
            )
        canon, source = item.split("=", 1)
        out[canon.strip()] = source.strip() or None
    return out


def _ingest_store(args, out: Output):
    """The store to load into; a dry run reads it only, and compares with an empty store
    when there is none yet (creating nothing). Saving a template is a write."""
    from cxmetrics.store import open_store
    from cxmetrics.store.errors import StoreMissing

    if not args.dry_run or args.save_template:
        # Checked with the load's first reads: one turn for a DuckDB file the app shares.
        return _open(args, write=True, create=True, check_later=True)
    try:
        return _open(args, write=False)
    except StoreMissing:
        out.say("note: there is no store there yet: the dry run compares with an empty store")
        return open_store("duckdb:///:memory:", settings=load_settings(args.db))


def cmd_ingest(args) -> int:
    from cxmetrics.ingest import UnreadableFile, inspect_file, load_batch, save_template
    from cxmetrics.ingest.handoff import HANDED_NOTE, load_by_host

    out = Output(args)
    store = _ingest_store(args, out)
    dayfirst = True if args.dayfirst else False if args.monthfirst else None
    try:
        mapping = None
        if args.map:
            # Start from what the template or the detection says, then change those columns.
            base = inspect_file(args.file, args.kind, store=store, template=args.template)
            mapping = {**base.mapping, **_map_option(args.map)}
        options = {"mapping": mapping, "template": args.template, "dayfirst": dayfirst}
        report = None
        if not args.dry_run:  # beside a running app, the app loads it (its readers go on)
            report = load_by_host(
                store, args.kind, args.file, **options, uploaded_by=args.user,
                waiting=lambda pid: print(f"cxmetrics: {HANDED_NOTE} (process {pid})…",
                                          file=sys.stderr, flush=True),
            )  # fmt: skip
        if report is None:
            report = load_batch(
                store, args.kind, args.file, **options, dry_run=args.dry_run,
                uploaded_by=args.user,
            )  # fmt: skip
    except UnreadableFile as exc:
        raise UnreadableFile(f"cannot read `{Path(args.file).name}`: {exc}") from exc
    out.say(
        f"{report.status}: rows_in {report.rows_in}, loaded {report.loaded}, "
        f"rejected {report.rejected}, duplicates {report.duplicates}, batch_id {report.batch_id}",
        report.message,
        f"  layout: {report.layout}",
    )
    for canon, source in report.mapping.items():
        if source is not None:
            out.say(f"  {canon:<16} ← {plain(source)}")
    for warning in report.warnings:
        out.say(f"  note: {plain(warning)}")
    for reason, count in sorted(report.reasons.items(), key=lambda kv: -kv[1]):
        out.say(f"  {count:>6} × {plain(reason)}")
    for line_no, reason in report.rejected_sample[:10]:
        out.say(f"  line {line_no}: {plain(reason)}")
    if report.unknown_agents:
        shown = ", ".join(plain(agent) for agent in report.unknown_agents[:10])
        more = len(report.unknown_agents) - 10
        out.say(
            f"  {len(report.unknown_agents)} agent id(s) not in the roster (rows loaded, "
            f"counted in org totals; load a roster to fix): {shown}"
            + (f" and {more} more" if more > 0 else "")
        )
    if args.save_template:
        options = {"dayfirst": dayfirst} if dayfirst is not None else None
        save_template(
            store, args.save_template, args.kind, report.mapping, options=options,
            saved_by=args.user,
        )  # fmt: skip
        out.say(f"saved mapping template `{plain(args.save_template)}` (use it with --template)")
    if args.json:
        out.data(report.to_dict())
    return 0


def _listed(ids: list[str], limit: int = 12) -> str:
    shown = ", ".join(plain(i) for i in ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def cmd_scorecard(args) -> int:
    from cxmetrics import org
    from cxmetrics.metrics.engine import scorecard

    out = Output(args)
    period = parse_period(args.period) if args.period else last_complete_week()
    store = _open(args, write=False)
    if args.team is not None:
        teams = list(org.list_teams(store)["team_id"])
        if args.team not in teams:
            known = f"teams: {_listed(teams)}" if teams else "no roster has been loaded yet"
            raise ValueError(f"team `{plain(args.team)}` is not in the roster; {known}")
    card = scorecard(store, period, team=args.team, agent=args.agent)
    if args.agent is not None and args.agent not in set(org.list_agents(store)["agent_id"]):
        if not any(m.n for m in card.metrics):
            raise ValueError(
                f"agent `{plain(args.agent)}` is not in the roster and has no data in "
                f"{period.label}: check the id (the Team page lists each team's agents)"
            )
        print(
            f"note: agent `{plain(args.agent)}` is not in the roster; showing the rows that "
            "carry its id",
            file=sys.stderr,
        )
    if args.json:
        out.data(card.to_dict())
        return 0
    scope = f"team {args.team}" if args.team else f"agent {args.agent}" if args.agent else "org"
    out.say(
        f"{period.label} ({period.start} to {period.end}), {scope}; "
        f"previous {card.previous_period}",
        f"{'metric':<30}{'value':>11}{'± 95 %':>12}{'n':>9}{'target':>10}  {'status':<13}change",
    )
    for m in card.metrics:  # in card order, numbers as the pages write them
        label = m.label.format(t=store.settings.service_level_seconds)
        change = m.change or ""
        if m.delta is not None:
            change = f"{format_delta(m.delta, m.unit)} {change}".strip()
        status = m.status.replace("_", " ") + (
            f" ({m.note})" if m.status == "not_applicable" else ""
        )
        out.say(
            f"{label:<30}{format_value(m.value, m.unit):>11}"
            f"{format_margin(m.ci_low, m.ci_high, m.unit):>12}{format_count(m.n):>9}"
            f"{format_target(m.target, m.unit):>10}  {status:<13}{change}"
        )
    for m in card.metrics:  # what a number rests on beyond its formula
        if m.note and m.status != "not_applicable":
            out.say(f"{m.label.format(t=store.settings.service_level_seconds)}: {m.note}")
        if m.excluded:
            left_out = format_count(m.excluded)
            out.say(f"{m.label}: {left_out} agent-days left out (contacts or logged time missing)")
    return 0


def cmd_stars(args) -> int:
    from cxmetrics.metrics.registry import default_registry
    from cxmetrics.recognition import stars_report

    registry = default_registry()
    out = Output(args)
    period = parse_period(args.period) if args.period else last_complete_week()
    report = stars_report(_open(args, write=False), period, team=args.team)
    if args.json:
        out.data(report)
        return 0
    out.say(f"Service stars {report['period']}" + (f", team {args.team}" if args.team else ""))
    if not report["stars"]:
        out.say("  no agent has enough answers in this period: try a month or a quarter")
    for rank, star in enumerate(report["stars"], 1):
        metric = registry[star["metric"]]
        out.say(
            f"  {rank}. {plain(star['name'])} ({plain(star['team_id'])}): "
            f"{metric.short_label} {format_value(star['value'], metric.unit)}, "
            f"95 % {format_value(star['ci_low'], metric.unit)} to "
            f"{format_value(star['ci_high'], metric.unit)}, n {format_count(star['n'])}"
        )
    for item in report["most_improved"]:
        delta = format_delta(item["delta"], registry[item["metric"]].unit)
        out.say(f"  most improved: {plain(item['name'])} {delta} (p {item['p_value']:.3f})")
    out.say(f"Praise naming an agent: {len(report['praise'])}")
    for praise in report["praise"][:10]:
        mark = "thanked" if praise["thanked"] else "new"
        out.say(f"  [{mark}] {plain(praise['name'])}: {plain(praise['comment'])}")
    return 0


def _known_team(store, team: str | None) -> None:
    """Refuse a team id the roster does not know, naming the ones it does."""
    from cxmetrics import org

    if team is None:
        return
    teams = list(org.list_teams(store)["team_id"])
    if team not in teams:
        known = f"teams: {_listed(teams)}" if teams else "no roster has been loaded yet"
        raise ValueError(f"team `{plain(team)}` is not in the roster; {known}")


def cmd_explain(args) -> int:
    from cxmetrics.formatting import spoken as fmt
    from cxmetrics.story.explain import CAVEAT, explain

    out = Output(args)
    period = parse_period(args.period) if args.period else last_complete_week()
    store = _open(args, write=False)
    _known_team(store, args.team)
    result = explain(store, period, args.metric, team=args.team)
    if args.json:
        out.data(result.to_dict())
        return 0
    scope = f"team {args.team}, by agent" if args.team else "organisation, by team"
    out.say(f"{result.label}: {period.label} vs {result.previous_period} ({scope})")
    if result.delta is None:
        out.say(
            f"  {fmt(result.value, result.unit)} now, {fmt(result.previous, result.unit)} "
            "before: no change to split (a period without answers)"
        )
    else:
        out.say(
            f"  {fmt(result.previous, result.unit)} -> {fmt(result.value, result.unit)}: "
            f"{fmt(result.delta, result.unit, 'signed')}",
            f"  rate (scoring differently)  {fmt(result.rate_effect, result.unit, 'signed')}",
            f"  mix (shares of answers)     {fmt(result.mix_effect, result.unit, 'signed')}",
        )
    out.say(
        f"  {'part':<28}{'share':>8}{'before':>8}{'value':>8}{'before':>8}{'rate':>9}{'mix':>9}"
    )
    for part in result.parts:
        out.say(
            f"  {plain(part.name)[:27]:<28}{part.weight:>8.1%}{part.previous_weight:>8.1%}"
            f"{fmt(part.value, result.unit):>8}{fmt(part.previous_value, result.unit):>8}"
            f"{_effect(part.rate_effect):>9}{_effect(part.mix_effect):>9}"
        )
    out.say(CAVEAT)
    return 0


def _effect(value: float | None) -> str:
    """A part's effect in the explain table: "+4.2", "−0.5", "0.0"."""
    if value is None:
        return "—"
    if round(value, 1) == 0:
        return "0.0"
    return f"{value:+.1f}".replace("-", "\u2212")


def cmd_deck(args) -> int:
    from cxmetrics.story.deck import write_deck

    period = parse_period(args.period) if args.period else last_complete_week()
    target = Path(args.out)
    if target.suffix.lower() != ".pptx":
        raise ValueError(f"`{plain(target.name)}` does not end in .pptx: name the deck FILE.pptx")
    if not target.parent.is_dir():
        raise ValueError(
            f"cannot write `{plain(target.name)}`: its folder does not exist (create it first)"
        )
    store = _open(args, write=False)
    _known_team(store, args.team)
    try:
        slides = write_deck(store, period, target, team=args.team)
    except OSError as exc:
        reason = (exc.strerror or "the file cannot be written").lower()
        raise ValueError(
            f"cannot write `{plain(target.name)}`: {reason} (choose another name or folder, "
            "or close the file if PowerPoint has it open)"
        ) from exc
    print(f"wrote `{plain(target.name)}`: {slides} slides for {period.label}")
    return 0


def cmd_obstacles(args) -> int:
    from cxmetrics import org
    from cxmetrics.obstacles import STATUS_WORDS, register, you_said_we_did

    out = Output(args)
    period = parse_period(args.period) if args.period else last_complete_week()
    store = _open(args, write=False)
    if args.team is not None:
        known = sorted(set(org.list_teams(store)["team_id"]) | set(register(store)["team_id"]))
        if args.team not in known:
            listed = f"teams: {_listed(known)}" if known else "no roster or obstacle is loaded yet"
            raise ValueError(
                f"team `{plain(args.team)}` is not in the roster nor in the obstacles register; "
                f"{listed}"
            )
    report = you_said_we_did(store, period, team=args.team)
    if args.json:
        out.data(report.to_dict())
        return 0
    scope = f", team {plain(args.team)}" if args.team else ""
    out.say(f"You said, we did: {period.label}{scope}")
    out.say(f"Resolved in {period.label}: {len(report.resolved_in_period)}")
    for done in report.resolved_in_period:
        out.say(
            f"  {plain(done.obstacle_id)} ({plain(done.team_id)}) resolved {done.resolved_on}: "
            f"{plain(done.description)} -> {plain(done.resolution or 'no resolution written')}"
        )
    out.say(f"Open on {report.as_of}: {len(report.open)}")
    for item in report.open:
        owner = f", owner {plain(item.owner)}" if item.owner else ", no owner"
        out.say(
            f"  {plain(item.obstacle_id)} ({plain(item.team_id)}) {STATUS_WORDS[item.status]}, "
            f"{item.age_days} days{owner}: {plain(item.description)}"
        )
    for team_id, counts in report.by_team.items():
        out.say(
            f"  team {plain(team_id)}: {counts.open} open, the oldest {counts.oldest_days} days"
        )
    return 0


def cmd_batches(args) -> int:
    from cxmetrics.ingest import list_batches

    out = Output(args)
    frame = list_batches(_open(args, write=False))
    if args.json:
        out.data(json.loads(frame.to_json(orient="records", date_format="iso")))
        return 0
    if frame.empty:
        out.say("no batches yet: `cxmetrics demo` or `cxmetrics ingest KIND FILE`")
        return 0
    cols = [
        "batch_id",
        "kind",
        "status",
        "uploaded_at",
        "rows_in",
        "loaded",
        "rejected",
        "duplicates",
        "filename",
    ]
    table = frame[cols].astype({"batch_id": str, "kind": str, "filename": str})
    for col in ("batch_id", "kind", "status", "filename"):
        table[col] = table[col].map(plain)
    out.say(table.to_string(index=False))
    return 0


def cmd_undo(args) -> int:
    from cxmetrics.ingest import undo_batch, undo_impact

    store = _open(args, write=True)
    if not args.force:
        warning = undo_impact(store, args.batch_id)
        if warning:
            raise ValueError(f"{warning} with --force")
    report = undo_batch(store, args.batch_id, by=args.user)
    Output(args).say(report.message)
    return 0


def cmd_audit(args) -> int:
    from cxmetrics.access import audit

    out = Output(args)
    frame = audit.entries(_open(args, write=False), limit=args.limit)
    if args.json:
        out.data(audit.as_json_rows(frame))
        return 0
    if frame.empty:
        out.say("no audit entries yet: loads, undos and access changes are recorded")
        return 0
    for row in frame.itertuples(index=False):
        who = "—" if row.who is None else row.who
        out.say(f"{row.logged_at:%Y-%m-%d %H:%M:%S}  {who}  {row.action}: {row.details}")
    return 0


def cmd_rebuild(args) -> int:
    from cxmetrics.store import rollups

    store = _open(args, write=True)
    with store.transaction() as conn:
        rollups.rebuild(conn, store.settings)
    print("rollups rebuilt from the raw facts")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cxmetrics",
        description="Customer-experience scorecard: service KPIs beside what customers feel.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--db", metavar="URL", help="store URL (default: $CXMETRICS_DB_URL)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "serve",
        help="start the web app (builds the demo first on an empty store)",
        description="Serve the scorecard in the browser with Streamlit. An empty store is "
        "filled with the demo organisation first, with progress printed here.",
    )
    p.add_argument("--port", type=int, default=8501, help="port (default 8501)")
    p.add_argument(
        "--address",
        metavar="ADDR",
        help="address to listen on (default: every interface Streamlit chooses)",
    )
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser(
        "demo",
        help="fill the store with the deterministic demo organisation",
        description="Build a synthetic organisation with a story (an improving "
        "team, a callback problem, praised agents) inside the store.",
    )
    p.add_argument("--agents", type=int, default=60, help="number of agents (default 60)")
    p.add_argument("--weeks", type=int, default=26, help="weeks of history (default 26)")
    p.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    p.add_argument(
        "--end",
        type=date.fromisoformat,
        default=None,
        help="last day, YYYY-MM-DD (default: end of the last complete week)",
    )
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser(
        "ingest",
        help="load a file of one kind (one transaction)",
        description="Load a file: every row is loaded, rejected with a reason, "
        "or counted as a duplicate. Exit 0 when committed or dry run, 2 when "
        "the file cannot be read at all (nothing written).",
    )
    p.add_argument(
        "kind",
        choices=INGEST_KINDS,
        help="what the file holds; `access`: who may sign in (email, role, team_ids)",
    )
    p.add_argument(
        "file",
        help="path of the file: .csv (any delimiter, UTF-8/UTF-16/Windows-1252), .csv.gz, "
        ".xlsx; Qualtrics, SurveyMonkey and Google Forms exports are recognised",
    )
    p.add_argument("--dry-run", action="store_true", help="report what would load, write nothing")
    order = p.add_mutually_exclusive_group()
    order.add_argument("--dayfirst", action="store_true", help="read 03/04/2026 as 3 April")
    order.add_argument("--monthfirst", action="store_true", help="read 03/04/2026 as 4 March")
    p.add_argument(
        "--template", metavar="NAME", help="use a saved column mapping (and its date order)"
    )
    p.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="COLUMN=SOURCE",
        help="take a canonical column from a source column (by header, question text or "
        "Qualtrics id), e.g. --map nps=Q1; repeatable; the other columns are detected",
    )
    p.add_argument(
        "--save-template",
        metavar="NAME",
        help="save the mapping used (and --dayfirst/--monthfirst) as a template",
    )
    p.add_argument("--user", default=None, help="who uploads (recorded with the batch)")
    p.add_argument("--json", action="store_true", help="print the report as JSON (last line)")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser(
        "scorecard",
        help="every metric for a period and scope",
        description="Value, n, 95 %% interval, target, status and change vs the "
        "previous period for every registry metric.",
    )
    p.add_argument("--period", help="2026-W46, 2026-11, 2026-Q4 or 2026 (default: last week)")
    scope = p.add_mutually_exclusive_group()
    scope.add_argument("--team", help="a team id (default: whole organisation)")
    scope.add_argument("--agent", help="an agent id")
    p.add_argument("--json", action="store_true", help="print JSON (rates 0–100, times in s)")
    p.set_defaults(func=cmd_scorecard)

    p = sub.add_parser(
        "stars",
        help="service stars, most improved and praise that names an agent",
        description="Agents ranked by the low end of their 95 %% NPS interval (iNPS for "
        "internal teams), most improved (significant rises only), and promoter comments "
        "praising an agent by name (personal data redacted).",
    )
    p.add_argument("--period", help="2026-W46, 2026-11, 2026-Q4 or 2026 (default: last week)")
    p.add_argument("--team", help="a team id (default: whole organisation)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_stars)

    p = sub.add_parser(
        "explain",
        help="why a number moved: its change split by team into rate and mix",
        description="Split the change of NPS, iNPS or CSAT against the previous period "
        "into rate (teams scoring differently) and mix (the share of answers from each team "
        "changing), team by team; with --team, within that team agent by agent. The parts "
        "add up to the change; they describe it and are not tests.",
    )
    p.add_argument("--period", help="2026-W46, 2026-11, 2026-Q4 or 2026 (default: last week)")
    p.add_argument("--team", help="split this team's change by agent (default: the org by team)")
    p.add_argument(
        "--metric",
        default="nps",
        metavar="METRIC",
        help="nps, inps, csat (or any other share-of-answers metric; default nps)",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_explain)

    p = sub.add_parser(
        "deck",
        help="write the all-hands deck as a PowerPoint file",
        description="A 16:9 PowerPoint of the period: the headline, customers and service, "
        "trends, why NPS moved, teams at a glance, stars and praise, business KPIs, with "
        "native charts and speaker notes on every slide.",
    )
    p.add_argument("--period", help="2026-W46, 2026-11, 2026-Q4 or 2026 (default: last week)")
    p.add_argument("--team", help="a team's deck (default: the whole organisation)")
    p.add_argument("--out", required=True, metavar="FILE.pptx", help="where to write the deck")
    p.set_defaults(func=cmd_deck)

    p = sub.add_parser(
        "obstacles",
        help="you said, we did: obstacles resolved in a period and open at its end",
        description="Obstacles frontline staff raised: those resolved in the period with "
        "their resolution, and those open (not resolved or won't-fix) at its end with their "
        "age in days, by team. Descriptions are redacted like customer comments.",
    )
    p.add_argument("--period", help="2026-W46, 2026-11, 2026-Q4 or 2026 (default: last week)")
    p.add_argument("--team", help="a team id (default: every team)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_obstacles)

    p = sub.add_parser("batches", help="list uploaded batches with their counts")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_batches)

    p = sub.add_parser("undo", help="remove a batch's rows (and its rollup contribution)")
    p.add_argument("batch_id", help="as listed by `cxmetrics batches` ('demo' for the demo)")
    p.add_argument(
        "--force",
        action="store_true",
        help="undo a roster batch even when later data depends on it",
    )
    p.add_argument("--user", default=None, help="who undoes it (recorded in the audit log)")
    p.set_defaults(func=cmd_undo)

    p = sub.add_parser(
        "audit",
        help="who loaded, undid, cleared demo data, thanked or changed access, and when",
    )
    p.add_argument("--limit", type=int, default=None, help="the newest N entries only")
    p.add_argument("--json", action="store_true", help="print the entries as one JSON document")
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser("rebuild-rollups", help="recompute the daily rollups from raw facts")
    p.set_defaults(func=cmd_rebuild)
    return parser


def _fail(message: str) -> None:
    print(f"cxmetrics: {plain(message)}", file=sys.stderr)


def _quiet_stdout() -> None:
    """After the reader of stdout went away: send what is still buffered nowhere, so that
    Python's final flush does not print a BrokenPipeError."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a real file (captured in tests)
        pass


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `cxmetrics` console script: the command's exit status."""
    from cxmetrics.ingest import UnreadableFile
    from cxmetrics.store.errors import fault_from, scrub

    args = build_parser().parse_args(argv)
    debug = os.environ.get("CXMETRICS_DEBUG", "") not in ("", "0")
    try:
        status = args.func(args)
        sys.stdout.flush()
        return status
    except BrokenPipeError:
        _quiet_stdout()
        return 141
    except KeyboardInterrupt:
        _fail("interrupted: what was not yet committed was rolled back")
        return 130
    except (ValueError, UnreadableFile) as exc:  # our own messages, StoreErrors among them
        if debug:
            traceback.print_exc()
        _fail(str(exc))
        return 2
    except Exception as exc:
        if debug:
            traceback.print_exc()
        fault = fault_from(exc)
        if fault is not None:
            _fail(str(fault))
            return 2
        _fail(f"unexpected error ({type(exc).__name__}: {scrub(str(exc))[:300]}); {DEBUG_HINT}")
        return 1
    finally:
        while _OPENED:
            with contextlib.suppress(Exception):  # closing never hides the command's result
                _OPENED.pop().close()
        # A failed load's traceback can keep DuckDB objects in a reference cycle; freed
        # only at exit, DuckDB's bindings then print a "leaked instances" report under the
        # one-line message. Free them now.
        gc.collect()


if __name__ == "__main__":
    sys.exit(main())
