"""The deck's building blocks: a slide with its title, footer and demo label; text boxes;
metric tiles; table cells coloured by status with icon and word; speaker notes. User text
(names, comments, KPI ids) goes in as plain text with control characters taken out."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Emu, Inches, Pt

from cxmetrics.formatting import format_delta, format_margin
from cxmetrics.formatting import spoken as fmt
from cxmetrics.metrics.engine import MetricResult
from cxmetrics.story.deck_charts import FONT, INK, MUTED
from cxmetrics.story.wording import is_real

SLIDE_WIDTH, SLIDE_HEIGHT = Emu(12192000), Emu(6858000)  # 16:9, 13.33 × 7.5 in
MARGIN = Inches(0.5)
CONTENT_TOP = Inches(1.45)
CONTENT_BOTTOM = Inches(6.95)
WHITE = RGBColor(0xFF, 0xFF, 0xFF)
BORDER = RGBColor(0xC4, 0xCA, 0xD3)
DEMO_FILL = RGBColor(0xB4, 0x5F, 0x06)
DEMO_LABEL = "Demo data"
NAME_CELL_FILL = RGBColor(0xF4, 0xF6, 0xF8)


@dataclass(frozen=True)
class Look:
    """How a status shows: icon and word (colour is never the only signal), text colour on
    a light fill."""

    icon: str
    word: str
    ink: RGBColor
    fill: RGBColor


GREY = Look("", "", RGBColor(0x4B, 0x55, 0x63), RGBColor(0xEE, 0xF0, 0xF3))
STATUS = {
    "green": Look("✔", "On target", RGBColor(0x1A, 0x6B, 0x2E), RGBColor(0xDC, 0xF0, 0xE1)),
    "amber": Look("▲", "Near target", RGBColor(0x85, 0x4D, 0x00), RGBColor(0xFC, 0xEB, 0xCC)),
    "red": Look("✖", "Off target", RGBColor(0x9B, 0x15, 0x1A), RGBColor(0xF8, 0xD9, 0xD9)),
    "insufficient": Look("○", "Too few to judge", GREY.ink, GREY.fill),
    "none": Look("–", "No target", GREY.ink, GREY.fill),
    "provisional": Look("≈", "Provisional", GREY.ink, GREY.fill),
    "not_applicable": Look("⊘", "Not applicable", GREY.ink, GREY.fill),
}
NAME_CELL = Look("", "", INK, NAME_CELL_FILL)
HEADER = Look("", "", WHITE, INK)
_BIDI = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def clean(text: object) -> str:
    """User text as a slide may hold it: control characters (which the file format cannot
    carry, and which could reorder what is shown) become spaces or go."""
    out = []
    for ch in str(text):
        if ch in "\t\n\r\v\f":
            out.append(" ")
        elif ch in _BIDI or unicodedata.category(ch) in ("Cc", "Cs") or ch in "\ufffe\uffff":
            continue
        else:
            out.append(ch)
    return "".join(out)


def shorten(text: str, most: int) -> str:
    """At most `most` characters, cut at a word with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= most:
        return text
    cut = text[: most - 1].rsplit(" ", 1)[0]
    return cut + "…"


def write(
    frame,
    lines: Sequence[tuple[str, int]] | str,
    *,
    size: int = 14,
    bold: bool = False,
    colour: RGBColor = INK,
    align=PP_ALIGN.LEFT,
    italic: bool = False,
    space_after: int = 0,
) -> None:
    """Fill a text frame: `lines` is a string (one paragraph) or (text, size) pairs."""
    if isinstance(lines, str):
        lines = [(lines, size)]
    frame.word_wrap = True
    for i, (text, line_size) in enumerate(lines):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.alignment = align
        paragraph.space_after = Pt(space_after)
        run = paragraph.add_run()
        run.text = text
        font = run.font
        font.name, font.size, font.bold, font.italic = FONT, Pt(line_size), bold, italic
        font.color.rgb = colour


