"""Preparing a read file (step 2 of a load): its mapping and its day/month order settled.

The mapping is the analyst's (or a saved template's), else what the layout and the columns
suggest (`mapping.detect_mapping`); it is checked to give every required column a source,
and a column with values but no header must be mapped. The day/month order comes from the
analyst, the template, or the layout; the time zone of times without an offset from the
column's own label or the export, else the business zone. An inspection and a load share
this step; an inspection shows what a load would refuse instead of raising.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import EllipsisType
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cxmetrics.config import load_settings
from cxmetrics.ingest import layouts
from cxmetrics.ingest.mapping import (
    SAMPLE_ROWS,
    Mapping,
    checked_mapping,
    detect_mapping,
    labels_of,
    resolve_mapping,
)
from cxmetrics.ingest.read import RawTable
from cxmetrics.ingest.reasons import UnreadableFile
from cxmetrics.ingest.roster_lookup import Roster
from cxmetrics.ingest.specs import KindSpec
from cxmetrics.ingest.templates import get_template
from cxmetrics.store import roster as stored_roster

if TYPE_CHECKING:
    from cxmetrics.store import Store


@dataclass
class Prepared:
    """A read file with its layout and mapping settled (what inspection and load share)."""

    spec: KindSpec
    raw: RawTable
    positions: dict[str, int | None]  # canonical -> source position (None: not mapped)
    mapping: Mapping | None  # None when a required column has no source
    dayfirst: bool | None  # the day/month order in force (None: the file settles it)
    order_from: str | None  # "you" | "template" | "layout" | None
    warnings: list[str]
    roster: Roster | None
    problem: str | None = None  # why the file cannot load with this mapping
    zones: dict[str, ZoneInfo] = field(default_factory=dict)  # canonical -> zone of naive times
    timezone: str | None = None  # the zone times without an offset are read in
    time_note: str = ""  # what the report says about it

    @property
    def labels(self) -> dict[str, str | None]:
        return labels_of(self.raw.layout, self.positions)

    @property
    def layout_name(self) -> str:
        return self.raw.layout.name if self.raw.layout else "canonical"


def read_roster(store: Store | None, spec: KindSpec) -> Roster | None:
    """The store's agents and teams, to turn names and e-mails in a file into ids."""
    if store is None or spec.kind == "roster" or "agent_id" not in spec.names:
        return None
    agents, teams = stored_roster.names(store)
    return Roster.from_frames(agents, teams)


def template_for(store: Store | None, template: str | None, kind: str) -> tuple[dict | None, dict]:
    """A saved template's mapping and options (checked to be for this kind)."""
    if template is None:
        return None, {}
    if store is None:
        raise ValueError("a template is read from the store: pass the store with the template")
    saved = get_template(store, template)
    if saved["kind"] != kind:
        raise ValueError(
            f"template `{template}` maps {saved['kind']} files, not {kind}: choose a "
            f"{kind} template or load the file as {saved['kind']}"
        )
    return saved["mapping"], saved["options"] or {}


