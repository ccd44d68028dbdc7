"""Placement geometry: preview <-> background, rotation about the centre, scale, parsing."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashapp.compositing.geometry import (
    Layer,
    PlacementError,
    placement_from_dict,
    round_half_up,
)


def close(a: tuple[float, float], b: tuple[float, float], tol: float = 1e-9) -> bool:
    return abs(a[0] - b[0]) <= tol and abs(a[1] - b[1]) <= tol


def test_unrotated_unscaled_layer_maps_its_top_left_to_centre_minus_half_size() -> None:
    layer = Layer(image_id=1, width=100, height=50, x=300.0, y=200.0)
    assert close(layer.to_background(0, 0), (250.0, 175.0))
    assert close(layer.to_background(100, 50), (350.0, 225.0))
    assert layer.paste_origin() == (250, 175)
    assert layer.is_axis_aligned_unscaled


def test_odd_sizes_paste_at_rounded_half_up_origin_like_javascript() -> None:
    # Centre 10.0 with width 5: top-left 7.5 -> 8 (Math.round), Python's round would give 8 too,
    # but -2.5 -> -2 in JS while round(-2.5) == -2 and floor-based rounding agrees.
    assert Layer(1, 5, 5, 10.0, 10.0).paste_origin() == (8, 8)
    assert round_half_up(-2.5) == -2
    assert round_half_up(2.5) == 3


def test_rotation_is_clockwise_on_screen_about_the_centre() -> None:
    layer = Layer(image_id=1, width=100, height=40, x=500.0, y=500.0, rotation=90.0)
    # The centre never moves.
    assert close(layer.to_background(50, 20), (500.0, 500.0))
    # The right-middle of the image points down after a clockwise quarter turn (y down).
    assert close(layer.to_background(100, 20), (500.0, 550.0))
    # The top-middle points right.
    assert close(layer.to_background(50, 0), (520.0, 500.0))
    assert not layer.is_axis_aligned_unscaled


def test_scale_is_about_the_centre_and_per_axis() -> None:
    layer = Layer(image_id=1, width=100, height=40, x=0.0, y=0.0, scale_x=2.0, scale_y=0.5)
    assert close(layer.bounds(), (-100.0, -10.0, 100.0, 10.0))  # type: ignore[arg-type]


def test_full_turn_counts_as_unrotated() -> None:
    assert Layer(1, 10, 10, 5.0, 5.0, rotation=360.0).is_axis_aligned_unscaled
    assert Layer(1, 10, 10, 5.0, 5.0, rotation=-720.0).is_axis_aligned_unscaled


@given(
    x=st.floats(-5000, 5000),
    y=st.floats(-5000, 5000),
    sx=st.floats(0.01, 20),
    sy=st.floats(0.01, 20),
    rot=st.floats(-720, 720),
    u=st.floats(0, 300),
    v=st.floats(0, 200),
)
def test_to_foreground_inverts_to_background(
    x: float, y: float, sx: float, sy: float, rot: float, u: float, v: float
) -> None:
    layer = Layer(1, 300, 200, x, y, scale_x=sx, scale_y=sy, rotation=rot)
    back = layer.to_foreground(*layer.to_background(u, v))
    assert close(back, (u, v), tol=1e-6)


@given(rot=st.floats(-360, 360), s=st.floats(0.1, 10))
def test_rotation_keeps_centre_and_diagonal_length(rot: float, s: float) -> None:
    layer = Layer(1, 30, 40, 100.0, 100.0, scale_x=s, scale_y=s, rotation=rot)
    (x0, y0), _, (x2, y2), _ = layer.corners()
    assert math.isclose((x0 + x2) / 2, 100.0, abs_tol=1e-9)
    assert math.isclose(math.hypot(x2 - x0, y2 - y0), 50.0 * s, rel_tol=1e-9)


LAYER: dict[str, Any] = {"image_id": 2, "width": 10, "height": 10, "x": 5, "y": 5}
GOOD: dict[str, Any] = {
    "background": {"image_id": 1, "width": 400, "height": 300},
    "layers": [LAYER],
}


def test_placement_parses_defaults() -> None:
    placement = placement_from_dict(GOOD)
    (layer,) = placement.layers
    assert (layer.scale_x, layer.scale_y, layer.rotation, layer.opacity) == (1.0, 1.0, 0.0, 1.0)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (None, "background"),
        ({"layers": []}, "background"),
        ({**GOOD, "layers": []}, "add at least one"),
        ({**GOOD, "layers": [{**LAYER, "x": "a"}]}, "finite number"),
        ({**GOOD, "layers": [{**LAYER, "x": float("nan")}]}, "finite"),
        ({**GOOD, "layers": [{**LAYER, "opacity": 2}]}, "opacity"),
        ({**GOOD, "layers": [{**LAYER, "scale_x": 0}]}, "scale"),
        ({**GOOD, "layers": ["x"]}, "object"),
        ({**GOOD, "layers": [LAYER] * 3}, "Too many"),
    ],
)
def test_bad_placements_have_clear_messages(raw: object, message: str) -> None:
    with pytest.raises(PlacementError, match=message):
        placement_from_dict(raw, max_layers=2)


def test_layers_sort_by_z_then_list_order() -> None:
    layers = [{**LAYER, "image_id": i, "z": z} for i, z in ((1, 2), (2, 0), (3, 2))]
    placement = placement_from_dict({**GOOD, "layers": layers})
    assert [layer.image_id for layer in placement.ordered()] == [2, 1, 3]
