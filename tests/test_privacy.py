from __future__ import annotations

import time

import pandas as pd
import pytest

from cxmetrics.privacy import contains_pii, redact, redact_series

EMAILS = [
    "jane@example.com",
    "jane.doe@example.com",
    "jane.doe+survey@mail.example.co.uk",
    "JANE.DOE@EXAMPLE.COM",
    "j_doe-99@sub.domain.example.org",
    "jane dot doe at example dot com",
    "jsmith at gmail dot com",
    "jane(at)example.com",
    "jane [at] example [dot] com",
    "Jane.Doe AT Example DOT Com",
]

PHONES = [
    "+44 7700 900123",
    "+1 (555) 013-4567",
    "+33 6 12 34 56 78",
    "0044 20 7946 0958",
    "07700 900123",
    "020 7946 0958",
    "(555) 013-4567",
    "555-0134",
    "555.013.4567",
    "06 12 34 56 78",
    "+447700900123",
    "07700900123",
    "07700 900 123",
    "+44 (0)20 7946 0958",
    "0044 (0)20 7946 0958",
    "(+44) 7700 900123",
    "(020) 7946 0958",
    "+1-555-013-4567",
    "1-800-555-0199",
    "1 (800) 555-0199",
    "555 013 4567",
    "06.12.34.56.78",
    "+49 30 1234567",
    "0800 123 4567",
]

CARDS = [
    "4111 1111 1111 1111",
    "5500-0000-0000-0004",
    "378282246310005",
    "4111111111111111",
    "3782 822463 10005",
    "6011 1111 1111 1117",
]

IBANS = [
    "GB82 WEST 1234 5698 7654 32",
    "GB82WEST12345698765432",
    "DE89370400440532013000",
    "DE89 3704 0044 0532 0130 00",
    "FR14 2004 1010 0505 0001 3M02 606",
    "NL91ABNA0417164300",
    "gb82 west 1234 5698 7654 32",
]

# Texts that must come back exactly as they went in.
NOT_PII = [
    "",
    "rated 9/10",
    "9/10",
    "call 2 of 3",
    "10 out of 10",
    "2026",
    "in 2025 2026 and 2027",
    "2026-11-16",
    "16/11/2026",
    "1/2/2026",
    "10.11.2026",
    "01.11.2026",
    "01-11-2026 10 people",
    "2026-11-16 09:30",
    "between 09:30 and 10:00 on 16.11.2026",
    "09:30",
    "open 09.30-17.30",
    "£120.50",
    "$1,234.56",
    "1,234.56",
    "1.234.567,89",
    "€ 1 234 567",
    "£1 234 567",
    "95%",
    "12.5% better than 2025",
    "order 12345",
    "order 0123456789",
    "order no. 07700900123",
    "ref: 07700900123",
    "case #07700900123",
    "order 123-4567",
    "order 4111111111111111",
    "1234567890",
    "order 123456789012",
    "0001234567",
    "2026-W46",
    "NPS for 2026-W46 was +12.5",
    "Maria sorted it in 5 minutes",
    "ticket INC0012345",
    "version 1.67.0",
    "v2.3.4.5678",
    "192.168.1.10",
    "+5 stars",
    "+12 -3",
    "2019-2026",
    "500-1000",
    "100-2000 customers",
    "we were 3-2 up",
    "1-2-3-4-5-6-7",
    "1 2 3 4 5 6 7 8 9 10",
    "20 30 40 50 60",
    "12 345 678",
    "9am-5pm",
    "3 stars",
    "4111 1111 1111 1112",  # Luhn fails
    "0000 0000 0000 0000",  # Luhn passes, but no card network starts with 0
    "1234 5678 9012 3456 7890 1234 5678",
    "GB82 WEST 1234 5698 7654 33",  # mod-97 fails
    "AB12 3456 7890 1234 5678",  # not an IBAN country
    "I bought it at amazon.com",
    "meet at 5 dot 30",
    "jane@example",
    "ping @maria",
    "x07700900123",
    "07700 900123abc",
    "<img src=x onerror=alert(1)>",
    "<script>alert('hi')</script> &amp; <b>bold</b>",
    "Thanks (at) the end.",
    "22 05 2022 13.34",  # date and time, not a French phone number
    "07 08 2027 01.31",
    "16.11.26",
    "2026 11 16 10 30",
    "9700000000000000",  # Luhn passes, no card network starts with 97
    "GB82 WEST 1234 5698 7654 3\u212a",  # Kelvin sign: must not crash the IBAN check
    "\u017fB82 WEST 1234 5698 7654 32",  # long s
    "\u0661\u0662\u0663 \u0664\u0665\u0666",  # Arabic-Indic digits stay as written
    "\u0661\u0662\u0663 \u0664\u0665\u0666\u0667 \u0668\u0669\u0660 \u0661\u0662",
]


