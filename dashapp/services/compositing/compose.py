"""Composite layers onto a background at full resolution and encode the result."""

from __future__ import annotations

import io
import math
import os
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from PIL import Image, ImageOps

from dashapp.services.compositing.geometry import Layer, Placement, PlacementError, round_half_up

Resampling = Image.Resampling

OUTPUT_FORMATS = {
    "png": ("PNG", "image/png"),
    "jpeg": ("JPEG", "image/jpeg"),
    "webp": ("WEBP", "image/webp"),
}
JPEG_BACKGROUND = (255, 255, 255)
# Affine resampling of a big layer is split into horizontal bands done in parallel (Pillow
# releases the GIL while resampling); each output pixel is computed alone, so the result is
# identical to one call.
BAND_MIN_PIXELS = 1_000_000
MAX_BANDS = 4


@dataclass(frozen=True)
class Encoded:
    """An encoded composite ready to download."""

    data: bytes
    mimetype: str
    extension: str


def _with_opacity(image: Image.Image, opacity: float) -> Image.Image:
    """`image` with its alpha multiplied by `opacity` (a lookup table: fast on big images)."""
    if opacity >= 1.0:
        return image
    table = [round_half_up(a * opacity) for a in range(256)]
    result = image.copy()
    result.putalpha(image.getchannel("A").point(table))
    return result


def _paste(canvas: Image.Image, layer_image: Image.Image, left: int, top: int) -> None:
    """Alpha-composite `layer_image` at (left, top) (may be negative), clipped to the canvas."""
    cw, ch = canvas.size
    lw, lh = layer_image.size
    x0, y0 = max(left, 0), max(top, 0)
    x1, y1 = min(left + lw, cw), min(top + lh, ch)
    if x0 >= x1 or y0 >= y1:
        return
    if (x0, y0, x1, y1) != (left, top, left + lw, top + lh):
        layer_image = layer_image.crop((x0 - left, y0 - top, x1 - left, y1 - top))
    canvas.alpha_composite(layer_image, dest=(x0, y0))


def _prescale(image: Image.Image, layer: Layer) -> tuple[Image.Image, float, float]:
    """Downscale with Lanczos first (an affine resample alone would alias); return residual scale.

    The residual scale (target size / pre-scaled size) is within a pixel of 1, so the affine
    step that follows keeps the exact geometry without losing quality.
    """
    w, h = image.size
    target_w, target_h = w * layer.scale_x, h * layer.scale_y
    new_w = max(1, round_half_up(target_w)) if layer.scale_x < 1.0 else w
    new_h = max(1, round_half_up(target_h)) if layer.scale_y < 1.0 else h
    if (new_w, new_h) != (w, h):
        image = image.resize((new_w, new_h), Resampling.LANCZOS, reducing_gap=3.0)
    return image, target_w / new_w, target_h / new_h


def render_layer(canvas: Image.Image, image: Image.Image, layer: Layer) -> None:
    """Draw one layer (RGBA `image`, natural size = layer.width x layer.height) onto `canvas`."""
    image = _with_opacity(image, layer.opacity)
    if layer.flip_x:
        image = ImageOps.mirror(image)
    if layer.flip_y:
        image = ImageOps.flip(image)
    box = layer.crop_box
    if box is not None:
        # The geometry already describes the part left (see geometry.py): draw just that part.
        image = image.crop(box)
        layer = replace(
            layer, width=box[2] - box[0], height=box[3] - box[1],
            crop_left=0, crop_top=0, crop_right=0, crop_bottom=0,
        )  # fmt: skip
    if layer.is_axis_aligned_unscaled:
        _paste(canvas, image, *layer.paste_origin())
        return
    left, top, right, bottom = layer.bounds()
    cw, ch = canvas.size
    x0, y0 = max(0, math.floor(left)), max(0, math.floor(top))
    x1, y1 = min(cw, math.ceil(right)), min(ch, math.ceil(bottom))
    if x0 >= x1 or y0 >= y1:
        return
    scaled, rx, ry = _prescale(image, layer)
    sw, sh = scaled.size
    # Inverse map: output pixel (X, Y) of the box -> background (X + x0, Y + y0) -> source.
    t = math.radians(layer.rotation)
    cos_t, sin_t = math.cos(t), math.sin(t)
    # inverse of R(t).diag(rx, ry) = diag(1/rx, 1/ry).R(-t)
    a, b = cos_t / rx, sin_t / rx
    d, e = -sin_t / ry, cos_t / ry
    ox, oy = x0 - layer.x, y0 - layer.y
    coeffs = (a, b, a * ox + b * oy + sw / 2.0, d, e, d * ox + e * oy + sh / 2.0)
    # Resample premultiplied: interpolating straight alpha bleeds the colour of transparent
    # pixels (often black) into the edges.
    premultiplied = scaled.convert("RGBa")
    for top, band in _affine_bands(premultiplied, (x1 - x0, y1 - y0), coeffs):
        canvas.alpha_composite(band, dest=(x0, y0 + top))


