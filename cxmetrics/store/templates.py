"""Saved column mappings ("templates") in the `mapping_templates` table: a name, a kind, a
mapping `{canonical column: source column or None}` and options, kept as JSON."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING

import pandas as pd
from sqlalchemy import Connection, text

if TYPE_CHECKING:
    from cxmetrics.store import Reader, Store


def save_template(
    conn: Connection,
    *,
    name: str,
    kind: str,
    mapping: dict,
    options: dict,
    saved_by: str | None,
    saved_at: datetime,
) -> None:
    """Save the template `name`, replacing one saved under that name."""
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


def list_templates(db: Store | Reader, kind: str | None = None) -> pd.DataFrame:
    """Saved templates (name, kind, saved_by, saved_at) by name, of `kind` only when given
    (a Store or a Reader)."""
    return db.frame(
        "SELECT name, kind, saved_by, saved_at FROM mapping_templates "
        "WHERE (CAST(:k AS VARCHAR) IS NULL OR kind = :k) ORDER BY name",
        {"k": kind},
    )


def template(db: Store | Reader, name: str) -> dict | None:
    """{"kind", "mapping", "options"} of the template `name`, else None."""
    rows = db.rows(
        "SELECT kind, mapping, options FROM mapping_templates WHERE name = :n", {"n": name}
    )
    if not rows:
        return None
    kind, mapping, options = rows[0]
    return {
        "kind": kind,
        "mapping": json.loads(mapping),
        "options": json.loads(options) if options else {},
    }


def template_names(db: Store | Reader) -> list[str]:
    """The names of the saved templates, in order."""
    return [row[0] for row in db.rows("SELECT name FROM mapping_templates ORDER BY name")]
