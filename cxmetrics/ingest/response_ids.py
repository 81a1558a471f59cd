"""Stable ids for survey responses that come without one.

A response without an id gets "h" + 16 hex of the sha256 of its normalised row, so the same
answer in a re-exported file gets the same id (and is counted as a duplicate) whatever the
file's formatting.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

_HASHED = (
    "responded_at", "respondent_type", "channel", "team_id", "agent_id", "interaction_id",
    "nps", "csat", "ces", "comment",
)  # fmt: skip


def fill_response_ids(frame: pd.DataFrame, rows: np.ndarray | None = None) -> None:
    """Give responses without an id a stable one: "h" + 16 hex of sha256(normalised row).

    The normalised row is the parsed values (local time as YYYY-MM-DD HH:MM:SS, scores as
    integers, trimmed text, the comment as given), so the same answer in a re-exported file
    gets the same id whatever its formatting.
    """
    missing = frame["response_id"].isna().to_numpy().copy()
    if rows is not None:
        missing &= rows
    if not missing.any():
        return
    sub = frame.loc[missing]
    parts = []
    for name in _HASHED:
        col = sub[name]
        if name == "responded_at":
            text = col.dt.strftime("%Y-%m-%d %H:%M:%S")
        else:
            text = col.astype("string")
        parts.append(text.fillna("").astype(str))
    content = parts[0]
    for part in parts[1:]:
        content = content + "\x1f" + part
    ids = ["h" + hashlib.sha256(s.encode("utf-8")).hexdigest()[:16] for s in content]
    frame.loc[missing, "response_id"] = ids
