"""Crafted image files, written as raw blocks (fast: a 1,000,000-frame GIF takes ~20 ms)."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image

GIF_HEAD = b"GIF89a" + struct.pack("<HHBBB", 1, 1, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
# One 1x1 frame: a graphic control extension, an image descriptor and LZW data for one pixel
# (clear code 4, index 0, end code 5 at 3 bits: 0x44 0x01). 23 bytes, as in the probe.
GIF_FRAME = (
    b"\x21\xf9\x04\x00\x00\x00\x00\x00"
    + b"\x2c"
    + struct.pack("<HHHHB", 0, 0, 1, 1, 0)
    + b"\x02\x02\x44\x01\x00"
)


def gif_frame_bomb(frames: int) -> bytes:
    """A 1x1 GIF of `frames` frames (1,000,000 frames: 23 MB)."""
    return GIF_HEAD + GIF_FRAME * frames + b";"


def gif_noise(side: int, seed: int = 0) -> bytes:
    """A one-frame side x side GIF of random palette indices (LZW cannot shrink it)."""
    rng = np.random.default_rng(seed)
    image = Image.fromarray(rng.integers(0, 256, (side, side), dtype=np.uint8), "L").convert("P")
    image.putpalette(list(range(256)) * 3)
    buffer = io.BytesIO()
    image.save(buffer, "GIF")
    return buffer.getvalue()


def gif_one_byte_sub_blocks(count: int) -> bytes:
    """A 1x1 GIF whose one frame's data is `count` one-byte sub-blocks (each a step to walk)."""
    descriptor = b"\x2c" + struct.pack("<HHHHB", 0, 0, 1, 1, 0) + b"\x02"
    return GIF_HEAD + descriptor + b"\x01\x00" * count + b"\x00;"


def gif_comment_bomb(count: int) -> bytes:
    """A GIF with `count` comment extensions before its one frame (Pillow walks them on open)."""
    return GIF_HEAD + b"\x21\xfe\x01a\x00" * count + GIF_FRAME + b";"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_chunk_bomb(chunks: int) -> bytes:
    """A 1x1 PNG with `chunks` empty private chunks before its pixel data."""
    header = _chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    pixels = _chunk(b"IDAT", zlib.compress(b"\x00\x00"))
    junk = _chunk(b"zzZz", b"") * chunks
    return b"\x89PNG\r\n\x1a\n" + header + junk + pixels + _chunk(b"IEND", b"")


def _jpeg(image: Image.Image, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", **params)
    return buffer.getvalue()


def jpeg_marker_bomb(markers: int) -> bytes:
    """An 8x8 JPEG with `markers` empty comment segments after its start marker."""
    data = _jpeg(Image.new("RGB", (8, 8)))
    return data[:2] + b"\xff\xfe\x00\x02" * markers + data[2:]


def jpeg_junk_bomb(size: int) -> bytes:
    """An 8x8 JPEG with `size` stray zero bytes after its start marker (Pillow skips each)."""
    data = _jpeg(Image.new("RGB", (8, 8)))
    return data[:2] + b"\x00" * size + data[2:]


def jpeg_scan_bomb(extra: int) -> bytes:
    """A progressive JPEG whose last scan is repeated `extra` more times before its end."""
    rng = np.random.default_rng(0)
    image = Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8), "RGB")
    data = _jpeg(image, progressive=True, quality=90)
    last = data.rindex(b"\xff\xda")
    return data[:-2] + data[last:-2] * extra + data[-2:]
