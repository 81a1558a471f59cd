"""A hostile organisation: every text field of its roster, surveys, contacts and KPI files
(ids, names, nicknames, supervisors, functions, queues, channels, metric ids, comments), its
batch file names and a saved template name hold markdown, an image pointing at `pixel`, a
KaTeX formula, a colour directive and HTML.

Shared by the page checks (AppTest) and the browser test, which points `pixel` at a local
listener and asserts the browser never asks it for anything. Sized so that every page has
something to show: two teams, five agents with 32 answers each in the last complete week
(service stars), one of them with 32 detractors the week before (most improved, and the best
team change), praise naming each agent, contacts and business KPIs in both weeks.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta

from cxmetrics import ingest
from cxmetrics.periods import last_complete_week

FIRST_NAMES = ("Zara", "Yuri", "Xena", "Wade", "Vera")
ANSWERS_PER_WEEK = 32


def payload(pixel: str, tag: str) -> str:
    """Image (fetched if rendered), colour directive, KaTeX and HTML, tagged by field."""
    return f"![i]({pixel}?{tag}):red[R]$x^2$<b>B</b>"


@dataclass(frozen=True)
class Hostile:
    """What was loaded: the ids a test needs to visit pages and look for text."""

    team_ids: tuple[str, ...]
    agent_ids: tuple[str, ...]
    agent_names: tuple[str, ...]
    team_names: tuple[str, ...]
    kpi_ids: tuple[str, ...]
    template: str
    filenames: tuple[str, ...]


def _csv(header: list[str], rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def build(pixel: str) -> tuple[Hostile, dict[str, tuple[str, bytes]]]:
    """The organisation and its files: {kind: (hostile file name, CSV bytes)}."""
    week = last_complete_week()
    before = week.previous()
    teams = [(f"H{i}{payload(pixel, f'tid{i}')}", i) for i in (1, 2)]
    # Team 2, an agent, a supervisor, the uploader and a file name start like spreadsheet
    # formulas: every table export must keep them as text.
    team_names = (f"Team 1 {payload(pixel, 'tn1')}", f"=1+1 Team 2 {payload(pixel, 'tn2')}")
    roster, agent_ids, agent_names = [], [], []
    for index, first in enumerate(FIRST_NAMES):
        team_id, team_no = teams[0] if index < 3 else teams[1]
        agent_id = f"A{index}{payload(pixel, f'aid{index}')}"
        name = f"{'@' if index == 4 else ''}{first} {payload(pixel, f'an{index}')}"
        agent_ids.append(agent_id)
        agent_names.append(name)
        roster.append(
            [
                agent_id,
                name,
                team_id,
                team_names[team_no - 1],
                f"{'+' if team_no == 2 else ''}Sup {payload(pixel, f'sup{team_no}')}",
                f"Fn {payload(pixel, f'fn{team_no}')}",
                f"{first.lower()}@example.com",
                "2024-01-15",
                "yes",
                f"{first}y {payload(pixel, f'nick{index}')}",
            ]
        )
    surveys, contacts, kpis = [], [], []
    for index, (agent_id, first) in enumerate(zip(agent_ids, FIRST_NAMES, strict=True)):
        team_id = teams[0][0] if index < 3 else teams[1][0]
        for week_no, period in enumerate((before, week)):
            if week_no == 0 and index != 0:
                continue  # only the first agent answered the week before: most improved
            for answer in range(ANSWERS_PER_WEEK):
                at = datetime.combine(period.start, datetime.min.time()) + timedelta(
                    days=answer % 7, hours=9, minutes=answer
                )
                score = 10 if week_no == 1 else 3
                comment = ""
                if week_no == 1 and answer < 2:
                    comment = f"{first} was brilliant, thank you {payload(pixel, f'c{index}')}"
                elif week_no == 1 and answer == 2:
                    comment = f"Slow reply {payload(pixel, f'd{index}')}"
                    score = 2
                surveys.append(
                    [
                        f"R{index}-{week_no}-{answer}{payload(pixel, 'rid')}",
                        at.strftime("%Y-%m-%d %H:%M"),
                        "customer",
                        f"Ch {payload(pixel, 'sch')}",
                        team_id,
                        agent_id,
                        score,
                        comment,
                    ]
                )
                contacts.append(
                    [
                        f"C{index}-{week_no}-{answer}{payload(pixel, 'cid')}",
                        at.strftime("%Y-%m-%d %H:%M:%S"),
                        f"Ch {payload(pixel, 'ich')}",
                        f"Queue {payload(pixel, 'q')}",
                        team_id,
                        agent_id,
                        f"Cu {payload(pixel, 'cu')}",
                        10 + answer,
                        300 + answer,
                        "no",
                        "no",
                        "yes",
                        "no",
                        "",
                    ]
                )
    kpi_ids = (f"kpi{payload(pixel, 'kpi1')}", f"kpi{payload(pixel, 'kpi2')}")
    for period in (before, week):
        for offset in range(7):
            day = (period.start + timedelta(days=offset)).isoformat()
            kpis.append([day, kpi_ids[0], "", 4 + offset / 10])
            kpis.append([day, kpi_ids[1], teams[0][0], 80 + offset])
    files = {
        "roster": (
            f"roster {payload(pixel, 'f1')}.csv",
            _csv(
                [
                    "agent_id",
                    "agent_name",
                    "team_id",
                    "team_name",
                    "supervisor",
                    "function",
                    "email",
                    "hired_on",
                    "active",
                    "nickname",
                ],
                roster,
            ),
        ),
        "surveys": (
            f"surveys {payload(pixel, 'f2')}.csv",
            _csv(
                [
                    "response_id",
                    "responded_at",
                    "respondent_type",
                    "channel",
                    "team_id",
                    "agent_id",
                    "nps",
                    "comment",
                ],
                surveys,
            ),
        ),
        "interactions": (
            f"contacts {payload(pixel, 'f3')}.csv",
            _csv(
                [
                    "interaction_id",
                    "started_at",
                    "channel",
                    "queue",
                    "team_id",
                    "agent_id",
                    "customer_id",
                    "wait_seconds",
                    "handle_seconds",
                    "abandoned",
                    "transferred",
                    "resolved_first_contact",
                    "callback_promised",
                    "callback_kept",
                ],
                contacts,
            ),
        ),
        "kpis": (
            f"=kpis {payload(pixel, 'f4')}.csv",
            _csv(["date", "metric_id", "team_id", "value"], kpis),
        ),
    }
    hostile = Hostile(
        team_ids=tuple(team_id for team_id, _ in teams),
        agent_ids=tuple(agent_ids),
        agent_names=tuple(agent_names),
        team_names=team_names,
        kpi_ids=kpi_ids,
        template=f"Weekly {payload(pixel, 'tpl')}",
        filenames=tuple(name for name, _ in files.values()),
    )
    return hostile, files


def load(store, pixel: str) -> Hostile:
    """Load the hostile files as four batches (each must load every row) and save a
    template with a hostile name; returns what was loaded."""
    hostile, files = build(pixel)
    for kind, (filename, content) in files.items():
        report = ingest.load_batch(
            store, kind, content, filename=filename, uploaded_by=f"-{payload(pixel, 'by')}"
        )
        assert report.status == "committed", (kind, report.to_dict())
        assert report.rejected == 0, (kind, report.to_dict()["reasons"])
    ingest.save_template(
        store,
        hostile.template,
        "kpis",
        {"date": "date", "metric_id": "metric_id", "team_id": "team_id", "value": "value"},
        saved_by=payload(pixel, "tplby"),
    )
    return hostile
