"""The metric registry in use: registry.toml, or the file the CXMETRICS_REGISTRY setting
names, read and validated once per process; and where its metrics show (views, sections,
groups, and what an internal service team shows in a metric's place).

The registry says what each metric is (kind, sums, unit, direction, target, minimum n) and
where it shows (its section of the all-hands card, its order there, its short label, the
views that show it); `model.py` declares those fields, `validation.py` checks a file and
reports every problem at once. The names of both are importable from here.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from cxmetrics.metrics.model import (
    AGGREGATIONS,
    BUSINESS_SOURCES,
    CLUSTERS,
    DIRECTIONS,
    KINDS,
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
from cxmetrics.metrics.validation import parse_declarations, parse_registry

__all__ = [
    "AGGREGATIONS",
    "BUSINESS_SOURCES",
    "CLUSTERS",
    "DIRECTIONS",
    "KINDS",
    "PACKAGED_REGISTRY",
    "REGISTRY_VARIABLE",
    "UNITS",
    "VIEWS",
    "BusinessKpi",
    "Declarations",
    "Group",
    "Metric",
    "Part",
    "RegistryError",
    "Section",
    "business_registry",
    "declarations",
    "default_registry",
    "default_tolerance",
    "for_team",
    "headline_metric",
    "in_group",
    "in_section",
    "in_view",
    "internal_headlines",
    "load_declarations",
    "load_registry",
    "parse_declarations",
    "parse_registry",
    "registry_path",
    "reset",
]

PACKAGED_REGISTRY = Path(__file__).with_name("registry.toml")
REGISTRY_VARIABLE = "CXMETRICS_REGISTRY"  # a registry file to use instead of the packaged one


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