def text_box(slide, x, y, w, h, lines, **style):
    """A text box with no margins of its own beyond a small inset."""
    shape = slide.shapes.add_textbox(x, y, w, h)
    frame = shape.text_frame
    frame.margin_left = frame.margin_right = Inches(0.05)
    frame.margin_top = frame.margin_bottom = Inches(0.02)
    write(frame, lines, **style)
    return shape


def new_slide(prs, title: str, subtitle: str, footer: str, demo: bool):
    """A blank 16:9 slide with its title, a subtitle line, the footer and, while demo
    rows remain, the "Demo data" label."""
    slide = prs.slides.add_slide(prs.slide_layouts[6])  # blank
    width = SLIDE_WIDTH - 2 * MARGIN
    text_box(
        slide, MARGIN, Inches(0.3), width - Inches(1.9), Inches(0.7), title, size=30, bold=True
    )
    text_box(slide, MARGIN, Inches(0.95), width, Inches(0.4), subtitle, size=14, colour=MUTED)
    text_box(slide, MARGIN, Inches(7.05), width, Inches(0.3), footer, size=11, colour=MUTED)
    if demo:
        badge = slide.shapes.add_shape(
            MSO_SHAPE.ROUNDED_RECTANGLE,
            SLIDE_WIDTH - MARGIN - Inches(1.7),
            Inches(0.38),
            Inches(1.7),
            Inches(0.45),
        )
        badge.fill.solid()
        badge.fill.fore_color.rgb = DEMO_FILL
        badge.line.fill.background()
        frame = badge.text_frame
        frame.vertical_anchor = MSO_ANCHOR.MIDDLE
        write(frame, DEMO_LABEL, size=16, bold=True, colour=WHITE, align=PP_ALIGN.CENTER)
    return slide


def set_notes(slide, text: str) -> None:
    """The speaker notes of a slide."""
    paragraphs = (clean(paragraph).strip() for paragraph in text.split("\n"))
    slide.notes_slide.notes_text_frame.text = "\n".join(p for p in paragraphs if p)


def status_words(line: MetricResult, *, target: bool = False) -> str:
    """How a status reads: "✔ On target", with the target "✖ Off target · 80.0 %",
    below min_n "○ Too few (n 17 < 30)"."""
    look = STATUS.get(line.status, GREY)
    if line.status == "insufficient":
        if line.value is None:
            return f"{look.icon} No data"
        return f"{look.icon} Too few (n {line.n:,} < {line.min_n})"
    words = f"{look.icon} {look.word}".strip()
    if target and line.target is not None and line.status in ("green", "amber", "red"):
        words += f" · {fmt(line.target, line.unit)}"
    return words


def short_change(line: MetricResult) -> str:
    """A change in a tile or cell, written as the pages write it: "-0.3 pp", "+3.6 pts"."""
    return format_delta(line.delta, line.unit)


def change_words(line: MetricResult) -> str:
    """The change against the previous period as a tile says it."""
    if line.status == "not_applicable" or line.value is None:
        return ""
    if line.delta is None:
        return "no previous value"
    if line.provisional:
        return "no change claimed"
    amount = short_change(line)
    if is_real(line):
        return f"{amount} · real change"
    if line.change == "no real change":
        return f"{amount} · no real change"
    if line.p_value is None and line.se is None and line.n >= line.min_n:
        return f"{amount} · not tested"
    return f"{amount} · too few to test"


def detail_words(line: MetricResult) -> str:
    """n and margin of a line, as the pages write them: "n 5,668 · ± 1.0 pp"."""
    parts = [f"n {line.n:,}"]
    margin = format_margin(line.ci_low, line.ci_high, line.unit)
    if margin:
        parts.append(margin)
    return " · ".join(parts)


