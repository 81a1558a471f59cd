"""Service stars, the most improved agents and the team that changed most for the better.

Stars rank agents by the *lower bound* of their 95 % NPS interval (adjusted Wald,
`stats.nps_interval`), so a 10/10 from two customers never beats +70 over 80 answers;
agents of internal service teams are ranked on colleague iNPS. A change is real when the
z-test of the two periods' scores (`stats.nps_se`) gives p < 0.05. Everything is computed
from the daily rollups in one set-based read (`engine.period_sums(..., by="agent")`); every
score, standard error and interval comes from `metrics/stats.py`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

import pandas as pd

from cxmetrics.metrics import stats
from cxmetrics.metrics.engine import SIGNIFICANCE, period_sums, sum_column
from cxmetrics.metrics.registry import default_registry, headline_metric
from cxmetrics.org import is_internal
from cxmetrics.periods import Period
from cxmetrics.recognition.values import none_if_missing, period_of
from cxmetrics.store import Store
from cxmetrics.store import recognition as recognition_store

# (sum names) per metric in the surveys rollup: n, promoters, detractors.
_NPS_SUMS = {
    "nps": ("nps_n", "promoters", "detractors"),
    "inps": ("inps_n", "inps_promoters", "inps_detractors"),
}


@dataclass(frozen=True)
class Star:
    """An agent's (i)NPS for a period with its 95 % adjusted-Wald interval."""

    agent_id: str
    name: str
    team_id: str | None
    team_name: str | None
    metric: str  # "nps" | "inps"
    value: float
    n: int
    ci_low: float
    ci_high: float

    @property
    def margin(self) -> float:
        """Half-width of the interval, in NPS points."""
        return (self.ci_high - self.ci_low) / 2

    def to_dict(self) -> dict:
        return _rounded(asdict(self))


@dataclass(frozen=True)
class Improvement(Star):
    """A significant rise of an agent's (i)NPS over the previous period."""

    previous: float = 0.0
    previous_n: int = 0
    delta: float = 0.0
    p_value: float = 1.0


@dataclass(frozen=True)
class TeamChange:
    """The team whose (i)NPS changed most for the better, significantly."""

    team_id: str
    team_name: str
    metric: str
    value: float
    n: int
    previous: float
    previous_n: int
    delta: float
    p_value: float

    def to_dict(self) -> dict:
        return _rounded(asdict(self))


def _rounded(values: dict) -> dict:
    out = {}
    for key, value in values.items():
        if isinstance(value, float):
            value = round(value, 6 if key == "p_value" else 4)
        out[key] = value
    return out


def _roster(store: Store, on: date, team: str | None) -> pd.DataFrame:
    """agent_id, name, team_id, team_name, internal: one row per roster agent, in `team`
    when given (a team's stars are that team's), else in the team they were in on `on`."""
    frame = recognition_store.roster(store, on, team)
    frame["internal"] = frame["function"].map(is_internal).astype(bool)
    return frame.drop(columns=["function", "nickname"])


def _estimates(sums: pd.DataFrame, roster: pd.DataFrame) -> pd.DataFrame:
    """Per agent row of `period_sums`: metric, n, promoters, detractors, value, se (value
    and se None where n is 0)."""
    frame = sums[sums["key"].notna()].merge(roster, how="left", left_on="key", right_on="agent_id")
    frame["agent_id"] = frame["key"].astype(str)
    frame["name"] = frame["name"].fillna(frame["agent_id"])
    frame["internal"] = frame["internal"].fillna(False).astype(bool)
    frame["metric"] = frame["internal"].map(
        {
            True: headline_metric(default_registry(), True),
            False: headline_metric(default_registry()),
        }
    )
    for i, part in enumerate(("n", "promoters", "detractors")):
        nps = frame[sum_column("surveys", _NPS_SUMS["nps"][i])]
        inps = frame[sum_column("surveys", _NPS_SUMS["inps"][i])]
        frame[part] = inps.where(frame["internal"], nps).fillna(0).astype(int)
    counts = list(
        zip(
            frame["promoters"].tolist(),
            frame["detractors"].tolist(),
            frame["n"].tolist(),
            strict=True,
        )
    )
    frame["value"] = pd.Series(
        [stats.nps_score(*c) for c in counts], index=frame.index, dtype=float
    )
    frame["se"] = pd.Series([stats.nps_se(*c) for c in counts], index=frame.index, dtype=float)
    return frame


def _interval(row) -> tuple[float, float]:
    low, high = stats.nps_interval(row.promoters, row.detractors, row.n)
    return low, high


