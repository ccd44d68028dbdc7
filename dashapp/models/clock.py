"""The one clock of the stored rows: naive UTC (the columns are `DateTime` without a zone)."""

from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    """Now in UTC, without tzinfo, as every timestamp column stores it."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
