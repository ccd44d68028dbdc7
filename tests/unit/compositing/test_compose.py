"""Compositing on generated images, checked pixel by pixel."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from dashapp.compositing.compose import composite, encode
from dashapp.compositing.geometry import Layer, Placement, PlacementError
from tests.unit.compositing.helpers import array, noise_rgba, solid

BLUE = (0, 0, 255, 255)
RED = (255, 0, 0, 255)


def place(bg: Image.Image, *layers: Layer) -> Placement:
    return Placement(background_id=0, width=bg.width, height=bg.height, layers=layers)


def at(image: Image.Image, image_id: int, left: int, top: int, **kw: Any) -> Layer:
    """A layer whose unscaled top-left is (left, top)."""
    return Layer(
        image_id, image.width, image.height, left + image.width / 2, top + image.height / 2, **kw
    )


def test_known_foreground_lands_at_exact_offset() -> None:
    bg = noise_rgba(400, 300, seed=1)
    fg = noise_rgba(37, 23, seed=2)
    out = composite(bg, {1: fg}, place(bg, at(fg, 1, 123, 45)))
    got, expected = array(out), array(bg)
    expected[45 : 45 + 23, 123 : 123 + 37] = array(fg)
    assert np.array_equal(got, expected)


def test_layer_hanging_off_every_edge_is_clipped() -> None:
    bg = solid(50, 40, BLUE)
    fg = noise_rgba(30, 30, seed=3)
    for left, top in ((-10, -7), (35, 25), (-25, 5)):
        out = array(composite(bg, {1: fg}, place(bg, at(fg, 1, left, top))))
        expected = array(bg)
        ys, xs = slice(max(top, 0), min(top + 30, 40)), slice(max(left, 0), min(left + 30, 50))
        expected[ys, xs] = array(fg)[
            ys.start - top : ys.stop - top, xs.start - left : xs.stop - left
        ]
        assert np.array_equal(out, expected)


def test_layer_entirely_outside_changes_nothing() -> None:
    bg = noise_rgba(20, 20, seed=4)
    fg = solid(5, 5, RED)
    out = composite(bg, {1: fg}, place(bg, at(fg, 1, 100, 100), at(fg, 1, 50, 50, rotation=30)))
    assert np.array_equal(array(out), array(bg))


def test_transparency_and_opacity_blend() -> None:
    bg = solid(10, 10, BLUE)
    half = solid(4, 4, (255, 0, 0, 128))
    out = composite(
        bg,
        {1: half, 2: solid(4, 4, RED)},
        place(bg, at(half, 1, 0, 0), at(half, 2, 5, 5, opacity=0.5)),
    )
    for x, y in ((1, 1), (6, 6)):
        r, g, b, a = out.getpixel((x, y))  # type: ignore[misc]
        assert abs(r - 128) <= 1 and g == 0 and abs(b - 127) <= 1 and a == 255


def test_z_order_decides_what_is_on_top_not_list_order() -> None:
    bg = solid(10, 10, BLUE)
    red, green = solid(6, 6, RED), solid(6, 6, (0, 255, 0, 255))
    layers = (at(red, 1, 2, 2, z=5), at(green, 2, 2, 2, z=1))
    out = composite(bg, {1: red, 2: green}, place(bg, *layers))
    assert out.getpixel((4, 4)) == RED


def test_quarter_turn_equals_exact_pixel_rotation() -> None:
    bg = solid(100, 100, BLUE)
    fg = noise_rgba(20, 10, seed=5)
    layer = Layer(1, 20, 10, x=50.0, y=50.0, rotation=90.0)
    out = array(composite(bg, {1: fg}, place(bg, layer)))
    # Clockwise on screen == numpy's rot90(k=-1), centred on (50, 50): 10 wide, 20 tall.
    expected = np.rot90(array(fg), k=-1)
    assert np.abs(out[40:60, 45:55] - expected).max() <= 1
    assert np.array_equal(out[:39], array(bg)[:39])


def test_rotation_about_centre_keeps_centre_pixel_and_has_no_dark_fringe() -> None:
    bg = solid(200, 200, (255, 255, 255, 255))
    fg = Image.new("RGBA", (60, 60), (0, 0, 0, 0))  # transparent *black* around a red square
    fg.paste(RED, (10, 10, 50, 50))
    out = array(composite(bg, {1: fg}, place(bg, Layer(1, 60, 60, 100.0, 100.0, rotation=37.0))))
    assert tuple(out[100, 100]) == RED
    # Premultiplied resampling: edges blend red into white, never towards black.
    assert out[..., 0].min() >= 250
    assert (out[..., 1] == out[..., 2]).all()


@pytest.mark.parametrize("scale", [0.5, 0.25, 2.0, 3.0])
def test_scaled_square_covers_exact_box(scale: float) -> None:
    bg = solid(400, 400, BLUE)
    fg = solid(40, 40, RED)
    layer = Layer(1, 40, 40, x=200.0, y=200.0, scale_x=scale, scale_y=scale)
    out = array(composite(bg, {1: fg}, place(bg, layer)))
    half = 20 * scale
    red = out[..., 0] > 127
    ys, xs = np.nonzero(red)
    assert xs.min() == pytest.approx(200 - half, abs=1)
    assert xs.max() + 1 == pytest.approx(200 + half, abs=1)
    assert ys.min() == pytest.approx(200 - half, abs=1)
    # The inside is solid.
    inner = int(half) - 1
    assert (out[200 - inner : 200 + inner, 200 - inner : 200 + inner, 0] == 255).all()


def test_free_resize_scales_axes_independently() -> None:
    bg = solid(300, 300, BLUE)
    fg = solid(20, 20, RED)
    layer = Layer(1, 20, 20, x=150.0, y=150.0, scale_x=4.0, scale_y=0.5)
    ys, xs = np.nonzero(array(composite(bg, {1: fg}, place(bg, layer)))[..., 0] > 127)
    assert (xs.max() - xs.min() + 1, ys.max() - ys.min() + 1) == (80, 10)


@settings(max_examples=40, deadline=None)
@given(
    x=st.floats(0, 300),
    y=st.floats(0, 200),
    s=st.floats(0.3, 4),
    rot=st.floats(-360, 360),
)
def test_placed_layer_centre_shows_the_layer(x: float, y: float, s: float, rot: float) -> None:
    bg = solid(300, 200, BLUE)
    fg = solid(30, 30, RED)
    out = composite(bg, {1: fg}, place(bg, Layer(1, 30, 30, x, y, s, s, rot)))
    px, py = min(int(x), 299), min(int(y), 199)
    assert out.getpixel((px, py))[0] >= 250  # type: ignore[index]
    assert out.size == bg.size


def test_thumbnail_scale_keeps_relative_position() -> None:
    bg = solid(400, 200, BLUE)
    fg = solid(40, 40, RED)
    out = composite(bg, {1: fg}, place(bg, at(fg, 1, 200, 100)), output_scale=0.25)
    assert out.size == (100, 50)
    ys, xs = np.nonzero(array(out)[..., 0] > 127)
    assert (xs.min(), ys.min(), xs.max(), ys.max()) == (50, 25, 59, 34)


def test_missing_or_mismatched_images_are_refused() -> None:
    bg = solid(10, 10, BLUE)
    with pytest.raises(PlacementError, match="no longer available"):
        composite(bg, {}, place(bg, Layer(1, 5, 5, 5, 5)))
    with pytest.raises(PlacementError, match="size"):
        composite(bg, {1: solid(6, 5, RED)}, place(bg, Layer(1, 5, 5, 5, 5)))
    with pytest.raises(PlacementError, match="background"):
        composite(bg, {}, Placement(0, 11, 10, ()))


def test_png_round_trips_exactly_and_webp_keeps_alpha() -> None:
    image = noise_rgba(64, 48, seed=9, opaque=False)
    png = encode(image, "png")
    assert png.mimetype == "image/png" and png.extension == "png"
    assert np.array_equal(array(Image.open(io.BytesIO(png.data))), array(image))
    webp = encode(image, "webp", quality=80)
    decoded = Image.open(io.BytesIO(webp.data))
    assert decoded.format == "WEBP" and decoded.mode == "RGBA" and decoded.size == (64, 48)


def test_jpeg_is_flattened_on_white_and_quality_matters() -> None:
    image = solid(64, 64, (0, 0, 0, 0))
    image.paste(RED, (0, 0, 32, 64))
    jpeg = encode(image, "JPG", quality=95)
    decoded = Image.open(io.BytesIO(jpeg.data)).convert("RGB")
    assert decoded.getpixel((50, 30)) == (255, 255, 255)
    assert decoded.getpixel((10, 30))[0] > 240  # type: ignore[index]
    noisy = noise_rgba(200, 200, seed=3)
    assert len(encode(noisy, "jpeg", quality=20).data) < len(encode(noisy, "jpeg", quality=95).data)


def test_unknown_output_format_is_refused() -> None:
    with pytest.raises(PlacementError, match="PNG, JPEG or WebP"):
        encode(solid(2, 2, RED), "bmp")


def _whole_box_reference(bg: Image.Image, fg: Image.Image, layer: Layer) -> np.ndarray:
    """The layer resampled over its whole bounding box in one call, then composited: what the
    strip-wise resample must reproduce exactly."""
    import math

    canvas = bg.copy()
    left, top, right, bottom = layer.bounds()
    x0, y0 = max(0, math.floor(left)), max(0, math.floor(top))
    x1, y1 = min(bg.width, math.ceil(right)), min(bg.height, math.ceil(bottom))
    if x0 >= x1 or y0 >= y1:
        return array(canvas)
    t = math.radians(layer.rotation)
    a, b = math.cos(t) / layer.scale_x, math.sin(t) / layer.scale_x
    d, e = -math.sin(t) / layer.scale_y, math.cos(t) / layer.scale_y
    ox, oy = x0 - layer.x, y0 - layer.y
    coeffs = (a, b, a * ox + b * oy + fg.width / 2, d, e, d * ox + e * oy + fg.height / 2)
    warped = fg.convert("RGBa").transform(
        (x1 - x0, y1 - y0), Image.Transform.AFFINE, coeffs, resample=Image.Resampling.BICUBIC
    )
    canvas.alpha_composite(warped.convert("RGBA"), dest=(x0, y0))
    return array(canvas)


@settings(max_examples=60, deadline=None)
@given(
    rotation=st.floats(0.5, 359.5),
    scale=st.floats(1.0, 2.5),
    x=st.floats(-100, 700),
    y=st.floats(-100, 550),
)
def test_strips_shaped_to_a_rotated_layer_give_the_same_pixels_as_its_whole_box(
    rotation: float, scale: float, x: float, y: float
) -> None:
    """Only the part of the bounding box the layer covers is resampled: no pixel may change."""
    bg = noise_rgba(600, 450, seed=1)
    fg = noise_rgba(150, 110, seed=2, opaque=False)
    layer = Layer(1, 150, 110, x, y, scale, scale * 1.2, rotation)  # no downscale step
    got = array(composite(bg, {1: fg}, place(bg, layer)))
    np.testing.assert_array_equal(got, _whole_box_reference(bg, fg, layer))