def prepare(
    store: Store | None,
    spec: KindSpec,
    raw: RawTable,
    *,
    mapping: dict[str, str | None] | None = None,
    dayfirst: bool | None = None,
    options: dict | None = None,
    strict: bool = True,
    roster: Roster | EllipsisType | None = ...,
) -> Prepared:
    """Settle the mapping (given, else detected) and the day/month order.

    strict (loading): raise UnreadableFile when the mapping cannot load the file; else
    (inspection) say why in `problem` and the warnings. roster: `read_roster`'s answer
    when the caller read it already (a load reads it with its other checks, in one turn
    for a shared file); else it is read here.
    """
    layout = raw.layout
    assert layout is not None
    options = options or {}
    if roster is ...:
        roster = read_roster(store, spec)
    warnings = list(raw.notes)
    conflicts: list[str] = []
    if mapping is not None:
        missing: list[str] | None = None if strict else []
        positions = resolve_mapping(spec, layout, mapping, missing=missing)
        warnings += missing or []
    else:
        found = detect_mapping(spec, layout, raw.data.iloc[:SAMPLE_ROWS], roster)
        positions, conflicts = found.mapping, found.conflicts
        warnings += [f"guessed {note}" for note in found.notes]
    problem = conflicts[0] if conflicts else None
    checked_map = None
    try:
        checked_map = checked_mapping(spec, positions, layout.labels, explicit=mapping is not None)
    except UnreadableFile as exc:
        problem = problem or str(exc)
    problem = problem or _unnamed_problem(layout, raw.data, positions)
    if problem and strict:
        raise UnreadableFile(problem)
    if problem:
        warnings.append(problem)
    if dayfirst is not None:
        order, order_from = dayfirst, "you"
    elif options.get("dayfirst") is not None:
        order, order_from = bool(options["dayfirst"]), "template"
    elif layout.dayfirst is not None:
        order, order_from = layout.dayfirst, "layout"
        vendor = {"surveymonkey": "SurveyMonkey"}.get(layout.name, layout.label)
        warnings.append(
            f"dates are read {'day' if order else 'month'}-first, as {vendor} writes them"
        )
    else:
        order, order_from = None, None
    business = (store.settings if store is not None else load_settings()).timezone
    zones, timezone, time_note = _time_zones(spec, layout, positions, business)
    return Prepared(
        spec, raw, positions, checked_map, order, order_from, warnings, roster, problem,
        zones, timezone, time_note,
    )  # fmt: skip


def _unnamed_problem(
    layout: layouts.Layout, data: pd.DataFrame, positions: dict[str, int | None]
) -> str | None:
    """Why the file cannot load as mapped: a column holds values but has no header and is
    not mapped (it would be dropped without a word)."""
    used = {p for p in positions.values() if p is not None}
    letters = []
    for pos in layout.unnamed:
        if pos in used or pos not in data.columns:
            continue
        cells = pc.utf8_trim_whitespace(pa.array(data[pos].array, pa.large_string()))
        if pc.any(pc.not_equal(cells, "")).as_py():
            letters.append(layouts.column_letter(pos))
    if not letters:
        return None
    if len(letters) == 1:
        return (
            f"column {letters[0]} has values but no header: name it in the file's first row, "
            "or map it to a column"
        )
    shown = ", ".join(letters[:-1]) + f" and {letters[-1]}"
    return (
        f"columns {shown} have values but no header: name them in the file's first row, or "
        "map them to columns"
    )


def _time_zones(
    spec: KindSpec,
    layout: layouts.Layout,
    positions: dict[str, int | None],
    business: str,
) -> tuple[dict[str, ZoneInfo], str | None, str]:
    """The zone of each timestamp column's times without an offset (its own, when the file
    says one), the zone the report names and its sentence about it."""
    stamps = {
        c.name: pos
        for c in spec.columns
        if c.type == "timestamp" and (pos := positions.get(c.name)) is not None
    }
    if not stamps:
        return {}, None, ""
    own = {name: zone for name, pos in stamps.items() if (zone := layout.zone(pos))}
    zones = {name: ZoneInfo(zone) for name, zone in own.items() if zone != business}
    zone = own.get(next(iter(stamps)))
    if zone is None:
        return (
            zones,
            business,
            f"times without an offset read as {business} (the business time zone)",
        )
    note = f"times without an offset read as {zone} (the file's own time zone)"
    if zone != business:
        note += f", converted to {business}"
    return zones, zone, note


def download_header(prep: Prepared) -> list[str]:
    """The header row of the rejected-rows download: the file's own labels, in one row,
    such that the file loads again as it did. A column with no header is named by the
    canonical column it was mapped to (else left blank); a column whose times the file put
    in a zone of its own (a Qualtrics timeZone) names that zone in brackets."""
    layout = prep.raw.layout
    assert layout is not None
    mapped = {p: name for name, p in prep.positions.items() if p is not None}
    header = []
    for pos, label in enumerate(layout.labels):
        if pos in layout.unnamed:
            label = mapped.get(pos, "")
        zone = layout.zone(pos)
        if zone and layouts.split_zone(label)[1] is None:
            label = f"{label} ({zone})"
        header.append(label)
    return header
