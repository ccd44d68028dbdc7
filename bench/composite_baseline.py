"""The compositing path as it was before the speed-up of 2026-11-23 (kept as the bench's baseline).

Same geometry and resampling as dashapp/compositing/compose.py; it differs in what it
copies: the whole background (a fresh copy per render), the warped layer assembled into one box
and un-premultiplied as a whole, and JPEG flattening that blends every pixel over white.
"""

from __future__ import annotations

import io
import math
import os
from concurrent.futures import ThreadPoolExecutor

from PIL import Image

from dashapp.compositing.compose import _prescale
from dashapp.compositing.geometry import Layer

Resampling = Image.Resampling
# The band split of that time (the app now resamples strips shaped to the layer).
BAND_MIN_PIXELS = 1_000_000
MAX_BANDS = 4


def _affine(image: Image.Image, size: tuple[int, int], coeffs: tuple[float, ...]) -> Image.Image:
    width, height = size
    bands = min(MAX_BANDS, os.cpu_count() or 1, max(1, width * height // BAND_MIN_PIXELS))
    if bands <= 1:
        return image.transform(size, Image.Transform.AFFINE, coeffs, resample=Resampling.BICUBIC)
    a, b, c, d, e, f = coeffs
    edges = [height * i // bands for i in range(bands + 1)]

    def band(i: int) -> Image.Image:
        top = edges[i]
        shifted = (a, b, c + b * top, d, e, f + e * top)
        size = (width, edges[i + 1] - top)
        return image.transform(size, Image.Transform.AFFINE, shifted, resample=Resampling.BICUBIC)

    with ThreadPoolExecutor(max_workers=bands) as pool:
        parts = list(pool.map(band, range(bands)))
    out = Image.new(image.mode, size)
    for i, part in enumerate(parts):
        out.paste(part, (0, edges[i]))
    return out


def composite_rotated(background: Image.Image, image: Image.Image, layer: Layer) -> Image.Image:
    """The old composite() for one opaque-enough, rotated/scaled layer (the bench's case)."""
    canvas = background.copy()
    left, top, right, bottom = layer.bounds()
    cw, ch = canvas.size
    x0, y0 = max(0, math.floor(left)), max(0, math.floor(top))
    x1, y1 = min(cw, math.ceil(right)), min(ch, math.ceil(bottom))
    scaled, rx, ry = _prescale(image, layer)
    sw, sh = scaled.size
    t = math.radians(layer.rotation)
    cos_t, sin_t = math.cos(t), math.sin(t)
    a, b = cos_t / rx, sin_t / rx
    d, e = -sin_t / ry, cos_t / ry
    ox, oy = x0 - layer.x, y0 - layer.y
    coeffs = (a, b, a * ox + b * oy + sw / 2.0, d, e, d * ox + e * oy + sh / 2.0)
    warped = _affine(scaled.convert("RGBa"), (x1 - x0, y1 - y0), coeffs)
    canvas.alpha_composite(warped.convert("RGBA"), dest=(x0, y0))
    return canvas


def encode_jpeg(image: Image.Image, quality: int = 90) -> bytes:
    """The old JPEG encoding: every pixel blended over white, then saved."""
    buffer = io.BytesIO()
    flat = Image.new("RGB", image.size, (255, 255, 255))
    flat.paste(image, mask=image.getchannel("A"))
    flat.save(buffer, "JPEG", quality=quality, subsampling=0 if quality >= 90 else 2)
    return buffer.getvalue()
