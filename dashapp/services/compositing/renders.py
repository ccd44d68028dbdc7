"""Full-resolution renders as jobs: the web tier queues a checked row, a background job runs it.

The row is the job's record: insert (queued) and commit first, then the job claims it once
(running), and finishes it with the encoded bytes (done) or a message for the user (failed).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import undefer

from dashapp.extensions import db
from dashapp.models.compositor import CompositorRender, utcnow
from dashapp.services.compositing import library
from dashapp.services.compositing.compose import OUTPUT_FORMATS, encode
from dashapp.services.compositing.geometry import PlacementError
from dashapp.services.compositing.images import ImageInputError
from dashapp.settings import Settings

ACTIVE = ("queued", "running")
KEEP_RESULTS = dt.timedelta(hours=1)  # finished renders are downloadable this long


class RenderRefused(PlacementError):
    """The render is not started (over a limit); the message says why."""


class RenderTimeout(PlacementError):
    """The render ran past its time limit."""


@dataclass(frozen=True)
class Finished:
    """A render's end: the file to fetch, or why there is none."""

    render_id: int
    ok: bool
    message: str


def _active_count(owner: str, settings: Settings) -> int:
    # A job that died without finishing its row stops counting after twice the time limit.
    stale = utcnow() - dt.timedelta(seconds=2 * settings.compositor_render_time_limit_s)
    count = db.session.scalar(
        select(func.count(CompositorRender.id)).where(
            CompositorRender.owner == owner,
            CompositorRender.status.in_(ACTIVE),
            CompositorRender.created_at > stale,
        )
    )
    return int(count or 0)


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
    if _active_count(owner, settings) >= most:
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


def _claim(render_id: int) -> CompositorRender | None:
    """Mark a queued render running; None if it is not queued (run once, never twice)."""
    claimed = db.session.execute(
        update(CompositorRender)
        .where(CompositorRender.id == render_id, CompositorRender.status == "queued")
        .values(status="running", started_at=utcnow())
    )
    db.session.commit()
    if not claimed.rowcount:  # type: ignore[attr-defined]
        return None
    return db.session.get(CompositorRender, render_id)


def _finish(row: CompositorRender, error: str | None, data: bytes | None, mime: str) -> None:
    row.status = "failed" if error else "done"
    row.error = error[:500] if error else None
    row.data, row.mimetype = data, mime if data else None
    row.finished_at = utcnow()
    db.session.commit()


def run_render(
    render_id: int, settings: Settings, progress: Callable[[str], None] | None = None
) -> Finished:
    """Run a queued render (in a background job): composite, encode, store the bytes."""
    row = _claim(render_id)
    if row is None:
        return Finished(render_id, False, "This render was already run or does not exist.")
    deadline = time.monotonic() + settings.compositor_render_time_limit_s

    def on_layer(done: int, total: int) -> None:
        if time.monotonic() > deadline:
            raise RenderTimeout(
                f"The render took longer than {settings.compositor_render_time_limit_s:g} s "
                "and was stopped. Use fewer layers or a smaller background."
            )
        if progress is not None:
            progress(f"Rendering layer {done + 1} of {total}…")

    started = time.monotonic()
    try:
        placement = library.parse_placement(row.state, settings)
        image = library.render(row.owner, placement, settings, on_layer=on_layer)
        if progress is not None:
            progress(f"Encoding {row.format.upper()}…")
        encoded = encode(image, row.format, row.quality)
        if time.monotonic() > deadline:
            raise RenderTimeout("The render took too long and was stopped.")
    except (PlacementError, ImageInputError) as exc:
        _finish(row, str(exc), None, "")
        return Finished(render_id, False, str(exc))
    _finish(row, None, encoded.data, encoded.mimetype)
    seconds = time.monotonic() - started
    return Finished(render_id, True, f"Rendered in {seconds:.1f} s.")


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
    return f"{row.name}.{extension}", row.mimetype or "application/octet-stream", bytes(row.data)
