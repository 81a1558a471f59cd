"""The headline of a period, as a leader reads it aloud: what changed for real (the scope
first, then each team, each ranked by size, up and down), what is off target, the stars
and how much praise came in. When nothing changed for real it says so and names the
largest movements as noise.

A pure function of the scorecard's results (`engine.scorecard`, `engine.breakdown` by
team, `stars.pick_stars`): it returns the items and the sentences made from them.

Size ranks changes of different units: for rates and NPS the change in points, for times,
counts and other units the change as a percentage of the previous value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field

from cxmetrics.formatting import spoken as fmt
from cxmetrics.metrics.engine import MetricResult, Scorecard
from cxmetrics.story.periods import PeriodNotes
from cxmetrics.story.stars import StarsPick
from cxmetrics.story.wording import change_sentence, is_real, label_of, period_word

MOST_SENTENCES = 6  # real changes said one by one, per group (the scope, the teams)
MOST_NOISE = 3  # movements named as noise when nothing changed for real
STAR_METRIC = {"nps": "NPS", "inps": "iNPS"}
POINT_UNITS = ("%", "pts")


@dataclass(frozen=True)
class Movement:
    """A change of one metric against the previous period, in one scope."""

    scope: str | None  # team id; None for the headline's own scope
    scope_name: str | None
    metric: str
    label: str
    unit: str
    value: float
    previous: float
    delta: float
    change: str | None  # better / worse / up / down / no real change / None (not tested)
    real: bool
    p_value: float | None
    n: int
    previous_n: int
    size: float  # points for rates and NPS, % of the previous value otherwise


@dataclass(frozen=True)
class OffTarget:
    """A metric whose status is red (off target) or amber (near target)."""

    metric: str
    label: str
    unit: str
    value: float
    target: float
    status: str


@dataclass
class Headline:
    """What a period's numbers say, as items and as sentences."""

    period: str
    scope_name: str  # "the organisation" or the team's name
    changes: list[Movement] = field(default_factory=list)  # real: scope first, then teams
    noise: list[Movement] = field(default_factory=list)  # largest movements when none is real
    off_target: list[OffTarget] = field(default_factory=list)
    stars: StarsPick | None = None
    praise: int | None = None
    notes: list[str] = field(default_factory=list)  # partial or empty periods
    sentences: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        out = asdict(self)
        out["stars"] = self.stars.to_dict() if self.stars is not None else None
        return out


def size_of(line: MetricResult) -> float:
    """How big a change is, comparable across units (see the module's docstring)."""
    if line.unit in POINT_UNITS or not line.previous:
        return abs(line.delta)
    return 100.0 * abs(line.delta) / abs(line.previous)


def _movement(line: MetricResult, label: str, scope: str | None, name: str | None) -> Movement:
    return Movement(
        scope=scope,
        scope_name=name,
        metric=line.id,
        label=label,
        unit=line.unit,
        value=line.value,
        previous=line.previous,
        delta=line.delta,
        change=line.change,
        real=is_real(line),
        p_value=line.p_value,
        n=line.n,
        previous_n=line.previous_n,
        size=size_of(line),
    )


def _movements(
    lines: Sequence[MetricResult],
    labels: Mapping[str, str],
    scope: str | None = None,
    name: str | None = None,
) -> list[Movement]:
    """Every line that moved against a previous value, in registry order."""
    return [
        _movement(line, labels.get(line.id, label_of(line.label)), scope, name)
        for line in lines
        if line.delta is not None and line.value is not None and line.previous is not None
    ]


def _ranked(moves: list[Movement], order: Mapping[str, int]) -> list[Movement]:
    return sorted(moves, key=lambda m: (-m.size, order.get(m.metric, 0), m.scope_name or ""))


def _said(move: Movement, line: MetricResult) -> str:
    return change_sentence(move.label, line, move.scope_name)


def _noise_text(moves: list[Movement]) -> str:
    return ", ".join(f"{m.label} {fmt(m.delta, m.unit, 'signed')}" for m in moves)


