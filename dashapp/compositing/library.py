"""Per-user storage of uploads and saved composites; rendering them at full resolution."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from dashapp.compositing import state as stored_state
from dashapp.compositing import storage
from dashapp.compositing.compose import Encoded, composite, encode
from dashapp.compositing.geometry import Placement, PlacementError, placement_from_dict
from dashapp.compositing.images import (
    ImageInputError,
    ImageLimits,
    encode_normalized,
    encode_preview,
    load_image,
)
from dashapp.compositing.thumbnails import thumbnail_png
from dashapp.extensions import db
from dashapp.models.compositor import Composite, CompositorImage
from dashapp.settings import Settings

MAX_NAME = 120
# Saved composites per user: each row holds a thumbnail and up to 64 KB of state.
MAX_COMPOSITES = 500


class NotFoundError(LookupError):
    """The image or composite does not exist for this user."""


class NameTakenError(PlacementError):
    """A composite with this name exists and the user did not ask to replace it."""


class NeedsRenderJob(PlacementError):
    """Too much work to render inside a web request: it must go through a render job."""


@dataclass(frozen=True)
class Uploaded:
    """What the editor needs to know about a stored upload."""

    image_id: int
    width: int
    height: int
    name: str
    format: str

    @property
    def url(self) -> str:
        """Where the browser loads the preview."""
        return preview_url(self.image_id)

    def as_dict(self) -> dict[str, Any]:
        """JSON for the editor."""
        return {
            "image_id": self.image_id,
            "width": self.width,
            "height": self.height,
            "name": self.name,
            "url": self.url,
        }


def preview_url(image_id: int) -> str:
    """URL of an upload's preview (served by dashapp.routes.compositor)."""
    return f"/compositor/images/{image_id}/preview"


def limits_from(settings: Settings) -> ImageLimits:
    """Upload limits from the settings."""
    return ImageLimits(
        max_bytes=int(settings.compositor_max_upload_mb * 1024 * 1024),
        max_pixels=settings.compositor_max_pixels,
        max_frames=settings.compositor_max_frames,
        max_frame_pixels=settings.compositor_max_frame_pixels,
        max_decode_s=settings.compositor_max_decode_s,
    )


def stored_limits(settings: Settings, size: int) -> ImageLimits:
    """Limits for decoding a stored upload of `size` bytes for a render.

    Bytes and pixels were checked at upload and are not checked again (the limits may have been
    lowered since); structure, frames and decode time are, because uploads stored before those
    checks existed were never held to them.
    """
    return ImageLimits(
        max_bytes=max(size, 1),
        max_pixels=2**62,
        max_frames=settings.compositor_max_frames,
        max_frame_pixels=settings.compositor_max_frame_pixels,
        max_decode_s=settings.compositor_max_decode_s,
    )


def store_bytes(owner: str, filename: str, data: bytes, settings: Settings) -> Uploaded:
    """Check the owner's room (images, bytes), decode and store one upload (ImageInputError)."""
    limits = limits_from(settings)
    storage.check_room(owner, len(data), settings)
    decoded = load_image(data, limits)
    width, height = decoded.size
    # An animation's renders decode this copy of its first frame, never the original again.
    normalized = encode_normalized(decoded.image) if decoded.frames > 1 else None
    if normalized is not None:
        storage.check_room(owner, len(data) + len(normalized), settings)
    row = CompositorImage(
        owner=owner,
        # PostgreSQL text cannot hold NUL; a browser never sends one, a forged request might.
        name=(filename or "").replace("\x00", "")[:255] or "image",
        format=decoded.format,
        width=width,
        height=height,
        data=data,
        normalized=normalized,
        preview=encode_preview(decoded.image, settings.compositor_preview_px),
    )
    try:
        db.session.add(row)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return Uploaded(row.id, width, height, row.name, row.format)


