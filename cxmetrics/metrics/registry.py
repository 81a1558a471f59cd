"""Load and validate the declarative metric registry (registry.toml, or the file the
CXMETRICS_REGISTRY setting names).

The registry says what each metric is (kind, sums, unit, direction, target, minimum n) and
where it shows (its section of the all-hands card, its order there, its short label, the
views that show it). Validation reads the whole file and reports every problem at once,
each naming its entry and field, so a typo never becomes a silently wrong number and a
maintainer fixes a file in one pass.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from cxmetrics.store.rollups import (
    PERIOD_ROLLUPS,
    ROLLUP_SUMS,
    UNIT_COUNTS,
    UNIT_PRODUCTS,
    product_measure,
)

PACKAGED_REGISTRY = Path(__file__).with_name("registry.toml")
REGISTRY_VARIABLE = "CXMETRICS_REGISTRY"  # a registry file to use instead of the packaged one
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
BUSINESS_FIELDS = {"id", "label", "description", "unit", "direction", "aggregation"}
AGGREGATIONS = ("mean", "sum")
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
    """A business number from kpi_values (sales, quality, learning) shown on the card."""

    id: str
    label: str
    description: str = ""
    unit: str = ""
    direction: str = "none"
    aggregation: str = "mean"


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


# ----------------------------------------------------------------------------- checks
# Each check appends what is wrong to `problems` and returns what it could read (None when
# the field is unusable), so one pass over the file finds every problem.


class _Entry:
    """One table of the file being read (a metric, a section…): its fields, read with
    their problems collected under the entry's name."""

    def __init__(self, table: str, raw: object, position: int, problems: list[str]):
        self.raw = raw if isinstance(raw, dict) else {}
        raw_id = self.raw.get("id")
        self.id = raw_id if isinstance(raw_id, str) and raw_id.strip() else f"#{position}"
        self.name = f"{table} `{self.id}`"
        self.problems = problems
        if not isinstance(raw, dict):
            self.problem(f"is {raw!r}, not a table of fields")

    def problem(self, text: str) -> None:
        self.problems.append(f"{self.name}: {text}")

    def unknown(self, known: set[str]) -> None:
        extra = sorted(set(self.raw) - known)
        if extra:
            self.problem(f"unknown field(s) {', '.join(extra)}")

    def text(self, name: str, *, required: bool = True) -> str | None:
        value = self.raw.get(name)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(f"field `{name}` is missing or empty")
            return None
        return value

    def identifier(self) -> str | None:
        value = self.text("id")
        if value is not None and not IDENTIFIER.fullmatch(value):
            self.problem(
                "field `id` must be lower-case letters, digits and _, starting with a letter"
            )
            return None
        return value

    def choice(self, name: str, allowed: tuple[str, ...], default: str | None = None):
        value = self.raw.get(name, default)
        if value not in allowed:
            self.problem(f"field `{name}` is {value!r}; use one of {', '.join(allowed)}")
            return None
        return value

    def number(self, name: str) -> float | None:
        value = self.raw.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.problem(f"field `{name}` must be a number, not {value!r}")
            return None
        return float(value)

    def whole(self, name: str, default: int | None, minimum: int) -> int | None:
        value = self.raw.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.problem(f"field `{name}` must be a whole number ≥ {minimum}, not {value!r}")
            return None
        return value

    def flag(self, name: str) -> bool:
        value = self.raw.get(name, False)
        if not isinstance(value, bool):
            self.problem(f"field `{name}` must be true or false, not {value!r}")
            return False
        return value


def _parse_part(entry: _Entry, name: str) -> Part | None:
    raw = entry.raw[name]
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list) or not items:
        entry.problem(f'field `{name}` must be a "source.sum" or a list of them')
        return None
    out = []
    for item in items:
        if not isinstance(item, str) or item.count(".") != 1:
            entry.problem(f'field `{name}` has `{item}`, expected "source.sum"')
            return None
        source, sum_name = item.split(".")
        if source not in ROLLUP_SUMS:
            entry.problem(
                f"field `{name}` names source `{source}`; known sources: {', '.join(ROLLUP_SUMS)}"
            )
            return None
        if sum_name not in ROLLUP_SUMS[source]:
            entry.problem(
                f"field `{name}` names sum `{sum_name}`, which the `{source}` rollup does "
                f"not have; it has: {', '.join(ROLLUP_SUMS[source])}"
            )
            return None
        out.append((source, sum_name))
    return tuple(out)


