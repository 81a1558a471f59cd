"""PII redaction of free text (survey comments shown on scorecards, kudos cards and exports).

`redact` replaces e-mail addresses, IBANs, payment card numbers and phone numbers with the
labelled placeholders ``[email]``, ``[iban]``, ``[card]`` and ``[phone]``; everything else is
kept byte for byte (no HTML escaping: that is the UI's job).

Precision matters as much as recall, so every rule is a cheap candidate regex followed by a
validator: cards must pass the Luhn check, IBANs the mod-97 check and their country's length,
phone numbers a digit count and a grouping shape that dates, times, money, scores, versions
and short ids do not have. Every quantifier is bounded and every candidate start is anchored
on a word boundary, so the cost is linear in the text length (no catastrophic backtracking).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd

__all__ = ["contains_pii", "redact", "redact_series"]

EMAIL = "[email]"
PHONE = "[phone]"
CARD = "[card]"
IBAN = "[iban]"

# --------------------------------------------------------------------------- e-mail

_EMAIL_RE = re.compile(
    r"(?<![\w.%+-])"  # start of the local part, never inside a longer token
    r"[\w.%+-]{1,64}@"
    r"(?:[^\W_][\w-]{0,62}\.){1,8}"  # domain labels
    r"[^\W\d_]{2,24}\b"  # top-level domain: letters only
)

# "jane dot doe at example dot com", "jane(at)example.com", "jane [at] example [dot] com"
_OBF_AT = r"(?:\s{0,3}[\[({<]\s{0,3}at\s{0,3}[\])}>]\s{0,3}|\s{1,3}at\s{1,3})"
_OBF_DOT = r"(?:\s{0,3}[\[({<]\s{0,3}dot\s{0,3}[\])}>]\s{0,3}|\s{1,3}dot\s{1,3}|\.)"
_OBF_EMAIL_RE = re.compile(
    rf"(?<![\w.%+-])(?P<local>[\w%+-]{{1,64}}(?:{_OBF_DOT}[\w%+-]{{1,64}}){{0,4}})"
    rf"(?P<at>{_OBF_AT})"
    rf"(?P<domain>[^\W_][\w-]{{0,62}}(?:{_OBF_DOT}[^\W_][\w-]{{0,62}}){{0,4}}"
    rf"{_OBF_DOT}[^\W\d_]{{2,24}})\b",
    re.IGNORECASE,
)
_SPELLED_DOT_RE = re.compile(r"\s[\[({<]?\s*dot\s*[\])}>]?\s|[\[({<]\s*dot", re.IGNORECASE)


def _obfuscated_email(m: re.Match[str]) -> str:
    """Bracketed "(at)" is always an address; a bare " at " needs a spelled-out dot too."""
    if m["at"].strip().lower() != "at":  # "(at)", "[at]", ...
        return EMAIL
    if _SPELLED_DOT_RE.search(m["domain"]) or "." in m["local"]:
        return EMAIL
    return m[0]  # "bought it at amazon.com" is not an address


# --------------------------------------------------------------------------- IBAN

# ISO 13616 registry: country code -> total IBAN length.
_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27,
    "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27,
    "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22,
    "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32,
    "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
    "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24,
    "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24, "SC": 31,
    "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28, "TL": 23,
    "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}  # fmt: skip

# ASCII classes on purpose: with IGNORECASE, [A-Z] would also match "ſ" or the Kelvin sign.
_IBAN_RE = re.compile(r"(?<![\w])[A-Za-z]{2}[0-9]{2}(?:[ -]?[A-Za-z0-9]){11,30}(?![\w])")


def _iban_ok(compact: str) -> bool:
    """ISO 7064 mod-97 check of an IBAN without separators."""
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def _iban_length(run: str) -> int:
    """Length of the valid IBAN at the start of `run` (separators included), or 0."""
    length = _IBAN_LENGTHS.get(run[:2].upper(), 0)
    ends = [i + 1 for i, ch in enumerate(run) if ch.isalnum()]
    if not length or len(ends) < length:
        return 0
    end = ends[length - 1]
    if run[end : end + 1].isalnum():  # it would end in the middle of a group or word
        return 0
    compact = run[:end].replace(" ", "").replace("-", "").upper()
    return end if _iban_ok(compact) else 0


def _iban(m: re.Match[str]) -> str:
    """Redact the leading IBAN of a candidate run; the run may overrun into following words."""
    return _redact_iban_run(m[0])


def _redact_iban_run(run: str) -> str:
    end = _iban_length(run)
    if end:
        return IBAN + run[end:]
    # "ref AB12 GB82 WEST ...": the run started on a lookalike, look again after it.
    space = run.find(" ")
    if space < 0:
        return run
    return run[: space + 1] + _IBAN_RE.sub(_iban, run[space + 1 :])


# --------------------------------------------------------------------------- digit runs (shared)

# A number right after one of these words is an identifier, not a phone or a card.
_ID_CONTEXT_RE = re.compile(
    r"(?:\b(?:order|ref|reference|ticket|case|invoice|inv|booking|tracking|confirmation|"
    r"sku|serial|po|id|item|parcel|claim|incident)\b(?:\s*(?:no\b\.?|nr\b\.?|number|num\b|#))?"
    r"|#)[\s.:#-]{0,3}$",
    re.IGNORECASE,
)
_TOKEN_RE = re.compile(r"\(\+?\d+\)|\d+")

# accept(groups, separators, i, j): do groups[i..j] of the run (inclusive) form the item?
_Accept = Callable[[list[str], list[str], int, int], bool]


def _after_id_word(m: re.Match[str]) -> bool:
    return _ID_CONTEXT_RE.search(m.string, max(0, m.start() - 40), m.start()) is not None


def _redact_run(m: re.Match[str], label: str, lo: int, hi: int, accept: _Accept) -> str:
    """Replace the longest accepted stretch of digit groups in a candidate run.

    A run may carry neighbouring numbers ("room 12 07700 900123", "4111 1111 1111 1111 2x"),
    so stretches may be cut at a plain space (never at "-" or "."); only stretches with
    `lo`..`hi` digits are offered to `accept`.
    """
    run = m[0]
    if len(run) < lo:
        return m[0]
    if not run.isascii():  # other scripts' digits (٠٧٧٠٠) are checked as 0-9
        run = "".join(str(int(c)) if c.isdecimal() else c for c in run)
    spans = [(t.start(), t.end()) for t in _TOKEN_RE.finditer(run)]
    groups = [run[a:b] for a, b in spans]
    seps = [run[spans[k][1] : spans[k + 1][0]] for k in range(len(spans) - 1)]
    counts = [0]
    for g in groups:
        counts.append(counts[-1] + len(g) - (g[0] == "(") * (2 + ("+" in g)))
    if counts[-1] < lo:
        return m[0]
    cuts = [k for k, s in enumerate(seps) if s == " "]
    best: tuple[int, int] | None = None
    for i in [0, *(k + 1 for k in cuts)]:
        for j in [*cuts, len(groups) - 1]:
            if j < i or not lo <= counts[j + 1] - counts[i] <= hi:
                continue
            a, b = (0 if i == 0 else spans[i][0]), spans[j][1]
            if best is not None and b - a <= best[1] - best[0]:
                continue
            if accept(groups, seps, i, j):
                best = (a, b)
    if best is None or _after_id_word(m):
        return m[0]
    return m[0][: best[0]] + label + m[0][best[1] :]


# --------------------------------------------------------------------------- payment cards

_CARD_RE = re.compile(
    r"(?<![\w+.,/:#$£€¥-])"
    r"\d{3,19}(?:[ -]\d{3,19}){0,6}"  # groups of 3+ digits, 13-19 digits checked later
    r"(?!\w|[.,/:-]\d)"
)


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _card_network_ok(d: str) -> bool:
    """The number has the prefix and length of a real card network (IIN ranges)."""
    n, two, four = len(d), int(d[:2]), int(d[:4])
    if d[0] == "4":  # Visa
        return n in (13, 16, 19)
    if 51 <= two <= 55 or 2221 <= four <= 2720:  # Mastercard
        return n == 16
    if two in (34, 37):  # American Express
        return n == 15
    if two in (30, 36, 38, 39):  # Diners Club
        return n >= 14
    if two in (35, 62, 65) or four == 6011 or 644 <= int(d[:3]) <= 649:  # JCB, UnionPay, Discover
        return n >= 16
    return two in (50, 56, 57, 58, 63, 67)  # Maestro


def _card_ok(groups: list[str], seps: list[str], i: int, j: int) -> bool:
    digits = "".join(groups[i : j + 1])
    return _card_network_ok(digits) and _luhn_ok(digits)


def _card(m: re.Match[str]) -> str:
    return _redact_run(m, CARD, 13, 19, _card_ok)


# --------------------------------------------------------------------------- phone numbers

_PH_GROUP = r"(?:\(\+?\d{1,5}\)|\d{1,15})"
_PH_SEP = r"(?:\ ?[-.]\ ?|\ |(?<=\))|(?=\())"
_PHONE_RE = re.compile(
    r"(?<![\w+#$£€¥])(?<!\d[.,/:-])"  # not glued to a word, a number, money or an id
    r"(?!\d{1,2}([./-])\d{1,2}\1\d{2,4}(?![./-]?\d))"  # not a date 16.11.2026
    r"(?!\d{4}([./-])\d{1,2}\2\d{1,2}(?![./-]?\d))"  # not a date 2026-11-16
    rf"(?:\+\ ?)?{_PH_GROUP}(?:{_PH_SEP}{_PH_GROUP}){{0,6}}"
    r"(?!\w|[.,/:-]\d)"  # not followed by more of a number (time, decimal, date)
)


def _date_groups(plain: list[str], seps: list[str]) -> set[int]:
    """Indices of groups that read as a date: 16.11.2026, 01-11-26, 2026-11-16, 16 11 2026."""
    found: set[int] = set()
    for k in range(len(plain) - 2):
        sep = seps[k].strip() or " "
        if (seps[k + 1].strip() or " ") != sep or sep not in "./- ":
            continue
        a, b, c = plain[k : k + 3]
        short = len(a) <= 2 and len(b) <= 2 and len(c) <= 2
        day_first = len(a) <= 2 and len(b) <= 2 and len(c) == 4 and c[:2] in ("19", "20")
        year_first = len(a) == 4 and a[:2] in ("19", "20") and len(b) <= 2 and len(c) <= 2
        # 16.11.26 is a date; 06.12.34.56.78 goes on with the same separator and is a phone
        lone_short = (
            short
            and sep != " "
            and not (k > 0 and seps[k - 1].strip() == sep)
            and not (k + 2 < len(seps) and seps[k + 2].strip() == sep)
        )
        if day_first or year_first or lone_short:
            found.update((k, k + 1, k + 2))
    return found


def _phone_ok(groups: list[str], seps: list[str], plus: bool) -> bool:
    """Decide whether digit groups (and the separators between them) form a phone number."""
    plain = [g.strip("()+") for g in groups]
    significant = "".join(p for g, p in zip(groups, plain, strict=True) if g != "(0)")
    if plus:  # international: +CC then the national significant number
        return 8 <= len(significant) <= 15 and significant[0] != "0"
    if any(g.startswith("(+") for g in groups):
        return False
    if significant.startswith("00"):  # international with the 00 prefix: 0044 20 7946 0958
        return 10 <= len(significant) <= 17 and significant[2] != "0"
    digits = "".join(plain)
    if "(0)" in groups or len(digits) < 7:
        return False
    if digits[0] == "0":  # national with a trunk 0: 07700 900123, 06 12 34 56 78
        return 9 <= len(digits) <= 12 and digits[1] != "0" and min(map(len, plain)) >= 2
    # No prefix: only the North American shapes, everything else is too ambiguous.
    lengths = [len(p) for p in plain]
    if lengths == [3, 4]:  # 555-0134, but not a range such as 500-1000
        round_range = plain[0].endswith("0") and plain[1].endswith("00")
        return seps[0].strip() == "-" and plain[0][0] not in "01" and not round_range
    if groups[0].startswith("("):  # (555) 013-4567, (555) 0134567
        return lengths in ([3, 3, 4], [3, 7])
    return lengths == [3, 3, 4] or (lengths == [1, 3, 3, 4] and plain[0] == "1")


def _phone(m: re.Match[str]) -> str:
    plus = m[0].lstrip("(").startswith("+")
    dates: set[int] | None = None

    def accept(groups: list[str], seps: list[str], i: int, j: int) -> bool:
        nonlocal dates
        if dates is None:
            dates = _date_groups([g.strip("()+") for g in groups], seps)
        if dates.intersection(range(i, j + 1)):
            return False
        return _phone_ok(groups[i : j + 1], seps[i:j], plus and i == 0)

    return _redact_run(m, PHONE, 7, 17, accept)


# --------------------------------------------------------------------------- public API

# Order matters: e-mail first (addresses contain digits), IBAN and card before phone so a
# card number is never half-eaten by the phone rule.
_RULES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str] | str], ...] = (
    (_EMAIL_RE, EMAIL),
    (_OBF_EMAIL_RE, _obfuscated_email),
    (_IBAN_RE, _iban),
    (_CARD_RE, _card),
    (_PHONE_RE, _phone),
)


def redact(text: str | None) -> str | None:
    """Replace e-mails, IBANs, card and phone numbers in `text` with labelled placeholders.

    None (and any other non-string, e.g. NaN) is returned unchanged; nothing else in the
    text is touched, HTML included.
    """
    if not isinstance(text, str):
        return text
    for pattern, repl in _RULES:
        text = pattern.sub(repl, text)
    return text


def _redact_strings(values: pd.Series) -> pd.Series:
    for pattern, repl in _RULES:
        values = values.str.replace(pattern, repl, regex=True)
    return values


def redact_series(values: pd.Series) -> pd.Series:
    """Vectorised `redact` for a column of comments; index, name, dtype and nulls are kept.

    Values that are not strings (None, NaN, numbers) pass through unchanged, also in an
    object or all-NaN float column.
    """
    if isinstance(values.dtype, pd.StringDtype):
        return _redact_strings(values)
    is_text = values.map(lambda v: isinstance(v, str)).astype(bool)
    out = values.copy()
    if is_text.any():
        out[is_text] = _redact_strings(values[is_text])
    return out


def contains_pii(text: str | None) -> bool:
    """True when `redact` would change `text`."""
    return isinstance(text, str) and redact(text) != text
