"""How the story writes a number: one function, so that the shared formatter can replace
it in one place."""

from __future__ import annotations

import math

MINUS = "\u2212"  # a real minus sign: "−3.2" reads as a number, "-3.2" as a dash
_CHANGE_UNIT = {"%": "points", "pts": "points", "s": "s", "count": "", "per hour": "per hour"}


def fmt(value: float | None, unit: str, style: str = "value") -> str:
    """`value` in `unit` as people read it; "—" when there is none.

    style "value": 81.5 %, +29 (NPS), 19 s, 6 min 40 s, 1,234, 2.32, 4.35 per FTE, 88.4/100;
    "change": the size of a change, unsigned, with its unit word: 13.6 points, 9.9 s;
    "signed": a change with its sign: +13.6 points, −9.9 s;
    "margin": half the 95 % interval: ± 3.3 points.
    Rates and NPS change by points (percentage points for rates).
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    v = float(value) + 0.0  # -0.0 prints as 0
    if style == "value":
        if unit == "%":
            return f"{round(v, 1) + 0.0:.1f} %"
        if unit == "pts":
            whole = round(v)
            return "0" if whole == 0 else f"{whole:+d}".replace("-", MINUS)
        if unit == "s":
            total = round(v)
            if abs(total) < 600:
                return f"{total:d} s".replace("-", MINUS)
            minutes, seconds = divmod(abs(total), 60)
            sign = MINUS if total < 0 else ""
            return f"{sign}{minutes} min" + (f" {seconds} s" if seconds else "")
        if unit == "count":
            return f"{round(v):,d}".replace("-", MINUS)
        digits = 1 if abs(v) >= 10 and unit not in ("per hour", "") else 2
        number = f"{v:,.{digits}f}".replace("-", MINUS)
        if unit in ("per hour", ""):
            return number
        return f"{number}{unit}" if unit.startswith("/") else f"{number} {unit}"
    if style not in ("change", "signed", "margin"):
        raise ValueError(f"unknown number style `{style}`: use value, change, signed or margin")
    amount = abs(v)
    if unit in _CHANGE_UNIT:
        digits = 0 if unit == "count" or (unit == "s" and amount >= 10) else 1
        digits = 2 if unit == "per hour" else digits
    else:  # a business KPI's own unit
        digits = 1 if amount >= 10 else 2
    if round(amount, digits) == 0:
        amount = 0.0
    word = _CHANGE_UNIT.get(unit, "" if unit.startswith("/") else unit)
    number = f"{amount:,.{digits}f}" + (f" {word}" if word else "")
    if style == "margin":
        return f"± {number}"
    if style == "signed":
        sign = "" if amount == 0 else "+" if v > 0 else MINUS
        return sign + number
    return number
