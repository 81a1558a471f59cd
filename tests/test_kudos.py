"""Kudos cards: a real PNG of the right size, with the customer's words redacted."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from PIL import Image

from cxmetrics import kudos

PII = "Maria was brilliant! Call me on 07700 900123 or write to jane.doe@example.com"
WHEN = datetime(2026, 11, 20, 14, 3)


def test_png_decodes_with_the_right_size():
    png = kudos.kudos_card_png(
        agent_name="Maria Silva", team_name="Customer Care", comment=PII, responded_at=WHEN
    )
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(png))
    image.load()
    assert image.format == "PNG" and image.mode == "RGB"
    assert image.width == 1200
    assert image.height >= 750  # at least 5:8, taller when the words need it
    assert image.getpixel((image.width // 2, 5)) == (255, 255, 255)  # white paper


@pytest.mark.parametrize("width", [800, 1600])
def test_width_is_honoured(width):
    png = kudos.kudos_card_png(
        agent_name="Ana", team_name=None, comment="Ana was great", responded_at=WHEN, width=width
    )
    assert Image.open(io.BytesIO(png)).width == width


def test_the_words_on_the_card_are_redacted():
    card = kudos.card_lines(
        agent_name="Maria Silva", team_name="Customer Care", comment=PII, responded_at=WHEN
    )
    words = " ".join(card.quote_lines)
    assert "[phone]" in words and "[email]" in words
    assert "07700" not in words and "jane.doe" not in words
    assert card.name == "Maria Silva"
    assert card.subtitle == "Customer Care · 20 November 2026"
    assert card.heading == "THANK YOU"


def test_long_words_wrap_and_stop_with_an_ellipsis():
    comment = "Really helpful and patient, " * 60 + "x" * 400
    card = kudos.card_lines(
        agent_name="A very long name " * 8, team_name="T", comment=comment, responded_at=WHEN
    )
    assert len(card.quote_lines) <= kudos.MAX_QUOTE_LINES
    assert card.quote_lines[-1].endswith("…")
    font = kudos._font("quote", card.quote_size)
    inner = 1200 - 2 * kudos.PAD - kudos.QUOTE_INDENT
    assert all(font.getlength(line) <= inner + 1 for line in card.quote_lines)
    assert card.name.endswith("…")
    png = kudos.kudos_card_png(
        agent_name="A very long name " * 8, team_name="T", comment=comment, responded_at=WHEN
    )
    Image.open(io.BytesIO(png)).load()


def test_short_praise_gets_large_type_and_text_is_tidied():
    card = kudos.card_lines(
        agent_name="  Will   Turner ",
        team_name=None,
        comment='  "Will was\n\nbrilliant"  ',
        responded_at="2026-11-20T09:30:00",
    )
    assert card.quote_lines == ["Will was brilliant"]
    assert card.quote_size == kudos.QUOTE_SIZES[0][0]
    assert card.name == "Will Turner" and card.subtitle == "20 November 2026"


def test_render_uses_the_redacted_layout(monkeypatch):
    """The drawing code only ever draws what card_lines laid out (already redacted)."""
    drawn: list[str] = []
    original = kudos.ImageDraw.ImageDraw.text

    def spy(self, xy, text, *args, **kwargs):
        drawn.append(text)
        return original(self, xy, text, *args, **kwargs)

    monkeypatch.setattr(kudos.ImageDraw.ImageDraw, "text", spy)
    kudos.kudos_card_png(agent_name="Maria", team_name="Care", comment=PII, responded_at=WHEN)
    everything = " ".join(drawn)
    assert "[phone]" in everything and "[email]" in everything
    assert "07700" not in everything and "example.com" not in everything


def test_a_card_made_while_demo_data_is_in_says_so():
    plain = kudos.card_lines(
        agent_name="Maria", team_name="Care", comment="Great", responded_at=WHEN
    )
    demo = kudos.card_lines(
        agent_name="Maria", team_name="Care", comment="Great", responded_at=WHEN, demo=True
    )
    assert plain.demo_note == ""
    assert "DEMO DATA" in demo.demo_note
    png = kudos.kudos_card_png(
        agent_name="Maria", team_name="Care", comment="Great", responded_at=WHEN, demo=True
    )
    image = Image.open(io.BytesIO(png)).convert("RGB")
    # The note is drawn in its own red ink near the top right: the plain card has none.
    plain_png = kudos.kudos_card_png(
        agent_name="Maria", team_name="Care", comment="Great", responded_at=WHEN
    )
    plain_image = Image.open(io.BytesIO(plain_png)).convert("RGB")

    def reddish(img) -> int:
        right = img.crop((img.width // 2, 0, img.width, img.height // 3))
        raw = right.tobytes()
        pixels = zip(raw[0::3], raw[1::3], raw[2::3], strict=True)
        return sum(1 for r, g, b in pixels if r > 150 and g < 90 and b < 90)

    assert reddish(image) > 50 and reddish(plain_image) == 0


@pytest.mark.parametrize("length", [2_000, 10_000])
def test_a_long_unbroken_token_is_laid_out_with_few_measurements(length, monkeypatch):
    """A 2,000-character token once took 157 s: its width was measured once per character
    per cut, cubic in its length. Cuts are binary searches now, and only what a card can
    show is laid out, so the number of measurements stays small whatever the comment."""
    measured = []
    width = kudos._width
    monkeypatch.setattr(kudos, "_width", lambda text, font: measured.append(1) or width(text, font))
    text = kudos.card_lines(
        agent_name="N" * 500, team_name="T" * 300, comment="x" * length, responded_at=None
    )
    # 7 type sizes × about 25 cut lines × about 12 probes each, and the name: a few thousand
    # (the old layout measured about length² / 2 times).
    assert len(measured) < 5_000, len(measured)
    assert len(text.quote_lines) <= kudos.MAX_QUOTE_LINES
    assert text.quote_lines[-1].endswith("…") and text.name.endswith("…")
    png = kudos.kudos_card_png(
        agent_name="N" * 500, team_name="T" * 300, comment="x" * length, responded_at=None
    )
    assert png.startswith(b"\x89PNG")
