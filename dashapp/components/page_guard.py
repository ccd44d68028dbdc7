"""What a page shows a signed-in user who lacks its role."""

from __future__ import annotations

import dash_bootstrap_components as dbc

from dashapp.web.identity import Role, current_user


def page_guard(role: Role) -> dbc.Alert | None:
    """None when the user may see a page needing `role`, else an alert explaining why not."""
    user = current_user()
    if user is not None and user.has(role):
        return None
    return dbc.Alert(
        [
            f"This page needs the {role.name.lower()} role. ",
            "Ask an administrator to add you to the right group.",
        ],
        color="warning",
        className="m-4",
        id="page-denied",
    )
