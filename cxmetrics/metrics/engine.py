"""Compute registry metrics for a period × scope from the daily rollups.

Every metric is evaluated from sums (ratios of sums at every level, never averages of
ratios). One primitive, `period_sums`, reads the rollups; the scorecard, the agent and
team breakdowns and the trend are all built on it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import date
from functools import cache

import pandas as pd

from cxmetrics import learning
from cxmetrics.config import describe_service_level
from cxmetrics.formatting import format_business, format_count
from cxmetrics.metrics import stats
from cxmetrics.metrics.registry import (
    BusinessKpi,
    Metric,
    Part,
    business_registry,
    default_registry,
    default_tolerance,
)
from cxmetrics.periods import Period
from cxmetrics.store import Reader, Store, sums
from cxmetrics.store import targets as stored_targets
from cxmetrics.store.measures import ROLLUP_SUMS, SOURCES, measure_name
from cxmetrics.store.membership import stretches_of, team_in, team_on, teams_on
from cxmetrics.store.rollups import product_measure, units_measure
from cxmetrics.store.sums import Sums

SIGNIFICANCE = 0.05


def sum_column(source: str, name: str) -> str:
    """Column name of a rollup sum in `period_sums` frames (the measure's name)."""
    return measure_name(source, name)


def read_sums(
    db: Store | Reader,
    first: date,
    last: date,
    *,
    grain: str | None = None,
    team: str | None = None,
    agent: str | None = None,
    by: str | None = None,
    sources: Iterable[str] = SOURCES,
    clustered: Iterable[Metric] = (),
    only: Collection[str] | None = None,
) -> Sums:
    """Sums of every rollup measure between two local dates, per period bucket and group
    (`store.sums.read`). `grain` buckets rows by the start date of their week/month/quarter/
    year; `by` ("team" or "agent") groups by team or agent. The team of a row is its own
    team_id, else the team its agent was in on the row's date. With `clustered` ratio
    metrics, their unit moments come in the same statement. `only`: the measures wanted (see
    `scope_measures`), the others are not read from the agent rollups."""
    sources = tuple(sources)
    clustered = tuple(m for m in clustered if set(m.sources) <= set(sources))
    unit_sources = tuple(sorted({m.sources[0] for m in clustered}))
    return sums.read(
        db, first, last, grain=grain, team=team, agent=agent, by=by, sources=sources,
        unit_sources=unit_sources, only=only,
    )  # fmt: skip


def scope_measures(registry: Mapping[str, Metric], scope: str) -> frozenset[str]:
    """The rollup measures that the metrics applicable at `scope` are made of: an agent's
    scorecard and an agent table read no others (a queue measure is not applicable to an
    agent, so its sums would be read for nothing)."""
    return frozenset(
        measure_name(source, name)
        for metric in registry.values()
        if scope in metric.scopes
        for part in metric.parts.values()
        for source, name in part
    )


def clustered_metrics(registry: Mapping[str, Metric]) -> tuple[Metric, ...]:
    """The registry's ratios whose interval treats agents as the units."""
    return tuple(m for m in registry.values() if m.cluster)


def period_sums(
    store: Store | Reader,
    first: date,
    last: date,
    *,
    grain: str | None = None,
    team: str | None = None,
    agent: str | None = None,
    by: str | None = None,
    sources: Iterable[str] = SOURCES,
) -> pd.DataFrame:
    """`read_sums` as a frame: `bucket` (with a grain), `key` (with `by`), then a column
    per rollup sum (`sum_column(source, name)`), zero where nothing was recorded."""
    sources = tuple(sources)
    sums = read_sums(
        store, first, last, grain=grain, team=team, agent=agent, by=by, sources=sources
    )
    names = [measure_name(src, c) for src in sources for c in ROLLUP_SUMS[src]]
    keys = (["bucket"] if grain else []) + (["key"] if by else [])
    if not sums and not keys:  # a total over nothing is a row of zeros, as SQL sums give
        sums = {(None, None): {}}
    rows = [
        [bucket] * bool(grain) + [key] * bool(by) + [totals.get(n, 0) for n in names]
        for (bucket, key), totals in sums.items()
    ]
    frame = pd.DataFrame(rows, columns=keys + names)
    return frame.sort_values(keys, ignore_index=True) if keys and len(frame) else frame


@dataclass(frozen=True)
class Estimate:
    """A metric's value with its sample size and uncertainty (value units).

    `counts` (successes, trials) is kept for proportions, whose change test is the pooled
    two-proportion test; `excluded` counts the units a ratio left out (agent-days with
    contacts but no logged time, or the reverse)."""

    value: float | None
    n: int
    se: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    counts: tuple[float, float] | None = None
    excluded: int | None = None


@cache
def _measures(part: Part) -> tuple[str, ...]:
    return tuple(measure_name(src, name) for src, name in part)


def _total(sums: Mapping[str, float], part: Part) -> float:
    return float(sum(sums.get(m, 0) or 0 for m in _measures(part)))


@cache
def _moment_keys(metric: Metric) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], str]:
    """Names of the stored moments that make ΣY², ΣX², ΣXY and G of a clustered ratio."""
    source = metric.sources[0]
    ys, xs = ([name for _, name in metric.parts[p]] for p in ("numerator", "denominator"))

    def products(left: list[str], right: list[str]) -> tuple[str, ...]:
        return tuple(product_measure(source, a, b) for a in left for b in right)

    ((_, count),) = metric.parts["n"]
    return products(ys, ys), products(xs, xs), products(xs, ys), units_measure(source, count)