def stars(
    store: Store, period: Period | str, *, team: str | None = None, limit: int = 5
) -> list[Star]:
    """The period's service stars: agents with at least `stars_min_n` answers, best lower
    bound of the 95 % (i)NPS interval first; ties by n (larger first), then agent id."""
    p = period_of(period)
    min_n = store.settings.stars_min_n
    sums = period_sums(store, p.start, p.end, team=team, by="agent", sources=("surveys",))
    if sums.empty or "key" not in sums.columns:
        return []
    frame = _estimates(sums, _roster(store, p.end, team))
    frame = frame[frame["n"] >= max(min_n, 1)].copy()
    if frame.empty:
        return []
    bounds = [_interval(row) for row in frame.itertuples()]
    frame["ci_low"] = [b[0] for b in bounds]
    frame["ci_high"] = [b[1] for b in bounds]
    frame = frame.sort_values(["ci_low", "n", "agent_id"], ascending=[False, False, True])
    return [
        Star(
            agent_id=row.agent_id,
            name=str(row.name),
            team_id=none_if_missing(row.team_id),
            team_name=none_if_missing(row.team_name),
            metric=row.metric,
            value=float(row.value),
            n=int(row.n),
            ci_low=float(row.ci_low),
            ci_high=float(row.ci_high),
        )
        for row in frame.head(max(limit, 0)).itertuples()
    ]


def most_improved(
    store: Store, period: Period | str, *, team: str | None = None, limit: int = 3
) -> list[Improvement]:
    """Agents whose (i)NPS rose significantly over the previous period (z-test with
    `stats.nps_se`, p < 0.05, both periods with at least `stars_min_n` answers), largest
    rise first; ties by n, then agent id."""
    p = period_of(period)
    min_n = max(store.settings.stars_min_n, 1)
    prev = p.previous()
    sums = period_sums(
        store, prev.start, p.end, grain=p.grain, team=team, by="agent", sources=("surveys",)
    )
    if sums.empty or "key" not in sums.columns:
        return []
    roster = _roster(store, p.end, team)
    cur = _estimates(sums[sums["bucket"] == p.start], roster)
    old = _estimates(sums[sums["bucket"] == prev.start], roster)[["agent_id", "n", "value", "se"]]
    both = cur.merge(old, on="agent_id", suffixes=("", "_prev"))
    both = both[(both["n"] >= min_n) & (both["n_prev"] >= min_n)]
    found = []
    for row in both.itertuples():
        test = stats.z_test(row.value, row.se, row.value_prev, row.se_prev)
        if test is None or test[1] >= SIGNIFICANCE or row.value <= row.value_prev:
            continue
        low, high = _interval(row)
        found.append(
            Improvement(
                agent_id=row.agent_id,
                name=str(row.name),
                team_id=none_if_missing(row.team_id),
                team_name=none_if_missing(row.team_name),
                metric=row.metric,
                value=float(row.value),
                n=int(row.n),
                ci_low=low,
                ci_high=high,
                previous=float(row.value_prev),
                previous_n=int(row.n_prev),
                delta=float(row.value - row.value_prev),
                p_value=float(test[1]),
            )
        )
    found.sort(key=lambda i: (-i.delta, -i.n, i.agent_id))
    return found[: max(limit, 0)]


def best_team_change(store: Store, period: Period | str) -> TeamChange | None:
    """The team with the largest significant rise of its (i)NPS over the previous period
    (z-test, p < 0.05; both periods at or above the metric's min_n and `stars_min_n`)."""
    p = period_of(period)
    prev = p.previous()
    registry = default_registry()
    sums = period_sums(store, prev.start, p.end, grain=p.grain, by="team", sources=("surveys",))
    if sums.empty or "key" not in sums.columns:
        return None
    teams = recognition_store.teams(store)
    info = {r.team_id: (r.name, is_internal(r.function)) for r in teams.itertuples()}
    best: TeamChange | None = None
    for key, group in sums.groupby("key", sort=True):
        if key not in info:
            continue
        name, internal = info[key]
        metric = headline_metric(registry, internal)
        min_n = max(registry[metric].min_n, store.settings.stars_min_n, 1)
        values = []
        for bucket in (p.start, prev.start):
            row = group[group["bucket"] == bucket]
            if row.empty:
                break
            n, pro, det = (float(row[sum_column("surveys", c)].iloc[0]) for c in _NPS_SUMS[metric])
            if n < min_n:
                break
            values.append((stats.nps_score(pro, det, n), stats.nps_se(pro, det, n), int(n)))
        if len(values) < 2:
            continue
        (value, se, n), (old, old_se, old_n) = values
        test = stats.z_test(value, se, old, old_se)
        if test is None or test[1] >= SIGNIFICANCE or value <= old:
            continue
        change = TeamChange(key, name, metric, value, n, old, old_n, value - old, test[1])
        if best is None or (change.delta, change.n) > (best.delta, best.n):
            best = change
    return best
