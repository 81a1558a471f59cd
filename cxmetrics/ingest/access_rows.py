"""The rows of an `access` upload (email, role, team_ids): e-mails in lower case, teams as
`T01;T02`; a row with a bad e-mail or a team the roster does not have is rejected with its
reason (an unknown role is rejected by its column's choices)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from cxmetrics.access.rules import email_problem, teams_problem
from cxmetrics.access.viewer import normal_email, split_teams
from cxmetrics.store import access as stored_access

if TYPE_CHECKING:
    from cxmetrics.ingest.validation import Validated
    from cxmetrics.store import Store


def check_access_rows(store: Store, checked: Validated) -> None:
    """Normalise the typed rows and reject those whose e-mail or teams are wrong."""
    frame, errors = checked.frame, checked.errors
    with store.reading() as conn:
        known = stored_access.team_ids(conn)
    emails = frame["email"].astype(object)
    email_reasons = [None if e is None or e != e else email_problem(str(e)) for e in emails]
    errors.add(
        np.array([r is not None for r in email_reasons], dtype=bool),
        "bad e-mail",
        lambda i: [email_reasons[int(p)] for p in i],
    )
    if "team_ids" in frame.columns:
        teams = frame["team_ids"].astype(object)
        team_reasons = [
            None if t is None or t != t else teams_problem(str(t), known) for t in teams
        ]
        errors.add(
            np.array([r is not None for r in team_reasons], dtype=bool),
            "unknown team id",
            lambda i: [team_reasons[int(p)] for p in i],
        )
        frame["team_ids"] = [
            None if t is None or t != t else (";".join(split_teams(str(t))) or None) for t in teams
        ]
    frame["email"] = [None if e is None or e != e else normal_email(str(e)) for e in emails]