def _unit_moments(metric: Metric, sums: Mapping[str, float]) -> tuple[float, float, float, float]:
    """(ΣY², ΣX², ΣXY, G) over the units of a clustered ratio, Y and X being each unit's
    numerator and denominator totals (Y = Σ of its columns, so ΣY² adds every product of
    two of them), from the rollup's stored or computed moments."""
    yy, xx, xy, units = _moment_keys(metric)

    def moment(keys: tuple[str, ...]) -> float:
        return sum(float(sums.get(key) or 0) for key in keys)

    return moment(yy), moment(xx), moment(xy), float(sums.get(units) or 0)


def estimate(metric: Metric, sums: Mapping[str, float]) -> Estimate:
    """Evaluate one metric on a mapping of rollup sums (a row of `period_sums`)."""
    p = {name: _total(sums, part) for name, part in metric.parts.items()}
    if metric.kind == "nps":
        n = int(p["n"])
        if n == 0:
            return Estimate(None, 0)
        interval = stats.nps_interval(p["promoters"], p["detractors"], n)
        return Estimate(
            stats.nps_score(p["promoters"], p["detractors"], n),
            n,
            stats.nps_se(p["promoters"], p["detractors"], n),
            *interval,
        )
    if metric.kind == "proportion":
        n = int(p["denominator"])
        if n == 0:
            return Estimate(None, 0)
        low, high = stats.wilson_interval(p["numerator"], n)
        return Estimate(
            metric.scale * p["numerator"] / n,
            n,
            metric.scale * stats.proportion_se(p["numerator"], n),
            metric.scale * low,
            metric.scale * high,
            counts=(p["numerator"], n),
        )
    if metric.kind == "mean":
        n = int(p["denominator"])
        if n == 0:
            return Estimate(None, 0)
        value = metric.scale * p["numerator"] / n
        spread = stats.mean_interval(p["numerator"], p["numerator_sq"], n)
        if spread is None:
            return Estimate(value, n)
        se, low, high = spread
        return Estimate(value, n, metric.scale * se, metric.scale * low, metric.scale * high)
    if metric.kind == "ratio":
        n = int(p["n"])
        excluded = int(p["excluded"]) if "excluded" in p else None
        if n == 0 or p["denominator"] == 0:  # e.g. logged time but no contacts at all
            return Estimate(None, n, excluded=excluded)
        value = metric.scale * p["numerator"] / p["denominator"]
        se = None
        if metric.cluster:
            raw = stats.ratio_se(p["numerator"], p["denominator"], *_unit_moments(metric, sums))
            se = None if raw is None else metric.scale * raw
        if se is None:
            return Estimate(value, n, excluded=excluded)
        low, high = value - stats.Z95 * se, value + stats.Z95 * se
        return Estimate(value, n, se, low, high, excluded=excluded)
    if metric.kind == "count":
        n = int(p["numerator"])
        return Estimate(float(n) if n else None, n)
    raise AssertionError(f"unhandled kind {metric.kind}")  # registry validation prevents it


