"""Sign-in and roles: who is looking (`viewer`), which pages each role opens (`pages`),
reads narrowed to a viewer (`scoped`), the access list's rules and changes (`rules`,
`changes`) and the audit log (`audit`). No streamlit here: the app reads the identity in
ui/identity.py and passes the Viewer on. See docs/access.md.
"""

from __future__ import annotations

from cxmetrics.access.pages import PAGE_ROLES, may_open
from cxmetrics.access.viewer import EVERYONE, ROLES, Viewer, normal_email, resolve

__all__ = ["EVERYONE", "PAGE_ROLES", "ROLES", "Viewer", "may_open", "normal_email", "resolve"]