def tile(slide, x, y, w, h, line: MetricResult, label: str) -> None:
    """One metric: label, value, status by icon and word on its colour, change, n/±/target."""
    look = STATUS.get(line.status, GREY)
    box = slide.shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, x, y, w, h)
    box.adjustments[0] = 0.06
    box.fill.solid()
    box.fill.fore_color.rgb = look.fill
    box.line.color.rgb = BORDER
    box.line.width = Pt(0.75)
    frame = box.text_frame
    frame.margin_left = frame.margin_right = Inches(0.1)
    frame.margin_top = frame.margin_bottom = Inches(0.06)
    frame.vertical_anchor = MSO_ANCHOR.TOP
    write(frame, [(label, 11)], bold=True)
    rows = [
        (fmt(line.value, line.unit), 24, True, INK),
        (status_words(line, target=True), 11, True, look.ink),
        (change_words(line), 10, is_real(line), INK),
        (detail_words(line) if line.value is not None else "", 10, False, MUTED),
    ]
    for text, size, bold, colour in rows:
        paragraph = frame.add_paragraph()
        run = paragraph.add_run()
        run.text = text
        font = run.font
        font.name, font.size, font.bold = FONT, Pt(size), bold
        font.color.rgb = colour


def fill_cell(cell, lines: Sequence[tuple[str, int, bool]], look: Look | None = None) -> None:
    """A table cell: (text, size, bold) lines, on the status fill when given."""
    cell.margin_left = cell.margin_right = Inches(0.08)
    cell.margin_top = cell.margin_bottom = Inches(0.03)
    cell.vertical_anchor = MSO_ANCHOR.MIDDLE
    cell.fill.solid()  # always: the table style's banding is not ours
    cell.fill.fore_color.rgb = look.fill if look is not None else WHITE
    frame = cell.text_frame
    frame.word_wrap = True
    for i, (text, size, bold) in enumerate(lines):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        run = paragraph.add_run()
        run.text = text
        font = run.font
        font.name, font.size, font.bold = FONT, Pt(size), bold
        font.color.rgb = look.ink if (look is not None and bold) else INK


def header_row(table, names: Sequence[str], size: int = 12) -> None:
    """The first row of a table: white names on dark."""
    for i, name in enumerate(names):
        fill_cell(table.cell(0, i), [(name, size, True)], HEADER)


def fitting_size(texts: Sequence[str], width: Emu, height: Emu, sizes=(24, 22, 20, 18, 16, 14)):
    """The largest font size (pt) at which `texts`, one paragraph each, fit the box; an
    estimate from an average character width of half the font size."""
    width_pt, height_pt = width / 12700, height / 12700
    for size in sizes:
        per_line = max(int(width_pt / (0.5 * size)), 1)
        lines = sum(-(-len(text) // per_line) for text in texts)
        if lines * size * 1.2 + len(texts) * size * 0.5 <= height_pt:
            return size
    return sizes[-1]


def star_card(slide, x, y, w, h, lines: Sequence[tuple[str, int, bool, bool]]) -> None:
    """A card of (text, size, bold, italic) lines on a light panel."""
    box = slide.shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, x, y, w, h)
    box.adjustments[0] = 0.04
    box.fill.solid()
    box.fill.fore_color.rgb = NAME_CELL_FILL
    box.line.color.rgb = BORDER
    frame = box.text_frame
    frame.word_wrap = True
    frame.vertical_anchor = MSO_ANCHOR.TOP
    frame.margin_left = frame.margin_right = Inches(0.15)
    frame.margin_top = Inches(0.15)
    for i, (text, size, bold, italic) in enumerate(lines):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.alignment = PP_ALIGN.LEFT
        paragraph.space_before = Pt(14 if italic else 2)
        run = paragraph.add_run()
        run.text = text
        font = run.font
        font.name, font.size, font.bold, font.italic = FONT, Pt(size), bold, italic
        font.color.rgb = MUTED if size <= 12 and not bold else INK