def status_of(metric: Metric, est: Estimate, target: float | None, tolerance: float | None) -> str:
    """green / amber / red against the target; insufficient below min_n; none without target.

    Metrics with no better direction but a target (conformance, occupancy) are judged by
    their distance from the target either way: green within ± the tolerance, amber within
    ± twice it, red beyond.
    """
    if est.value is None or est.n < metric.min_n:
        return "insufficient"
    if target is None:
        return "none"
    tol = tolerance or 0.0
    if metric.direction == "higher":
        gap = target - est.value
    elif metric.direction == "lower":
        gap = est.value - target
    else:
        gap = abs(est.value - target) - tol  # within ±tol is green, ±2·tol amber
    if gap <= 0:
        return "green"
    return "amber" if gap <= tol else "red"


# Statuses beside green / amber / red / insufficient / none: never coloured.
NOT_APPLICABLE = "not_applicable"  # a queue measure on an agent's scorecard
PROVISIONAL = "provisional"  # the follow-up window of the period is still open
QUEUE_MEASURE = "a queue measure"
NO_TEST = "no test"  # the change of a business KPI: shown, never tested


@dataclass
class MetricResult:
    """A scorecard line: the number, how sure we are, how it compares, and its status."""

    id: str
    label: str
    group: str
    unit: str
    direction: str
    value: float | None
    n: int
    ci_low: float | None
    ci_high: float | None
    se: float | None
    min_n: int
    target: float | None
    amber_tolerance: float | None
    status: str
    target_in_interval: bool | None
    previous: float | None = None
    previous_n: int = 0
    delta: float | None = None
    p_value: float | None = None
    significant: bool | None = None
    change: str | None = None  # "better" | "worse" | "no real change" | None (not comparable)
    provisional: bool = False  # the period is too recent for the value to be final
    note: str | None = None  # why not applicable, or which thresholds apply
    excluded: int | None = None  # units left out of a matched ratio (agent-days)

    def to_dict(self) -> dict:
        """JSON form: rates 0–100, times in seconds, null where there is no data."""
        # Every field is a number, text, flag or None: a shallow copy is `asdict` without
        # its deep copy of each value (pages turn thousands of lines into dicts).
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        for key in ("value", "ci_low", "ci_high", "se", "previous", "delta"):
            if out[key] is not None:
                out[key] = round(out[key], 4)
        if out["p_value"] is not None:
            out["p_value"] = round(out["p_value"], 6)
        return out


@dataclass
class Scorecard:
    """Every registry metric for one period and scope."""

    period: Period
    team: str | None
    agent: str | None
    previous_period: Period
    metrics: list[MetricResult] = field(default_factory=list)

    def by_id(self) -> dict[str, MetricResult]:
        return {m.id: m for m in self.metrics}

    def to_dict(self) -> dict:
        return {
            "period": self.period.label,
            "start": self.period.start.isoformat(),
            "end": self.period.end.isoformat(),
            "previous_period": self.previous_period.label,
            "scope": {"team": self.team, "agent": self.agent},
            "metrics": [m.to_dict() for m in self.metrics],
        }