@pytest.mark.parametrize("text", EMAILS)
def test_email_is_redacted(text):
    assert redact(text) == "[email]"
    assert redact(f"Write to {text}, please.") == "Write to [email], please."


@pytest.mark.parametrize("text", PHONES)
def test_phone_is_redacted(text):
    assert redact(text) == "[phone]"
    assert redact(f"Call me on {text}. Thanks!") == "Call me on [phone]. Thanks!"


@pytest.mark.parametrize("text", CARDS)
def test_card_is_redacted(text):
    assert redact(text) == "[card]"
    assert redact(f"They charged {text} twice") == "They charged [card] twice"


@pytest.mark.parametrize("text", IBANS)
def test_iban_is_redacted(text):
    assert redact(text) == "[iban]"
    assert redact(f"Refund to IBAN {text} please") == "Refund to IBAN [iban] please"


@pytest.mark.parametrize("text", NOT_PII)
def test_not_pii_is_kept_exactly(text):
    assert redact(text) == text
    assert not contains_pii(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("room 12 07700 900123", "room 12 [phone]"),
        ("call 07700 900123 10 out of 10", "call [phone] 10 out of 10"),
        ("on 01.11.2026 07700 900123", "on 01.11.2026 [phone]"),
        ("tel:+447700900123", "tel:[phone]"),
        ("mailto:jane@example.com", "mailto:[email]"),
        ("<jane@example.com>", "<[email]>"),
        ("card 4111 1111 1111 1111 07700 900123", "card [card] [phone]"),
        ("qty 2 4111 1111 1111 1111", "qty 2 [card]"),
        ("5500 0000 0000 0004, exp 12/28", "[card], exp 12/28"),
        ("ref AB12 GB82 WEST 1234 5698 7654 32 ok", "ref AB12 [iban] ok"),
        ("06 12 34 56 78 and 07 11 22 33 44", "[phone] and [phone]"),
        ("+44 7700 900123 / +44 7700 900124", "[phone] / [phone]"),
        ("<b>07700 900123</b>", "<b>[phone]</b>"),
        ("on 16 11 2026 07700 900123", "on 16 11 2026 [phone]"),
        ("16.11.26 07700 900123", "16.11.26 [phone]"),
        ("07700 900123 16.11.2026", "[phone] 16.11.2026"),
        ("+1 555 013 4567 ext. 12", "[phone] ext. 12"),
        ("(07700 900123)", "([phone])"),
        ("is de89 3704 0044 0532 0130 00", "is [iban]"),
        ("\u0660\u0667\u0667\u0660\u0660 \u0669\u0660\u0660\u0661\u0662\u0663", "[phone]"),
    ],
)
def test_pii_in_context(text, expected):
    assert redact(text) == expected
    assert contains_pii(text)


@pytest.mark.parametrize("card", CARDS)
def test_card_is_not_half_eaten_by_the_phone_rule(card):
    assert redact(f"{card} 07700 900123") == "[card] [phone]"
    assert redact(f"07700 900123 {card}") == "[phone] [card]"
    assert redact(f"+44 7700 900123 {card}") == "[phone] [card]"


def test_several_items_at_once():
    text = (
        "<p>Maria was great (9/10)!</p> Reach me at jane.doe@example.com or +44 7700 900123, "
        "refund card 4111 1111 1111 1111 or IBAN GB82 WEST 1234 5698 7654 32. "
        "Order 12345 on 2026-11-16 at 09:30, £120.50, version 1.67.0."
    )
    assert redact(text) == (
        "<p>Maria was great (9/10)!</p> Reach me at [email] or [phone], "
        "refund card [card] or IBAN [iban]. "
        "Order 12345 on 2026-11-16 at 09:30, £120.50, version 1.67.0."
    )


