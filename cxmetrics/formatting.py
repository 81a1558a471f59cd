"""Numbers as people read them: one rule per unit for a value, its margin of error, its
change, its target and its sample size, shared by the pages, the charts, the command line
and (later) the deck, so a number reads the same wherever it is shown.

The rules, per registry unit:
- NPS points ("pts"): whole points with their sign, "+29", "-13", "0"; margins and changes
  to a tenth of a point, "± 4.1 pts", "+3.4 pts".
- Rates ("%"): one decimal, "83.2 %"; margins and changes in percentage points, "± 2.3 pp".
- Times ("s"): whole seconds, "27 s", from ten minutes "12 min 5 s".
- Rates per hour: two decimals, "2.31". Counts: whole, with thousands separators, "1,234".
A missing number is "—" and never zero. Sentences (the headline, the deck's notes) say the
same numbers in words, "rose 13.6 points" (`spoken`).
"""

from __future__ import annotations

MISSING = "—"

# Words for each unit: where the Definitions page says what a number is, and the y axis.
UNIT_NAMES: dict[str, str] = {
    "pts": "NPS points, −100 to +100",
    "%": "percent, 0–100",
    "s": "seconds",
    "per hour": "contacts per hour",
    "count": "count",
}
AXIS_TITLES: dict[str, str] = {
    "pts": "NPS points",
    "%": "%",
    "s": "seconds",
    "per hour": "per hour",
    "count": "count",
}
# What follows a change or a distance: a rate moves in percentage points, not percent.
CHANGE_SUFFIX: dict[str, str] = {"%": " pp", "pts": " pts", "s": " s", "per hour": "", "count": ""}
# Decimals of a change: NPS, rates and times to a tenth, rates per hour to a hundredth.
CHANGE_DIGITS: dict[str, int] = {"count": 0, "per hour": 2}
# Suffix of an axis tick (a rate's ticks say "%", a time's "s").
TICK_SUFFIX: dict[str, str] = {"%": " %", "s": " s"}


def is_missing(value: object) -> bool:
    """True for None, NaN and pandas' NA: no number to show."""
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN is the one value unequal to itself
    except (TypeError, ValueError):  # pandas.NA refuses to be a bool
        return True


def _unsigned_zero(value: float) -> float:
    return value + 0.0  # turns -0.0 into 0.0


def format_value(value: float | None, unit: str) -> str:
    """A metric value (or target): "83.2 %", "+31", "27 s", "12 min 5 s", "1,234"; "—" if
    there is none."""
    if is_missing(value):
        return MISSING
    v = float(value)
    if unit == "%":
        return f"{_unsigned_zero(round(v, 1)):.1f} %"
    if unit == "pts":
        whole = round(v)
        return "0" if whole == 0 else f"{whole:+d}"
    if unit == "s":
        total = round(v)
        if abs(total) < 600:
            return f"{total:d} s"
        sign = "-" if total < 0 else ""
        minutes, seconds = divmod(abs(total), 60)
        return f"{sign}{minutes} min" + (f" {seconds} s" if seconds else "")
    if unit == "count":
        return f"{round(v):,d}"
    return f"{_unsigned_zero(round(v, 2)):.2f}"  # "per hour" and anything else


def format_target(target: float | None, unit: str) -> str:
    """A target reads like the value it is compared with: "80.0 %", "+30", "30 s"."""
    return format_value(target, unit)


def format_margin(ci_low: float | None, ci_high: float | None, unit: str) -> str:
    """Half-width of the 95 % interval: "± 4.1 pts", "± 2.3 pp" for rates; "" when unknown."""
    if is_missing(ci_low) or is_missing(ci_high):
        return ""
    half = abs(float(ci_high) - float(ci_low)) / 2
    if unit == "%":
        return f"± {half:.1f} pp"
    if unit == "pts":
        return f"± {half:.1f} pts"
    if unit == "s":
        return f"± {half:.0f} s" if half >= 10 else f"± {half:.1f} s"
    if unit == "count":
        return f"± {half:,.0f}"
    return f"± {half:.2f}"


