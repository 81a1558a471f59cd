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
from cxmetrics.metrics.registry import business_registry

HOURS_IN_A_DAY = 24

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


def hours_within_a_day(
    frame: pd.DataFrame, raw: dict[str, pd.Series], errs: Errors, labels: dict[str, str]
) -> None:
    """Learning logged on one day fits in that day (at most 24 hours)."""
    hours = labels["hours"]
    over = (frame["hours"] > HOURS_IN_A_DAY).to_numpy(dtype=bool, na_value=False)
    errs.add(
        over,
        f"{hours} above {HOURS_IN_A_DAY}",
        lambda i: (
            hours + " is '" + shown(raw["hours"].iloc[i].str.strip())
            + f"', more than the {HOURS_IN_A_DAY} hours of a day: give the hours of one "
            "day per row"
        ),
    )  # fmt: skip


def kpi_not_computed_from_another_kind(
    frame: pd.DataFrame, raw: dict[str, pd.Series], errs: Errors, labels: dict[str, str]
) -> None:
    """A business KPI the registry computes from another kind's rows (learning hours, from
    the learning uploads) is never uploaded as a finished number: it would be ignored."""
    computed = {k.id: k.source for k in business_registry().values() if k.source != "kpis"}
    if not computed:
        return
    metric = labels["metric_id"]
    ids = frame["metric_id"]
    wrong = ids.isin(list(computed)).to_numpy(dtype=bool, na_value=False)
    errs.add(
        wrong,
        f"{metric} computed from another upload",
        lambda i: [
            f"{metric} is '{value}', which is computed from the {computed[kpi]} uploads: "
            f"load those rows as kind {computed[kpi]} instead"
            for value, kpi in zip(
                shown(raw["metric_id"].iloc[i].str.strip()), ids.iloc[i], strict=True
            )
        ],
    )
