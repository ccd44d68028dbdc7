"""Composite layers onto a background at full resolution and encode the result."""

from __future__ import annotations

import io
import math
import os
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from PIL import Image, ImageOps

from dashapp.compositing.geometry import Layer, Placement, PlacementError, round_half_up

Resampling = Image.Resampling

OUTPUT_FORMATS = {
    "png": ("PNG", "image/png"),
    "jpeg": ("JPEG", "image/jpeg"),
    "webp": ("WEBP", "image/webp"),
}
JPEG_BACKGROUND = (255, 255, 255)
# Affine resampling of a transformed layer is done in strips of rows, each as wide as the layer
# is there, in worker threads for big layers (Pillow releases the GIL while resampling); each
# output pixel is computed alone, so the result is the same as one call over the whole box.
STRIP_ROWS = 64
STRIP_MARGIN = 2  # pixels kept around the layer's outline (rounding; the filter's edge)
THREAD_MIN_PIXELS = 500_000
MAX_THREADS = 4


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
    strips = polygon_strips(layer.corners(), (x0, y0, x1, y1))
    for left, top, band in _affine_strips(premultiplied, strips, (x0, y0), coeffs):
        canvas.alpha_composite(band, dest=(left, top))


def _x_range_at(
    corners: list[tuple[float, float]], y_top: float, y_bottom: float
) -> tuple[float, float] | None:
    """Leftmost and rightmost x of the convex polygon `corners` between two heights."""
    xs: list[float] = []
    count = len(corners)
    for i in range(count):
        (ax, ay), (bx, by) = corners[i], corners[(i + 1) % count]
        if y_top <= ay <= y_bottom:
            xs.append(ax)
        for y in (y_top, y_bottom):
            if (ay - y) * (by - y) < 0:  # the edge crosses this height
                xs.append(ax + (bx - ax) * (y - ay) / (by - ay))
    return (min(xs), max(xs)) if xs else None


def polygon_strips(
    corners: list[tuple[float, float]], box: tuple[int, int, int, int]
) -> list[tuple[int, int, int, int]]:
    """Pieces (left, top, right, bottom) of `box` covering the placed layer `corners`: strips of
    STRIP_ROWS rows, each only as wide as the layer is there (plus a margin).

    A rotated layer fills about half of its bounding box; the corners outside it resample to
    nothing (Pillow leaves an output pixel empty when its centre maps outside the source), so
    skipping them changes no pixel and saves that share of the resampling and compositing.
    """
    x0, y0, x1, y1 = box
    pieces = []
    for top in range(y0, y1, STRIP_ROWS):
        bottom = min(y1, top + STRIP_ROWS)
        # Pixel centres of the strip lie in [top + 0.5, bottom - 0.5].
        found = _x_range_at(corners, top + 0.5 - STRIP_MARGIN, bottom - 0.5 + STRIP_MARGIN)
        if found is None:
            continue
        left = max(x0, math.floor(found[0]) - STRIP_MARGIN)
        right = min(x1, math.ceil(found[1]) + STRIP_MARGIN)
        if left < right:
            pieces.append((left, top, right, bottom))
    return pieces


def _affine_strips(
    image: Image.Image,
    pieces: list[tuple[int, int, int, int]],
    origin: tuple[int, int],
    coeffs: tuple[float, ...],
) -> Iterator[tuple[int, int, Image.Image]]:
    """Bicubic affine resample of premultiplied `image` into each piece, as (left, top, straight
    RGBA image) in order: resampled in worker threads (Pillow releases the GIL) while the
    caller composites the pieces already done."""
    a, b, c, d, e, f = coeffs
    x0, y0 = origin

    def piece(box: tuple[int, int, int, int]) -> tuple[int, int, Image.Image]:
        left, top, right, bottom = box
        dx, dy = left - x0, top - y0
        # Output pixel (X, Y) of the piece is (X + dx, Y + dy) of the whole box.
        shifted = (a, b, c + a * dx + b * dy, d, e, f + d * dx + e * dy)
        warped = image.transform(
            (right - left, bottom - top),
            Image.Transform.AFFINE,
            shifted,
            resample=Resampling.BICUBIC,
        )
        return left, top, warped.convert("RGBA")

    pixels = sum((r - le) * (bo - t) for le, t, r, bo in pieces)
    workers = min(MAX_THREADS, os.cpu_count() or 1, max(1, pixels // THREAD_MIN_PIXELS))
    if workers <= 1:
        yield from map(piece, pieces)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(piece, pieces)


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
    _, mimetype = OUTPUT_FORMATS[key]
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
