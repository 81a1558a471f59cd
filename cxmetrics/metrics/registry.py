"""Load and validate the declarative metric registry (registry.toml).

A bad entry fails at start with a message naming the entry and the field, so a typo in the
registry never becomes a silently wrong number on the scorecard.
"""

from __future__ import annotations

import re
import tomllib
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

REGISTRY_PATH = Path(__file__).with_name("registry.toml")
KINDS = ("nps", "proportion", "ratio", "mean", "count")
DIRECTIONS = ("higher", "lower", "none")
UNITS = ("pts", "%", "s", "per hour", "count")
GROUPS = ("customer", "service")
METRIC_ID = re.compile(r"[a-z][a-z0-9_]*")  # ids name SQL result columns, so no quoting
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
TEXT_FIELDS = ("id", "label", "description", "formula", "source")
KNOWN_FIELDS = {
    *TEXT_FIELDS,
    *PART_FIELDS,
    "kind",
    "group",
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


class RegistryError(ValueError):
    """The registry file has an entry the engine cannot compute."""


# A part is a tuple of ("source", "sum") pairs that are added together.
Part = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Metric:
    """One scorecard metric as declared in the registry."""

    id: str
    label: str
    description: str
    formula: str
    source: str
    kind: str
    group: str
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


def default_tolerance(unit: str, target: float | None) -> float | None:
    """5 points for NPS and rates, 10 % of the target for times and counts."""
    if target is None:
        return None
    return 5.0 if unit in ("pts", "%") else round(abs(target) * 0.1, 6)


def _parse_part(entry_id: str, name: str, raw: object) -> Part:
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list) or not items:
        raise RegistryError(
            f'metric `{entry_id}`: field `{name}` must be a "source.sum" or a list of them'
        )
    out = []
    for item in items:
        if not isinstance(item, str) or item.count(".") != 1:
            raise RegistryError(
                f'metric `{entry_id}`: field `{name}` has `{item}`, expected "source.sum"'
            )
        source, sum_name = item.split(".")
        if source not in ROLLUP_SUMS:
            raise RegistryError(
                f"metric `{entry_id}`: field `{name}` names source `{source}`; "
                f"known sources: {', '.join(ROLLUP_SUMS)}"
            )
        if sum_name not in ROLLUP_SUMS[source]:
            raise RegistryError(
                f"metric `{entry_id}`: field `{name}` names sum `{sum_name}`, which the "
                f"`{source}` rollup does not have; it has: {', '.join(ROLLUP_SUMS[source])}"
            )
        out.append((source, sum_name))
    return tuple(out)


def _choice(entry_id: str, entry: dict, name: str, allowed: tuple[str, ...]) -> str:
    value = entry.get(name)
    if value not in allowed:
        raise RegistryError(
            f"metric `{entry_id}`: field `{name}` is {value!r}; use one of {', '.join(allowed)}"
        )
    return value


def _number(entry_id: str, entry: dict, name: str) -> float | None:
    value = entry.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RegistryError(f"metric `{entry_id}`: field `{name}` must be a number, not {value!r}")
    return float(value)


