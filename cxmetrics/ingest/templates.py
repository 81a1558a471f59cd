"""Saved column mappings ("templates") for exports that come back every week.

A template is a name, a kind, a mapping `{canonical column: source column or None}` and
options (such as `dayfirst`), kept in the store's `mapping_templates` table; saving under an
existing name replaces it.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING

import pandas as pd
from sqlalchemy import text

from cxmetrics.ingest.canonical import spec_for

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
        conn.execute(text("DELETE FROM mapping_templates WHERE name = :n"), {"n": name})
        conn.execute(
            text(
                "INSERT INTO mapping_templates (name, kind, mapping, options, saved_by, saved_at) "
                "VALUES (:n, :k, :m, :o, :by, :at)"
            ),
            {
                "n": name,
                "k": kind,
                "m": json.dumps(mapping, ensure_ascii=False),
                "o": json.dumps(options, ensure_ascii=False),
                "by": saved_by,
                "at": saved_at,
            },
        )


def list_templates(store: Store, kind: str | None = None) -> pd.DataFrame:
    """Saved templates (name, kind, saved_by, saved_at), by name; only `kind` when given."""
    if kind is not None:
        spec_for(kind)
    frame = store.frame(
        "SELECT name, kind, saved_by, saved_at FROM mapping_templates "
        "WHERE (:k IS NULL OR kind = :k) ORDER BY name",
        {"k": kind},
    )
    if frame.empty:
        return pd.DataFrame(columns=["name", "kind", "saved_by", "saved_at"])
    return frame


def get_template(store: Store, name: str) -> dict:
    """{"kind", "mapping", "options"} of a saved template; ValueError when there is none."""
    rows = store.rows(
        "SELECT kind, mapping, options FROM mapping_templates WHERE name = :n", {"n": name}
    )
    if not rows:
        names = [r[0] for r in store.rows("SELECT name FROM mapping_templates ORDER BY name")]
        known = f"saved templates: {', '.join(names)}" if names else "no template is saved yet"
        raise ValueError(
            f"there is no mapping template `{name}` ({known}): save one from the Upload page "
            "or with `cxmetrics ingest KIND FILE --save-template NAME`"
        )
    kind, mapping, options = rows[0]
    return {
        "kind": kind,
        "mapping": json.loads(mapping),
        "options": json.loads(options) if options else {},
    }