def test_none_and_empty():
    assert redact(None) is None
    assert redact("") == ""
    assert contains_pii(None) is False
    assert contains_pii("") is False


def test_redaction_is_idempotent():
    once = redact("jane@example.com 07700 900123 4111 1111 1111 1111 DE89370400440532013000")
    assert once == "[email] [phone] [card] [iban]"
    assert redact(once) == once


SERIES_TEXTS = [*EMAILS[:3], *PHONES[:5], *CARDS[:2], *IBANS[:2], *NOT_PII[:20]]


@pytest.mark.parametrize("dtype", [object, "string", "str"])
def test_redact_series_matches_redact(dtype):
    values = pd.Series(
        [*SERIES_TEXTS, None, "Mail jane@example.com, call 07700 900123"],
        index=range(100, 100 + len(SERIES_TEXTS) + 2),
        name="comment",
        dtype=dtype,
    )
    out = redact_series(values)
    assert out.index.equals(values.index)
    assert out.name == "comment"
    assert out.dtype == values.dtype
    for before, after in zip(values, out, strict=True):
        if pd.isna(before):
            assert pd.isna(after)
        else:
            assert after == redact(before)
    assert out.iloc[-1] == "Mail [email], call [phone]"


def test_redact_series_keeps_none_nan_and_non_strings():
    values = pd.Series(["555-0134", None, float("nan"), 42], dtype=object)
    out = redact_series(values)
    assert out.iloc[0] == "[phone]"
    assert out.iloc[1] is None
    assert pd.isna(out.iloc[2])
    assert out.iloc[3] == 42
    assert values.iloc[0] == "555-0134"  # input untouched


@pytest.mark.parametrize(
    "values",
    [pd.Series([], dtype=object), pd.Series([None, None]), pd.Series([float("nan")] * 3)],
)
def test_redact_series_without_any_text(values):
    out = redact_series(values)
    assert out.dtype == values.dtype
    assert out.isna().all()
    assert len(out) == len(values)


def test_redact_series_100k_comments():
    comments = [
        "Maria was brilliant, 10 out of 10",
        "Call me back on 07700 900123 please",
        "jane.doe@example.com never got a reply",
        "Order 12345 arrived on 2026-11-16 at 09:30",
        "Charged twice on 4111 1111 1111 1111",
        "Waited 45 minutes, rated 3/10",
        None,
        "",
    ]
    values = pd.Series(comments * 12_500)
    start = time.perf_counter()
    out = redact_series(values)
    elapsed = time.perf_counter() - start
    print(f"\nredact_series on {len(values):,} comments: {elapsed:.2f} s")
    assert len(out) == 100_000
    assert out.iloc[1] == "Call me back on [phone] please"
    assert out.iloc[4] == "Charged twice on [card]"
    assert out.iloc[6] is None or pd.isna(out.iloc[6])


def test_three_megabyte_comment_is_linear():
    # Realistic text plus inputs that make naive regexes backtrack: long runs of digits,
    # digit groups, @ and dots, spelled-out "dot"/"at", IBAN look-alikes, parentheses.
    pieces = [
        "The agent was lovely, 10 out of 10, order 12345 on 2026-11-16. " * 15_000,
        "1 " * 100_000,
        "1" * 200_000,
        "12345 " * 30_000,
        "a@" * 100_000,
        "a.b@" * 50_000,
        "x dot " * 30_000,
        "x at " * 30_000,
        "(1) " * 40_000,
        "+1 " * 50_000,
        "GB82 " * 30_000,
        "a" * 200_000,
        " " * 100_000,
    ]
    text = "jane@example.com " + "".join(pieces) + " 07700 900123"
    assert len(text) > 3_000_000
    start = time.perf_counter()
    out = redact(text)
    print(f"\nredact on a {len(text) / 1e6:.1f} MB comment: {time.perf_counter() - start:.2f} s")
    assert out.startswith("[email] The agent was lovely, 10 out of 10, order 12345 on 2026-11-16.")
    assert out.endswith(" [phone]")
    assert len(out) == len(text) - len("jane@example.com") + 7 - len("07700 900123") + 7
