"""Small value conversions the recognition modules share: a missing scalar read from a
frame as None, and a period given as a label or a Period."""

from __future__ import annotations

from typing import Any

import pandas as pd

from cxmetrics.periods import Period, parse_period


def none_if_missing(value: Any) -> Any:
    """None for any missing scalar (None, NaN, NA, NaT), else the value."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:  # NaN
        return None
    return value


def period_of(period: Period | str) -> Period:
    """The Period a label such as "2026-11" names (a Period is returned as it is)."""
    return parse_period(period) if isinstance(period, str) else period
