"""Saved column mappings ("templates") for exports that come back every week.

A template is a name, a kind, a mapping `{canonical column: source column or None}` and
options (such as `dayfirst`), kept in the store's `mapping_templates` table; saving under an
existing name replaces it.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import pandas as pd

from cxmetrics.ingest.specs import spec_for
from cxmetrics.store import templates as stored

if TYPE_CHECKING:
    from cxmetrics.store import Store

OPTIONS = {"dayfirst": (bool, type(None))}


def _check(name: str, kind: str, mapping: dict, options: dict | None) -> tuple[str, dict, dict]:
    name = (name or "").strip()
    if not name:
        raise ValueError("a template needs a name: give one, e.g. 'Qualtrics weekly NPS'")
    spec = spec_for(kind)
    if not isinstance(mapping, dict):
        raise ValueError("a template's mapping is a dict {canonical column: source column}")
    for canon, source in mapping.items():
        if canon not in spec.names:
            raise ValueError(
                f"`{canon}` is not a {kind} column: map one of {', '.join(spec.names)}"
            )
        if source is not None and not isinstance(source, str):
            raise ValueError(f"the source column for `{canon}` must be a column name or None")
    options = dict(options or {})
    for key, value in options.items():
        if key not in OPTIONS:
            raise ValueError(f"unknown template option `{key}`: use {', '.join(OPTIONS)}")
        if not isinstance(value, OPTIONS[key]):
            raise ValueError(f"template option `{key}` must be true, false or None")
    clean = {c: (s if s is None or s.strip() else None) for c, s in mapping.items()}
    return name, clean, options


def save_template(
    store: Store,
    name: str,
    kind: str,
    mapping: dict,
    *,
    options: dict | None = None,
    saved_by: str | None = None,
) -> None:
    """Save (or replace) the mapping template `name` for files of `kind`."""
    name, mapping, options = _check(name, kind, mapping, options)
    saved_at = datetime.now(store.settings.tz).replace(tzinfo=None)
    with store.transaction() as conn:
        stored.save_template(
            conn,
            name=name,
            kind=kind,
            mapping=mapping,
            options=options,
            saved_by=saved_by,
            saved_at=saved_at,
        )


def list_templates(store: Store, kind: str | None = None) -> pd.DataFrame:
    """Saved templates (name, kind, saved_by, saved_at), by name; only `kind` when given."""
    if kind is not None:
        spec_for(kind)
    frame = stored.list_templates(store, kind)
    if frame.empty:
        return pd.DataFrame(columns=["name", "kind", "saved_by", "saved_at"])
    return frame


def get_template(store: Store, name: str) -> dict:
    """{"kind", "mapping", "options"} of a saved template; ValueError when there is none."""
    saved = stored.template(store, name)
    if saved is None:
        names = stored.template_names(store)
        known = f"saved templates: {', '.join(names)}" if names else "no template is saved yet"
        raise ValueError(
            f"there is no mapping template `{name}` ({known}): save one from the Upload page "
            "or with `cxmetrics ingest KIND FILE --save-template NAME`"
        )
    return saved
