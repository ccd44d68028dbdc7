"""Run ids as the page sends them back: whatever a client puts in a store must not become a 500."""

from __future__ import annotations

from typing import Any

from werkzeug.exceptions import BadRequest


def run_id_from(value: Any, what: str = "run") -> int:
    """The run (or sweep) id in a store or grid row id; a forged non-id is a 400 with a clear
    message."""
    message = f"A {what} id is a whole number."
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise BadRequest(message)
    text = str(value)
    if not text.isdigit() or len(text) > 18:
        raise BadRequest(message)
    return int(text)
