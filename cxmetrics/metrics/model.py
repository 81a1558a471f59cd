"""What the metric registry declares: metrics (what each is and where it shows), the
groups and sections of the all-hands card, business KPIs, and the values their fields may
take. Plain frozen dataclasses; reading and checking a file is `validation.py`, the file in
use and its views `registry.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

KINDS = ("nps", "proportion", "ratio", "mean", "count")
DIRECTIONS = ("higher", "lower", "none")
UNITS = ("pts", "%", "s", "per hour", "count")
IDENTIFIER = re.compile(r"[a-z][a-z0-9_]*")  # metric ids name SQL result columns: no quoting
# Which parts each kind needs (and may have).
REQUIRED_PARTS = {
    "nps": ("promoters", "detractors", "n"),
    "proportion": ("numerator", "denominator"),
    "ratio": ("numerator", "denominator", "n"),
    "mean": ("numerator", "numerator_sq", "denominator"),
    "count": ("numerator",),
}
OPTIONAL_PARTS = {"ratio": ("excluded",)}
PART_FIELDS = (
    "promoters",
    "detractors",
    "n",
    "numerator",
    "denominator",
    "numerator_sq",
    "excluded",
)
# What a ratio's sampling units are for its interval and change test: "agent" means the
# agents' period totals (each agent's own days for an agent's scorecard).
CLUSTERS = ("agent",)
# The places a metric may show besides its section of the all-hands card, its team's
# comparison table, the Definitions page and the command line (which show every metric).
VIEWS = {
    "headline": "the headline: the large trend on the all-hands card and the team page, and "
    "what the agent table ranks by (exactly one metric, also in agent_table)",
    "glance": "a column of teams at a glance, on the all-hands card",
    "team_tiles": "a tile at the top of the team page",
    "agent_table": "a column of the team page's agent table (never a queue measure)",
    "card_trends": "a small trend on the all-hands card",
    "team_trends": "a small trend on the team page",
}
TEXT_FIELDS = ("id", "label", "short_label", "description", "formula", "source")
KNOWN_FIELDS = {
    *TEXT_FIELDS,
    *PART_FIELDS,
    "kind",
    "section",
    "order",
    "views",
    "internal_headline",
    "only_with_data",
    "unit",
    "direction",
    "target",
    "amber_tolerance",
    "min_n",
    "scale",
    "matures_after_days",
    "cluster",
    "queue_measure",
}
GROUP_FIELDS = {"id", "title"}
SECTION_FIELDS = {"id", "title", "group"}
BUSINESS_FIELDS = {"id", "label", "description", "unit", "direction", "aggregation", "source"}
AGGREGATIONS = ("mean", "sum")
# Where a business KPI comes from: finished numbers uploaded as kind `kpis` (kpi_values), or
# computed from the rows of another kind: `learning` is hours per agent in the period.
BUSINESS_SOURCES = ("kpis", "learning")
TABLES = ("group", "section", "metric", "business")


class RegistryError(ValueError):
    """The registry has entries the app cannot use; `problems` lists every one of them."""

    def __init__(self, problems: list[str], where: str = ""):
        self.problems = list(problems)
        prefix = f"{where}: " if where else ""
        if len(self.problems) == 1:
            message = prefix + self.problems[0]
        else:
            message = f"{prefix}{len(self.problems)} problems: " + "; ".join(self.problems)
        super().__init__(message)


# A part is a tuple of ("source", "sum") pairs that are added together.
Part = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Group:
    """A column of the all-hands card and a part of the Definitions page."""

    id: str
    title: str


@dataclass(frozen=True)
class Section:
    """A part of the all-hands card: a block of tiles, and a slide when presenting."""

    id: str
    title: str
    group: str


@dataclass(frozen=True)
class Metric:
    """One scorecard metric as declared in the registry."""

    id: str
    label: str
    description: str
    formula: str
    source: str
    kind: str
    group: str  # the group of its section
    unit: str
    direction: str
    min_n: int
    parts: dict[str, Part] = field(hash=False)
    target: float | None = None
    amber_tolerance: float | None = None
    scale: float = 1.0
    matures_after_days: int = 0
    cluster: str | None = None
    queue_measure: bool = False
    section: str = ""
    order: int = 0
    short_label: str = ""
    views: tuple[str, ...] = ()
    internal_headline: str | None = None
    only_with_data: bool = False

    @property
    def sources(self) -> tuple[str, ...]:
        """The rollup sources this metric reads."""
        return tuple(sorted({src for part in self.parts.values() for src, _ in part}))

    @property
    def scopes(self) -> tuple[str, ...]:
        """Where the metric means something: a queue measure (service level, speed of
        answer, abandonment) belongs to the queue, not to the agent who answered."""
        return ("org", "team") if self.queue_measure else ("org", "team", "agent")

    @property
    def is_rate(self) -> bool:
        return self.unit == "%"


@dataclass(frozen=True)
class BusinessKpi:
    """A business number shown on the card: uploaded finished (kpi_values: sales, quality)
    or computed from another kind's rows (learning hours per agent)."""

    id: str
    label: str
    description: str = ""
    unit: str = ""
    direction: str = "none"
    aggregation: str = "mean"
    source: str = "kpis"


@dataclass(frozen=True)
class Declarations:
    """A whole registry file: metrics in card order (group, section, order), business
    KPIs, and the groups and sections of the card in their file order."""

    metrics: dict[str, Metric]
    business: dict[str, BusinessKpi]
    groups: dict[str, Group]
    sections: dict[str, Section]


def default_tolerance(unit: str, target: float | None) -> float | None:
    """5 points for NPS and rates, 10 % of the target for times and counts."""
    if target is None:
        return None
    return 5.0 if unit in ("pts", "%") else round(abs(target) * 0.1, 6)
