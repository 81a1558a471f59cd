"""Kudos cards: a printable "Thank you" PNG with the customer's (redacted) words.

`card_lines` lays the text out (and is what tests read: the image itself is pixels);
`kudos_card_png` draws it with Pillow. The customer's words always pass through
`privacy.redact` here, whatever the caller did before. Fonts: DejaVu or Liberation when
the machine has them, else Pillow's built-in scalable font, so a card renders anywhere.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from cxmetrics.privacy import redact

__all__ = ["CardText", "card_lines", "kudos_card_png"]

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

# Print-friendly colours: dark ink on white, one warm accent.
INK = "#1F2A44"
MUTED = "#5B6475"
ACCENT = "#B07A00"
ACCENT_LIGHT = "#F3E3B5"
FRAME = "#E4DED2"
PAPER = "#FFFFFF"
DEMO_INK = "#B3261E"

_FONTS = {
    "bold": ("DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf", "Arial Bold.ttf"),
    "regular": ("DejaVuSans.ttf", "LiberationSans-Regular.ttf", "Arial.ttf"),
    "quote": ("DejaVuSerif-Italic.ttf", "LiberationSerif-Italic.ttf", "Georgia Italic.ttf"),
    "quote_mark": ("DejaVuSerif-Bold.ttf", "LiberationSerif-Bold.ttf", "Georgia Bold.ttf"),
}
# Larger type for fewer words: (size, most lines at that size).
QUOTE_SIZES = ((60, 3), (52, 4), (46, 6), (42, 7), (38, 8), (34, 8), (30, 8))
MAX_QUOTE_LINES = 8
MAX_QUOTE_CHARS = 2_000  # more than 8 lines of the smallest type can hold
NAME_SIZES = (92, 80, 68, 58, 50)


@lru_cache(maxsize=64)
def _font(kind: str, size: int) -> Font:
    """A TrueType font of `kind` at `size` px: a system font when found, else Pillow's own."""
    for name in _FONTS[kind]:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def _width(text: str, font: Font) -> float:
    return font.getlength(text)


def _fitting(text: str, font: Font, width: float, suffix: str = "") -> int:
    """How many leading characters of `text` (then `suffix`) fit in `width` px: a binary
    search, so a long token costs O(n log n), not a measurement per character."""
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if _width(text[:mid] + suffix, font) <= width:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _wrap(text: str, font: Font, width: float) -> list[str]:
    """Greedy word wrap to `width` px; a word longer than a line is cut."""
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        while _width(word, font) > width:  # a very long token: cut it where it overflows
            cut = max(1, _fitting(word, font, width))
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:cut])
            word = word[cut:]
        candidate = f"{line} {word}" if line else word
        if _width(candidate, font) <= width:
            line = candidate
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines


def _ellipsize(text: str, font: Font, width: float) -> str:
    if _width(text, font) <= width:
        return text
    text = text[: _fitting(text, font, width, "…")]
    return text.rstrip(" ,.;:–-") + "…"


