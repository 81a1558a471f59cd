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


def _chunks(arr: pa.Array | pa.ChunkedArray) -> list[pa.Array]:
    return arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]


def _is_text(chunk: pa.Array) -> bool:
    return pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)


def _offsets(chunk: pa.Array) -> np.ndarray:
    """Where each value of a text chunk starts in its data, and where the last one ends."""
    width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
    return np.frombuffer(chunk.buffers()[1], dtype=width)[
        chunk.offset : chunk.offset + len(chunk) + 1
    ]


def value_bytes(arr: pa.Array | pa.ChunkedArray) -> int:
    """Bytes of all the values of a text column: read off the offsets of a chunk without
    missing values, else summed a chunk at a time (no array of lengths as long as the
    column is built)."""
    total = 0
    for chunk in _chunks(arr):
        if not len(chunk):
            continue
        if _is_text(chunk) and not chunk.null_count:
            offsets = _offsets(chunk)
            total += int(offsets[-1] - offsets[0])
        else:
            total += pc.sum(pc.binary_length(chunk)).as_py() or 0
    return total


def longest_value(arr: pa.Array | pa.ChunkedArray) -> int:
    """Bytes of the longest value of a text column (0 when it has none), a chunk at a time."""
    longest = 0
    for chunk in _chunks(arr):
        if len(chunk):
            longest = max(longest, pc.max(pc.binary_length(chunk)).as_py() or 0)
    return longest


def may_hold_zero_byte(arr: pa.Array | pa.ChunkedArray) -> bool:
    """False when no value of a text column holds a zero byte, read off the bytes of its
    values in one pass (far cheaper than matching cell by cell, which then finds the
    rows); True when one may."""
    for chunk in _chunks(arr):
        if not len(chunk):
            continue
        if not _is_text(chunk):
            return True  # another layout: let the cell-by-cell match decide
        data = chunk.buffers()[2]
        start, end = _offsets(chunk)[[0, -1]]
        if data is None or start == end:
            continue
        values = np.frombuffer(data, dtype=np.uint8)[start:end]
        if np.count_nonzero(values) != len(values):
            return True
    return False


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
    if value_bytes(text) == value_bytes(raw):
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