def compare(metric: Metric, cur: Estimate, prev: Estimate, provisional: bool = False) -> tuple:
    """(delta, p_value, significant, change) of `cur` against `prev` (p < 0.05).

    Proportions use the pooled two-proportion (score) test, consistent with their Wilson
    intervals; NPS, means and clustered ratios a z-test on the two estimates and SEs.
    A provisional value is never claimed as a change: its follow-up window is still open.
    """
    if cur.value is None or prev.value is None:
        return None, None, None, None
    delta = cur.value - prev.value
    testable = cur.n >= metric.min_n and prev.n >= metric.min_n and not provisional
    test = None
    if testable and cur.counts is not None and prev.counts is not None:
        test = stats.two_proportion_test(*cur.counts, *prev.counts)
    elif testable:
        test = stats.z_test(cur.value, cur.se, prev.value, prev.se)
    if test is None:
        return delta, None, False, None
    p_value = test[1]
    significant = p_value < SIGNIFICANCE
    if not significant:
        return delta, p_value, False, "no real change"
    if metric.direction == "none":
        return delta, p_value, True, "up" if delta > 0 else "down"
    better = (delta > 0) == (metric.direction == "higher")
    return delta, p_value, True, "better" if better else "worse"


def target_rows(store: Store | Reader, on: date) -> list[tuple]:
    """Every target row effective on or before `on` (any team), in override order:
    org-wide rows before team rows, each oldest first (see `resolve_targets`).
    Remembered for the store's data version."""

    def read(db: Reader) -> list[tuple]:
        rows = stored_targets.rows_in_force(db, on)
        return sorted(rows, key=lambda r: (r[1] is not None, r[4]))

    return store.remembered(("target_rows", on), read)


def resolve_targets(
    rows: Iterable, on: date, team: str | None, registry: Mapping[str, Metric]
) -> dict[str, tuple[float | None, float | None]]:
    """Target and amber tolerance per metric id in force on `on` for `team` (or the org),
    from `target_rows`: the latest row effective on or before `on` wins; a team's own row
    beats the org-wide one; with no row the registry default applies."""
    out = {m.id: (m.target, m.amber_tolerance) for m in registry.values()}
    for metric_id, team_id, target, tolerance, effective_from in rows:
        if effective_from > on or (team_id is not None and team_id != team):
            continue
        metric = registry.get(metric_id)
        unit = metric.unit if metric else "count"
        out[metric_id] = (
            target,
            tolerance if tolerance is not None else default_tolerance(unit, target),
        )
    return out


def targets_for(
    store: Store | Reader,
    on: date,
    team: str | None,
    registry: Mapping[str, Metric] | None = None,
) -> dict[str, tuple[float | None, float | None]]:
    """Target and amber tolerance per metric id in force on `on` for `team` (or the org)."""
    registry = registry or default_registry()
    return resolve_targets(target_rows(store, on), on, team, registry)


def team_of_agent(store: Store | Reader, agent: str, on: date) -> str | None:
    """The team whose targets apply to an agent for a period ending `on`: the team the
    agent was in that day."""
    return team_on(store, agent, on)


def scorecard(
    store: Store,
    period: Period,
    *,
    team: str | None = None,
    agent: str | None = None,
    registry: Mapping[str, Metric] | None = None,
) -> Scorecard:
    """All registry metrics for `period` and a scope (org, a team, or an agent)."""
    registry = registry or default_registry()
    prev = period.previous()
    with store.snapshot() as db:
        sums = read_sums(
            db,
            prev.start,
            period.end,
            grain=period.grain,
            team=team,
            agent=agent,
            clustered=clustered_metrics(registry),
            only=None if agent is None else scope_measures(registry, "agent"),
        )
        target_team = team if agent is None else team_of_agent(db, agent, period.end)
        targets = targets_for(db, period.end, target_team, registry)
        as_of = source_dates(db)
    notes = metric_notes(store)
    scope = "agent" if agent is not None else "team" if team is not None else "org"
    cur_sums, prev_sums = sums.get((period.start, None), {}), sums.get((prev.start, None), {})
    card = Scorecard(period, team, agent, prev)
    for metric in registry.values():
        card.metrics.append(
            result_for(
                metric,
                cur_sums,
                prev_sums,
                *targets[metric.id],
                as_of=as_of,
                end=period.end,
                scope=scope,
                note=notes.get(metric.id),
            )
        )
    return card