def _parse_parts(entry: _Entry, kind: str | None) -> dict[str, Part] | None:
    if kind is None:
        return None
    allowed = REQUIRED_PARTS[kind] + OPTIONAL_PARTS.get(kind, ())
    complete = True
    for name in PART_FIELDS:
        if name in entry.raw and name not in allowed:
            entry.problem(f"field `{name}` is not used by kind {kind}")
    for name in REQUIRED_PARTS[kind]:
        if name not in entry.raw:
            entry.problem(f'kind {kind} needs field `{name}` (a "source.sum")')
            complete = False
    parts: dict[str, Part] = {}
    for name in allowed:
        if name in entry.raw:
            part = _parse_part(entry, name)
            if part is None:
                complete = False
            else:
                parts[name] = part
    return parts if complete else None


def _check_cluster(entry: _Entry, kind: str | None, parts: dict[str, Part] | None):
    """A ratio clustered by agent needs its parts from one rollup that keeps agents' period
    totals, and the products of those totals its interval uses."""
    cluster = entry.raw.get("cluster")
    if cluster is None:
        return None
    if kind is not None and kind != "ratio":
        entry.problem(f"field `cluster` is only for kind ratio, not {kind}")
        return None
    cluster = entry.choice("cluster", CLUSTERS)
    if cluster is None or parts is None:
        return cluster
    read = {src for part in parts.values() for src, _ in part}
    if len(read) != 1 or not read <= set(PERIOD_ROLLUPS):
        entry.problem(
            "field `cluster` needs every part from one rollup that keeps agents' period "
            f"totals ({', '.join(PERIOD_ROLLUPS)}), not {', '.join(sorted(read))}"
        )
        return cluster
    (source,) = read
    offered = {product_measure(source, a, b) for a, b in UNIT_PRODUCTS[source]}
    ys, xs = ([s for _, s in parts[name]] for name in ("numerator", "denominator"))
    missing = [
        (a, b) for a in ys + xs for b in ys + xs if product_measure(source, a, b) not in offered
    ]
    if missing:
        a, b = missing[0]
        entry.problem(
            f"its interval needs Σ over agents of {a} × {b}, which the `{source}` rollup "
            "does not keep: add the pair to UNIT_PRODUCTS in cxmetrics/store/rollups.py"
        )
    counts = [s for _, s in parts["n"]]
    if len(counts) != 1 or counts[0] not in UNIT_COUNTS[source]:
        entry.problem(
            "field `n` of a clustered ratio must be one of "
            f"{', '.join(f'{source}.{c}' for c in UNIT_COUNTS[source])}"
        )
    return cluster


def _views(entry: _Entry) -> tuple[str, ...]:
    raw = entry.raw.get("views", [])
    if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
        entry.problem(f"field `views` must be a list of names from: {', '.join(VIEWS)}")
        return ()
    unknown = [v for v in raw if v not in VIEWS]
    if unknown:
        entry.problem(
            f"field `views` names {', '.join(repr(v) for v in unknown)}; use any of "
            f"{', '.join(VIEWS)}"
        )
    if len(set(raw)) != len(raw):
        entry.problem("field `views` names a view twice")
    return tuple(v for v in dict.fromkeys(raw) if v in VIEWS)


def _label(entry: _Entry) -> str | None:
    label = entry.text("label")
    if label is None:
        return None
    try:
        label.format(t=20)
    except (KeyError, IndexError, ValueError):
        entry.problem(
            "field `label` may hold only {t} (the service-level threshold) between braces"
        )
        return None
    return label


