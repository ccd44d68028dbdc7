"""A user's stored uploads: how many and how large (against the caps), and freeing room.

Uploads are kept per user because saved composites reference them by id; deleting a composite
keeps its uploads (other composites may use them, and undo needs them). So a user at the cap
frees room by deleting the uploads nothing uses any more: no saved composite, no render still
queued or running, and nothing the caller says is in use (the editor's canvas, an undo).

Deleting them and saving a composite (or queueing a render) that uses them can happen at the
same instant, in two tabs. Both take the user's "uploads" lock (`hold_uploads`): the delete
then sees the new composite and keeps its images, or the save finds its image gone and says so;
never a saved composite whose image was deleted under it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select

from dashapp.compositing.geometry import PlacementError
from dashapp.compositing.images import ImageInputError
from dashapp.extensions import db
from dashapp.jobs.user_locks import lock_user
from dashapp.models.compositor import Composite, CompositorImage, CompositorRender
from dashapp.settings import Settings

FREE_ROOM_HINT = (
    "Free room with “Delete unused uploads” under the drop zones (delete saved composites you "
    "no longer need first to free their images too)."
)


# What one upload stores: the original, plus its normalised copy where it has one.
STORED_BYTES = func.length(CompositorImage.data) + func.coalesce(
    func.length(CompositorImage.normalized), 0
)


@dataclass(frozen=True)
class Usage:
    """What one user stores: uploads and their bytes (originals and normalised copies; previews
    are small)."""

    images: int
    bytes: int


def usage(owner: str) -> Usage:
    """`owner`'s stored uploads: count and bytes, in one query."""
    count, used = db.session.execute(
        select(
            func.count(CompositorImage.id),
            func.coalesce(func.sum(STORED_BYTES), 0),
        ).where(CompositorImage.owner == owner)
    ).one()
    return Usage(int(count or 0), int(used or 0))


def image_room(owner: str, settings: Settings) -> int:
    """How many more uploads `owner` may store (0 at the cap)."""
    return max(0, settings.compositor_max_stored_images - usage(owner).images)


def count_refusal(settings: Settings) -> str:
    """The message for an upload refused because the user stores the most images allowed."""
    cap = settings.compositor_max_stored_images
    return f"You already store {cap} images, the most allowed. {FREE_ROOM_HINT}"


def check_room(owner: str, incoming_bytes: int, settings: Settings) -> None:
    """Refuse one more upload of `incoming_bytes` over either cap (ImageInputError)."""
    used = usage(owner)
    if used.images + 1 > settings.compositor_max_stored_images:
        raise ImageInputError(count_refusal(settings))
    cap = int(settings.compositor_max_storage_mb * 1024 * 1024)
    if used.bytes + incoming_bytes > cap:
        raise ImageInputError(
            f"Your image storage is full ({used.bytes / 2**20:.1f} of {cap / 2**20:.0f} MB "
            f"used); this file does not fit. {FREE_ROOM_HINT}"
        )


def image_ids_in(state: Any) -> set[int]:
    """The upload ids a placement state (stored or from the editor) refers to; junk is skipped."""
    found: set[int] = set()
    if not isinstance(state, dict):
        return found
    entries = [state.get("background")]
    layers = state.get("layers")
    if isinstance(layers, list):
        entries.extend(layers)
    for entry in entries:
        value = entry.get("image_id") if isinstance(entry, dict) else None
        if isinstance(value, int) and not isinstance(value, bool):
            found.add(value)
    return found


def hold_uploads(owner: str, needed: Iterable[int] = ()) -> None:
    """Take `owner`'s uploads lock until the transaction ends; PlacementError when an upload
    in `needed` no longer exists (deleted as unused meanwhile). The caller commits."""
    lock_user("uploads", owner, CompositorImage)
    wanted = set(needed)
    if not wanted:
        return
    found = set(
        db.session.scalars(
            select(CompositorImage.id).where(
                CompositorImage.owner == owner, CompositorImage.id.in_(wanted)
            )
        )
    )
    if wanted - found:
        db.session.rollback()  # releases the lock
        raise PlacementError(
            "An image of this composite was deleted (“Delete unused uploads”, perhaps in "
            "another tab); upload it again and place it."
        )


def _in_use(owner: str, keep: Iterable[int]) -> set[int]:
    """Ids of `owner`'s uploads that must stay: saved composites, live renders, `keep`."""
    used = set(keep)
    for state in db.session.scalars(select(Composite.state).where(Composite.owner == owner)):
        used |= image_ids_in(state)
    live = select(CompositorRender.state).where(
        CompositorRender.owner == owner, CompositorRender.status.in_(("queued", "running"))
    )
    for state in db.session.scalars(live):
        used |= image_ids_in(state)
    return used


def unused(owner: str, keep: Iterable[int] = ()) -> Usage:
    """The uploads `delete_unused` would delete now: count and bytes."""
    used = _in_use(owner, keep)
    rows = db.session.execute(
        select(CompositorImage.id, STORED_BYTES).where(CompositorImage.owner == owner)
    ).all()
    free = [size for image_id, size in rows if image_id not in used]
    return Usage(len(free), int(sum(size or 0 for size in free)))


def delete_unused(owner: str, keep: Iterable[int] = ()) -> Usage:
    """Delete `owner`'s uploads nothing uses (see module doc); returns what was freed."""
    try:
        hold_uploads(owner)  # a save in another tab waits, then finds what it needs or says so
        used = _in_use(owner, keep)
        rows = db.session.execute(
            select(CompositorImage.id, STORED_BYTES).where(CompositorImage.owner == owner)
        ).all()
        doomed = {image_id: int(size or 0) for image_id, size in rows if image_id not in used}
        if doomed:
            db.session.execute(
                delete(CompositorImage).where(
                    CompositorImage.owner == owner, CompositorImage.id.in_(doomed)
                )
            )
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return Usage(len(doomed), sum(doomed.values()))


def size_text(size: int) -> str:
    """Bytes in words: KB under a megabyte (0.0 MB would read as nothing), MB above."""
    if size < 2**20:
        return f"{max(1, round(size / 1024))} KB" if size else "0 KB"
    return f"{size / 2**20:.1f} MB"


def describe(used: Usage, settings: Settings) -> str:
    """One line for the page: images and megabytes stored, against the caps."""
    return (
        f"Stored: {used.images} of {settings.compositor_max_stored_images} images, "
        f"{size_text(used.bytes)} of {settings.compositor_max_storage_mb:g} MB."
    )