def _day(value: date | datetime | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    return f"{value.day} {value:%B %Y}"


@dataclass(frozen=True)
class CardText:
    """Every string the card shows, already laid out (quote wrapped, name fitted)."""

    heading: str
    name: str
    name_size: int
    subtitle: str
    quote_lines: list[str]
    quote_size: int
    footer: str
    demo_note: str = ""  # said on the card while the store holds the demo organisation


PAD = 96
DEMO_NOTE = "DEMO DATA · synthetic organisation"
QUOTE_INDENT = 92


def card_lines(
    *,
    agent_name: str,
    team_name: str | None,
    comment: str,
    responded_at: date | datetime | str | None,
    width: int = 1200,
    from_whom: str = "a customer",
    demo: bool = False,
) -> CardText:
    """Lay out a kudos card: the customer's words redacted, whitespace tidied, wrapped to
    the card (smaller type for longer words, at most MAX_QUOTE_LINES lines, then "…")."""
    # A card shows at most MAX_QUOTE_LINES lines: what could never show is not laid out
    # (cut after redaction, so that no half of a phone number escapes it).
    words = (redact(str(comment or "")) or "")[:MAX_QUOTE_CHARS]
    words = re.sub(r"\s+", " ", words).strip()
    words = words.strip("\"'“”‘’ ")
    inner = width - 2 * PAD
    name = " ".join(str(agent_name or "").split()) or "Our colleague"
    name_size = NAME_SIZES[-1]
    for size in NAME_SIZES:
        if _width(name, _font("bold", size)) <= inner:
            name_size = size
            break
    name = _ellipsize(name, _font("bold", name_size), inner)
    quote_width = inner - QUOTE_INDENT
    lines: list[str] = []
    quote_size = QUOTE_SIZES[-1][0]
    for size, most in QUOTE_SIZES:
        quote_size = size
        lines = _wrap(words, _font("quote", size), quote_width)
        if len(lines) <= most:
            break
    if len(lines) > MAX_QUOTE_LINES:
        font = _font("quote", quote_size)
        lines = [
            *lines[: MAX_QUOTE_LINES - 1],
            _ellipsize(lines[MAX_QUOTE_LINES - 1] + " …", font, quote_width),
        ]
    subtitle = " · ".join(
        p for p in (" ".join(str(team_name or "").split()), _day(responded_at)) if p
    )
    return CardText(
        heading="THANK YOU",
        name=name,
        name_size=name_size,
        subtitle=subtitle,
        quote_lines=lines,
        quote_size=quote_size,
        footer=f"— {from_whom}, in our survey",
        demo_note=DEMO_NOTE if demo else "",
    )


def _star(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float, fill: str) -> None:
    """A five-pointed star centred on (cx, cy) with outer radius r."""
    points = []
    for i in range(10):
        radius = r if i % 2 == 0 else r * 0.42
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    draw.polygon(points, fill=fill)


def kudos_card_png(
    *,
    agent_name: str,
    team_name: str | None,
    comment: str,
    responded_at: date | datetime | str | None,
    width: int = 1200,
    from_whom: str = "a customer",
    demo: bool = False,
) -> bytes:
    """A "Thank you" card as PNG bytes: agent's name large, team and date, the customer's
    words (redacted) wrapped in a quote; white paper, dark ink, so it prints well. `demo`
    marks the card as demo data (top right)."""
    text = card_lines(
        agent_name=agent_name,
        team_name=team_name,
        comment=comment,
        responded_at=responded_at,
        width=width,
        from_whom=from_whom,
        demo=demo,
    )
    heading_font = _font("bold", 30)
    name_font = _font("bold", text.name_size)
    sub_font = _font("regular", 32)
    quote_font = _font("quote", text.quote_size)
    foot_font = _font("regular", 26)
    line_height = round(text.quote_size * 1.42)

    # Vertical layout first: the card is as tall as its words need (at least 5:8), and a
    # short text sits in the middle of it.
    y_name = 72
    y_sub = y_name + round(text.name_size * 1.32)
    y_rule = y_sub + 66
    y_quote = y_rule + 60
    y_foot = y_quote + line_height * len(text.quote_lines) + 30
    content = y_foot + 40
    height = max(round(width * 0.625), content + 2 * PAD)
    top = (height - content) // 2
    y_heading = top
    y_name, y_sub, y_rule, y_quote, y_foot = (
        top + y for y in (y_name, y_sub, y_rule, y_quote, y_foot)
    )

    image = Image.new("RGB", (width, height), PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle((28, 28, width - 29, height - 29), outline=FRAME, width=3)
    draw.rectangle((28, 28, 44, height - 29), fill=ACCENT)  # the accent spine

    _star(draw, PAD + 16, y_heading + 17, 19, ACCENT)
    x = PAD + 50
    for ch in text.heading:  # letter-spaced small caps
        draw.text((x, y_heading), ch, font=heading_font, fill=ACCENT)
        x += _width(ch, heading_font) + 7
    if text.demo_note:
        draw.text(
            (width - PAD, y_heading), text.demo_note, font=foot_font, fill=DEMO_INK, anchor="ra"
        )
    draw.text((PAD, y_name), text.name, font=name_font, fill=INK)
    if text.subtitle:
        draw.text((PAD, y_sub), text.subtitle, font=sub_font, fill=MUTED)
    draw.rectangle((PAD, y_rule, PAD + 140, y_rule + 5), fill=ACCENT)

    # A large, light opening quote mark behind the first line, then the words.
    mark_font = _font("quote_mark", 170)
    draw.text((PAD - 8, y_quote - 40), "“", font=mark_font, fill=ACCENT_LIGHT)
    for i, line in enumerate(text.quote_lines):
        draw.text((PAD + QUOTE_INDENT, y_quote + i * line_height), line, font=quote_font, fill=INK)
    draw.text((PAD + QUOTE_INDENT, y_foot), text.footer, font=foot_font, fill=MUTED)

    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True, dpi=(150, 150))
    return buffer.getvalue()