def metric_notes(store: Store | Reader) -> dict[str, str]:
    """What a metric's number depends on beyond its formula: the service-level thresholds
    of each channel, from the settings."""
    settings = getattr(store, "settings", None)
    return {"service_level": describe_service_level(settings)} if settings else {}


def is_provisional(metric: Metric, end: date, as_of: Mapping[str, date] | None) -> bool:
    """True when the data cannot yet settle a period ending on `end`: the last date of
    the metric's own sources (`source_dates`) is fewer than its maturity days after it.
    A survey loaded later does not make interaction follow-ups final."""
    if not metric.matures_after_days or not as_of:
        return False
    known = [as_of.get(source) for source in metric.sources]
    if any(day is None for day in known):
        return False
    return (min(known) - end).days < metric.matures_after_days


def not_applicable(metric: Metric, reason: str) -> MetricResult:
    """A scorecard line for a metric that has no meaning in this scope: no value, no colour."""
    return MetricResult(
        id=metric.id,
        label=metric.label,
        group=metric.group,
        unit=metric.unit,
        direction=metric.direction,
        value=None,
        n=0,
        ci_low=None,
        ci_high=None,
        se=None,
        min_n=metric.min_n,
        target=None,
        amber_tolerance=None,
        status=NOT_APPLICABLE,
        target_in_interval=None,
        note=reason,
    )


def result_for(
    metric: Metric,
    cur_sums: Mapping[str, float],
    prev_sums: Mapping[str, float] | None,
    target: float | None,
    tolerance: float | None,
    *,
    as_of: Mapping[str, date] | None = None,
    end: date | None = None,
    scope: str = "org",
    note: str | None = None,
) -> MetricResult:
    """One scorecard line from current (and previous) sums and the target in force.

    A queue measure on an agent's scorecard is not applicable; a provisional value gets
    no status colour (status `provisional`) unless it has too few answers to judge at all.
    """
    if scope not in metric.scopes:
        return not_applicable(metric, QUEUE_MEASURE)
    cur = estimate(metric, cur_sums)
    prev = estimate(metric, prev_sums) if prev_sums is not None else Estimate(None, 0)
    provisional = end is not None and is_provisional(metric, end, as_of)
    delta, p_value, significant, change = compare(metric, cur, prev, provisional)
    status = status_of(metric, cur, target, tolerance)
    if provisional and status != "insufficient":
        status = PROVISIONAL
    in_interval = None
    if (
        target is not None
        and cur.ci_low is not None
        and status not in ("insufficient", PROVISIONAL)
    ):
        in_interval = cur.ci_low <= target <= cur.ci_high
    return MetricResult(
        id=metric.id,
        label=metric.label,
        group=metric.group,
        unit=metric.unit,
        direction=metric.direction,
        value=cur.value,
        n=cur.n,
        ci_low=cur.ci_low,
        ci_high=cur.ci_high,
        se=cur.se,
        min_n=metric.min_n,
        target=target,
        amber_tolerance=tolerance,
        status=status,
        target_in_interval=in_interval,
        previous=prev.value,
        previous_n=prev.n,
        delta=delta,
        p_value=p_value,
        significant=significant,
        change=change,
        provisional=provisional,
        note=note,
        excluded=cur.excluded,
    )


