"""Component ids of the admin page (tests import these too)."""

from __future__ import annotations

import re

PAGE = "page-admin"
REFRESH = "admin-refresh"
SOURCES = "admin-sources"  # the sources' cards, filled by a callback (checks take time)
CHECKED_AT = "admin-checked-at"
SOURCE_CARD = "admin-source"  # prefix: admin-source-<name>
HEALTH = "admin-health"  # prefix: admin-health-<name>


def source_card(name: str) -> str:
    """The id of a source's card."""
    return f"{SOURCE_CARD}-{_safe(name)}"


def health_badge(name: str) -> str:
    """The id of a source's reachable/unreachable badge."""
    return f"{HEALTH}-{_safe(name)}"


def _safe(name: str) -> str:
    # Source names come from the dashboards file; ids with '.' or '{' confuse Dash.
    return re.sub(r"[^A-Za-z0-9_-]", "-", name)
