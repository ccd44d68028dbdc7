"""Component ids of the app shell (navbar, colour mode, notices) that pages and tests share."""

from __future__ import annotations

THEME_SWITCH = "theme-switch"
THEME_STORE = "theme-mode"
NAV_COLLAPSE = "navbar-collapse"
NAV_TOGGLER = "navbar-toggler"
USERNAME = "navbar-username"
ROLE_BADGE = "navbar-role"
MAIN = "dashapp-main"
# Dash's pages router: its location component and the element the routed page renders into.
PAGES_LOCATION = "_pages_location"
PAGES_CONTENT = "_pages_content"
# Failed requests are announced here by assets/01_request_errors.js (outside React).
REQUEST_ERRORS = "dashapp-request-errors"
# The page Dash routes unknown paths to.
NOT_FOUND = "page-not-found"
PAGE_DENIED = "page-denied"
