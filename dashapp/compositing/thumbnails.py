"""Gallery thumbnails drawn from the uploads' stored previews, never from the originals.

Saving runs in the web process; decoding the originals there (tens of megapixels each) is what a
render job is for. Each upload already has a downscaled preview (at most COMPOSITOR_PREVIEW_PX on
its longest side), plenty for a 320 px thumbnail: the layers are placed with the same geometry,
their scale and crop converted from the original's pixels to the preview's.
"""

from __future__ import annotations

import io

from PIL import Image, ImageOps
from sqlalchemy import select
from sqlalchemy.orm import undefer

from dashapp.compositing.compose import composite
from dashapp.compositing.geometry import Layer, Placement, PlacementError, round_half_up
from dashapp.extensions import db
from dashapp.models.compositor import CompositorImage

THUMBNAIL_PX = 320


def _previews(owner: str, ids: set[int]) -> dict[int, Image.Image]:
    rows = db.session.scalars(
        select(CompositorImage)
        .options(undefer(CompositorImage.preview))
        .where(CompositorImage.id.in_(ids), CompositorImage.owner == owner)
    ).all()
    found = {row.id: Image.open(io.BytesIO(row.preview)).convert("RGBA") for row in rows}
    if ids - set(found):
        raise PlacementError("An image of this composite is no longer available; upload it again.")
    return found


def _in_preview(
    layer: Layer, preview: Image.Image, scale: float, z: int
) -> tuple[Layer, Image.Image]:
    """`layer` drawn from its preview at thumbnail `scale`: (placed layer, its image)."""
    pw, ph = preview.size
    fx, fy = pw / layer.width, ph / layer.height
    image = ImageOps.mirror(preview) if layer.flip_x else preview
    image = ImageOps.flip(image) if layer.flip_y else image
    left, top = round_half_up(layer.crop_left * fx), round_half_up(layer.crop_top * fy)
    right = max(left + 1, pw - round_half_up(layer.crop_right * fx))
    bottom = max(top + 1, ph - round_half_up(layer.crop_bottom * fy))
    image = image.crop((left, top, right, bottom))
    cw, ch = image.size
    placed = Layer(
        image_id=z,
        width=cw,
        height=ch,
        x=layer.x * scale,
        y=layer.y * scale,
        # The visible part keeps its drawn size: original pixels x scale, in preview pixels.
        scale_x=layer.scale_x * scale * layer.visible_width / cw,
        scale_y=layer.scale_y * scale * layer.visible_height / ch,
        rotation=layer.rotation,
        opacity=layer.opacity,
        z=z,
    )
    return placed, image


def thumbnail_png(owner: str, placement: Placement) -> bytes:
    """A PNG of the composite at most THUMBNAIL_PX on its longest side, from the previews."""
    scale = min(1.0, THUMBNAIL_PX / max(placement.width, placement.height))
    size = (max(1, round(placement.width * scale)), max(1, round(placement.height * scale)))
    previews = _previews(owner, placement.image_ids)
    background = previews[placement.background_id].resize(size, Image.Resampling.LANCZOS)
    layers, images = [], {}
    for z, layer in enumerate(placement.ordered()):
        if layer.visible:
            placed, image = _in_preview(layer, previews[layer.image_id], scale, z)
            layers.append(placed)
            images[z] = image
    small = Placement(-1, size[0], size[1], tuple(layers))
    buffer = io.BytesIO()
    composite(background, images, small, owned=True).save(buffer, "PNG")
    return buffer.getvalue()
