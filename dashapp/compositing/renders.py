"""Full-resolution renders as jobs: the web tier queues a checked row, a background job runs it.

The row is the job's record: insert (queued) and commit first, then the job claims it once
(running), and finishes it with the encoded bytes (done) or a message for the user (failed).
The user may cancel it (cancelled, at once, in the web tier; the job stops at its next step).
Any other failure ends the row failed with a message. A running row whose job stopped beating
(job_rows.heartbeat), or one left queued or running past the worker's hard time limit, belongs
to a job that is gone: it is ended at its owner's next render.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import undefer

from dashapp.compositing import library, storage
from dashapp.compositing.bounds import (
    JobTerminated,
    lower_priority,
    memory_budget,
    stop_on_sigterm,
)
from dashapp.compositing.compose import OUTPUT_FORMATS, encode
from dashapp.compositing.geometry import PlacementError
from dashapp.compositing.images import ImageInputError
from dashapp.extensions import db
from dashapp.jobs import job_rows
from dashapp.jobs.job_rows import claim_queued, end_lost, finish, heartbeat
from dashapp.jobs.user_locks import lock_user
from dashapp.models.compositor import CompositorRender, utcnow
from dashapp.settings import Settings
from dashapp.web.download_names import file_name

log = logging.getLogger(__name__)
ACTIVE = ("queued", "running")
KEEP_RESULTS = dt.timedelta(hours=1)  # finished renders are downloadable this long


class RenderRefused(PlacementError):
    """The render is not started (over a limit); the message says why."""


class RenderTimeout(PlacementError):
    """The render ran past its time limit."""


class RenderCancelled(PlacementError):
    """The user cancelled the render (or its process was told to stop)."""


@dataclass(frozen=True)
class Finished:
    """A render's end: the file to fetch, or why there is none."""

    render_id: int
    ok: bool
    message: str


def _hard_limit(settings: Settings) -> dt.timedelta:
    """How long a job may live: Celery kills its process after this (settings, background.py)."""
    seconds = settings.compositor_render_time_limit_s + settings.compositor_render_kill_grace_s
    return dt.timedelta(seconds=seconds)


def end_abandoned(owner: str, settings: Settings) -> int:
    """Mark `owner`'s renders whose job is gone failed: running without a heartbeat (its worker
    stopped) or past the hard time limit (the worker killed it), or queued that long (the page
    that should have started it was closed)."""
    lost = end_lost(CompositorRender, owner, settings.job_lost_after_s)
    gone = utcnow() - _hard_limit(settings)
    ended = db.session.execute(
        update(CompositorRender)
        .where(
            CompositorRender.owner == owner,
            or_(
                and_(CompositorRender.status == "running", CompositorRender.started_at < gone),
                and_(CompositorRender.status == "queued", CompositorRender.created_at < gone),
            ),
        )
        .values(
            status="failed",
            error="The render was stopped: it ran past its time limit or its job was lost.",
            finished_at=utcnow(),
        )
    )
    return lost + int(ended.rowcount or 0)  # type: ignore[attr-defined]


def _active_count(owner: str) -> int:
    count = db.session.scalar(
        select(func.count(CompositorRender.id)).where(
            CompositorRender.owner == owner, CompositorRender.status.in_(ACTIVE)
        )
    )
    return int(count or 0)