def image_preview(owner: str, image_id: int) -> bytes:
    """The preview PNG of one of `owner`'s uploads."""
    preview = db.session.scalar(
        select(CompositorImage.preview).where(
            CompositorImage.id == image_id, CompositorImage.owner == owner
        )
    )
    if preview is None:
        raise NotFoundError("No such image.")
    return bytes(preview)


def _decoded_images(owner: str, ids: set[int], settings: Settings) -> dict[int, Image.Image]:
    """`owner`'s uploads `ids` decoded for a render: the normalised copy where there is one."""
    rows = db.session.execute(
        select(
            CompositorImage.id,
            # The original only where there is no copy (the database reads no further than the
            # first value that is not NULL: a 23 MB animation is not even fetched).
            func.coalesce(CompositorImage.normalized, CompositorImage.data),
        ).where(CompositorImage.id.in_(ids), CompositorImage.owner == owner)
    ).all()
    found = {
        image_id: load_image(data, stored_limits(settings, len(data))).image
        for image_id, data in rows
    }
    if ids - set(found):
        raise PlacementError("An image of this composite is no longer available; upload it again.")
    return found


def check_render_work(placement: Placement, settings: Settings, output_scale: float = 1.0) -> None:
    """Refuse a render whose work (layers plus background, times output pixels) is over budget."""
    pixels = placement.width * placement.height * output_scale * output_scale
    work = (len(placement.layers) + 1) * pixels
    limit = settings.compositor_max_render_work
    if work > limit:
        raise PlacementError(
            f"This render is too large: {len(placement.layers)} layers on "
            f"{placement.width}×{placement.height} is {work / 1e6:.0f} million layer-pixels; "
            f"the limit is {limit / 1e6:.0f} million. Use fewer layers or a smaller background."
        )


def render(
    owner: str,
    placement: Placement,
    settings: Settings,
    output_scale: float = 1.0,
    on_layer: Callable[[int, int], None] | None = None,
) -> Image.Image:
    """The composite of `placement` from `owner`'s uploads (bounded work; PlacementError if not)."""
    check_render_work(placement, settings, output_scale)
    images = _decoded_images(owner, placement.image_ids, settings)
    background = images[placement.background_id]  # decoded for this render alone
    return composite(background, images, placement, output_scale, on_layer, owned=True)


def parse_placement(state: Any, settings: Settings) -> Placement:
    """The editor's JSON state, validated (PlacementError with a clear message otherwise)."""
    stored_state.check_size(state)
    return placement_from_dict(state, max_layers=settings.compositor_max_layers)


def clean_state(placement: Placement, state: Any) -> dict[str, Any]:
    """What is stored for a validated placement (never the request's own JSON)."""
    return stored_state.to_state(placement, state, preview_url)


def export(owner: str, state: Any, fmt: str, quality: int, settings: Settings) -> Encoded:
    """Composite the editor's state at full resolution and encode it."""
    return encode(render(owner, parse_placement(state, settings), settings), fmt, quality)


def clean_name(name: Any) -> str:
    """A composite name as stored: whitespace collapsed, capped (empty when none)."""
    text = name if isinstance(name, str) else ""
    return " ".join(text.replace("\x00", "").split())[:MAX_NAME]


