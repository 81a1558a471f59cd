"""The all-hands deck: a 16:9 PowerPoint to take into the company deck.

Slides: the headline; customers and service together; trends (NPS with its band and
target, service level); why the headline NPS moved (waterfall); teams at a glance; service
stars and praise (left out when there are none: the headline says why); business KPIs
(left out when none were uploaded); you said, we did (story/deck_frontline.py; left out
when no obstacle was resolved or open and no leader met a team). Charts are native and
editable; every slide has speaker notes saying its numbers in plain words with n, margin
and whether a change is real; while any demo row remains every slide says "Demo data".
Every number is the scorecard's, read once into a `Story`.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from pathlib import Path

from pptx import Presentation
from pptx.util import Inches

from cxmetrics.formatting import spoken as fmt
from cxmetrics.metrics.engine import MetricResult
from cxmetrics.metrics.registry import default_registry, for_team
from cxmetrics.periods import Period
from cxmetrics.story.deck_charts import MUTED, trend_chart, waterfall_chart
from cxmetrics.story.deck_frontline import frontline_slide
from cxmetrics.story.deck_parts import (
    CONTENT_BOTTOM,
    CONTENT_TOP,
    GREY,
    MARGIN,
    NAME_CELL,
    SLIDE_HEIGHT,
    SLIDE_WIDTH,
    STATUS,
    clean,
    fill_cell,
    fitting_size,
    header_row,
    new_slide,
    set_notes,
    short_change,
    shorten,
    star_card,
    status_words,
    text_box,
    tile,
)
from cxmetrics.story.explain import CAVEAT, waterfall
from cxmetrics.story.gather import Story, read_story
from cxmetrics.story.headline import STAR_METRIC
from cxmetrics.story.periods import day_text
from cxmetrics.story.stars import quotes_for
from cxmetrics.story.wording import is_real, moved, spoken

GLANCE = ("nps", "csat", "service_level", "fcr", "callback_kept", "transfer_rate")
TEAM_ROWS = 8  # teams per slide
TEAM_SLIDES = 3  # at most; more teams are counted, not shown
REAL_NOTE = (
    "A change is called real only when it is statistically significant (p < 0.05); "
    "± is the 95 % margin of error."
)
DEMO_NOTE = "Demo data: these numbers come from the synthetic demo organisation."
WIDTH = SLIDE_WIDTH - 2 * MARGIN


def _signed(amount: float, unit: str) -> str:
    return fmt(amount, unit, "signed").replace(" points", " pts")


def short_period(label: str) -> str:
    """A period label short enough for a chart axis: W35, Nov 2026 -> Nov, Q4, 2026."""
    if "-W" in label or "-Q" in label:
        return label[5:]
    if len(label) == 7:  # a month, 2026-11
        return date(int(label[:4]), int(label[5:]), 1).strftime("%b")
    return label


class Deck:
    """The deck of one story, slide by slide."""

    def __init__(self, story: Story):
        self.story = story
        self.prs = Presentation()
        self.prs.slide_width, self.prs.slide_height = SLIDE_WIDTH, SLIDE_HEIGHT
        self.lines = story.card.by_id()
        period = story.period
        self.title = "All-hands" if story.team is None else shorten(clean(story.scope_name), 40)
        as_of = story.coverage.current.last
        self.subtitle = (
            f"{period.label} · {day_text(period.start)} – {day_text(period.end)} · "
            f"compared with {story.card.previous_period.label}"
            + (f" · data as of {day_text(as_of)}" if as_of else "")
        )
        self.footer = f"cxmetrics · {self.title} · {period.label} · {REAL_NOTE}"

    def slide(self, title: str, subtitle: str | None = None):
        return new_slide(self.prs, title, subtitle or self.subtitle, self.footer, self.story.demo)

    def notes(self, slide, *paragraphs: str) -> None:
        lead = (DEMO_NOTE,) if self.story.demo else ()
        set_notes(slide, "\n".join((*lead, *paragraphs)))

    def label(self, metric_id: str) -> str:
        return self.story.labels.get(metric_id, metric_id)

    def said(self, line: MetricResult) -> str:
        card = self.story.card
        return spoken(line, self.label(line.id), card.period.label, card.previous_period.label)

    # ---------------------------------------------------------------------------- slides

    def headline(self) -> None:
        h = self.story.headline()
        sentences = [clean(s) for s in h.sentences] or ["No numbers for this period."]
        slide = self.slide(f"{self.title} · {self.story.period.label}: the headline")
        height = CONTENT_BOTTOM - CONTENT_TOP
        size = fitting_size(sentences, WIDTH, height)
        text_box(
            slide,
            MARGIN,
            CONTENT_TOP,
            WIDTH,
            height,
            [(s, size) for s in sentences],
            space_after=int(size * 0.5),
        )
        self.notes(slide, *sentences, REAL_NOTE)

    def customers_and_service(self) -> None:
        registry = default_registry()
        customer, service = [], []
        for metric in registry.values():
            line = self.lines[metric.id]
            if metric.id == "inps" and line.n == 0:
                continue  # iNPS only where colleagues answered
            if metric.id == "nps" and line.n == 0 and self.lines["inps"].n > 0:
                continue  # an internal team: its NPS is iNPS
            (customer if metric.group == "customer" else service).append(line)
        slide = self.slide("Customers and service")
        columns, gap = 6, Inches(0.12)
        width = int((WIDTH - (columns - 1) * gap) / columns)
        height, top = Inches(1.5), CONTENT_TOP
        for title, lines in (("What customers feel", customer), ("How we serve", service)):
            text_box(slide, MARGIN, top, WIDTH, Inches(0.3), title, size=14, bold=True)
            top += Inches(0.32)
            for i, line in enumerate(lines):
                row, column = divmod(i, columns)
                x = MARGIN + column * (width + gap)
                tile(slide, x, top + row * (height + gap), width, height, line, self.label(line.id))
            top += -(-len(lines) // columns) * (height + gap)
        self.notes(slide, *(self.said(line) for line in customer + service))

    def trends(self) -> None:
        story = self.story
        labels = list(dict.fromkeys(story.trend["period"]))
        span = f"{labels[0]} to {labels[-1]}" if len(labels) > 1 else labels[0]
        slide = self.slide(f"Trends: {span}")
        metric = story.headline_metric
        half = int((WIDTH - Inches(0.3)) / 2)
        notes = []
        for i, metric_id in enumerate((metric, "service_level")):
            rows = story.trend[story.trend["metric"] == metric_id]
            line = self.lines[metric_id]

            def column(name: str, rows=rows) -> list[float | None]:
                return [None if v != v or v is None else float(v) for v in rows[name]]

            box = (MARGIN + i * (half + Inches(0.3)), CONTENT_TOP, half, Inches(5.4))
            if rows["value"].notna().any():
                trend_chart(
                    slide,
                    box,
                    title=self.label(metric_id),
                    unit=line.unit,
                    periods=[short_period(label) for label in rows["period"]],
                    values=column("value"),
                    lows=column("ci_low"),
                    highs=column("ci_high"),
                    targets=column("target"),
                )
            else:  # an empty chart would say nothing; this says why
                text_box(
                    slide,
                    *box,
                    [(self.label(metric_id), 16), (f"No data in {span}.", 14)],
                    bold=True,
                    colour=MUTED,
                )
            notes.append(self.said(line) + self._range_words(rows, line.unit))
        self.notes(slide, *notes, "Shaded: the 95 % interval of each period. Dashed: the target.")

    @staticmethod
    def _range_words(rows, unit: str) -> str:
        known = rows[rows["value"].notna()]
        if len(known) < 2:
            return ""
        high, low = known.loc[known["value"].idxmax()], known.loc[known["value"].idxmin()]
        return (
            f" Over these {len(rows)} periods it ran from {fmt(low['value'], unit)} "
            f"({low['period']}) to {fmt(high['value'], unit)} ({high['period']})."
        )

    def why(self) -> None:
        story, why = self.story, self.story.why
        line = self.lines[story.headline_metric]
        label = self.label(line.id)
        by = "agent" if story.team is not None else "team"
        slide = self.slide(f"Why {label} moved")
        steps = waterfall(why) if why is not None else []
        panel_x = MARGIN + Inches(8.4)
        panel = [(self.said(line), 14)]
        if steps:
            names = [
                f"{short_period(s.label)}\n{fmt(s.end, why.unit)}"
                if s.kind == "total"
                else f"{shorten(clean(s.label), 22)}\n{_signed(s.amount, why.unit)}"
                for s in steps
            ]
            waterfall_chart(
                slide,
                (MARGIN, CONTENT_TOP, Inches(8.2), Inches(5.4)),
                steps,
                unit=why.unit,
                labels=names,
            )
            panel += [
                (
                    f"{by.title()}s scoring differently (rate): "
                    f"{fmt(why.rate_effect, why.unit, 'signed')}.",
                    14,
                ),
                (
                    f"The share of answers from each {by} changing (mix): "
                    f"{fmt(why.mix_effect, why.unit, 'signed')}.",
                    14,
                ),
            ]
        else:
            panel.append(
                (
                    f"Nothing to split: {label} has no value in "
                    f"{story.card.previous_period.label} or {story.period.label}.",
                    14,
                )
            )
        text_box(
            slide, panel_x, CONTENT_TOP, WIDTH - Inches(8.4), Inches(4.6), panel, space_after=8
        )
        text_box(
            slide,
            panel_x,
            Inches(6.2),
            WIDTH - Inches(8.4),
            Inches(0.7),
            CAVEAT,
            size=11,
            italic=True,
            colour=MUTED,
        )
        notes = [self.said(line)]
        if steps:
            notes.append(
                f"Split by {by}: rate {fmt(why.rate_effect, why.unit, 'signed')} ({by}s "
                f"scoring differently), mix {fmt(why.mix_effect, why.unit, 'signed')} (the "
                f"share of answers from each {by} changing); together they make the change "
                f"of {fmt(why.delta, why.unit, 'signed')}."
            )
            notes += [
                f"{clean(s.label)}: {fmt(s.amount, why.unit, 'signed')}."
                for s in steps
                if s.kind != "total"
            ]
        self.notes(slide, *notes, CAVEAT)

    def _team_rows(self) -> list[tuple[str, list[MetricResult], bool]]:
        story = self.story
        if story.team is not None:
            rows = [(shorten(clean(story.scope_name), 48), story.card.metrics, story.internal)]
            if story.org_card is not None:
                rows.append(("Whole organisation", story.org_card.metrics, False))
            return rows
        return [
            (
                shorten(clean(name), 48),
                story.teams.get(team_id, []),
                story.team_internal.get(team_id, False),
            )
            for team_id, name in sorted(story.team_names.items())
        ]

    def teams(self) -> None:
        rows = self._team_rows()
        if not rows:
            return
        shown = rows[: TEAM_ROWS * TEAM_SLIDES]
        pages = [shown[i : i + TEAM_ROWS] for i in range(0, len(shown), TEAM_ROWS)]
        title = "Teams at a glance" if self.story.team is None else "Beside the organisation"
        for number, page in enumerate(pages, 1):
            subtitle = self.subtitle
            if len(pages) > 1:
                subtitle = f"{number} of {len(pages)} · " + subtitle
            if number == len(pages) and len(rows) > len(shown):
                subtitle += f" · {len(rows) - len(shown)} more teams in the app"
            self._team_slide(title, subtitle, page)

    def _team_slide(self, title, subtitle, rows) -> None:
        slide = self.slide(title, subtitle)
        heads = ["Team", "NPS / iNPS", *(self.label(m) for m in GLANCE[1:])]
        row_height = Inches(0.5)
        shape = slide.shapes.add_table(
            len(rows) + 1, len(heads), MARGIN, CONTENT_TOP, WIDTH, row_height * (len(rows) + 1)
        )
        table = shape.table
        table.columns[0].width = Inches(2.3)
        for i in range(1, len(heads)):
            table.columns[i].width = int((WIDTH - Inches(2.3)) / (len(heads) - 1))
        header_row(table, heads)
        notes = []
        big = len(rows) <= 5  # few rows: larger type, read from the back of the room
        value_size, change_size = (14, 11) if big else (12, 10)
        for r, (name, lines, internal) in enumerate(rows, 1):
            by_id = {line.id: line for line in lines}
            fill_cell(table.cell(r, 0), [(name, value_size + 1, True)], NAME_CELL)
            said = []
            for c, metric_id in enumerate(GLANCE, 1):
                metric_id = for_team(default_registry(), metric_id, internal)
                line = by_id.get(metric_id)
                cell = table.cell(r, c)
                if line is None or line.value is None:
                    fill_cell(cell, [("—", value_size, False)], GREY)
                    continue
                look = STATUS.get(line.status, GREY)
                fill_cell(
                    cell,
                    [
                        (fmt(line.value, line.unit), value_size, True),
                        (status_words(line), change_size, True),
                        (self._cell_change(line), change_size, is_real(line)),
                    ],
                    look,
                )
                if metric_id == GLANCE[0] or metric_id == "inps" or is_real(line):
                    said.append(self.said(line))
            notes.append(f"{name}: " + (" ".join(said) if said else "no survey answers."))
        self.notes(slide, *notes)

    @staticmethod
    def _cell_change(line: MetricResult) -> str:
        n = f"n {line.n:,}"
        if line.delta is None or line.provisional:
            return n
        return f"{short_change(line)}{' real' if is_real(line) else ''} · {n}"

    def stars(self) -> None:
        story, pick = self.story, self.story.stars
        if not pick.stars:
            return  # the headline says why there are none
        when = f"Stars of {pick.label}"
        if pick.fallback:
            when = (
                f"No agent had {pick.min_n} or more answers in {story.period.label}: "
                f"the stars of {pick.label}"
            )
        slide = self.slide("Service stars and praise", when)
        count = len(pick.stars)
        gap = Inches(0.15)
        width = int((WIDTH - (count - 1) * gap) / count)
        notes = []
        for i, star in enumerate(pick.stars):
            x = MARGIN + i * (width + gap)
            metric = STAR_METRIC.get(star.metric, star.metric)
            quote = quotes_for(story.star_praise, star.agent_id)
            interval = f"{fmt(star.ci_low, 'pts')} to {fmt(star.ci_high, 'pts')}"
            card = [
                (shorten(clean(star.name), 40), 18, True, False),
                (shorten(clean(star.team_name or ""), 40), 12, False, False),
                (f"{metric} {fmt(star.value, 'pts')}", 30, True, False),
                (f"from {star.n:,} answers", 12, False, False),
                (
                    f"95 %: {fmt(star.ci_low, 'pts')} to {fmt(star.ci_high, 'pts')}",
                    12,
                    False,
                    False,
                ),
            ]
            if quote:
                card.append((f"“{shorten(clean(quote[0]), 180)}”", 14, False, True))
            star_card(slide, x, CONTENT_TOP, width, Inches(4.0), card)
            notes.append(
                f"{clean(star.name)}"
                + (f" of {clean(star.team_name)}" if star.team_name else "")
                + f": {metric} {fmt(star.value, 'pts')} from {star.n:,} answers, 95 % "
                f"interval {interval}." + (f" A customer wrote: {clean(quote[0])}" if quote else "")
            )
        praise = self.story.praise
        period_words = f"in {story.period.label}"
        said = (
            f"{praise:,} comment{'s' if praise != 1 else ''} praised an agent by name "
            f"{period_words}."
            if praise
            else f"No comment praised an agent by name {period_words}."
        )
        text_box(slide, MARGIN, Inches(5.75), WIDTH, Inches(0.5), said, size=18, bold=True)
        ranking = (
            "Stars are ranked by the low end of their 95 % interval, so a few perfect scores "
            "never outrank a strong score from many customers. Quotes are redacted."
        )
        self.notes(slide, when + ".", *notes, said, ranking)

    def business(self) -> None:
        kpis = self.story.business
        if not kpis:
            return
        slide = self.slide("Beyond service: the rest of the business")
        heads = ["Measure", "Value", "Previous", "Change", "Target", "Status"]
        rows = kpis[:12]
        shape = slide.shapes.add_table(
            len(rows) + 1, len(heads), MARGIN, CONTENT_TOP, WIDTH, Inches(0.45) * (len(rows) + 1)
        )
        table = shape.table
        widths = [3.2, 1.8, 1.8, 2.6, 1.4]
        for i, inches in enumerate(widths):
            table.columns[i].width = Inches(inches)
        table.columns[len(widths)].width = WIDTH - Inches(sum(widths))
        header_row(table, heads, 13)
        notes = []
        for r, kpi in enumerate(rows, 1):
            look = STATUS.get(kpi.status, GREY)
            change = "—" if kpi.delta is None else f"{fmt(kpi.delta, kpi.unit, 'signed')} · no test"
            status = f"{look.icon} {look.word}" if kpi.value is not None else "no values"
            cells = [
                shorten(clean(kpi.label), 60),
                fmt(kpi.value, kpi.unit),
                fmt(kpi.previous, kpi.unit),
                change,
                fmt(kpi.target, kpi.unit),
                status,
            ]
            for c, text in enumerate(cells):
                fill_cell(table.cell(r, c), [(text, 13, c in (0, 1, 5))], look if c == 5 else None)
            notes.append(
                f"{clean(kpi.label)} is {fmt(kpi.value, kpi.unit)} ({kpi.basis}); "
                f"previous {fmt(kpi.previous, kpi.unit)}"
                + (f": it {moved(kpi.delta, kpi.unit)}" if kpi.delta is not None else "")
                + ". Business KPIs arrive as finished numbers: no test says whether a change "
                "is real."
            )
        self.notes(slide, *notes)

    def build(self) -> Presentation:
        slides: list[Callable[[], None]] = [
            self.headline,
            self.customers_and_service,
            self.trends,
            self.why,
            self.teams,
            self.stars,
            self.business,
            lambda: frontline_slide(self),
        ]
        for make in slides:
            make()
        return self.prs


def build_deck(story: Story) -> Presentation:
    """The deck of a story (see the module docstring for its slides)."""
    if story.empty:
        raise ValueError(f"{story.coverage.current.note()}: choose a period inside it for the deck")
    return Deck(story).build()


def deck_bytes(story: Story) -> bytes:
    """The deck as the bytes of a .pptx file (for a download button)."""
    out = io.BytesIO()
    build_deck(story).save(out)
    return out.getvalue()


def write_deck(
    store, period: Period, out: Path, *, team: str | None = None, today: date | None = None
) -> int:
    """Write the deck of `period` (the organisation's, or `team`'s) to `out`; the number of
    slides."""
    prs = build_deck(read_story(store, period, team=team, today=today))
    prs.save(out)
    return len(prs.slides)
