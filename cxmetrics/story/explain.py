"""Why a number moved: its change split by team into rate and mix.

For a metric that is a share of answers (NPS, iNPS, CSAT, any proportion), the whole is
the answers-weighted mean of its parts: V = Σ wᵢ·Vᵢ, wᵢ = the part's share of the
period's answers. Between the previous period (0) and this one (1):

    rate = Σ w₁·(V₁ − V₀)     parts scoring differently
    mix  = Σ (w₁ − w₀)·V₀     the share of answers coming from each part changing

and rate + mix = V₁ − V₀ exactly. Because the shares add up to 1 in both periods,
Σ (w₁ − w₀) = 0, so each part's mix is shown centred on the whole's previous value,
(w₁ − w₀)·(V₀ᵢ − V₀): a part whose share grew adds to the change when it scored above the
whole before, and takes from it when below (the total is the same). A part with no
answers in the previous period is measured against the whole's previous value; answers
with no team (no agent, within a team) form a part of their own. The parts describe where
a change came from; they are not tests (docs: README, "Why it moved").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from cxmetrics import org
from cxmetrics.metrics.engine import MetricResult, breakdown, scorecard
from cxmetrics.metrics.registry import Metric, default_registry
from cxmetrics.periods import Period
from cxmetrics.story.wording import noun_of

EXPLAINABLE_KINDS = ("nps", "proportion")  # a whole that is the weighted mean of its parts
CAVEAT = (
    "The parts describe where the change came from; they are not tests (only the change "
    "as a whole is tested)."
)
NO_TEAM = "No team"
NO_AGENT = "No agent"


@dataclass(frozen=True)
class PartInput:
    """One part's value and answers in both periods (value None when it had none)."""

    key: str | None
    name: str
    n: int
    value: float | None
    previous_n: int
    previous_value: float | None


@dataclass(frozen=True)
class Part:
    """A part's shares, values and its two effects (in the metric's unit)."""

    key: str | None
    name: str
    weight: float
    previous_weight: float
    value: float | None
    previous_value: float | None
    n: int
    previous_n: int
    rate_effect: float | None
    mix_effect: float | None


