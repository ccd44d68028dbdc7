"""Server time to composite a 4000x3000 background with a 1000x1000 RGBA foreground.

.venv/bin/python bench/bench_composite.py [--repeat 7]

Prints the median of `--repeat` runs for: the composite alone (target < 300 ms) with the layer
pasted, rotated+scaled and half-transparent; decoding the uploads; encoding PNG/JPEG/WebP.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashapp.services.compositing.compose import composite, encode  # noqa: E402
from dashapp.services.compositing.geometry import Layer, Placement  # noqa: E402
from dashapp.services.compositing.images import ImageLimits, load_image  # noqa: E402


def photo_like(width: int, height: int, seed: int) -> Image.Image:
    """Smooth gradients plus mild noise: compresses like a photo, unlike pure noise."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack(
        [
            127 + 120 * np.sin(xx / 300.0),
            127 + 120 * np.cos(yy / 250.0),
            127 + 120 * np.sin((xx + yy) / 400.0),
        ],
        axis=-1,
    )
    pixels = np.clip(base + rng.normal(0, 6, base.shape), 0, 255).astype(np.uint8)
    return Image.fromarray(pixels, "RGB")


def foreground(size: int) -> Image.Image:
    """An RGBA disc with soft edges on transparency."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    r = np.hypot(xx - size / 2, yy - size / 2)
    alpha = np.clip((size * 0.45 - r) * 4, 0, 255).astype(np.uint8)
    rgb = np.asarray(photo_like(size, size, 2))
    return Image.fromarray(np.dstack([rgb, alpha]), "RGBA")


def median_ms(action: Callable[[], object], repeat: int) -> float:
    """Median wall time of `action` in milliseconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    """Run and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    bg = photo_like(4000, 3000, 1).convert("RGBA")
    fg = foreground(1000)
    cases = {
        "paste 1:1 at (1234, 567)": Layer(1, 1000, 1000, 1734.0, 1067.0),
        "rotate 30deg + scale 1.3": Layer(1, 1000, 1000, 2000.0, 1500.0, 1.3, 1.3, 30.0),
        "scale 0.4 + opacity 0.6": Layer(1, 1000, 1000, 900.5, 700.25, 0.4, 0.4, 0.0, 0.6),
    }
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, Pillow {Image.__version__}")
    print("composite 4000x3000 RGBA background + 1000x1000 RGBA foreground (median ms):")
    for name, layer in cases.items():
        placement = Placement(0, 4000, 3000, (layer,))
        ms = median_ms(partial(composite, bg, {1: fg}, placement), args.repeat)
        print(f"  {name:<28} {ms:8.1f} ms   (target < 300 ms)")

    limits = ImageLimits(max_bytes=200 * 1024 * 1024, max_pixels=100_000_000)
    bg_jpeg, fg_png = io.BytesIO(), io.BytesIO()
    bg.convert("RGB").save(bg_jpeg, "JPEG", quality=90)
    fg.save(fg_png, "PNG")
    print("decode + validate + normalize uploads (median ms):")
    for label, data in (("4000x3000 JPEG", bg_jpeg), ("1000x1000 RGBA PNG", fg_png)):
        ms = median_ms(partial(load_image, data.getvalue(), limits), args.repeat)
        print(f"  {label:<28} {ms:8.1f} ms")

    result = composite(bg, {1: fg}, Placement(0, 4000, 3000, (cases["paste 1:1 at (1234, 567)"],)))
    print("encode the 4000x3000 composite (median ms, size):")
    for fmt, quality in (("jpeg", 90), ("webp", 85), ("png", 0)):
        out = encode(result, fmt, quality)
        ms = median_ms(partial(encode, result, fmt, quality), max(1, args.repeat // 2))
        print(f"  {fmt:<6} {ms:8.1f} ms  {len(out.data) / 1e6:6.1f} MB")


if __name__ == "__main__":
    main()