def breakdown(
    store: Store,
    period: Period,
    by: str,
    *,
    team: str | None = None,
    registry: Mapping[str, Metric] | None = None,
) -> dict[str | None, list[MetricResult]]:
    """Scorecard lines per team or per agent (within `team` when given) for `period`."""
    registry = registry or default_registry()
    prev = period.previous()
    out: dict[str | None, list[MetricResult]] = {}
    with store.snapshot() as db:
        sums = read_sums(
            db,
            prev.start,
            period.end,
            grain=period.grain,
            team=team,
            by=by,
            clustered=clustered_metrics(registry),
            only=scope_measures(registry, by) if by == "agent" else None,
        )
        if not sums:
            return out
        teams = roster_teams_on(db, period.end) if by == "agent" else {}
        as_of = source_dates(db)
        targets = target_rows(db, period.end)
    notes = metric_notes(store)
    keys = sorted({key for _, key in sums}, key=lambda k: (k is None, k or ""))
    target_cache: dict[str | None, dict] = {}
    for key in keys:
        cur, prv = sums.get((period.start, key), {}), sums.get((prev.start, key))
        target_team = key if by == "team" else teams.get(key, team)
        if target_team not in target_cache:
            target_cache[target_team] = resolve_targets(targets, period.end, target_team, registry)
        out[key] = [
            result_for(
                m,
                cur,
                prv or None,
                *target_cache[target_team][m.id],
                as_of=as_of,
                end=period.end,
                scope=by,
                note=notes.get(m.id),
            )
            for m in registry.values()
        ]
    return out


def trend(
    store: Store,
    period: Period,
    *,
    count: int = 13,
    team: str | None = None,
    agent: str | None = None,
    registry: Mapping[str, Metric] | None = None,
) -> pd.DataFrame:
    """One row per (period, metric) for the `count` periods ending with `period`.

    Columns: period, start, metric, value, n, ci_low, ci_high, target, provisional. A
    queue measure on an agent's trend has no value (not applicable).
    """
    registry = registry or default_registry()
    periods = period.back(count)
    with store.snapshot() as db:
        sums = read_sums(
            db,
            periods[0].start,
            period.end,
            grain=period.grain,
            team=team,
            agent=agent,
            clustered=clustered_metrics(registry),
        )
        stretches = stretches_of(db, agent) if agent is not None else []
        target_teams = {
            p.end: team if agent is None else team_in(stretches, p.end) for p in periods
        }
        as_of = source_dates(db)
        in_force = target_rows(db, period.end)
    targets_by_end = {
        p.end: resolve_targets(in_force, p.end, target_teams[p.end], registry) for p in periods
    }
    scope = "agent" if agent is not None else "team" if team is not None else "org"
    rows = []
    for p in periods:
        cur = sums.get((p.start, None), {})
        targets = targets_by_end[p.end]
        for metric in registry.values():
            applies = scope in metric.scopes
            est = estimate(metric, cur) if applies else Estimate(None, 0)
            rows.append(
                {
                    "period": p.label,
                    "start": p.start,
                    "metric": metric.id,
                    "value": est.value,
                    "n": est.n,
                    "ci_low": est.ci_low,
                    "ci_high": est.ci_high,
                    "target": targets[metric.id][0] if applies else None,
                    "provisional": is_provisional(metric, p.end, as_of),
                }
            )
    return pd.DataFrame(rows)


def data_as_of(store: Store | Reader) -> date | None:
    """The latest local date with any interaction, survey or adherence data (remembered by
    a Store until its next write)."""

    dates = source_dates(store)
    return max(dates.values()) if dates else None


def roster_teams_on(store: Store | Reader, day: date) -> dict[str, str]:
    """agent_id -> the team each agent of the roster was in on `day`, remembered by a Store
    until its next write: an agent table's targets follow its agents' teams, and every
    table of the day (each team's, the org's) asks for the same map."""
    return store.remembered(("teams_on", day), lambda db: teams_on(db, day))


def source_dates(store: Store | Reader) -> dict[str, date]:
    """The latest local date with data of each rollup source (interactions, surveys,
    adherence), remembered by a Store until its next write: a metric's maturity is judged
    against its own source, not against the newest row of any upload."""

    return store.remembered("source_dates", sums.last_dates)


