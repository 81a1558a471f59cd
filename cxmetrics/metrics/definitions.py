"""Each metric's definition in words, and how to read the numbers, written once for the
Definitions page and for docs/metrics.md, so the app and the maintainer's reference say
the same thing.

`facts(metric)` is what the Definitions page lists under a metric (formula, direction,
unit, target and where its statuses begin, minimum n, interval, source…), as (heading, text)
pairs of plain text. STATISTICS, STATUS_RULES and ADHERENCE_VS_CONFORMANCE are the page's
"How to read the numbers" boxes, in markdown. `metrics_markdown` writes the generated part
of docs/metrics.md: `python -m cxmetrics.metrics.definitions docs/metrics.md` rewrites it
after the registry changes (tests/test_docs.py fails until it has been).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from types import SimpleNamespace

from cxmetrics.config import Settings
from cxmetrics.formatting import format_amount, format_target, unit_name
from cxmetrics.metrics.engine import metric_notes
from cxmetrics.metrics.registry import VIEWS, Declarations, Metric, declarations

DIRECTION = {
    "higher": "Higher is better",
    "lower": "Lower is better",
    "none": "No better direction: judged by its distance from the target, either way",
}
SCOPE_NAMES = {"org": "organisation", "team": "team", "agent": "agent"}

ADHERENCE_VS_CONFORMANCE = """
**Schedule adherence** asks whether people were doing the scheduled activity *at the
scheduled time*: minutes in adherence ÷ scheduled minutes. Being logged in at the wrong time
does not count.

**Schedule conformance** asks whether people worked the scheduled *amount* of time, whenever
they worked it: logged-in minutes ÷ scheduled minutes. It may exceed 100 %, and it has no
better direction: it is judged by its distance from the target either way.

An agent who works a full shift two hours late has about 100 % conformance and poor
adherence. The two are never labelled as each other.
"""

STATISTICS = """
- **Net Promoter Score (NPS, iNPS)**: standard error SE = 100·√((p + d − (p − d)²) / n), with
  p and d the shares of promoters and detractors. The 95 % interval is the **adjusted-Wald**
  interval (3 added to n and 0.75 to promoters and to detractors; Sauro & Lewis), so small
  samples stay honest.
- **Proportions** (CSAT, CES, service level and the rates): **Wilson** 95 % score interval
  (Wilson 1927; Newcombe 1998, method 3).
- **Means** (speed of answer, handle time): **normal** 95 % interval, mean ± 1.96 · s / √n.
- **Ratios over agent-days** (adherence, conformance, occupancy, productivity): one agent's
  days are not independent, so the **agents are the units**. With each agent's period totals
  Y_g and X_g, R = ΣY / ΣX and var(R) = G/(G − 1) · Σ(Y_g − R·X_g)² / (ΣX)², G the number of
  agents: the ratio estimator (Cochran, *Sampling Techniques*, ch. 6; Kish, *Survey
  Sampling*, ch. 6, ratio means of clusters). 95 % interval R ± 1.96 · SE. On one agent's
  scorecard (G = 1, no spread between agents) the agent's **days** are the units instead.
  With fewer than two units there is no interval and no change test.
- **Ratios of sums at every level**: agent → team → organisation values are always Σ ÷ Σ,
  never averages of ratios.