def _affine_bands(
    image: Image.Image, size: tuple[int, int], coeffs: tuple[float, ...]
) -> list[tuple[int, Image.Image]]:
    """Bicubic affine resample of premultiplied `image` into `size`, as (row offset, straight
    RGBA band) pieces: big outputs in parallel bands (Pillow releases the GIL), each band
    un-premultiplied in its own thread, and composited where it lies (no whole-box copy)."""
    width, height = size
    bands = min(MAX_BANDS, os.cpu_count() or 1, max(1, width * height // BAND_MIN_PIXELS))
    a, b, c, d, e, f = coeffs
    edges = [height * i // bands for i in range(bands + 1)]

    def band(i: int) -> tuple[int, Image.Image]:
        top = edges[i]
        # Output row y of the band is row y + top of the whole: shift the constant terms.
        shifted = (a, b, c + b * top, d, e, f + e * top)
        warped = image.transform(
            (width, edges[i + 1] - top),
            Image.Transform.AFFINE,
            shifted,
            resample=Resampling.BICUBIC,
        )
        return top, warped.convert("RGBA")

    if bands <= 1:
        return [band(0)]
    with ThreadPoolExecutor(max_workers=bands) as pool:
        return list(pool.map(band, range(bands)))


def composite(
    background: Image.Image,
    images: Mapping[int, Image.Image],
    placement: Placement,
    output_scale: float = 1.0,
    on_layer: Callable[[int, int], None] | None = None,
    owned: bool = False,
) -> Image.Image:
    """The composite at the background's resolution (times `output_scale`, for thumbnails).

    `on_layer(done, total)` is called before each layer (progress; it may raise to stop).
    `owned`: the caller hands `background` over (decoded for this render alone), so the layers
    are drawn straight onto it instead of onto a copy (a 12 MP copy is ~50 MB and tens of ms).
    """
    if background.size != (placement.width, placement.height):
        raise PlacementError("The background changed size since it was placed; reload it.")
    reused = any(layer.image_id == placement.background_id for layer in placement.layers)
    if background.mode != "RGBA":
        canvas = background.convert("RGBA")
    elif owned and not reused:  # a layer drawn from the background image needs it unchanged
        canvas = background
    else:
        canvas = background.copy()
    if output_scale != 1.0:
        size = (
            max(1, round(placement.width * output_scale)),
            max(1, round(placement.height * output_scale)),
        )
        canvas = canvas.resize(size, Resampling.LANCZOS, reducing_gap=3.0)
    ordered = placement.ordered()
    for done, layer in enumerate(ordered):
        if on_layer is not None:
            on_layer(done, len(ordered))
        image = images.get(layer.image_id)
        if image is None:
            raise PlacementError("A layer's image is no longer available; upload it again.")
        if image.size != (layer.width, layer.height):
            raise PlacementError("A layer's image does not match its recorded size.")
        if not layer.visible:
            continue
        render_layer(canvas, image, layer.scaled(output_scale) if output_scale != 1.0 else layer)
    return canvas


def flatten_on_white(image: Image.Image) -> Image.Image:
    """RGB for JPEG: transparent parts over white. An opaque image (the usual photo
    background) is just converted, several times cheaper than blending 12 MP over white."""
    if image.mode != "RGBA":
        return image.convert("RGB")
    alpha = image.getchannel("A")
    if alpha.getextrema() == (255, 255):
        return image.convert("RGB")
    flat = Image.new("RGB", image.size, JPEG_BACKGROUND)
    flat.paste(image, mask=alpha)
    return flat


def encode(image: Image.Image, fmt: str, quality: int = 90) -> Encoded:
    """Encode as PNG (lossless), JPEG (flattened onto white) or WebP, with `quality` 1..100."""
    key = fmt.lower().replace("jpg", "jpeg")
    if key not in OUTPUT_FORMATS:
        raise PlacementError("Choose PNG, JPEG or WebP for the download.")
    pil_format, mimetype = OUTPUT_FORMATS[key]
    quality = max(1, min(100, int(quality)))
    buffer = io.BytesIO()
    if key == "png":
        # Level 3 is several times faster than the default 6 on photos for a few % more bytes.
        image.save(buffer, "PNG", compress_level=3)
    elif key == "jpeg":
        flat = flatten_on_white(image)
        flat.save(buffer, "JPEG", quality=quality, subsampling=0 if quality >= 90 else 2)
    else:
        image.save(buffer, "WEBP", quality=quality, method=4)
    return Encoded(buffer.getvalue(), mimetype, "jpg" if key == "jpeg" else key)