def free_name(owner: str, name: str) -> str:
    """`name`, or `name (2)`, `name (3)` ... the first one `owner` does not use yet."""
    base = clean_name(name)
    taken = set(
        db.session.scalars(
            select(Composite.name).where(
                Composite.owner == owner, Composite.name.startswith(base[: MAX_NAME - 8])
            )
        )
    )
    if base not in taken:
        return base
    for n in range(2, 1000):
        suffix = f" ({n})"
        candidate = base[: MAX_NAME - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
    raise PlacementError("Too many composites share this name; choose another.")


def _check_gallery_room(owner: str) -> None:
    """Refuse a new composite past MAX_COMPOSITES (checked before the thumbnail is drawn)."""
    count = db.session.scalar(select(func.count(Composite.id)).where(Composite.owner == owner))
    if (count or 0) >= MAX_COMPOSITES:
        raise PlacementError(
            f"Your gallery holds {MAX_COMPOSITES} composites, the most it keeps. "
            "Delete some, or save over one of the same name."
        )


def save_composite(
    owner: str, name: str, state: Any, settings: Settings, replace: bool = True
) -> int:
    """Save a composite for `owner`; returns its id.

    An existing one of the same name is overwritten only with `replace` (NameTakenError if not).
    """
    name = clean_name(name)
    if not name:
        raise PlacementError("Give the composite a name before saving.")
    existing = db.session.scalar(
        select(Composite).where(Composite.owner == owner, Composite.name == name)
    )
    if existing is not None and not replace:
        raise NameTakenError(f"A composite named “{name}” already exists.")
    if existing is None:
        _check_gallery_room(owner)
    placement = parse_placement(state, settings)
    # From the stored previews: saving never decodes the originals in the web process.
    thumbnail = thumbnail_png(owner, placement)
    storage.hold_uploads(owner, placement.image_ids)  # not deleted as unused meanwhile
    row = existing or Composite(owner=owner, name=name)
    row.state = clean_state(placement, state)
    row.width, row.height = placement.width, placement.height
    row.thumbnail = thumbnail
    try:
        db.session.add(row)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise PlacementError("A composite with that name was just saved; try again.") from None
    return row.id


def list_composites(owner: str) -> list[dict[str, Any]]:
    """`owner`'s saved composites, newest first."""
    rows = db.session.execute(
        select(
            Composite.id, Composite.name, Composite.width, Composite.height, Composite.updated_at
        )
        .where(Composite.owner == owner)
        .order_by(Composite.updated_at.desc(), Composite.id.desc())
    ).all()
    return [
        {"id": r.id, "name": r.name, "width": r.width, "height": r.height, "updated": r.updated_at}
        for r in rows
    ]


def _owned(owner: str, composite_id: int) -> Composite:
    row = db.session.scalar(
        select(Composite).where(Composite.id == composite_id, Composite.owner == owner)
    )
    if row is None:
        raise NotFoundError("No such composite.")
    return row


def composite_state(owner: str, composite_id: int) -> tuple[str, dict[str, Any]]:
    """Name and placement state of a saved composite, to reopen it in the editor."""
    row = _owned(owner, composite_id)
    return row.name, dict(row.state)


def composite_thumbnail(owner: str, composite_id: int) -> bytes:
    """The saved composite's thumbnail PNG."""
    return bytes(_owned(owner, composite_id).thumbnail)


def export_saved(
    owner: str, composite_id: int, fmt: str, quality: int, settings: Settings
) -> tuple[str, Encoded]:
    """A saved composite rendered at full resolution in this (web) process: (name, encoded).

    Only small ones (COMPOSITOR_SYNC_RENDER_WORK); larger ones raise NeedsRenderJob.
    """
    row = _owned(owner, composite_id)
    placement = parse_placement(row.state, settings)
    check_render_work(placement, settings)
    work = (len(placement.layers) + 1) * placement.width * placement.height
    if work > settings.compositor_sync_render_work:
        raise NeedsRenderJob(
            f"“{row.name}” is too large to render inside this request; use Download on its "
            "gallery card, which renders it as a background job."
        )
    return row.name, export(owner, row.state, fmt, quality, settings)


def delete_composite(owner: str, composite_id: int) -> tuple[str, dict[str, Any]]:
    """Delete a saved composite; returns (name, state) so the user can undo.

    Its uploads stay: other composites may use them, and undo needs them.
    """
    row = _owned(owner, composite_id)
    kept = (row.name, dict(row.state))
    try:
        db.session.delete(row)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return kept


def restore_composite(owner: str, name: str, state: Any, settings: Settings) -> str:
    """Save a deleted composite again (undo), under a free name; returns the name used."""
    used = free_name(owner, name or "Restored")
    save_composite(owner, used, state, settings, replace=False)
    return used


__all__ = ["ImageInputError", "NameTakenError", "NotFoundError", "PlacementError", "Uploaded"]
