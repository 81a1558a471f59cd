"""What an access row must be: a plausible e-mail, a known role, teams the roster has.
The `access` upload kind and the Access page both check rows with these."""

from __future__ import annotations

import re
from collections.abc import Collection

from cxmetrics.access.viewer import ROLES, split_teams

# One @, no spaces, a dot in the domain: enough to catch a name or a typo in the column.
EMAIL = re.compile(r"^[^@\s;,<>\"]+@[^@\s;,<>\"]+\.[^@\s;,<>\".]+$")


def email_problem(email: str) -> str | None:
    """Why `email` cannot be an access e-mail, or None."""
    if not EMAIL.fullmatch(email.strip()):
        return (
            f"e-mail `{email.strip()[:80]}` is not an e-mail address: write it like ana@example.com"
        )
    return None


def role_problem(role: str) -> str | None:
    """Why `role` is not a role, or None."""
    if role.strip().lower() not in ROLES:
        return f"role `{role.strip()[:40]}` is unknown: use one of {', '.join(ROLES)}"
    return None


def teams_problem(team_ids: str | None, known: Collection[str]) -> str | None:
    """Why the `;`-separated `team_ids` name a team the roster does not have, or None."""
    unknown = [t for t in split_teams(team_ids) if t not in known]
    if unknown:
        shown = ", ".join(unknown[:5]) + (" …" if len(unknown) > 5 else "")
        return (
            f"team id `{shown}` is not in the roster: use the roster's team ids, separated by `;`"
        )
    return None