@dataclass(frozen=True)
class Decomposition:
    """A metric's change split into rate and mix, part by part."""

    metric: str
    label: str
    unit: str
    period: str
    previous_period: str
    team: str | None  # the team split by agent; None: the organisation split by team
    by: str  # "team" or "agent"
    value: float | None
    previous: float | None
    delta: float | None
    rate_effect: float | None
    mix_effect: float | None
    parts: list[Part] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The JSON of `cxmetrics explain`: parts keyed by team (team_id, team_name), or
        by agent (agent_id, agent_name) with the team named at the top."""
        key, name = ("agent_id", "agent_name") if self.by == "agent" else ("team_id", "team_name")
        out = {
            "metric": self.metric,
            "period": self.period,
            "previous_period": self.previous_period,
            "value": _round(self.value),
            "previous": _round(self.previous),
            "delta": _round(self.delta),
            "rate_effect": _round(self.rate_effect),
            "mix_effect": _round(self.mix_effect),
            "parts": [
                {
                    key: p.key,
                    name: p.name,
                    "weight": _round(p.weight, 6),
                    "previous_weight": _round(p.previous_weight, 6),
                    "value": _round(p.value),
                    "previous_value": _round(p.previous_value),
                    "rate_effect": _round(p.rate_effect),
                    "mix_effect": _round(p.mix_effect),
                }
                for p in self.parts
            ],
        }
        if self.team is not None:
            out = {"team": self.team, **out}
        return out


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits) + 0.0  # never -0.0


def decompose(inputs: Sequence[PartInput]) -> tuple[float | None, float | None, list[Part]]:
    """(rate, mix, parts) of the change of the answers-weighted mean of `inputs`.

    Effects are None when either period has no answers at all (there is no change to
    split); parts with no answers in either period are left out."""
    inputs = [p for p in inputs if p.n > 0 or p.previous_n > 0]
    total = sum(p.n for p in inputs)
    previous_total = sum(p.previous_n for p in inputs)
    weights = [p.n / total if total else 0.0 for p in inputs]
    previous_weights = [p.previous_n / previous_total if previous_total else 0.0 for p in inputs]
    comparable = total > 0 and previous_total > 0
    whole_before = (
        sum(w * (p.previous_value or 0.0) for w, p in zip(previous_weights, inputs, strict=True))
        if comparable
        else None
    )
    parts, rate, mix = [], 0.0, 0.0
    for p, w1, w0 in zip(inputs, weights, previous_weights, strict=True):
        rate_part = mix_part = None
        if whole_before is not None:
            # A part new this period is measured against the whole's previous value.
            reference = p.previous_value if p.previous_n > 0 else whole_before
            rate_part = w1 * (p.value - reference) if p.n > 0 else 0.0
            mix_part = (w1 - w0) * (reference - whole_before)
            rate += rate_part
            mix += mix_part
        parts.append(
            Part(
                key=p.key,
                name=p.name,
                weight=w1,
                previous_weight=w0,
                value=p.value if p.n > 0 else None,
                previous_value=p.previous_value if p.previous_n > 0 else None,
                n=p.n,
                previous_n=p.previous_n,
                rate_effect=rate_part,
                mix_effect=mix_part,
            )
        )
    if whole_before is None:
        return None, None, parts
    return rate, mix, parts


def explainable(registry: dict[str, Metric] | None = None) -> list[str]:
    """Ids of the metrics whose change can be split into rate and mix."""
    registry = registry or default_registry()
    return [m.id for m in registry.values() if m.kind in EXPLAINABLE_KINDS]


def _inputs(
    lines: dict[str | None, MetricResult], names: dict[str, str], missing: str
) -> list[PartInput]:
    """The parts in id order, the part with no team (no agent) last."""
    out = [
        PartInput(
            key,
            names.get(key, key) if key is not None else missing,
            line.n,
            line.value,
            line.previous_n,
            line.previous,
        )
        for key, line in lines.items()
    ]
    return sorted(out, key=lambda p: (p.key is None, p.key or ""))


def explain_lines(
    whole: MetricResult,
    lines: dict[str | None, MetricResult],
    *,
    period: Period,
    names: dict[str, str],
    team: str | None = None,
) -> Decomposition:
    """The decomposition of `whole` (a scorecard line) into `lines`, the same metric per
    team (per agent within `team`), as `engine.breakdown` gives them."""
    by = "agent" if team is not None else "team"
    inputs = _inputs(lines, names, NO_AGENT if team is not None else NO_TEAM)
    rate, mix, parts = decompose(inputs)
    return Decomposition(
        metric=whole.id,
        label=whole.label,
        unit=whole.unit,
        period=period.label,
        previous_period=period.previous().label,
        team=team,
        by=by,
        value=whole.value,
        previous=whole.previous,
        delta=whole.delta,
        rate_effect=rate,
        mix_effect=mix,
        parts=parts,
    )


def explain(store, period: Period, metric_id: str, *, team: str | None = None) -> Decomposition:
    """Why `metric_id` moved in `period`: for the organisation split by team, for `team`
    split by agent. Values are the scorecard's (engine.scorecard and engine.breakdown)."""
    registry = default_registry()
    metric = registry.get(metric_id)
    choices = ", ".join(explainable(registry))
    if metric is None or metric.kind not in EXPLAINABLE_KINDS:
        raise ValueError(f"metric `{metric_id}` cannot be split into rate and mix: use {choices}")
    if team is not None and "agent" not in metric.scopes:
        raise ValueError(
            f"{metric.label} is a queue measure and has no value per agent: explain it for "
            "the organisation (split by team), without --team"
        )
    only = {metric.id: metric}
    whole = scorecard(store, period, team=team, registry=only).by_id()[metric.id]
    by = "agent" if team is not None else "team"
    per_part = breakdown(store, period, by, team=team, registry=only)
    lines = {key: results[0] for key, results in per_part.items()}
    if team is None:
        names = org.list_teams(store).set_index("team_id")["name"].to_dict()
    else:
        prev = period.previous()
        agents = org.list_agents(store, team, first=prev.start, last=period.end)
        names = agents.set_index("agent_id")["name"].to_dict()
    return explain_lines(whole, lines, period=period, names=names, team=team)


@dataclass(frozen=True)
class Step:
    """One bar of the waterfall: a total (start or end) or an effect, from `start` to `end`."""

    label: str
    kind: str  # "total", "rate" (a part scoring differently) or "mix"
    amount: float
    start: float
    end: float


def waterfall(decomposition: Decomposition, most: int = 6) -> list[Step]:
    """The waterfall of a decomposition: the previous value, each part's rate effect (the
    `most` largest; the rest as "Other teams"/"Other agents"), the mix, and this period's
    value. Empty when there is no change to split."""
    d = decomposition
    if d.value is None or d.previous is None or d.rate_effect is None or d.mix_effect is None:
        return []
    steps = [Step(d.previous_period, "total", d.previous, 0.0, d.previous)]
    moving = sorted(
        (p for p in d.parts if p.rate_effect), key=lambda p: (-abs(p.rate_effect), p.name)
    )
    shown, rest = moving[:most], moving[most:]
    if len(rest) == 1:  # one more part is shown as itself, not as "Other teams (1)"
        shown, rest = moving, []
    level = d.previous
    for part in shown:
        steps.append(Step(part.name, "rate", part.rate_effect, level, level + part.rate_effect))
        level += part.rate_effect
    if rest:
        amount = sum(p.rate_effect for p in rest)
        others = "Other agents" if d.by == "agent" else "Other teams"
        steps.append(Step(f"{others} ({len(rest)})", "rate", amount, level, level + amount))
        level += amount
    label = f"Mix: shares of {noun_of(d.metric)}"
    steps.append(Step(label, "mix", d.mix_effect, level, level + d.mix_effect))
    steps.append(Step(d.period, "total", d.value, 0.0, d.value))
    return steps