def parse_metric(entry: dict, position: int) -> Metric:
    """Validate one registry entry and build its Metric."""
    entry_id = entry.get("id") or f"#{position}"
    for name in TEXT_FIELDS:
        if not isinstance(entry.get(name), str) or not entry[name].strip():
            raise RegistryError(f"metric `{entry_id}`: field `{name}` is missing or empty")
    if not METRIC_ID.fullmatch(entry_id):
        raise RegistryError(
            f"metric `{entry_id}`: field `id` must be lower-case letters, digits and _, "
            "starting with a letter"
        )
    unknown = sorted(set(entry) - KNOWN_FIELDS)
    if unknown:
        raise RegistryError(f"metric `{entry_id}`: unknown field(s) {', '.join(unknown)}")
    kind = _choice(entry_id, entry, "kind", KINDS)
    allowed = REQUIRED_PARTS[kind] + OPTIONAL_PARTS.get(kind, ())
    parts: dict[str, Part] = {}
    for name in PART_FIELDS:
        if name in entry and name not in allowed:
            raise RegistryError(f"metric `{entry_id}`: field `{name}` is not used by kind {kind}")
    for name in REQUIRED_PARTS[kind]:
        if name not in entry:
            raise RegistryError(
                f'metric `{entry_id}`: kind {kind} needs field `{name}` (a "source.sum")'
            )
    for name in allowed:
        if name in entry:
            parts[name] = _parse_part(entry_id, name, entry[name])
    cluster = entry.get("cluster")
    if cluster is not None:
        if kind != "ratio":
            raise RegistryError(
                f"metric `{entry_id}`: field `cluster` is only for kind ratio, not {kind}"
            )
        cluster = _choice(entry_id, entry, "cluster", CLUSTERS)
        read = {src for part in parts.values() for src, _ in part}
        if len(read) != 1 or not read <= set(PERIOD_ROLLUPS):
            raise RegistryError(
                f"metric `{entry_id}`: field `cluster` needs every part from one rollup that "
                f"keeps agents' period totals ({', '.join(PERIOD_ROLLUPS)}), "
                f"not {', '.join(sorted(read))}"
            )
        (source,) = read
        offered = {product_measure(source, a, b) for a, b in UNIT_PRODUCTS[source]}
        ys, xs = ([s for _, s in parts[name]] for name in ("numerator", "denominator"))
        for a in ys + xs:
            for b in ys + xs:
                if product_measure(source, a, b) not in offered:
                    raise RegistryError(
                        f"metric `{entry_id}`: its interval needs Σ over agents of {a} × {b}, "
                        f"which the `{source}` rollup does not keep: add the pair to "
                        "UNIT_PRODUCTS in cxmetrics/store/rollups.py"
                    )
        counts = [s for _, s in parts["n"]]
        if len(counts) != 1 or counts[0] not in UNIT_COUNTS[source]:
            raise RegistryError(
                f"metric `{entry_id}`: field `n` of a clustered ratio must be one of "
                f"{', '.join(f'{source}.{c}' for c in UNIT_COUNTS[source])}"
            )
    queue_measure = entry.get("queue_measure", False)
    if not isinstance(queue_measure, bool):
        raise RegistryError(
            f"metric `{entry_id}`: field `queue_measure` must be true or false, "
            f"not {queue_measure!r}"
        )
    min_n = entry.get("min_n", 30)
    if isinstance(min_n, bool) or not isinstance(min_n, int) or min_n < 1:
        raise RegistryError(f"metric `{entry_id}`: field `min_n` must be a whole number ≥ 1")
    matures = entry.get("matures_after_days", 0)
    if isinstance(matures, bool) or not isinstance(matures, int) or matures < 0:
        raise RegistryError(
            f"metric `{entry_id}`: field `matures_after_days` must be a whole number ≥ 0"
        )
    unit = _choice(entry_id, entry, "unit", UNITS)
    target = _number(entry_id, entry, "target")
    tolerance = _number(entry_id, entry, "amber_tolerance")
    if tolerance is not None and tolerance < 0:
        raise RegistryError(f"metric `{entry_id}`: field `amber_tolerance` must be ≥ 0")
    scale = _number(entry_id, entry, "scale")
    return Metric(
        id=entry_id,
        label=entry["label"],
        description=entry["description"],
        formula=entry["formula"],
        source=entry["source"],
        kind=kind,
        group=_choice(entry_id, entry, "group", GROUPS),
        unit=unit,
        direction=_choice(entry_id, entry, "direction", DIRECTIONS),
        min_n=min_n,
        parts=parts,
        target=target,
        amber_tolerance=tolerance if tolerance is not None else default_tolerance(unit, target),
        scale=scale if scale is not None else (100.0 if unit == "%" else 1.0),
        matures_after_days=matures,
        cluster=cluster,
        queue_measure=queue_measure,
    )


@dataclass(frozen=True)
class BusinessKpi:
    """A business number from kpi_values (sales, quality, learning) shown on the card."""

    id: str
    label: str
    description: str = ""
    unit: str = ""
    direction: str = "none"
    aggregation: str = "mean"


BUSINESS_FIELDS = {"id", "label", "description", "unit", "direction", "aggregation"}
AGGREGATIONS = ("mean", "sum")


def parse_business(data: dict) -> dict[str, BusinessKpi]:
    """Validate the optional [[business]] entries."""
    out: dict[str, BusinessKpi] = {}
    for position, entry in enumerate(data.get("business", []), start=1):
        entry_id = entry.get("id") or f"business #{position}"
        unknown = sorted(set(entry) - BUSINESS_FIELDS)
        if unknown:
            raise RegistryError(f"business `{entry_id}`: unknown field(s) {', '.join(unknown)}")
        for name in ("id", "label"):
            if not isinstance(entry.get(name), str) or not entry[name].strip():
                raise RegistryError(f"business `{entry_id}`: field `{name}` is missing or empty")
        kpi = BusinessKpi(
            id=entry["id"],
            label=entry["label"],
            description=str(entry.get("description", "")),
            unit=str(entry.get("unit", "")),
            direction=_choice(entry_id, {"direction": "none", **entry}, "direction", DIRECTIONS),
            aggregation=_choice(
                entry_id, {"aggregation": "mean", **entry}, "aggregation", AGGREGATIONS
            ),
        )
        if kpi.id in out:
            raise RegistryError(f"business `{kpi.id}` is declared twice")
        out[kpi.id] = kpi
    return out


def parse_registry(data: dict) -> dict[str, Metric]:
    """Validate a whole registry document; metrics keep their file order."""
    parse_business(data)
    entries = data.get("metric")
    if not isinstance(entries, list) or not entries:
        raise RegistryError("the registry has no [[metric]] entries")
    metrics: dict[str, Metric] = {}
    for position, entry in enumerate(entries, start=1):
        metric = parse_metric(entry, position)
        if metric.id in metrics:
            raise RegistryError(f"metric `{metric.id}` is declared twice")
        metrics[metric.id] = metric
    return metrics


def _read(path: Path | str | None) -> dict:
    path = Path(path) if path else REGISTRY_PATH
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"registry {path.name} is not valid TOML: {exc}") from exc


def load_registry(path: Path | str | None = None) -> dict[str, Metric]:
    """Read and validate the registry file (the packaged one by default)."""
    return parse_registry(_read(path))


@cache
def business_registry() -> dict[str, BusinessKpi]:
    """The packaged [[business]] declarations, validated once per process."""
    return parse_business(_read(None))


@cache
def default_registry() -> dict[str, Metric]:
    """The packaged registry, loaded and validated once per process."""
    return load_registry()
