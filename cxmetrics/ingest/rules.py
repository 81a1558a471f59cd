"""Rules across the columns of one row, which a kind's spec declares (`KindSpec.row_rules`).

Each rule sees the typed frame, the text as read (`raw`: canonical name -> Series, for the
columns the file has), the file's Errors and `labels` (canonical name -> the file's own
label, quoted), and rejects the rows it finds wrong. They run after every column is typed,
so a row rejected for a bad value keeps that reason.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from cxmetrics.ingest.reasons import Errors, shown

RowRule = Callable[[pd.DataFrame, dict[str, pd.Series], Errors, dict[str, str]], None]


def answered_contact_has_handle_time(
    frame: pd.DataFrame, raw: dict[str, pd.Series], errs: Errors, labels: dict[str, str]
) -> None:
    """An interaction that was answered (not abandoned) needs its handle time."""
    answered = ~frame["abandoned"].fillna(False).to_numpy(dtype=bool)
    handle, abandoned = labels["handle_seconds"], labels["abandoned"]
    errs.add(
        answered & frame["handle_seconds"].isna().to_numpy(),
        f"{handle} missing on an answered contact",
        f"answered contact without {handle}: fill it in, or set {abandoned} "
        "to yes if the customer hung up before an answer",
    )


def adherence_within_schedule(
    frame: pd.DataFrame, raw: dict[str, pd.Series], errs: Errors, labels: dict[str, str]
) -> None:
    """Time in adherence cannot exceed the time scheduled."""
    sched, adh = frame["scheduled_minutes"], frame["in_adherence_minutes"]
    over = (adh > sched).to_numpy(dtype=bool, na_value=False)
    in_adh, scheduled = labels["in_adherence_minutes"], labels["scheduled_minutes"]
    errs.add(
        over,
        f"{in_adh} above {scheduled}",
        lambda i: (
            in_adh + " is '"
            + shown(raw["in_adherence_minutes"].iloc[i].str.strip())
            + "', more than " + scheduled + " '"
            + shown(raw["scheduled_minutes"].iloc[i].str.strip())
            + "': time in adherence cannot exceed the schedule"
        ),
    )  # fmt: skip


def a_score_given(
    frame: pd.DataFrame, raw: dict[str, pd.Series], errs: Errors, labels: dict[str, str]
) -> None:
    """A survey response gives at least one score."""
    none = frame[["nps", "csat", "ces"]].isna().all(axis=1).to_numpy()
    # Only rows whose scores are all *empty* (a bad score already has its own reason).
    given = [labels[name] for name in ("nps", "csat", "ces") if name in raw]
    which = given[0] if len(given) == 1 else "one of " + ", ".join(given)
    errs.add(none, "no score", f"no score: fill in {which}")