def parse_metric(raw: object, position: int, problems: list[str], sections: Mapping) -> Metric:
    """Validate one [[metric]] entry, appending its problems; the Metric it describes (only
    meaningful when no problem was found)."""
    entry = _Entry("metric", raw, position, problems)
    metric_id = entry.identifier()
    label = _label(entry)
    texts = {name: entry.text(name) for name in TEXT_FIELDS if name not in ("id", "label")}
    entry.unknown(KNOWN_FIELDS)
    kind = entry.choice("kind", KINDS)
    parts = _parse_parts(entry, kind)
    cluster = _check_cluster(entry, kind, parts)
    section = entry.text("section")
    if section is not None and section not in sections:
        entry.problem(
            f"field `section` is {section!r}; declared sections: {', '.join(sections) or 'none'}"
        )
        section = None
    order = entry.whole("order", None, 1)
    unit = entry.choice("unit", UNITS)
    target = entry.number("target")
    tolerance = entry.number("amber_tolerance")
    if tolerance is not None and tolerance < 0:
        entry.problem("field `amber_tolerance` must be ≥ 0")
    scale = entry.number("scale")
    headline = entry.raw.get("internal_headline")
    if headline is not None and not isinstance(headline, str):
        entry.problem(f"field `internal_headline` must be a metric id, not {headline!r}")
        headline = None
    return Metric(
        id=metric_id or entry.id,
        label=label or "",
        description=texts["description"] or "",
        formula=texts["formula"] or "",
        source=texts["source"] or "",
        kind=kind or "",
        group=sections[section].group if section else "",
        unit=unit or "",
        direction=entry.choice("direction", DIRECTIONS) or "",
        min_n=entry.whole("min_n", 30, 1) or 1,
        parts=parts or {},
        target=target,
        amber_tolerance=tolerance if tolerance is not None else default_tolerance(unit, target),
        scale=scale if scale is not None else (100.0 if unit == "%" else 1.0),
        matures_after_days=entry.whole("matures_after_days", 0, 0) or 0,
        cluster=cluster,
        queue_measure=entry.flag("queue_measure"),
        section=section or "",
        order=order or 0,
        short_label=texts["short_label"] or "",
        views=_views(entry),
        internal_headline=headline,
        only_with_data=entry.flag("only_with_data"),
    )


def _check_together(metrics: list[Metric], problems: list[str]) -> None:
    """Rules across metrics: unique ids, labels, short labels and orders; the headline;
    internal headlines that exist; no queue measure in the agent table."""
    by_id: dict[str, Metric] = {}
    for metric in metrics:
        if metric.id in by_id:
            problems.append(f"metric `{metric.id}` is declared twice")
        by_id.setdefault(metric.id, metric)
    for name in ("label", "short_label"):
        seen: dict[str, str] = {}
        for metric in metrics:
            value = getattr(metric, name)
            if value and value in seen and seen[value] != metric.id:
                problems.append(
                    f"metric `{metric.id}`: field `{name}` {value!r} is also metric "
                    f"`{seen[value]}`'s: tables and tiles need them distinct"
                )
            seen.setdefault(value, metric.id)
    orders: dict[tuple[str, int], str] = {}
    for metric in metrics:
        key = (metric.section, metric.order)
        if metric.section and metric.order and key in orders and orders[key] != metric.id:
            problems.append(
                f"metric `{metric.id}`: field `order` is {metric.order}, as is metric "
                f"`{orders[key]}`'s in section `{metric.section}`: give each its own place"
            )
        orders.setdefault(key, metric.id)
    headlines = [m.id for m in metrics if "headline" in m.views]
    if len(headlines) != 1:
        problems.append(
            "exactly one metric must have view `headline` (the large trend and the agent "
            f"table's rank); found {len(headlines)}: {', '.join(headlines) or 'none'}"
        )
    for metric in metrics:
        if "headline" in metric.views and "agent_table" not in metric.views:
            problems.append(
                f"metric `{metric.id}`: field `views` has `headline` without `agent_table` "
                "(the agent table ranks agents by the headline)"
            )
        if "agent_table" in metric.views and metric.queue_measure:
            problems.append(
                f"metric `{metric.id}`: field `views` has `agent_table`, but a queue "
                "measure is not applicable to one agent"
            )
        stand_in = metric.internal_headline
        if stand_in is None:
            continue
        other = by_id.get(stand_in)
        if other is None or stand_in == metric.id:
            problems.append(
                f"metric `{metric.id}`: field `internal_headline` is {stand_in!r}, which is "
                "not another metric of the registry"
            )
        elif other.unit != metric.unit or other.internal_headline is not None:
            problems.append(
                f"metric `{metric.id}`: field `internal_headline` names `{stand_in}`, which "
                "must have the same unit and no internal_headline of its own"
            )


