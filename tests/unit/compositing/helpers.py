"""Generated test images for the compositing tests."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image


def noise_rgba(width: int, height: int, seed: int = 0, opaque: bool = True) -> Image.Image:
    """An RGBA image of random pixels (every pixel distinct enough to catch any offset)."""
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, size=(height, width, 4), dtype=np.uint8)
    if opaque:
        pixels[..., 3] = 255
    return Image.fromarray(pixels, "RGBA")


def solid(width: int, height: int, colour: tuple[int, int, int, int]) -> Image.Image:
    """A single-colour RGBA image."""
    return Image.new("RGBA", (width, height), colour)


def encoded(image: Image.Image, fmt: str, **params: object) -> bytes:
    """`image` saved in `fmt` as bytes."""
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def png_with_size(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height (a decompression bomb's calling card)."""
    data = encoded(Image.new("L", (1, 1)), "PNG")
    ihdr_start = 8 + 4  # signature, then the IHDR chunk's length
    body = b"IHDR" + struct.pack(">II", width, height) + data[ihdr_start + 12 : ihdr_start + 17]
    crc = struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
    return data[:ihdr_start] + body + crc + data[ihdr_start + 21 :]


def array(image: Image.Image) -> np.ndarray:
    """Pixels as an int array (so differences do not wrap)."""
    return np.asarray(image).astype(np.int32)
