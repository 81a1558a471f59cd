"""A scorecard line said in plain words: its label, what its n counts, how it moved, and the
whole line as a speaker says it (the deck's notes), with n, margin and whether a change
is real."""

from __future__ import annotations

from cxmetrics.formatting import spoken as fmt
from cxmetrics.metrics.engine import MetricResult
from cxmetrics.metrics.registry import default_registry

# What a metric's n counts, by the rollups it reads.
_NOUNS = {"surveys": "answers", "interactions": "contacts", "adherence": "agent-days"}
_PERIOD_WORD = {"week": "this week", "month": "this month", "quarter": "this quarter"}
REAL_CHANGES = ("better", "worse", "up", "down")


def label_of(label: str, seconds: int | None = None) -> str:
    """A metric's label for people: the service-level threshold filled in when known
    ("Service level (20 s)"), else left out ("Service level")."""
    if "{t}" not in label:
        return label
    if seconds is None:
        return label.replace(" ({t} s)", "").replace("{t}", "").strip()
    return label.format(t=seconds)


def noun_of(metric_id: str) -> str:
    """What the n of a metric counts: answers, contacts or agent-days."""
    metric = default_registry().get(metric_id)
    if metric is None:
        return "values"
    if metric.kind == "count":
        return "answers"
    sources = set(metric.sources)
    if "adherence" in sources:
        return "agent-days"
    return _NOUNS.get(next(iter(sources)), "values") if len(sources) == 1 else "values"


def period_word(grain: str, label: str) -> str:
    """ "this week", "this month", "this quarter", else "in 2026"."""
    return _PERIOD_WORD.get(grain, f"in {label}")


def is_real(line: MetricResult) -> bool:
    """The change against the previous period is significant (never for a provisional
    value, a change below min_n or a count)."""
    return bool(line.significant) and line.change in REAL_CHANGES


def moved(delta: float, unit: str) -> str:
    """ "rose 13.6 points", "fell 9.9 s", "did not move"."""
    amount = fmt(delta, unit, "change")
    if not any(digit in amount.split()[0] for digit in "123456789"):
        return "did not move"  # rounds to zero as written
    return f"{'rose' if delta > 0 else 'fell'} {amount}"


def verdict(line: MetricResult) -> str:
    """Whether a change is real, said after the movement: "a real change", with "for the
    better/worse" where the word "rose" or "fell" does not say it (lower is better)."""
    if line.change in ("better", "worse") and line.direction == "lower":
        return f"a real change, for the {line.change}"
    return "a real change"


def change_sentence(label: str, line: MetricResult, scope_name: str | None = None) -> str:
    """ "Customer satisfaction rose 13.6 points to 81.5 % — a real change." (with the team
    first when it is a team's: "Billing: Avg speed of answer rose 7.5 s to 18 s — …")."""
    text = (
        f"{label} {moved(line.delta, line.unit)} to {fmt(line.value, line.unit)} — {verdict(line)}."
    )
    return f"{scope_name}: {text}" if scope_name else text


def p_text(p_value: float) -> str:
    """ "p = 0.49", "p = 0.012", "p < 0.001"."""
    if p_value < 0.001:
        return "p < 0.001"
    return f"p = {p_value:.3f}" if p_value < 0.1 else f"p = {p_value:.2f}"


def _untested_reason(line: MetricResult, noun: str) -> str:
    if line.provisional:
        return "the value is provisional (its follow-up window is still open): no change is claimed"
    if line.se is None and line.p_value is None and line.n >= line.min_n:
        return "this number is not tested for change"
    return (
        f"too few {noun} to test whether that is real (a test needs {line.min_n} in both periods)"
    )


def spoken(line: MetricResult, label: str, period: str, previous_period: str) -> str:
    """The line as a speaker says it: value with n and margin, target, and the change
    against the previous period with whether it is real."""
    if line.status == "not_applicable":
        return f"{label} does not apply here ({line.note or 'not applicable'})."
    noun = noun_of(line.id)
    if line.value is None:
        return f"{label}: no data in {period}."
    if line.unit == "count":
        words = [f"{label}: {fmt(line.value, line.unit)} in {period}"]
    else:
        words = [f"{label} is {fmt(line.value, line.unit)} in {period} from {line.n:,} {noun}"]
    if line.ci_low is not None and line.ci_high is not None:
        half = (line.ci_high - line.ci_low) / 2
        words.append(f", give or take {fmt(half, line.unit, 'change')} (95 % margin)")
    words.append(".")
    if line.status == "insufficient":
        words.append(f" Too few {noun} to judge it against a target (it needs {line.min_n}).")
    elif line.status == "provisional":
        words.append(" Provisional: it may still change, so it is not judged yet.")
    elif line.target is not None:
        target = fmt(line.target, line.unit)
        judged = {"green": "on target", "amber": "near target", "red": "off target"}
        words.append(f" Target {target}: {judged.get(line.status, 'not judged')}.")
    if line.previous is None or line.delta is None:
        words.append(f" No {previous_period} value to compare with.")
        return "".join(words)
    before = fmt(line.previous, line.unit)
    n_before = "" if line.unit == "count" else f" from {line.previous_n:,} {noun}"
    words.append(
        f" Compared with {previous_period} ({before}{n_before}) it {moved(line.delta, line.unit)}"
    )
    if is_real(line):
        words.append(f": {verdict(line)} ({p_text(line.p_value)}).")
    elif line.change == "no real change":
        words.append(f": not a real change, within the noise ({p_text(line.p_value)}).")
    else:
        words.append(f"; {_untested_reason(line, noun)}.")
    return "".join(words)