def _stars_sentence(pick: StarsPick, when: str, scope_name: str) -> str:
    if not pick.stars:
        return f"No service stars {when}: {pick.reason}."
    names = "; ".join(
        f"{s.name}"
        + (f" ({s.team_name})" if s.team_name and s.team_name != scope_name else "")
        + f", {STAR_METRIC.get(s.metric, s.metric)} {fmt(s.value, 'pts')} from {s.n:,} answers"
        for s in pick.stars
    )
    if pick.fallback:
        return (
            f"No agent had {pick.min_n} or more answers {when}, so the stars of "
            f"{pick.label}: {names}."
        )
    return f"Service stars: {names}."


def _praise_sentence(count: int, when: str) -> str:
    if count == 0:
        return f"No comment praised an agent by name {when}."
    comments = "comment" if count == 1 else "comments"
    return f"{count:,} {comments} praised an agent by name {when}."


def headline(
    card: Scorecard,
    teams: Mapping[str | None, Sequence[MetricResult]] | None = None,
    *,
    team_names: Mapping[str, str] | None = None,
    scope_name: str | None = None,
    labels: Mapping[str, str] | None = None,
    stars: StarsPick | None = None,
    praise: int | None = None,
    coverage: PeriodNotes | None = None,
) -> Headline:
    """The headline of `card` (org or a team) and, for the org, of each team's lines
    (`teams`: engine.breakdown by team; the part with no team is not a team and is left
    out). `labels` names metrics (default: their registry label without the threshold);
    `stars` and `praise` (comments praising an agent) come from the same period;
    `coverage` says how much of the period (and the previous one) the data covers."""
    labels = labels or {}
    team_names = team_names or {}
    order = {line.id: i for i, line in enumerate(card.metrics)}
    by_id = card.by_id()
    when = period_word(card.period.grain, card.period.label)
    scope_name = scope_name or "the organisation"
    out = Headline(card.period.label, scope_name)
    if coverage is not None:
        out.notes = coverage.notes()
        out.sentences.extend(out.notes)
        if coverage.empty:
            return out  # a period with no data has nothing else to say

    moves = _movements(card.metrics, labels)
    real = _ranked([m for m in moves if m.real], order)
    team_moves: list[tuple[Movement, MetricResult]] = []
    for key, lines in (teams or {}).items():
        if key is None:
            continue
        line_of = {line.id: line for line in lines}
        name = team_names.get(key, key)
        team_moves += [
            (m, line_of[m.metric]) for m in _movements(lines, labels, key, name) if m.real
        ]
    team_moves.sort(key=lambda pair: (-pair[0].size, order.get(pair[0].metric, 0), pair[0].scope))
    out.changes = real + [m for m, _ in team_moves]

    out.sentences += [_said(m, by_id[m.metric]) for m in real[:MOST_SENTENCES]]
    if len(real) > MOST_SENTENCES:
        out.sentences.append(f"… and {len(real) - MOST_SENTENCES} more real changes.")
    if not real:
        tested = _ranked([m for m in moves if m.p_value is not None], order)[:MOST_NOISE]
        out.noise = tested
        nothing = f"Nothing changed for real across {scope_name} {when}"
        if tested:
            nothing += f": the largest movements ({_noise_text(tested)}) are within the noise"
        out.sentences.append(nothing + ".")
    out.sentences += [_said(m, line) for m, line in team_moves[:MOST_SENTENCES]]
    if len(team_moves) > MOST_SENTENCES:
        out.sentences.append(
            f"… and {len(team_moves) - MOST_SENTENCES} more real changes in teams."
        )

    for status in ("red", "amber"):
        found = [
            OffTarget(m.id, labels.get(m.id, label_of(m.label)), m.unit, m.value, m.target, status)
            for m in card.metrics
            if m.status == status and m.value is not None and m.target is not None
        ]
        out.off_target += found
        if found:
            listed = ", ".join(
                f"{o.label} {fmt(o.value, o.unit)} (target {fmt(o.target, o.unit)})" for o in found
            )
            out.sentences.append(f"{'Off' if status == 'red' else 'Near'} target: {listed}.")

    if stars is not None:
        out.stars = stars
        out.sentences.append(_stars_sentence(stars, when, scope_name))
    if praise is not None:
        out.praise = praise
        out.sentences.append(_praise_sentence(praise, when))
    return out