@dataclass
class BusinessResult:
    """A business KPI (uploaded to kpi_values, or computed from the learning rows) for a
    period and scope, with its previous value."""

    id: str
    label: str
    unit: str
    direction: str
    value: float | None
    n: int
    previous: float | None
    delta: float | None
    target: float | None
    status: str
    # Uploaded as finished numbers, with no spread to test against: a change is never
    # called real or not, only shown, as "no test".
    change: str | None = None
    basis: str = ""  # what the value rests on, in words ("mean of 12 reported values")

    def to_dict(self) -> dict:
        return asdict(self)


def business_kpis(store: Store, period: Period, *, team: str | None = None) -> list[BusinessResult]:
    """Business KPIs for `period`: a team's own rows, or for the org its org-wide rows when
    there are any, else every team's rows. No statistics: these arrive as finished numbers.
    """
    prev = period.previous()
    frame = sums.business_sums(store, period.start, prev.start, period.end, team)
    declared = business_registry()
    targets = targets_for(store, period.end, team)
    out = []
    computed = {k.id for k in declared.values() if k.source != "kpis"}
    uploaded = set(frame["metric_id"]) - computed  # a computed KPI's uploaded rows: not used
    for metric_id in sorted(uploaded | computed, key=lambda m: (m not in declared, m)):
        if metric_id in computed:
            result = computed_kpi(store, declared[metric_id], period, team, targets)
            if result is not None:
                out.append(result)
            continue
        kpi = declared.get(metric_id) or BusinessKpi(metric_id, metric_id.replace("_", " "))
        rows = frame[frame["metric_id"] == metric_id]
        if team is None and rows["org_row"].any():
            rows = rows[rows["org_row"]]

        def agg(current: bool, rows=rows, kpi=kpi) -> tuple[float | None, int]:
            part = rows[rows["current"] == current]
            n = int(part["n"].sum())
            if not n:
                return None, 0
            if kpi.aggregation == "sum":
                return float(part["total"].sum()), n
            return float(part["total"].sum()) / n, n

        value, n = agg(True)
        previous, _ = agg(False)
        target = targets.get(metric_id, (None, None))[0]
        basis = f"{kpi.aggregation} of {format_count(n)} reported values" if n else "no values"
        out.append(business_result(kpi, value, n, previous, target, basis))
    return out


def business_result(
    kpi: BusinessKpi,
    value: float | None,
    n: int,
    previous: float | None,
    target: float | None,
    basis: str,
) -> BusinessResult:
    """A business KPI's line: met (green) or not (red) against its target, no test."""
    status = "insufficient" if value is None else "none"
    if value is not None and target is not None and kpi.direction != "none":
        met = value >= target if kpi.direction == "higher" else value <= target
        status = "green" if met else "red"
    return BusinessResult(
        id=kpi.id,
        label=kpi.label,
        unit=kpi.unit,
        direction=kpi.direction,
        value=value,
        n=n,
        previous=previous,
        delta=None if value is None or previous is None else value - previous,
        target=target,
        status=status,
        change=None if value is None or previous is None else NO_TEST,
        basis=basis,
    )


def computed_kpi(
    store: Store,
    kpi: BusinessKpi,
    period: Period,
    team: str | None,
    targets: Mapping[str, tuple[float | None, float | None]],
) -> BusinessResult | None:
    """A business KPI computed from another kind's rows (learning hours per agent: the
    hours logged in the period ÷ the agents in the scope during it; `n` counts those
    agents). None when neither period holds any of its rows."""
    now, before = (learning.hours_in(store, p, team=team) for p in (period, period.previous()))
    if not now.hours and not before.hours:
        return None
    previous = before.per_agent if before.hours else None
    target = targets.get(kpi.id, (None, None))[0]
    agents = f"{format_count(now.agents)} agent" + ("" if now.agents == 1 else "s")
    basis = f"{format_business(now.hours, kpi.unit)} logged, {agents} in scope"
    return business_result(kpi, now.per_agent, now.agents, previous, target, basis)