def _parse_groups(data: dict, problems: list[str]) -> dict[str, Group]:
    groups: dict[str, Group] = {}
    for position, raw in enumerate(_tables(data, "group", problems), start=1):
        entry = _Entry("group", raw, position, problems)
        group_id, title = entry.identifier(), entry.text("title")
        entry.unknown(GROUP_FIELDS)
        if group_id in groups:
            entry.problem("is declared twice")
        elif group_id and title:
            groups[group_id] = Group(group_id, title)
    if not groups:
        problems.append("the registry has no [[group]] entries (the columns of the card)")
    return groups


def _parse_sections(data: dict, groups: Mapping, problems: list[str]) -> dict[str, Section]:
    sections: dict[str, Section] = {}
    for position, raw in enumerate(_tables(data, "section", problems), start=1):
        entry = _Entry("section", raw, position, problems)
        section_id, title = entry.identifier(), entry.text("title")
        group = entry.text("group")
        entry.unknown(SECTION_FIELDS)
        if group is not None and group not in groups:
            entry.problem(
                f"field `group` is {group!r}; declared groups: {', '.join(groups) or 'none'}"
            )
            group = None
        if section_id in sections:
            entry.problem("is declared twice")
        elif section_id and title and group:
            sections[section_id] = Section(section_id, title, group)
    if not sections:
        problems.append("the registry has no [[section]] entries (the parts of the card)")
    return sections


def parse_business(data: dict, problems: list[str] | None = None) -> dict[str, BusinessKpi]:
    """Validate the optional [[business]] entries (raising when `problems` is not given)."""
    collect = [] if problems is None else problems
    out: dict[str, BusinessKpi] = {}
    for position, raw in enumerate(_tables(data, "business", collect), start=1):
        entry = _Entry("business", raw, position, collect)
        entry.id = entry.raw.get("id") or f"business #{position}"
        entry.name = f"business `{entry.id}`"
        entry.unknown(BUSINESS_FIELDS)
        kpi_id, label = entry.text("id"), entry.text("label")
        direction = entry.choice("direction", DIRECTIONS, "none")
        aggregation = entry.choice("aggregation", AGGREGATIONS, "mean")
        if kpi_id in out:
            collect.append(f"business `{kpi_id}` is declared twice")
        elif kpi_id and label and direction and aggregation:
            out[kpi_id] = BusinessKpi(
                id=kpi_id,
                label=label,
                description=str(entry.raw.get("description", "")),
                unit=str(entry.raw.get("unit", "")),
                direction=direction,
                aggregation=aggregation,
            )
    if problems is None and collect:
        raise RegistryError(collect)
    return out


def _tables(data: dict, name: str, problems: list[str]) -> list:
    raw = data.get(name, [])
    if not isinstance(raw, list):
        problems.append(f"`{name}` must be a list of tables, written [[{name}]]")
        return []
    return raw


def parse_declarations(data: dict, where: str = "") -> Declarations:
    """Validate a whole registry document, collecting every problem before raising
    RegistryError; metrics come back in card order (group, section, order)."""
    problems: list[str] = []
    for name in sorted(set(data) - set(TABLES)):
        problems.append(f"unknown table `{name}`; the registry has {', '.join(TABLES)}")
    groups = _parse_groups(data, problems)
    sections = _parse_sections(data, groups, problems)
    business = parse_business(data, problems)
    entries = _tables(data, "metric", problems)
    if not entries:
        problems.append("the registry has no [[metric]] entries")
    metrics = [
        parse_metric(raw, position, problems, sections)
        for position, raw in enumerate(entries, start=1)
    ]
    _check_together(metrics, problems)
    used_sections = {m.section for m in metrics}
    for section in sections.values():
        if section.id not in used_sections:
            problems.append(f"section `{section.id}` has no metric: remove it or give it one")
    used_groups = {s.group for s in sections.values()}
    for group in groups.values():
        if group.id not in used_groups:
            problems.append(f"group `{group.id}` has no section: remove it or give it one")
    if problems:
        raise RegistryError(problems, where)
    group_rank = {g: i for i, g in enumerate(groups)}
    section_rank = {s: i for i, s in enumerate(sections)}
    ordered = sorted(metrics, key=lambda m: (group_rank[m.group], section_rank[m.section], m.order))
    return Declarations(
        metrics={m.id: m for m in ordered},
        business=business,
        groups=groups,
        sections=dict(sorted(sections.items(), key=lambda kv: group_rank[kv[1].group])),
    )


