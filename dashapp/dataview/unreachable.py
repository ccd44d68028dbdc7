"""A data source that cannot be reached, as a message for the page."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from dashapp.dataview.errors import GridQueryError
from dashapp.dataview.session import is_timeout

log = logging.getLogger(__name__)


@contextmanager
def unreachable_as_error(source: str) -> Iterator[None]:
    """A source that cannot be reached (or refuses us) becomes a message for the page."""
    try:
        yield
    except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
        if is_timeout(exc):
            raise
        first = str(getattr(exc, "orig", exc)).strip().splitlines()[:1]
        # The driver's words name hosts and ports: they go to the log, not to the page.
        log.warning("data source %s failed: %s", source, first)
        raise GridQueryError(
            f"The data source {source!r} did not answer. Try again in a minute; if it keeps "
            "happening, tell your administrator."
        ) from None
