"""Look at a file before loading it: layout, encoding, mapping, a preview and warnings.

`inspect_file` reads only the head of the file (the first records), so it is quick on a
million-row export; the Upload page shows its mapping for the analyst to change, then calls
`load_batch` (dry run, then for real) with that mapping.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pandas as pd

from cxmetrics.ingest import layouts
from cxmetrics.ingest.cells import clean
from cxmetrics.ingest.dates import date_order, parse_times
from cxmetrics.ingest.figures import DECIMAL_COMMA
from cxmetrics.ingest.limits import DEFAULT_LIMITS
from cxmetrics.ingest.mapping import SAMPLE_ROWS
from cxmetrics.ingest.prepare import prepare, template_for
from cxmetrics.ingest.read import read_head, split_grid
from cxmetrics.ingest.reasons import Errors
from cxmetrics.ingest.sources import Source
from cxmetrics.ingest.specs import spec_for

if TYPE_CHECKING:
    from cxmetrics.store import Store

PREVIEW_ROWS = 20


@dataclass
class Inspection:
    """What a file is and how it would be read."""

    kind: str
    layout: str  # "canonical" | "qualtrics" | "surveymonkey" | "google_forms"
    layout_label: str  # e.g. "Qualtrics export (3 header rows)"
    encoding: str | None  # None for xlsx
    delimiter: str | None  # None for xlsx
    header_rows: int
    source_columns: list[str]  # as the analyst would recognise them (question text)
    mapping: dict[str, str | None]  # canonical column -> source column
    required: list[str]  # canonical columns that must be mapped
    preview: pd.DataFrame  # first 20 data rows, canonical columns, values as read
    rows_estimate: int | None
    warnings: list[str] = field(default_factory=list)
    date_order: str | None = None  # "dayfirst" | "monthfirst" | None (ISO / unknown)
    timezone: str | None = None  # zone of times without an offset (None: the kind has none)
    problem: str | None = None  # why the file cannot load with this mapping (None: it can)


def _order_name(order: bool | None) -> str | None:
    return None if order is None else ("dayfirst" if order else "monthfirst")


def inspect_file(
    source,
    kind: str,
    *,
    store: Store | None = None,
    filename: str | None = None,
    template: str | None = None,
    mapping: dict[str, str | None] | None = None,
    dayfirst: bool | None = None,
) -> Inspection:
    """Inspect a file (path, bytes or binary file object) as `kind` without loading it.

    store: to recognise agents by name or e-mail and to read `template`. mapping / dayfirst:
    what the analyst chose so far (the preview and warnings follow them). Raises
    UnreadableFile when the file cannot be read at all, ValueError for an unknown kind or
    template.
    """
    spec = spec_for(kind)
    saved, options = template_for(store, template, kind)
    if mapping is None:
        mapping = saved
    src = Source(source, filename)
    limits = store.settings.ingest if store is not None else DEFAULT_LIMITS
    grid = read_head(src, limits)
    raw = split_grid(grid, spec)
    prep = prepare(
        store, spec, raw, mapping=mapping, dayfirst=dayfirst, options=options, strict=False
    )
    layout = raw.layout
    assert layout is not None
    warnings = list(prep.warnings)
    head = raw.data.iloc[:PREVIEW_ROWS]
    preview = pd.DataFrame(
        {c: head[p].to_numpy(dtype=object) for c, p in prep.positions.items() if p is not None},
        index=pd.RangeIndex(len(head)),
    )
    if raw.complete:
        estimate: int | None = len(raw.data)
    elif grid.rows_estimate is not None:
        estimate = max(len(raw.data), grid.rows_estimate - layout.header_rows)
    else:
        estimate = None

    # What the sample says about rows that will be rejected or read in a particular way.
    sample = raw.data.iloc[:SAMPLE_ROWS]
    errors = Errors(len(sample))
    excluded = layouts.layout_rejections(layout, sample, errors, kind)
    if excluded:
        parts = ", ".join(f"{n} {what}{'s' if n > 1 else ''}" for what, n in excluded.items())
        warnings.append(
            f"{parts} in the first {len(sample)} rows: they will be rejected (not real "
            "customers), so the counts still add up"
        )
    order = prep.dayfirst
    dated = [
        c.name
        for c in spec.columns
        if c.type in ("timestamp", "date") and prep.positions.get(c.name) is not None
    ]
    if order is None and dated:
        settled = set()
        for name in dated:
            text = clean(sample[prep.positions[name]])[0]
            said = date_order(text)
            if said is not None:
                settled.add(said)
            else:
                parsed = parse_times(text, ZoneInfo("UTC"), None)
                unsure = int(parsed.ambiguous.sum())
                if unsure:
                    example = text[parsed.ambiguous].iloc[0]
                    warnings.append(
                        f"{unsure} of the first {len(sample)} `{name}` values are ambiguous "
                        f"(e.g. {example}: day/month or month/day?): choose day-first or "
                        "month-first, or those rows are rejected"
                    )
        if len(settled) == 1:
            order = settled.pop()
    if raw.decimal_comma:
        numeric = [
            c.name
            for c in spec.columns
            if c.type in ("number", "score") and prep.positions.get(c.name) is not None
        ]
        for name in numeric:
            text = sample[prep.positions[name]].str.strip()
            if text.str.match(DECIMAL_COMMA).fillna(False).any():
                warnings.append(
                    f"`{name}` has decimal commas (e.g. 12,5): read as 12.5 "
                    "(identifiers stay as written)"
                )
    return Inspection(
        kind=kind,
        layout=layout.name,
        layout_label=layout.label,
        encoding=raw.encoding,
        delimiter=raw.delimiter,
        header_rows=layout.header_rows,
        source_columns=list(layout.labels),
        mapping=prep.labels,
        required=[c.name for c in spec.columns if c.required],
        preview=preview,
        rows_estimate=estimate,
        warnings=list(dict.fromkeys(warnings)),
        date_order=_order_name(order),
        timezone=prep.timezone,
        problem=prep.problem,
    )


__all__ = ["Inspection", "inspect_file"]