def parse_registry(data: dict) -> dict[str, Metric]:
    """Validate a whole registry document; its metrics in card order."""
    return parse_declarations(data).metrics


# ----------------------------------------------------------------------------- files


def registry_path() -> Path:
    """The registry file in use: CXMETRICS_REGISTRY when set, else the packaged one."""
    chosen = os.environ.get(REGISTRY_VARIABLE, "").strip()
    return Path(chosen).expanduser() if chosen else PACKAGED_REGISTRY


def _read(path: Path) -> dict:
    """The file's TOML; a missing or malformed file is named by its file name only."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError([f"not valid TOML: {exc}"], f"registry {path.name}") from exc
    except OSError as exc:
        raise RegistryError(
            [
                f"cannot be read ({exc.strerror or 'unreadable'}): point {REGISTRY_VARIABLE} "
                "at a registry file, or unset it to use the packaged registry"
            ],
            f"registry {path.name}",
        ) from exc


def load_declarations(path: Path | str | None = None) -> Declarations:
    """Read and validate a registry file (the one in use by default)."""
    path = Path(path) if path else registry_path()
    return parse_declarations(_read(path), f"registry {path.name}")


def load_registry(path: Path | str | None = None) -> dict[str, Metric]:
    """Read and validate a registry file's metrics (the registry in use by default)."""
    return load_declarations(path).metrics


@cache
def declarations() -> Declarations:
    """The registry in use, loaded and validated once per process (`reset()` forgets it)."""
    return load_declarations()


def default_registry() -> dict[str, Metric]:
    """The metrics of the registry in use, in card order."""
    return declarations().metrics


def business_registry() -> dict[str, BusinessKpi]:
    """The [[business]] declarations of the registry in use."""
    return declarations().business


def reset() -> None:
    """Forget the loaded registry: the next use reads the file CXMETRICS_REGISTRY names."""
    declarations.cache_clear()


# ----------------------------------------------------------------------------- where it shows


def in_view(registry: Mapping[str, Metric], view: str) -> list[str]:
    """Ids of the metrics that show in `view`, in card order."""
    if view not in VIEWS:
        raise KeyError(f"unknown view `{view}`; views: {', '.join(VIEWS)}")
    return [m.id for m in registry.values() if view in m.views]


def in_section(registry: Mapping[str, Metric], section: str) -> list[str]:
    """Ids of a section's metrics, in their order."""
    return [m.id for m in registry.values() if m.section == section]


def in_group(registry: Mapping[str, Metric], group: str) -> list[str]:
    """Ids of a group's metrics (its sections one after the other), in card order."""
    return [m.id for m in registry.values() if m.group == group]


def for_team(registry: Mapping[str, Metric], metric_id: str, internal: bool) -> str:
    """The metric an (internal) team shows in `metric_id`'s place: an internal service
    team's customers are colleagues, so where NPS shows, it shows iNPS (the entry's
    `internal_headline`)."""
    stand_in = registry[metric_id].internal_headline
    return stand_in if internal and stand_in else metric_id


def headline_metric(registry: Mapping[str, Metric], internal: bool = False) -> str:
    """The headline metric of a team (internal or not), or of the organisation."""
    (head,) = in_view(registry, "headline")
    return for_team(registry, head, internal)


def internal_headlines(registry: Mapping[str, Metric]) -> set[str]:
    """Metrics that stand in for another for internal service teams (iNPS)."""
    return {m.internal_headline for m in registry.values() if m.internal_headline}
