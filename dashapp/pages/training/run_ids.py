"""Run ids as the page sends them back: whatever a client puts in a store must not become a 500."""

from __future__ import annotations

from typing import Any

from werkzeug.exceptions import BadRequest


def run_id_from(value: Any) -> int:
    """The run id in a store or grid row id; a forged non-id is a 400 with a clear message."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise BadRequest("A run id is a whole number.")
    text = str(value)
    if not text.isdigit() or len(text) > 18:
        raise BadRequest("A run id is a whole number.")
    return int(text)
