"""A column of text cells made ready to be typed: trimmed, empty cells and null tokens found,
the guard our own CSV export puts before formula-like text taken off.

Everything works on whole columns with Arrow's string kernels (which keep the text in its
buffers and release the GIL); nothing loops over rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cxmetrics.export import unguarded

# Cell values that mean "empty" (compared case-insensitively after trimming).
NULL_TOKENS = frozenset({"", "na", "n/a", "#n/a", "null", "none", "-"})
TRUE_TOKENS = frozenset({"1", "1.0", "true", "yes", "y", "t"})
FALSE_TOKENS = frozenset({"0", "0.0", "false", "no", "n", "f"})
_NULL_CELL_BYTES = 64  # the longest cell read as a null token (a token and its padding)


def _case_variants(word: str) -> set[str]:
    out = {""}
    for ch in word:
        out = {prefix + c for prefix in out for c in {ch.lower(), ch.upper()}}
    return out


# Every upper/lower-case spelling of the null tokens (one set look-up, no lower-casing).
NULL_SPELLINGS = frozenset(v for token in NULL_TOKENS for v in _case_variants(token))


def arrow_text(values: pd.Series) -> pa.ChunkedArray:
    """A Series of text as Arrow strings (the Series' own buffers when it is Arrow-backed)."""
    arr = pa.array(values.array, from_pandas=True)
    if isinstance(arr, pa.Array):
        arr = pa.chunked_array([arr])
    if pa.types.is_null(arr.type):
        arr = arr.cast(pa.large_string())
    return arr


def text_series(arr: pa.ChunkedArray, index: pd.Index) -> pd.Series:
    """Arrow strings as a `str` Series (no copy of the text)."""
    return pd.Series(arr, index=index, dtype="str")


def bools(mask: pa.ChunkedArray) -> np.ndarray:
    """An Arrow boolean result as a numpy mask (null = False)."""
    return mask.fill_null(False).to_numpy(zero_copy_only=False).astype(bool, copy=False)


def value_set(tokens, typ: pa.DataType) -> pa.Array:
    """Tokens as an Arrow array of `typ`, to look values up in."""
    return pa.array(sorted(tokens), typ)


def only(arr: pa.ChunkedArray, mask: pa.ChunkedArray) -> pa.ChunkedArray:
    """`arr` where `mask` holds, null elsewhere (`arr` itself when it holds on every value)."""
    if pc.all(mask).as_py() is not False:
        return arr
    return pc.if_else(mask, arr, pa.scalar(None, arr.type))


def clean(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Trimmed text with the null tokens as NaN, and the empty mask."""
    raw = arrow_text(values)
    text = pc.utf8_trim_whitespace(raw)
    if pc.sum(pc.binary_length(text)) == pc.sum(pc.binary_length(raw)):
        text = raw  # nothing to trim: keep the buffers already read
    text = _unguarded(text)
    empty = bools(
        pc.or_kleene(pc.is_null(text), pc.is_in(text, value_set(NULL_SPELLINGS, text.type)))
    )
    if empty.any():
        text = pc.if_else(pa.array(empty), pa.scalar(None, text.type), text)
    return text_series(text, values.index), empty


def _unguarded(text: pa.ChunkedArray) -> pa.ChunkedArray:
    """Cells that a cxmetrics CSV export guarded against formula injection (a quote before
    `=`, `+`, `-`, `@`…) as they were before, so a fixed download loads its text unchanged."""
    guarded = bools(pc.starts_with(text, "'"))
    if not guarded.any():
        return text
    cells = text.to_pylist()
    for pos in np.flatnonzero(guarded):
        cells[pos] = unguarded(cells[pos])
    return pa.chunked_array([pa.array(cells, text.type)])


def comment_text(values: pd.Series) -> pd.Series:
    """A comment exactly as given (not even trimmed), NaN for an empty cell or a null token;
    a quote our own export put before a formula-like comment is taken off."""
    raw = arrow_text(values)
    arr = _unguarded(raw)
    if arr is not raw:
        values = text_series(arr, values.index)
    # Only short cells can be a null token: long comments are not copied to be trimmed and
    # lower-cased (a file of long comments would briefly need its text three times over).
    short = pc.less_equal(pc.binary_length(arr), _NULL_CELL_BYTES).fill_null(True)
    cells = only(arr, short)
    low = pc.utf8_lower(pc.utf8_trim_whitespace(cells))
    empty = pc.or_kleene(
        pc.is_null(arr), pc.is_in(low, value_set(NULL_TOKENS, low.type))
    ).fill_null(False)
    if not pc.any(empty).as_py():
        return values
    return text_series(pc.if_else(empty, pa.scalar(None, arr.type), arr), values.index)
