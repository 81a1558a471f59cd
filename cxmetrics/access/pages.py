"""Which roles may open which page: the one table the navigation and each page consult.
A new page is gated by adding its line here."""

from __future__ import annotations

from cxmetrics.access.viewer import ROLES, UPLOADERS, Viewer

EVERY_ROLE = frozenset(ROLES)

# url_path -> the roles that may open it.
PAGE_ROLES: dict[str, frozenset[str]] = {
    "allhands": EVERY_ROLE,
    "team": EVERY_ROLE,
    "agent": EVERY_ROLE,  # each sees the agents their role allows (access/scoped.py)
    "recognition": EVERY_ROLE,
    "obstacles": frozenset({"admin", "analyst", "leader", "supervisor"}),
    "definitions": EVERY_ROLE,
    "upload": UPLOADERS,
    "access": frozenset({"admin"}),
    "audit": frozenset({"admin"}),
}


def may_open(viewer: Viewer, url_path: str) -> bool:
    """True when the viewer's role may open the page (an unlisted page: nobody)."""
    return viewer.role in PAGE_ROLES.get(url_path, frozenset())
