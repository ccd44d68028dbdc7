"""Charts drawn with Pillow (no matplotlib): line plots, a confusion matrix, image grids."""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")
INK, GRID, GOOD, BAD = "#222222", "#dddddd", "#1a7f37", "#cf222e"


def font(size: int = 13) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Pillow's bundled font at `size` pixels."""
    return ImageFont.load_default(size=size)


def png_bytes(image: Image.Image) -> bytes:
    """Encode `image` as an optimised PNG."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _nice_ticks(low: float, high: float, count: int = 5, integer: bool = False) -> list[float]:
    if high <= low:
        high = low + 1.0
    raw = max((high - low) / count, 1.0) if integer else (high - low) / count
    magnitude = 10 ** np.floor(np.log10(raw))
    step = min((m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw), default=raw)
    first = np.ceil(low / step) * step
    return [float(v) for v in np.arange(first, high + step * 0.001, step)]


def line_chart(
    title: str,
    series: dict[str, tuple[Sequence[float], Sequence[float]]],
    x_label: str = "epoch",
    size: tuple[int, int] = (560, 360),
) -> Image.Image:
    """Lines of (xs, ys) per name, with axes, ticks, a grid and a legend."""
    width, height = size
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    left, right, top, bottom = 60, width - 20, 36, height - 46
    draw.text((width // 2, 8), title, fill=INK, font=font(15), anchor="mt")
    xs_all = [x for xs, _ in series.values() for x in xs]
    ys_all = [y for _, ys in series.values() for y in ys if np.isfinite(y)]
    if not xs_all or not ys_all:
        draw.text((width // 2, height // 2), "no data yet", fill=INK, font=font(), anchor="mm")
        return image
    x_lo, x_hi = min(xs_all), max(xs_all)
    if x_hi == x_lo:
        x_lo, x_hi = x_lo - 1, x_hi + 1
    y_lo, y_hi = min(ys_all), max(ys_all)
    pad = (y_hi - y_lo) * 0.08 or 0.5
    y_lo, y_hi = y_lo - pad, y_hi + pad

    def to_px(x: float, y: float) -> tuple[float, float]:
        px = left + (x - x_lo) / (x_hi - x_lo) * (right - left)
        py = bottom - (y - y_lo) / (y_hi - y_lo) * (bottom - top)
        return px, py

    for tick in _nice_ticks(y_lo, y_hi):
        _, py = to_px(x_lo, tick)
        draw.line([(left, py), (right, py)], fill=GRID)
        draw.text((left - 6, py), f"{tick:.3g}", fill=INK, font=font(11), anchor="rm")
    for tick in _nice_ticks(x_lo, x_hi, 6, integer=True):
        px, _ = to_px(tick, y_lo)
        draw.line([(px, bottom), (px, bottom + 4)], fill=INK)
        draw.text((px, bottom + 6), f"{tick:g}", fill=INK, font=font(11), anchor="mt")
    draw.rectangle([left, top, right, bottom], outline=INK)
    draw.text(((left + right) // 2, height - 6), x_label, fill=INK, font=font(12), anchor="mb")
    for i, (name, (xs, ys)) in enumerate(series.items()):
        colour = PALETTE[i % len(PALETTE)]
        points = [to_px(x, y) for x, y in zip(xs, ys, strict=True) if np.isfinite(y)]
        if len(points) > 1:
            draw.line(points, fill=colour, width=2)
        for px, py in points:
            draw.ellipse([px - 3, py - 3, px + 3, py + 3], fill=colour)
        lx = left + 10 + i * 130
        draw.line([(lx, top + 12), (lx + 18, top + 12)], fill=colour, width=3)
        draw.text((lx + 22, top + 12), name, fill=INK, font=font(12), anchor="lm")
    return image


def confusion_chart(matrix: np.ndarray, labels: Sequence[str], cell: int = 44) -> Image.Image:
    """A confusion matrix heat map with counts (rows: true, columns: predicted)."""
    k = len(labels)
    margin, top = 90, 50
    size = (margin + k * cell + 20, top + k * cell + 60)
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    draw.text(
        (size[0] // 2, 8), "Confusion matrix (validation)", fill=INK, font=font(15), anchor="mt"
    )
    peak = max(int(matrix.max()), 1)
    for i in range(k):
        for j in range(k):
            value = int(matrix[i, j])
            shade = int(255 - 200 * value / peak)
            fill = (shade, shade, 255) if i == j else (255, shade, shade)
            x0, y0 = margin + j * cell, top + i * cell
            draw.rectangle([x0, y0, x0 + cell, y0 + cell], fill=fill, outline=GRID)
            ink = "white" if shade < 120 else INK
            draw.text(
                (x0 + cell / 2, y0 + cell / 2), str(value), fill=ink, font=font(12), anchor="mm"
            )
        draw.text(
            (margin - 6, top + i * cell + cell / 2),
            labels[i][:10],
            fill=INK,
            font=font(11),
            anchor="rm",
        )
        draw.text(
            (margin + i * cell + cell / 2, top + k * cell + 6),
            labels[i][:7],
            fill=INK,
            font=font(11),
            anchor="mt",
        )
    draw.text(
        (margin + k * cell / 2, size[1] - 6), "predicted", fill=INK, font=font(12), anchor="mb"
    )
    draw.text((6, top - 16), "true (rows)", fill=INK, font=font(12))
    return image


def to_rgb_tile(example: np.ndarray, side: int) -> Image.Image:
    """One image example (C,H,W floats) as an RGB tile `side` pixels wide."""
    array = example if example.ndim == 3 else example[None]
    array = array - array.min()
    array = array / (array.max() or 1.0)
    pixels = (np.moveaxis(array, 0, -1) * 255).astype(np.uint8)
    mode_image = Image.fromarray(pixels[..., 0] if pixels.shape[-1] == 1 else pixels[..., :3])
    return mode_image.convert("RGB").resize((side, side), Image.Resampling.NEAREST)


def prediction_grid(
    title: str,
    examples: np.ndarray,
    true: Sequence[str],
    predicted: Sequence[str],
    columns: int = 8,
    side: int = 64,
) -> Image.Image:
    """Tiles with "true -> predicted" captions, green when right and red when wrong."""
    count = len(examples)
    rows = max(1, -(-count // columns))
    cell_w, cell_h = side + 12, side + 30
    image = Image.new("RGB", (columns * cell_w + 12, rows * cell_h + 40), "white")
    draw = ImageDraw.Draw(image)
    draw.text((image.width // 2, 8), title, fill=INK, font=font(15), anchor="mt")
    if count == 0:
        draw.text((image.width // 2, 40), "none", fill=INK, font=font(), anchor="mt")
    for i in range(count):
        x0, y0 = 12 + (i % columns) * cell_w, 34 + (i // columns) * cell_h
        image.paste(to_rgb_tile(examples[i], side), (x0, y0))
        ok = true[i] == predicted[i]
        caption = f"{true[i][:6]}->{predicted[i][:6]}"
        draw.rectangle([x0 - 1, y0 - 1, x0 + side, y0 + side], outline=GOOD if ok else BAD, width=2)
        draw.text(
            (x0 + side / 2, y0 + side + 4),
            caption,
            fill=GOOD if ok else BAD,
            font=font(11),
            anchor="mt",
        )
    return image


def table_chart(title: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> Image.Image:
    """A plain text table (for tabular predictions, which have no picture)."""
    col_w, row_h = 120, 22
    image = Image.new("RGB", (len(header) * col_w + 20, (len(rows) + 1) * row_h + 44), "white")
    draw = ImageDraw.Draw(image)
    draw.text((image.width // 2, 8), title, fill=INK, font=font(15), anchor="mt")
    for r, values in enumerate([header, *rows]):
        y = 36 + r * row_h
        if r == 0:
            draw.rectangle([10, y, image.width - 10, y + row_h], fill="#eeeeee")
        for c, value in enumerate(values):
            draw.text(
                (14 + c * col_w, y + row_h / 2),
                str(value)[:16],
                fill=INK,
                font=font(12),
                anchor="lm",
            )
    return image
