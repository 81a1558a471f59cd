"""The `cxmetrics` command line (DESIGN §7)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from cxmetrics.config import load_settings
from cxmetrics.periods import last_complete_week, parse_period

EPILOG = """\
examples:
  cxmetrics demo                                   fill an empty store with the demo organisation
  cxmetrics scorecard --period 2026-W46            org scorecard for an ISO week
  cxmetrics scorecard --period 2026-11 --team T01 --json
  cxmetrics ingest surveys export.csv --dry-run    see what would load, write nothing
  cxmetrics stars --period 2026-11 --json          service stars and praise naming agents
  cxmetrics batches                                what was uploaded, when, with what counts
  cxmetrics undo b20261123-101502-3f2a             take a batch out again

The store is --db URL, else $CXMETRICS_DB_URL, else duckdb:///data/cxmetrics.duckdb
(relative to the project root). A DuckDB file can be open in one process at a time:
stop the app before writing to its store from the command line.
"""


STAR_METRIC = {"nps": "NPS", "inps": "iNPS"}


def _open(args):
    from cxmetrics.store import open_store

    return open_store(settings=load_settings(args.db))


def _print_json(payload) -> None:
    print(json.dumps(payload, ensure_ascii=False, default=str))


def _fmt(value, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "%":
        return f"{value:.1f} %"
    if unit == "s":
        return f"{value:.0f} s"
    if unit == "pts":
        return f"{value:+.1f}"
    if unit == "count":
        return f"{value:,.0f}"
    return f"{value:.2f}"


def cmd_demo(args) -> int:
    from cxmetrics.demo import build_demo

    store = _open(args)
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


def cmd_ingest(args) -> int:
    from cxmetrics.ingest import UnreadableFile, inspect_file, load_batch, save_template

    store = _open(args)
    dayfirst = True if args.dayfirst else False if args.monthfirst else None
    try:
        mapping = None
        if args.map:
            # Start from what the template or the detection says, then change those columns.
            base = inspect_file(args.file, args.kind, store=store, template=args.template)
            mapping = {**base.mapping, **_map_option(args.map)}
        report = load_batch(
            store,
            args.kind,
            args.file,
            mapping=mapping,
            template=args.template,
            dry_run=args.dry_run,
            dayfirst=dayfirst,
            uploaded_by=args.user,
        )
    except UnreadableFile as exc:
        # The file's name, not its path: a message never shows where files live.
        print(f"cxmetrics: cannot read {Path(args.file).name}: {exc}", file=sys.stderr)
        return 2
    print(
        f"{report.status}: rows_in {report.rows_in}, loaded {report.loaded}, "
        f"rejected {report.rejected}, duplicates {report.duplicates}, batch_id {report.batch_id}"
    )
    print(report.message)
    print(f"  layout: {report.layout}")
    for canon, source in report.mapping.items():
        if source is not None:
            print(f"  {canon:<16} ← {source}")
    for warning in report.warnings:
        print(f"  note: {warning}")
    for reason, count in sorted(report.reasons.items(), key=lambda kv: -kv[1]):
        print(f"  {count:>6} × {reason}")
    for line_no, reason in report.rejected_sample[:10]:
        print(f"  line {line_no}: {reason}")
    if report.unknown_agents:
        shown = ", ".join(report.unknown_agents[:10])
        more = len(report.unknown_agents) - 10
        print(
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
        print(f"saved mapping template `{args.save_template}` (use it with --template)")
    if args.json:
        _print_json(report.to_dict())
    return 0


def cmd_scorecard(args) -> int:
    from cxmetrics.metrics.engine import scorecard

    period = parse_period(args.period) if args.period else last_complete_week()
    store = _open(args)
    if args.team and not store.scalar(
        "SELECT count(*) FROM teams WHERE team_id = :t", {"t": args.team}
    ):
        known = ", ".join(r[0] for r in store.rows("SELECT team_id FROM teams ORDER BY 1"))
        print(
            f"cxmetrics: team `{args.team}` is not in the roster; teams: {known}", file=sys.stderr
        )
        return 2
    card = scorecard(store, period, team=args.team, agent=args.agent)
    if args.json:
        _print_json(card.to_dict())
        return 0
    scope = f"team {args.team}" if args.team else f"agent {args.agent}" if args.agent else "org"
    print(
        f"{period.label} ({period.start} to {period.end}), {scope}; previous {card.previous_period}"
    )
    print(f"{'metric':<30}{'value':>10}{'±95%':>9}{'n':>9}{'target':>9}  {'status':<13}change")
    for m in card.metrics:
        margin = "" if m.ci_low is None else f"{(m.ci_high - m.ci_low) / 2:.1f}"
        label = m.label.format(t=store.settings.service_level_seconds)
        change = m.change or ""
        if m.delta is not None:
            change = f"{m.delta:+.1f} {change}".strip()
        print(
            f"{label:<30}{_fmt(m.value, m.unit):>10}{margin:>9}{m.n:>9,}"
            f"{_fmt(m.target, m.unit):>9}  {m.status:<13}{change}"
        )
    return 0


def cmd_stars(args) -> int:
    from cxmetrics.recognition import stars_report

    period = parse_period(args.period) if args.period else last_complete_week()
    report = stars_report(_open(args), period, team=args.team)
    if args.json:
        _print_json(report)
        return 0
    print(f"Service stars {report['period']}" + (f", team {args.team}" if args.team else ""))
    if not report["stars"]:
        print("  no agent has enough answers in this period: try a month or a quarter")
    for rank, star in enumerate(report["stars"], 1):
        print(
            f"  {rank}. {star['name']} ({star['team_id']}): {STAR_METRIC[star['metric']]} "
            f"{star['value']:+.0f}, 95 % {star['ci_low']:+.0f} to {star['ci_high']:+.0f}, "
            f"n {star['n']}"
        )
    for item in report["most_improved"]:
        print(f"  most improved: {item['name']} {item['delta']:+.1f} pts (p {item['p_value']:.3f})")
    print(f"Praise naming an agent: {len(report['praise'])}")
    for praise in report["praise"][:10]:
        mark = "thanked" if praise["thanked"] else "new"
        print(f"  [{mark}] {praise['name']}: {praise['comment']}")
    return 0


def cmd_batches(args) -> int:
    from cxmetrics.ingest import list_batches

    frame = list_batches(_open(args))
    if args.json:
        _print_json(json.loads(frame.to_json(orient="records", date_format="iso")))
        return 0
    if frame.empty:
        print("no batches yet: `cxmetrics demo` or `cxmetrics ingest KIND FILE`")
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
    print(frame[cols].to_string(index=False))
    return 0


def cmd_undo(args) -> int:
    from cxmetrics.ingest import undo_batch

    report = undo_batch(_open(args), args.batch_id)
    print(report.message)
    return 0


def cmd_rebuild(args) -> int:
    from cxmetrics.store import rollups

    store = _open(args)
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
        "kind", choices=["roster", "interactions", "adherence", "surveys", "targets", "kpis"]
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

    p = sub.add_parser("batches", help="list uploaded batches with their counts")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_batches)

    p = sub.add_parser("undo", help="remove a batch's rows (and its rollup contribution)")
    p.add_argument("batch_id", help="as listed by `cxmetrics batches` ('demo' for the demo)")
    p.set_defaults(func=cmd_undo)

    p = sub.add_parser("rebuild-rollups", help="recompute the daily rollups from raw facts")
    p.set_defaults(func=cmd_rebuild)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `cxmetrics` console script."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ValueError as exc:
        print(f"cxmetrics: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        if "lock" in str(exc).lower():
            print(
                "cxmetrics: the store is open in another process (is the app running?); "
                "stop it or point --db at another store",
                file=sys.stderr,
            )
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
