"""Small helpers the compositor's callbacks share."""

from __future__ import annotations

import uuid
from typing import Any

from dash.exceptions import PreventUpdate

from dashapp.web.identity import current_user


def owner() -> str:
    """The signed-in user's name (secured_callback and page_guard refuse anonymous users)."""
    user = current_user()
    if user is None:  # refused before this; keep mypy and readers sure
        raise PreventUpdate
    return user.username


def command(op: str, **payload: Any) -> dict[str, Any]:
    """A command for the editor; the nonce makes the editor apply it once."""
    return {"op": op, "nonce": uuid.uuid4().hex, **payload}


def text(value: Any) -> str:
    """A string from what the browser sent; anything else (a forged request) counts as empty."""
    return value if isinstance(value, str) else ""


def texts(value: Any) -> list[str]:
    """A list of strings from what the browser sent (a string, a list, or anything hostile)."""
    items = value if isinstance(value, list) else [value]
    return [text(item) for item in items]