def cancel_render(owner: str, render_id: Any) -> bool:
    """Cancel `owner`'s render if it is queued or running; whether it was.

    The row stops counting at once; the job sees it at its next step (or is terminated).
    """
    if not isinstance(render_id, int) or isinstance(render_id, bool):
        return False
    try:
        ended = db.session.execute(
            update(CompositorRender)
            .where(
                CompositorRender.id == render_id,
                CompositorRender.owner == owner,
                CompositorRender.status.in_(ACTIVE),
            )
            .values(status="cancelled", error="Cancelled.", finished_at=utcnow())
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return bool(ended.rowcount)  # type: ignore[attr-defined]


def owns_queued(owner: str, render_id: Any) -> bool:
    """True when `render_id` is `owner`'s render waiting for its job (the web tier's guard)."""
    return job_rows.owns_queued(CompositorRender, owner, render_id)


def _status(render_id: int) -> str | None:
    return db.session.scalar(
        select(CompositorRender.status).where(CompositorRender.id == render_id)
    )


def _forget_old(owner: str) -> None:
    db.session.execute(
        delete(CompositorRender).where(
            CompositorRender.owner == owner, CompositorRender.created_at < utcnow() - KEEP_RESULTS
        )
    )


def queue_render(
    owner: str, state: Any, fmt: Any, quality: Any, name: str, settings: Settings
) -> int:
    """Check a render (placement, work, the owner's renders in flight) and queue it; its id."""
    key = fmt.lower().replace("jpg", "jpeg") if isinstance(fmt, str) else ""
    if key not in OUTPUT_FORMATS:
        raise RenderRefused("Choose PNG, JPEG or WebP for the download.")
    placement = library.parse_placement(state, settings)
    library.check_render_work(placement, settings)
    state = library.clean_state(placement, state)
    most = settings.compositor_max_concurrent_renders
    if end_abandoned(owner, settings):
        db.session.commit()
    lock_user("render", owner, CompositorRender)  # concurrent clicks must not all pass the count
    storage.hold_uploads(owner, placement.image_ids)  # not deleted as unused meanwhile
    if _active_count(owner) >= most:
        db.session.rollback()  # releases the lock
        raise RenderRefused(
            f"You already have {most} render{'s' if most > 1 else ''} running; "
            "wait for one to finish."
        )
    level = quality if isinstance(quality, int) and not isinstance(quality, bool) else 90
    row = CompositorRender(
        owner=owner,
        name=name[:160],
        format=key,
        quality=max(1, min(100, level)),
        state=state,
        status="queued",
    )
    try:
        _forget_old(owner)
        db.session.add(row)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return row.id


def _finish(
    render_id: int, error: str | None, data: bytes | None, mime: str, status: str = ""
) -> None:
    """Record the end, unless the row stopped running meanwhile (cancelled: that stays)."""
    status = status or ("failed" if error else "done")
    finish(CompositorRender, render_id, status, error, data=data, mimetype=mime if data else None)


UNEXPECTED = "The render failed because of an unexpected error (it was logged). Try again."


def run_render(
    render_id: int, settings: Settings, progress: Callable[[str], None] | None = None
) -> Finished:
    """Run a queued render (in a background job): composite, encode, store the bytes.

    Runs at a lower CPU priority (COMPOSITOR_RENDER_NICE). Bounded: the time limit (checked
    between steps here, and by Celery's soft and hard limits on the worker), the memory budget
    (an address-space limit on the job's process), a cancel (seen between steps) and SIGTERM
    (a terminated job records that it was cancelled).
    """
    row = claim_queued(CompositorRender, render_id)
    if row is None:
        return Finished(render_id, False, "This render was already run or does not exist.")
    deadline = time.monotonic() + settings.compositor_render_time_limit_s
    # The web tier first: on a shared host a render takes only the CPU it leaves.
    lower_priority(settings.compositor_render_nice)

    def on_layer(done: int, total: int) -> None:
        if _status(render_id) == "cancelled":
            raise RenderCancelled("The render was cancelled.")
        if time.monotonic() > deadline:
            raise RenderTimeout(
                f"The render took longer than {settings.compositor_render_time_limit_s:g} s "
                "and was stopped. Use fewer layers or a smaller background."
            )
        if progress is not None:
            progress(f"Rendering layer {done + 1} of {total}…")

    started = time.monotonic()
    try:
        # The beat first: its thread must not start under the render's address-space limit.
        with (
            heartbeat(CompositorRender, render_id, settings.job_heartbeat_s),
            stop_on_sigterm(),
            memory_budget(settings.compositor_render_memory_mb),
        ):
            encoded = _render_and_encode(row, settings, on_layer, progress)
        if time.monotonic() > deadline:
            raise RenderTimeout("The render took too long and was stopped.")
    except (RenderCancelled, JobTerminated):
        _finish(render_id, "The render was cancelled.", None, "", status="cancelled")
        return Finished(render_id, False, "The render was cancelled.")
    except SoftTimeLimitExceeded:
        said = (
            f"The render ran past its time limit of {settings.compositor_render_time_limit_s:g} s "
            "on the worker and was stopped. Use fewer layers or a smaller background."
        )
        _finish(render_id, said, None, "")
        return Finished(render_id, False, said)
    except MemoryError:
        said = (
            f"The render needs more than the {settings.compositor_render_memory_mb:g} MB of "
            "memory a render may use and was stopped. Use fewer or smaller layers, or a "
            "smaller background."
        )
        _finish(render_id, said, None, "")
        return Finished(render_id, False, said)
    except (PlacementError, ImageInputError) as exc:
        _finish(render_id, str(exc), None, "")
        return Finished(render_id, False, str(exc))
    except Exception:  # noqa: BLE001 - any failure ends the row and frees the slot, said
        log.exception("render %s failed", render_id)
        _finish(render_id, UNEXPECTED, None, "")
        return Finished(render_id, False, UNEXPECTED)
    _finish(render_id, None, encoded.data, encoded.mimetype)
    seconds = time.monotonic() - started
    return Finished(render_id, True, f"Rendered in {seconds:.1f} s.")


def _render_and_encode(
    row: CompositorRender,
    settings: Settings,
    on_layer: Callable[[int, int], None],
    progress: Callable[[str], None] | None,
) -> Any:
    """Composite and encode the row's placement (the memory-hungry part, inside the bounds)."""
    placement = library.parse_placement(row.state, settings)
    image = library.render(row.owner, placement, settings, on_layer=on_layer)
    if progress is not None:
        progress(f"Encoding {row.format.upper()}…")
    return encode(image, row.format, row.quality)


def result(owner: str, render_id: int) -> tuple[str, str, bytes]:
    """(file name, mimetype, bytes) of `owner`'s finished render (NotFoundError otherwise)."""
    row = db.session.scalar(
        select(CompositorRender)
        .options(undefer(CompositorRender.data))
        .where(CompositorRender.id == render_id, CompositorRender.owner == owner)
    )
    if row is None or row.status != "done" or row.data is None:
        raise library.NotFoundError("No such render (or it is not finished).")
    extension = "jpg" if row.format == "jpeg" else row.format
    name = file_name(row.name, extension, "composite")
    return name, row.mimetype or "application/octet-stream", bytes(row.data)
