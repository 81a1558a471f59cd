"""The deterministic demo organisation (`cxmetrics demo`), at any scale: its story, its
names and comment templates, and the build.

The statements live in `store/demo_sql.py` (set-based SQL inside DuckDB, also for a
PostgreSQL store, which gets the rows by COPY; no Python loop touches a data row).
Randomness comes from ``hash(seed, key, salt)``, so the same (agents, weeks, seed, end)
gives the same rows whatever the thread count. The build is one
transaction recorded as the upload batch ``demo``, so ``cxmetrics undo demo`` (or
:func:`clear_demo`) removes it again.

The story a leader can present from the default build (60 agents, 26 weeks):

* team ``T03`` (technical support) is the *improving team*: NPS around 0–10 and poor
  first-contact resolution in the first half of the range, rising steadily to about +40;
* team ``T02`` (billing) has a *callback-promise problem*: a quarter of contacts transferred,
  more abandons, only about 60 % of promised callbacks kept, detractors who say so;
* team ``T04`` is the internal IT help desk, surveyed by colleagues (iNPS), with its own
  iNPS target override;
* promoters praise their agent by first name (case and accents vary), a few name a
  teammate instead; detractors leave phone numbers and e-mail addresses for redaction;
  one comment carries an HTML payload and one a spreadsheet formula;
* business KPIs (sales per FTE, quality score) and learning sessions (hours per agent) sit
  beside the service ones;
* obstacles the staff raised (some fixed in the last week, the billing team's callback tool
  still in the way) and leaders' visits to each team, one team unmet for seven weeks
  (store/demo_frontline.py).
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Connection

from cxmetrics.metrics.scales import NPS, NPS_DETRACTOR_UP_TO
from cxmetrics.periods import last_complete_week
from cxmetrics.store import batches, demo_sql, rollups
from cxmetrics.store.demo_frontline import insert_frontline
from cxmetrics.store.demo_sql import BATCH_ID

# ---------------------------------------------------------------------------------------------
# Lookup lists (prime lengths, so first/last name pairs stay distinct up to 61 × 67 agents).

FIRST_NAMES = [
    "Maria", "José", "Tomás", "Zoë", "Łukasz", "Renée", "Will", "Grace", "Hope", "Mark",
    "Bill", "Joy", "Frank", "May", "Dawn", "Chase", "Aisha", "Mohammed", "Priya", "Arjun",
    "Mei", "Wei", "Yuki", "Hiroshi", "Olga", "Dmitri", "Siobhán", "Aoife", "Seán", "Björn",
    "Søren", "Inés", "François", "Chloé", "Noémie", "Joël", "Małgorzata", "Raúl", "Andrés",
    "Núria", "Fatima", "Omar", "Kwame", "Amara", "Chidi", "Sarah", "James", "Emma", "Oliver",
    "Sophie", "Daniel", "Laura", "David", "Hannah", "Lucas", "Anna", "Peter", "Rachel", "Ben",
    "Nadia", "Carlos",
]  # fmt: skip
LAST_NAMES = [
    "Silva", "García", "Müller", "Novák", "Kowalski", "Nowak", "O'Brien", "Murphy", "Smith",
    "Jones", "Williams", "Brown", "Taylor", "Wilson", "Evans", "Patel", "Khan", "Singh", "Chen",
    "Wang", "Tanaka", "Sato", "Kim", "Park", "Nguyen", "Dubois", "Lefèvre", "Moreau", "Rossi",
    "Bianchi", "Fernández", "López", "Martínez", "González", "Pérez", "Hernández", "Sánchez",
    "Jensen", "Nielsen", "Johansson", "Lindqvist", "Andersson", "Østergaard", "Çelik",
    "Yılmaz", "Öztürk", "Ivanova", "Petrov", "Kovács", "Horváth", "Szabó", "van der Berg",
    "de Vries", "Okafor", "Mensah", "Mbeki", "Cohen", "Levi", "Haddad", "Rahman", "Ahmed",
    "Ali", "Byrne", "Walsh", "MacDonald", "Campbell", "Fraser",
]  # fmt: skip
# Team name suffixes; 13 is coprime with the 6 functions, so (function, squad) pairs repeat
# only after 78 teams (a number is appended from then on).
SQUADS = [
    "Phoenix", "Harbour", "Aurora", "Summit", "Meridian", "Beacon", "Cedar", "Atlas",
    "Horizon", "Riverside", "Northstar", "Lighthouse", "Orchard",
]  # fmt: skip
# (function, team-name label, queue 1, queue 2, median handle seconds, internal?)
FUNCTIONS = [
    ("customer service", "Customer Care", "General enquiries", "Orders", 330, False),
    ("billing", "Billing", "Billing", "Payments & refunds", 360, False),
    ("technical support", "Tech Support", "Broadband", "Mobile & devices", 420, False),
    ("IT help desk (internal)", "IT Service Desk", "Service desk", "Access & passwords", 300, True),
    ("retention", "Retention", "Cancellations", "Contract renewals", 390, False),
    ("sales support", "Sales Support", "Upgrades", "New orders", 300, False),
]
IMPROVING_TEAM = 2  # zero-based team number: T03, technical support
CALLBACK_TEAM = 1  # T02, billing
INTERNAL_FUNCTION = 3
# Customer e-mail handles for detractor comments (deliberately not agent names).
CUSTOMER_HANDLES = [
    "jane.doe", "j.smith", "mike_t", "sam.okoro", "l.martin", "p.nguyen", "r.kaur",
    "tom.harris", "ellie.w", "k.osei", "anna.b", "dave1978",
]  # fmt: skip
# Comment templates by category. {first}: the agent's first name (case/accents vary);
# {full}: the agent's full name; {other}: a teammate's first name; {phone}, {email}: PII.
TEMPLATES: dict[str, list[str]] = {
    "praise": [
        "{first} sorted it in minutes, thank you!",
        "{first} was brilliant",
        "Thanks to {first} for being so patient with me.",
        "Really impressed with {first}, explained everything clearly.",
        "{first} fixed it first time. Great service!",
        "Shout out to {first}!! Made my day.",
        "Lovely chat with {first}, problem solved.",
        "{full} went above and beyond – please tell their manager.",
        "Please pass my thanks to {full}.",
    ],
    "praise_other": [
        "Actually it was {other} who fixed it in the end – thank you {other}!",
        "{other} called me back later and sorted everything, thanks",
        "Big thanks to {other} in the same team, who picked it up the next day.",
    ],
    "promoter": [
        "Quick and easy, thank you.",
        "Really helpful, sorted first time.",
        "Great service as always",
        "Very friendly and knowledgeable.",
        "Couldn't have asked for more.",
        "Brilliant – will recommend.",
        "I will definitely call again, very good.",
        "Fast, polite and it works now.",
    ],
    "passive": [
        "OK, but it took a while to get through.",
        "Fine in the end, had to explain my problem twice.",
        "Good service but the hold music is awful",
        "Helpful, although I'm still waiting for the confirmation email.",
        "Average. I hope it stays fixed.",
        "It was fine. Mark my words though, I'll be checking my next bill.",
        "Sorted, eventually.",
    ],
    "detractor": [
        "Waited ages on hold and then got cut off.",
        "Still not fixed after three calls.",
        "Nobody could answer a simple question.",
        "Charged twice and no one seems to care.",
        "Took far too long.",
        "Very disappointed with the service.",
        "Had to repeat my account number four times.",
    ],
    "detractor_pii": [
        "Still not sorted. Call me on {phone}.",
        "Please email me at {email}, nobody has replied.",
        "Ring {phone} or write to {email} – I want this fixed.",
        "My number is {phone}, call me back today!",
        "Send the refund confirmation to {email} please",
        "call me on {email} or {phone} asap",
    ],
    "callback": [
        "Was promised a call back that never came.",
        "Transferred three times and still no answer.",
        "They promised a call back twice. Nobody rang.",
        "Promised a call back within 24 hours – still waiting. {phone}",
        "Transferred three times, had to repeat everything each time.",
        "I was promised a call back, nobody called. Email me: {email}",
    ],
    "colleague_promoter": [
        "Laptop working again in ten minutes, great help.",
        "Password reset was quick and painless.",
        "VPN fixed before my meeting, thanks!",
        "Really clear instructions, thank you.",
    ],
    "colleague_passive": [
        "Fixed, but the ticket sat in the queue for a day.",
        "Fine, though I had to chase once.",
    ],
    "colleague_detractor": [
        "Ticket open for a week, no update.",
        "Had to chase three times for a new headset.",
        "Nobody told me the fix needed a restart.",
    ],
}
XSS_COMMENT = "Your website is broken <img src=x onerror=alert(1)> please fix it"
FORMULA_COMMENT = '=HYPERLINK("http://example.com/complaint","Click here for my complaint")'

# Learning: the topics of the sessions, and the share of agent-days with one.
LEARNING_TOPICS = [
    "Product update",
    "De-escalation",
    "Billing system",
    "Accessibility",
    "Coaching session",
]
LEARNING_SHARE = 0.125

# Interaction volume: offered contacts per agent per working day are 16..22 (mean 19).
MIN_OFFERED, OFFERED_SPREAD = 16, 7
MEAN_OFFERED = MIN_OFFERED + (OFFERED_SPREAD - 1) / 2
# Customer pool: with c contacts a day spread over P customers, the chance that a contact is
# followed by another from the same customer within 7 days is about 1 - exp(-7c/P); the
# factor below aims at ~12 % once unresolved contacts' customers (a smaller pool) are added.
POOL_PER_DAILY_CONTACT = 60.0
UNRESOLVED_POOL_SHARE = 5  # unresolved contacts come from 1/5 of the pool: they repeat more


@dataclass
class DemoSummary:
    """What :func:`build_demo` wrote."""

    agents: int
    teams: int
    interactions: int
    responses: int
    adherence_rows: int
    kpi_values: int
    learning_rows: int
    first_day: date
    last_day: date
    seconds: float


def _ascii(name: str) -> str:
    """`Łukasz` → `lukasz`, `O'Brien` → `obrien`: the local part of a demo e-mail address."""
    name = name.translate(str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ı": "i"}))
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def _check_empty(conn: Connection) -> None:
    """Refuse to build over a demo or over real data; the message names the fix."""
    if demo_sql.demo_committed(conn):
        raise ValueError(
            "the store already holds the demo organisation: run `cxmetrics undo demo` first "
            "(or use “clear demo data” on the Upload page)"
        )
    if demo_sql.holds_data(conn):
        raise ValueError(
            "the store already holds uploaded data; the demo organisation is only built into "
            "an empty store: point `--db` (or CXMETRICS_DB_URL) at a new file, or undo the "
            "uploaded batches first (`cxmetrics batches`, `cxmetrics undo BATCH_ID`)"
        )


def _params(agents: int, weeks: int, seed: int, first_day: date, last_day: date) -> dict:
    n_teams = max(1, round(agents / 10))
    n_days = 7 * weeks
    daily_contacts = agents * 5 * MEAN_OFFERED / 7
    names = {
        "names": FIRST_NAMES,
        "ascii": [_ascii(n) for n in FIRST_NAMES],
        "last_names": LAST_NAMES,
        "last_ascii": [_ascii(n) for n in LAST_NAMES],
        "squads": SQUADS,
        "fn": [f[0] for f in FUNCTIONS],
        "fn_label": [f[1] for f in FUNCTIONS],
        "fn_q1": [f[2] for f in FUNCTIONS],
        "fn_q2": [f[3] for f in FUNCTIONS],
        "fn_handle": [float(f[4]) for f in FUNCTIONS],
        "fn_internal": [f[5] for f in FUNCTIONS],
        "tpl_cat": [cat for cat, bodies in TEMPLATES.items() for _ in bodies],
        "tpl_text": [body for bodies in TEMPLATES.values() for body in bodies],
    }
    return {
        **names,
        "seed": seed,
        "agents": agents,
        "n_teams": n_teams,
        "n_days": n_days,
        "first_day": first_day,
        "last_day": last_day,
        "team_width": max(2, len(str(n_teams))),
        "agent_width": max(4, len(str(agents))),
        "combos": 6 * len(SQUADS),
        "n_squads": len(SQUADS),
        "n_first": len(FIRST_NAMES),
        "n_last": len(LAST_NAMES),
        "improving": IMPROVING_TEAM,
        "callback": CALLBACK_TEAM,
        "min_offered": MIN_OFFERED,
        "offered_spread": OFFERED_SPREAD,
        "pool": max(100, round(POOL_PER_DAILY_CONTACT * daily_contacts)),
        "unresolved_share": UNRESOLVED_POOL_SHARE,
        "handles": CUSTOMER_HANDLES,
        "xss": XSS_COMMENT,
        "formula": FORMULA_COMMENT,
        "promoter_from": NPS.top_from,
        "detractor_up_to": NPS_DETRACTOR_UP_TO,
        "topics": LEARNING_TOPICS,
        "learning_share": LEARNING_SHARE,
    }


def build_demo(
    store,
    *,
    agents: int = 60,
    weeks: int = 26,
    seed: int = 7,
    end: date | None = None,
    progress: Callable[[str], None] | None = None,
) -> DemoSummary:
    """Fill an empty store with the deterministic demo organisation, as batch ``demo``.

    The data covers `weeks` whole ISO weeks ending on `end` (a Sunday; by default the last
    complete week). Same arguments, same rows. `progress(step)` is told each step as it
    starts (`cxmetrics serve` prints them). Raises ValueError on a store that already holds
    the demo or any uploaded data, and on arguments that make no sense.
    """
    tell = progress or (lambda step: None)
    started = time.perf_counter()
    if agents < 1 or weeks < 1:
        raise ValueError("the demo needs at least 1 agent and 1 week (--agents, --weeks)")
    if agents > 1_000_000:
        raise ValueError("--agents is capped at 1,000,000")
    last_day = end or last_complete_week().end
    if last_day.isoweekday() != 7:
        sunday = last_day - timedelta(days=last_day.isoweekday())
        raise ValueError(
            f"--end must be a Sunday (the last day of an ISO week), e.g. {sunday.isoformat()}"
        )
    if last_day > date.today():
        raise ValueError(
            f"--end {last_day.isoformat()} is in the future: the demo holds past weeks only"
        )
    first_day = last_day - timedelta(days=7 * weeks - 1)
    params = {**_params(agents, weeks, seed, first_day, last_day), "loaded_on": _now(store).date()}

    with store.transaction() as conn:
        _check_empty(conn)
        demo_sql.forget_undone_demo(conn)  # a batch row left by an undone demo keeps the key
        # On PostgreSQL the statements run in a scratch DuckDB, copied over at the end.
        with demo_sql.workspace(conn, store.settings) as work:
            tell(f"planning {agents:,} agents over {weeks} weeks")
            demo_sql.plan(work, params)
            tell("teams and agents")
            demo_sql.insert_roster(work, params)
            tell("schedule adherence")
            demo_sql.insert_adherence(work, params)
            tell("contacts")
            demo_sql.insert_interactions(work, params)
            tell("survey responses")
            demo_sql.insert_responses(work, params)
            tell("business KPIs, learning and targets")
            demo_sql.insert_kpis(work, params)
            demo_sql.insert_learning(work, params)
            demo_sql.insert_target(work, params)
            for salt, comment in (("xss", XSS_COMMENT), ("formula", FORMULA_COMMENT)):
                demo_sql.plant_comment(work, params, comment=comment, salt=salt)
            tell("obstacles raised and leaders' visits")
            frontline = insert_frontline(work, first_day, last_day, BATCH_ID)
            demo_sql.replay_team_history(work)
            demo_sql.drop_scratch(work)
            tell("daily rollups")
            rollups.rebuild(work, store.settings)

        counts = demo_sql.counts(conn)
        total = sum(counts.values()) + frontline
        batches.record_batch(
            conn,
            batch_id=BATCH_ID,
            kind="demo",
            filename="demo organisation",
            sha256=None,
            uploaded_by="cxmetrics demo",
            uploaded_at=_now(store),
            rows_in=total,
            loaded=total,
            rejected=0,
            duplicates=0,
        )

    return DemoSummary(
        agents=counts["agents"],
        teams=counts["teams"],
        interactions=counts["interactions"],
        responses=counts["survey_responses"],
        adherence_rows=counts["adherence"],
        kpi_values=counts["kpi_values"],
        learning_rows=counts["learning"],
        first_day=first_day,
        last_day=last_day,
        seconds=round(time.perf_counter() - started, 3),
    )


def _now(store) -> datetime:
    """Now in the business time zone, as the naive local timestamp the store keeps."""
    return datetime.now(store.settings.tz).replace(tzinfo=None, microsecond=0)


def clear_demo(store, *, by: str | None = None) -> None:
    """Remove the demo organisation: undo batch ``demo`` (its rows, rollups and thank-yous).

    The batch stays listed as undone, so the app does not build the demo again on its
    next start; `cxmetrics demo` can still rebuild it on purpose.
    """
    from cxmetrics.ingest import undo_batch

    undo_batch(store, BATCH_ID, by=by)


def is_demo_present(store) -> bool:
    """True while any row of the demo organisation remains, whatever else was loaded: every
    page, slide and export then says "demo data"."""
    return demo_sql.is_present(store)


def is_demo_only(store) -> bool:
    """True while the demo organisation is loaded and nothing else has been (banner shows)."""
    return demo_sql.is_only(store)
