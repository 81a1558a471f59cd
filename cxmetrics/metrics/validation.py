"""Read a registry document (parsed TOML) into its declarations, checking every entry and
the rules across entries, and collecting every problem before failing: each names its
entry and field (like MetricFlow's semantic-manifest validator), so a maintainer fixes a
file in one pass instead of one error per start.
"""

from __future__ import annotations

from collections.abc import Mapping

from cxmetrics.metrics.model import (
    AGGREGATIONS,
    BUSINESS_FIELDS,
    BUSINESS_SOURCES,
    CLUSTERS,
    DIRECTIONS,
    GROUP_FIELDS,
    IDENTIFIER,
    KINDS,
    KNOWN_FIELDS,
    OPTIONAL_PARTS,
    PART_FIELDS,
    REQUIRED_PARTS,
    SECTION_FIELDS,
    TABLES,
    TEXT_FIELDS,
    UNITS,
    VIEWS,
    BusinessKpi,
    Declarations,
    Group,
    Metric,
    Part,
    RegistryError,
    Section,
    default_tolerance,
)
from cxmetrics.store.rollups import (
    PERIOD_ROLLUPS,
    ROLLUP_SUMS,
    UNIT_COUNTS,
    UNIT_PRODUCTS,
    product_measure,
)

# Each check appends what is wrong to `problems` and returns what it could read (None when
# the field is unusable), so one pass over the file finds every problem.


class _Entry:
    """One table of the file being read (a metric, a section…): its fields, read with
    their problems collected under the entry's name."""

    def __init__(self, table: str, raw: dict, position: int, problems: list[str]):
        self.raw = raw
        raw_id = raw.get("id")
        self.id = raw_id if isinstance(raw_id, str) and raw_id.strip() else f"#{position}"
        self.name = f"{table} `{self.id}`"
        self.problems = problems

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


def parse_metric(raw: dict, position: int, problems: list[str], sections: Mapping) -> Metric:
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
    for position, raw in _tables(data, "group", problems):
        entry = _Entry("group", raw, position, problems)
        group_id, title = entry.identifier(), entry.text("title")
        entry.unknown(GROUP_FIELDS)
        if group_id in groups:
            entry.problems.append(f"{entry.name} is declared twice")
        elif group_id and title:
            groups[group_id] = Group(group_id, title)
    if not groups:
        problems.append("the registry has no [[group]] entries (the columns of the card)")
    return groups


def _parse_sections(data: dict, groups: Mapping, problems: list[str]) -> dict[str, Section]:
    sections: dict[str, Section] = {}
    for position, raw in _tables(data, "section", problems):
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
            entry.problems.append(f"{entry.name} is declared twice")
        elif section_id and title and group:
            sections[section_id] = Section(section_id, title, group)
    if not sections:
        problems.append("the registry has no [[section]] entries (the parts of the card)")
    return sections


def _parse_business(data: dict, problems: list[str]) -> dict[str, BusinessKpi]:
    """The optional [[business]] entries."""
    out: dict[str, BusinessKpi] = {}
    for position, raw in _tables(data, "business", problems):
        entry = _Entry("business", raw, position, problems)
        entry.unknown(BUSINESS_FIELDS)
        kpi_id, label = entry.text("id"), entry.text("label")
        direction = entry.choice("direction", DIRECTIONS, "none")
        aggregation = entry.choice("aggregation", AGGREGATIONS, "mean")
        source = entry.choice("source", BUSINESS_SOURCES, "kpis")
        if kpi_id in out:
            entry.problems.append(f"{entry.name} is declared twice")
        elif kpi_id and label and direction and aggregation and source:
            out[kpi_id] = BusinessKpi(
                id=kpi_id,
                label=label,
                description=str(entry.raw.get("description", "")),
                unit=str(entry.raw.get("unit", "")),
                direction=direction,
                aggregation=aggregation,
                source=source,
            )
    return out


def _tables(data: dict, name: str, problems: list[str]) -> list[tuple[int, dict]]:
    """The [[name]] tables with their position (1, 2, …); anything else is a problem."""
    raw = data.get(name, [])
    if not isinstance(raw, list):
        problems.append(f"`{name}` must be a list of tables, written [[{name}]]")
        return []
    for position, entry in enumerate(raw, start=1):
        if not isinstance(entry, dict):
            problems.append(f"{name} `#{position}` is {entry!r}, not a table of fields")
    return [(position, e) for position, e in enumerate(raw, start=1) if isinstance(e, dict)]


def parse_declarations(data: dict, where: str = "") -> Declarations:
    """Validate a whole registry document, collecting every problem before raising
    RegistryError; metrics come back in card order (group, section, order)."""
    problems: list[str] = []
    for name in sorted(set(data) - set(TABLES)):
        problems.append(f"unknown table `{name}`; the registry has {', '.join(TABLES)}")
    groups = _parse_groups(data, problems)
    sections = _parse_sections(data, groups, problems)
    business = _parse_business(data, problems)
    entries = _tables(data, "metric", problems)
    if not entries:
        problems.append("the registry has no [[metric]] entries")
    metrics = [parse_metric(raw, position, problems, sections) for position, raw in entries]
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
