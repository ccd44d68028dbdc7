"""The app's per-user slot counters, built once from the settings and kept in app.extensions."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum

from flask import current_app

from dashapp.settings import Settings, current_settings
from dashapp.web.identity import current_user
from dashapp.web.user_slots import UserSlots


class SlotKind(StrEnum):
    """Work each user may have only so much of in progress at once."""

    EXPORT = "export"
    QUERY = "query"


def _export_slots(settings: Settings) -> UserSlots:
    cap = settings.dataview_export_concurrency
    return UserSlots(
        kind=SlotKind.EXPORT,
        cap=cap,
        # Long enough to build and send; a crashed process's lease expires after it.
        lease_s=settings.dataview_export_timeout_ms / 1000 + 3600,
        busy_message=(
            f"You already have {cap} exports in progress. "
            "Wait for one to finish downloading, then try again."
        ),
        redis_url=settings.redis_url,
    )


def _query_slots(settings: Settings) -> UserSlots:
    cap = settings.dataview_queries_per_user
    return UserSlots(
        kind=SlotKind.QUERY,
        cap=cap,
        # A query ends at the statement timeout; a crashed process's lease expires soon after.
        lease_s=settings.dataview_statement_timeout_ms / 1000 + 30,
        busy_message=(
            f"You already have {cap} data queries running (other tabs count too); "
            "this one waits for them."
        ),
        redis_url=settings.redis_url,
    )


_BUILDERS: dict[SlotKind, Callable[[Settings], UserSlots]] = {
    SlotKind.EXPORT: _export_slots,
    SlotKind.QUERY: _query_slots,
}
_build_lock = threading.Lock()


def user_slots(kind: SlotKind) -> UserSlots:
    """The current app's counter of `kind` (shared through Redis when it is configured)."""
    key = f"dashapp_{kind}_slots"
    existing: UserSlots | None = current_app.extensions.get(key)
    if existing is None:
        with _build_lock:
            existing = current_app.extensions.setdefault(key, _BUILDERS[kind](current_settings()))
    return existing


@contextmanager
def query_slot() -> Iterator[None]:
    """One of the signed-in user's data-query slots while a grid block, KPI or chart query runs.

    At the cap this raises SlotsBusy, which the app answers with 429 and a Retry-After; the
    page's request wrapper (assets/01_request_errors.js) sends the request again after it.
    """
    user = current_user()
    with user_slots(SlotKind.QUERY).held(user.username if user else "anonymous"):
        yield
