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
from cxmetrics.metrics.registry import business_registry, default_registry

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


CLOSED = ("resolved", "wont_fix")  # obstacle statuses that end it, on their resolved_on


def obstacle_closed_on_a_date(
    frame: pd.DataFrame, raw: dict[str, pd.Series], errs: Errors, labels: dict[str, str]
) -> None:
    """A resolved or won't-fix obstacle says the day it was closed (not before it was raised);
    an open or in-progress one has no such day."""
    status_label, closed_label = labels["status"], labels["resolved_on"]
    status = frame["status"].astype(object).to_numpy()
    closed = frame["status"].isin(CLOSED).to_numpy(dtype=bool)
    no_day = frame["resolved_on"].isna().to_numpy()
    errs.add(
        closed & no_day,
        f"{closed_label} missing on a closed obstacle",
        lambda i: [
            f"{status_label} is '{status[p]}' but {closed_label} is empty: give the day it was "
            "closed (YYYY-MM-DD)"
            for p in i
        ],
    )
    errs.add(
        ~closed & ~no_day,
        f"{closed_label} on an obstacle still open",
        lambda i: [
            f"{closed_label} is given but {status_label} is '{status[p]}': set "
            f"{status_label} to resolved or wont_fix, or empty {closed_label}"
            for p in i
        ],
    )
    early = (frame["resolved_on"] < frame["raised_on"]).to_numpy(dtype=bool, na_value=False)
    raised_label = labels["raised_on"]
    errs.add(
        early,
        f"{closed_label} before {raised_label}",
        lambda i: (
            closed_label + " is '" + shown(raw["resolved_on"].iloc[i].str.strip()) + "', before "
            + raised_label + " '" + shown(raw["raised_on"].iloc[i].str.strip())
            + "': an obstacle is closed on or after the day it was raised"
        ),
    )  # fmt: skip


def metric_in_registry(
    frame: pd.DataFrame, raw: dict[str, pd.Series], errs: Errors, labels: dict[str, str]
) -> None:
    """The KPI an obstacle hurts, when given, is one the registry declares (a scorecard
    metric or a business KPI), so its tile can say so."""
    known = sorted({*default_registry(), *business_registry()})
    given = frame["metric_id"]
    unknown = (given.notna() & ~given.isin(known)).to_numpy(dtype=bool)
    label = labels["metric_id"]
    errs.add(
        unknown,
        f"{label} not in the registry",
        lambda i: (
            label + " is '" + shown(given.iloc[i]) + "', not a metric of the registry: use one "
            "of " + ", ".join(known) + " (or leave it empty)"
        ),
    )


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
