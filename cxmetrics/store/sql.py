"""The one door for names in SQL text: values are always bound, and a table or column name
that has to be written into a statement passes `ident` (a whitelist) first.

Every statement of cxmetrics lives under `cxmetrics/store/` (see docs/architecture.md);
modules elsewhere call store functions and never build SQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def ident(name: str, allowed: Iterable[str]) -> str:
    """`name`, checked against the names the caller allows and against the shape of a plain
    SQL identifier, ready to write into a statement. Anything else is a programming error
    (no value from a user, a file or a header ever reaches here), so it raises ValueError."""
    allowed = set(allowed)
    if name not in allowed or not _PLAIN.fullmatch(name):
        raise ValueError(f"`{name}` is not a name this statement may use: {sorted(allowed)}")
    return name


def idents(names: Iterable[str], allowed: Iterable[str]) -> str:
    """Several checked names, comma-separated (a column list)."""
    allowed = set(allowed)
    return ", ".join(ident(n, allowed) for n in names)
