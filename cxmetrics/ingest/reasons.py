"""Why a row is rejected, and why a whole file is refused: the wording of both.

A row's reason is one line of plain text naming the file's own column label in double
quotes and quoting the value in single quotes; each row keeps the first reason found
(`Errors`). A file that cannot be read at all raises `UnreadableFile`, whose message is one
line saying why and what to do.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial

import numpy as np
import pandas as pd

MAX_SHOWN = 40  # characters of a cell value quoted in a reason
MAX_LABEL_SHOWN = 60  # characters of a column label named in a reason
_UNPRINTABLE = r"[\x00-\x1f\x7f\x85\u2028\u2029]+"

# What a reason says about the rows of a check: one sentence for all of them, or a function
# of the rows' positions giving one sentence per row.
Detail = Callable[[np.ndarray], object] | str


class UnreadableFile(Exception):
    """The file cannot be read at all; the message is one line saying why and what to do."""

    def __init__(self, message: str):
        # One line whatever a quoted header or column name holds.
        super().__init__(" ".join(str(message).split()))


class Errors:
    """The first rejection reason per row (later rules never overwrite an earlier one)."""

    def __init__(self, n: int):
        self.n = n
        self._bad = np.zeros(n, dtype=bool)
        self._reason: np.ndarray | None = None  # made on the first rejection
        self._group: np.ndarray | None = None

    @property
    def reason(self) -> np.ndarray:
        """Full sentence per row (None: not rejected)."""
        if self._reason is None:
            self._reason = np.full(self.n, None, dtype=object)
        return self._reason

    @property
    def group(self) -> np.ndarray:
        """Column + rule per row, for counting (None: not rejected)."""
        if self._group is None:
            self._group = np.full(self.n, None, dtype=object)
        return self._group

    @property
    def bad(self) -> np.ndarray:
        return self._bad.copy()

    def add(self, mask, group: str, detail: Detail) -> None:
        mask = np.asarray(mask, dtype=bool) & ~self._bad
        idx = np.flatnonzero(mask)
        if not len(idx):
            return
        text = detail if isinstance(detail, str) else detail(idx)
        self.reason[idx] = np.asarray(text, dtype=object) if not isinstance(text, str) else text
        self.group[idx] = group
        self._bad[idx] = True


def _on_rows(detail: Callable[[np.ndarray], object], rows: np.ndarray, idx: np.ndarray):
    """`detail` of a check made on `rows` only, asked about positions of the whole column."""
    return detail(np.searchsorted(rows, idx))


class Deferred:
    """A column's rule hits, kept in order to be applied to the file's Errors later (so that
    columns can be checked at the same time and still give each row its first reason)."""

    def __init__(self):
        self.hits: list[tuple[np.ndarray, str, Detail]] = []

    def add(self, mask, group: str, detail: Detail) -> None:
        self.hits.append((mask, group, detail))

    def extend(self, other: Deferred, rows: np.ndarray, n: int) -> None:
        """Take over the hits of a check made on `rows` (sorted positions) of n rows."""
        for mask, group, detail in other.hits:
            full = np.zeros(n, dtype=bool)
            full[rows[np.asarray(mask, dtype=bool)]] = True
            if not isinstance(detail, str):
                detail = partial(_on_rows, detail, rows)
            self.hits.append((full, group, detail))

    def apply(self, errors: Errors) -> None:
        for mask, group, detail in self.hits:
            errors.add(mask, group, detail)


def shown(values: pd.Series) -> pd.Series:
    """Cell text for a reason: on one line (line breaks and control characters as spaces),
    cut to MAX_SHOWN characters."""
    text = values.fillna("").astype(str).str.replace(_UNPRINTABLE, " ", regex=True)
    long = text.str.len() > MAX_SHOWN
    return text.where(~long, text.str.slice(0, MAX_SHOWN - 1) + "…")


def quote_label(label: str) -> str:
    """A column label as reasons name it: in double quotes, on one line, cut to
    MAX_LABEL_SHOWN characters."""
    text = " ".join(re.sub(_UNPRINTABLE, " ", str(label)).split())
    if len(text) > MAX_LABEL_SHOWN:
        text = text[: MAX_LABEL_SHOWN - 1] + "…"
    return f'"{text}"'


class Shown:
    """Cell text for reasons, computed only for the rows that need one."""

    def __init__(self, text: pd.Series):
        self.text = text

    def __getitem__(self, positions: np.ndarray) -> pd.Series:
        return shown(self.text.iloc[positions])


def plural(n: int, word: str) -> str:
    """ "1 row", "2 rows": a count and its noun."""
    return f"{n} {word}" + ("" if n == 1 else "s")