- **Change since the previous period**: for proportions the **pooled two-proportion (score)
  test**, z = (p₁ − p₂) / √(p̂(1 − p̂)(1/n₁ + 1/n₂)) with p̂ both periods together — the test
  behind the Wilson interval (Newcombe 1998, "Interval estimation for the difference between
  independent proportions"); for NPS, means and the agent-day ratios a z-test on the two
  estimates, z = Δ / √(SE₁² + SE₂²), with the variances above. It is called a **real change**
  only when p < 0.05; otherwise it is shown as **no real change**. It is not tested when
  either period has fewer answers than the metric's minimum n, when there is no standard
  error, or while a value is still provisional.
- **Minimum n**: below it a value is shown greyed with its n, and is never ranked or coloured.
- **Queue measures** (service level, speed of answer, abandonment) describe the queue, not
  the person who answered: on one agent's scorecard they are **not applicable**.
- **Business KPIs** arrive as finished numbers without their spread: their change is shown
  with **no test**, never as a real change.
"""

STATUS_RULES = """
- **✔ On target** (green): the target is met.
- **▲ Near target** (amber): missed, but within the amber tolerance.
- **✖ Off target** (red): missed by more than the tolerance.
- **… Too few to judge** (grey): fewer answers than the metric's minimum n.
- **– No target** (no colour): the metric has no target.
- **◷ Provisional** (no colour): the period is too recent for the value to be final (repeat
  contacts need 7 days of follow-up in the interaction data); no change is claimed.
- **– Not applicable** (no colour): a queue measure on one agent's scorecard.

Metrics with no better direction (**conformance**, **occupancy**) are judged by their
distance from the target either way: on target within ± the tolerance, near target within
± twice the tolerance, off target beyond. A flag says when the target lies inside the 95 %
interval: the data cannot tell whether it was met. Colour is never the only signal: every
status also has its word and its symbol. Targets here are the defaults; a targets upload can
set others per team and date.
"""


def default_notes() -> dict[str, str]:
    """What a metric depends on beyond its formula, under the default settings (the
    service-level thresholds of each channel), for the reference document."""
    return metric_notes(SimpleNamespace(settings=Settings()))  # no store: its settings only


def status_rule(metric: Metric) -> str:
    """Where green, amber and red begin for this metric's default target."""
    target, tol, unit = metric.target, metric.amber_tolerance or 0.0, metric.unit
    if target is None:
        return "no target, so no status colour"
    show = format_target
    if metric.direction == "higher":
        return (
            f"on target at {show(target, unit)} or more · near target from "
            f"{show(target - tol, unit)} · off target below"
        )
    if metric.direction == "lower":
        return (
            f"on target at {show(target, unit)} or less · near target up to "
            f"{show(target + tol, unit)} · off target above"
        )
    return (
        f"on target within ± {format_amount(tol, unit)} of {show(target, unit)} · near target "
        f"within ± {format_amount(2 * tol, unit)} · off target beyond"
    )


def direction_of(metric: Metric) -> str:
    if metric.direction == "none" and metric.target is None:
        return "No better direction and no target: shown for context"
    return DIRECTION[metric.direction]


def interval_of(metric: Metric) -> str:
    """The 95 % interval the metric's kind gets (see STATISTICS)."""
    if metric.kind == "nps":
        return "adjusted-Wald 95 % interval"
    if metric.kind == "proportion":
        return "Wilson 95 % interval"
    if metric.kind == "mean":
        return "normal 95 % interval"
    if metric.kind == "ratio" and metric.cluster == "agent":
        return (
            "95 % interval of the ratio estimator over agents' totals (an agent's own "
            "scorecard: over its days)"
        )
    return "none (shown without a margin of error)"


def scopes_of(metric: Metric) -> str:
    """Where the metric has a value: "organisation, team and agent"."""
    names = [SCOPE_NAMES[s] for s in metric.scopes]
    return ", ".join(names[:-1]) + " and " + names[-1]


def facts(metric: Metric, note: str | None = None) -> list[tuple[str, str]]:
    """What the Definitions page says about a metric, in its order, as (heading, text)."""
    unit = metric.unit
    target = metric.target
    out = [
        ("Formula", metric.formula),
        ("Direction", direction_of(metric)),
        ("Unit", unit_name(unit)),
        ("Default target", format_target(target, unit) if target is not None else "none"),
    ]
    if metric.amber_tolerance is not None:
        out.append(
            (
                "Amber tolerance",
                f"{format_amount(metric.amber_tolerance, unit)}: {status_rule(metric)}",
            )
        )
    if note:
        out.append(("Threshold", note))
    if metric.queue_measure:
        out.append(("Scope", "a queue measure: not applicable on one agent's scorecard"))
    if "excluded" in metric.parts:
        out.append(
            (
                "Agent-days",
                "only those with both contacts and logged time count; those with one but not "
                "the other are left out, and their number is shown with the value",
            )
        )
    out += [
        ("Minimum n", f"{metric.min_n:,} (below it: greyed, never ranked or coloured)"),
        ("Uncertainty", interval_of(metric)),
        ("Data source", metric.source),
    ]
    if metric.matures_after_days > 0:
        out.append(
            (
                f"Final after {metric.matures_after_days} days",
                "of later data from its own source; until then the value is provisional: no "
                "status colour and no change claimed",
            )
        )
    return out


# ----------------------------------------------------------------------------- docs/metrics.md

BEGIN = "<!-- metrics: generated from the registry by cxmetrics.metrics.definitions -->"
END = "<!-- end of generated metrics -->"
_MARKDOWN_SPECIAL = str.maketrans({c: f"\\{c}" for c in "\\`*_[]<>|"})


def _md(text: str) -> str:
    """Registry text as literal markdown (one line)."""
    return " ".join(str(text).split()).translate(_MARKDOWN_SPECIAL)


def _parts(metric: Metric) -> str:
    return "; ".join(
        f"{name} = " + " + ".join(f"`{source}.{sum_name}`" for source, sum_name in part)
        for name, part in metric.parts.items()
    )


def metric_markdown(metric: Metric, registry: Declarations, note: str | None) -> str:
    """One metric's section of docs/metrics.md: the page's facts, then what a maintainer
    needs (id, kind, sums, scopes, where it shows)."""
    section = registry.sections[metric.section]
    label = metric.label.format(t=Settings().service_level_seconds)
    lines = [f"### {_md(label)} (`{metric.id}`)", "", _md(metric.description), ""]
    lines += [f"- **{_md(head)}** · {_md(text)}" for head, text in facts(metric, note)]
    shows = [f"section “{_md(section.title)}”, place {metric.order}"]
    shows += [f"`{view}`" for view in metric.views]
    if metric.internal_headline:
        shows.append(f"internal service teams show `{metric.internal_headline}` in its place")
    if metric.only_with_data:
        shows.append("only where it has answers")
    lines += [
        f"- **Scopes** · {scopes_of(metric)}",
        f"- **Kind** · {metric.kind}"
        + (f", clustered by {metric.cluster}" if metric.cluster else "")
        + f" · sums: {_parts(metric)}"
        + (f" · scale × {metric.scale:g}" if metric.scale != 1 else ""),
        f"- **Shows** · {'; '.join(shows)} · short label “{_md(metric.short_label)}”",
        "",
    ]
    return "\n".join(lines)


def metrics_markdown(registry: Declarations, notes: Mapping[str, str] | None = None) -> str:
    """The generated part of docs/metrics.md: every metric by group, then how to read the
    numbers (statistics with references, statuses, adherence and conformance)."""
    notes = default_notes() if notes is None else notes
    out = [BEGIN, ""]
    for group in registry.groups.values():
        out += [f"## {_md(group.title)}", ""]
        for metric in registry.metrics.values():
            if metric.group == group.id:
                out.append(metric_markdown(metric, registry, notes.get(metric.id)))
    out += ["## How to read the numbers", "", "### Statistics", STATISTICS.rstrip(), ""]
    out += ["### Status", STATUS_RULES.rstrip(), ""]
    out += ["### Adherence is not conformance", ADHERENCE_VS_CONFORMANCE.rstrip(), ""]
    out += ["### Views", ""]
    out += [f"- `{view}` · {_md(meaning)}" for view, meaning in VIEWS.items()]
    out += ["", END]
    return "\n".join(out)


def rewrite(document: str, generated: str) -> str:
    """`document` with its generated part (between BEGIN and END) replaced."""
    start, end = document.find(BEGIN), document.find(END)
    if start < 0 or end < start:
        raise ValueError(f"the document has no generated part: add the lines {BEGIN} and {END}")
    return document[:start] + generated + document[end + len(END) :]


def main(argv: list[str]) -> int:
    """`python -m cxmetrics.metrics.definitions docs/metrics.md`: rewrite its generated part
    from the registry in use."""
    if len(argv) != 1:
        print("usage: python -m cxmetrics.metrics.definitions docs/metrics.md", file=sys.stderr)
        return 2
    path = Path(argv[0])
    text = path.read_text(encoding="utf-8")
    path.write_text(rewrite(text, metrics_markdown(declarations())), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