def format_delta(delta: float | None, unit: str) -> str:
    """A change against the previous period, signed: "+3.4 pts", "-2.1 pp", "+1.5 s",
    "+0.12", "+1,204"; "—" if there is none."""
    if is_missing(delta):
        return MISSING
    digits = CHANGE_DIGITS.get(unit, 1)
    amount = _unsigned_zero(round(float(delta), digits))
    return f"{amount:+,.{digits}f}{CHANGE_SUFFIX.get(unit, '')}"


def format_amount(amount: float, unit: str) -> str:
    """A distance on the metric's scale, unsigned, as written: a tolerance "5 pp", "5 pts",
    "3 s", "0.5"."""
    return f"{amount:g}{CHANGE_SUFFIX.get(unit, '')}"


def format_count(n: int | float | None) -> str:
    """A sample size or count: "1,234"; "—" if there is none."""
    if is_missing(n):
        return MISSING
    return f"{round(float(n)):,d}"


def unit_name(unit: str) -> str:
    """What a unit is, in words: "percent, 0–100"."""
    return UNIT_NAMES.get(unit, unit)


def axis_title(unit: str) -> str:
    """The y-axis title of a chart in this unit."""
    return AXIS_TITLES.get(unit, unit)


def tick_suffix(unit: str) -> str:
    """What follows an axis tick's number ("%" for rates, "s" for times)."""
    return TICK_SUFFIX.get(unit, "")


def _business_digits(value: float | None) -> int:
    return 1 if value is not None and not is_missing(value) and abs(float(value)) >= 10 else 2


def format_business(value: float | None, unit: str) -> str:
    """A business KPI with its unit as people write it: "4.35 per FTE", "88.4/100" (a unit
    starting with "/" takes no space); one decimal from 10, two below."""
    if is_missing(value):
        return MISSING
    number = f"{float(value):,.{_business_digits(value)}f}"
    if not unit:
        return number
    return f"{number}{unit}" if unit.startswith("/") else f"{number} {unit}"


def format_business_delta(delta: float | None, value: float | None) -> str:
    """A business KPI's change, as precise as its value: "+8.4", "-0.15"."""
    if is_missing(delta):
        return MISSING
    return f"{float(delta):+.{_business_digits(value)}f}"


# A change said in a sentence: rates and NPS move by points.
_SPOKEN_UNIT = {"%": "points", "pts": "points", "s": "s", "count": "", "per hour": "per hour"}


def spoken(value: float | None, unit: str, style: str = "value") -> str:
    """A number as a sentence says it; "—" when there is none.

    style "value": the metric value as everywhere else (`format_value`), or a business
    KPI's (`format_business`) for any other unit; "change": the size of a change, unsigned,
    with its unit word, "13.6 points", "9.9 s"; "signed": the same with its sign, "+13.6
    points"; "margin": half the 95 % interval, "± 3.3 points".
    """
    if is_missing(value):
        return MISSING
    if style == "value":
        known = unit in UNIT_NAMES
        return format_value(value, unit) if known else format_business(value, unit)
    if style not in ("change", "signed", "margin"):
        raise ValueError(f"unknown number style `{style}`: use value, change, signed or margin")
    v = float(value)
    amount = abs(v)
    if unit in _SPOKEN_UNIT:
        digits = 0 if unit == "count" or (unit == "s" and amount >= 10) else 1
        digits = 2 if unit == "per hour" else digits
    else:  # a business KPI's own unit
        digits = _business_digits(amount)
    if round(amount, digits) == 0:
        amount = 0.0
    word = _SPOKEN_UNIT.get(unit, "" if unit.startswith("/") else unit)
    number = f"{amount:,.{digits}f}" + (f" {word}" if word else "")
    if style == "margin":
        return f"± {number}"
    if style == "signed":
        return ("" if amount == 0 else "+" if v > 0 else "-") + number
    return number
