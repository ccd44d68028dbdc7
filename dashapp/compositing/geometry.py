"""Layer placement in background pixel coordinates, shared word for word with assets/compositor.js.

Coordinates: the background's own pixels, origin at the top-left corner of its top-left pixel,
x to the right, y down; pixel (i, j) covers [i, i+1) x [j, j+1).

A layer is its foreground image (natural size `width` x `height`) placed by:
* `x`, `y`: where the centre of the foreground lands, in background pixels (floats);
* `scale_x`, `scale_y`: drawn size = natural size times these (equal unless resized freely);
* `rotation`: degrees, clockwise as seen on screen (y points down), about the layer's centre;
* `opacity`: 0..1, multiplies the foreground's own alpha;
* `z`: stacking order, higher on top (ties keep list order);
* `crop_left`, `crop_top`, `crop_right`, `crop_bottom`: whole foreground pixels cut off each edge
  of the (flipped) foreground as drawn before rotation. The placement then describes the part that
  is left, its "visible" size (width - crop_left - crop_right) x (height - crop_top - crop_bottom):
  (x, y) is its centre and (u, v) below are its own pixels.

A foreground point (u, v) (its own pixels, top-left origin) lands at
    p = (x, y) + R(rotation) . diag(scale_x, scale_y) . (u - width/2, v - height/2)
with R(t) = [[cos t, -sin t], [sin t, cos t]].

An unscaled, unrotated layer is pasted without resampling at the whole-pixel top-left
(round_half_up(x - visible_width/2), round_half_up(y - visible_height/2)); the editor keeps such
layers on whole pixels, so what you see is exactly where it lands. The preview shows the
background at k preview pixels per background pixel: preview = background * k.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

# Tolerance for "this scale is 1" / "this angle is 0": JSON round-trips keep ~15 digits.
EPSILON = 1e-9
MIN_SCALE = 1e-3
MAX_SCALE = 100.0


class PlacementError(ValueError):
    """A placement that cannot be composited; the message is meant for the user."""


def round_half_up(value: float) -> int:
    """Round .5 upwards, as JavaScript's Math.round does (Python's round() goes to even)."""
    return math.floor(value + 0.5)


@dataclass(frozen=True)
class Layer:
    """One foreground placed on the background (see the module docstring for the geometry)."""

    image_id: int
    width: int
    height: int
    x: float
    y: float
    scale_x: float = 1.0
    scale_y: float = 1.0
    rotation: float = 0.0
    opacity: float = 1.0
    z: int = 0
    visible: bool = True
    flip_x: bool = False  # mirrored left-right before scaling and rotation
    flip_y: bool = False  # mirrored top-bottom
    crop_left: int = 0  # pixels cut off each edge (see the module docstring)
    crop_top: int = 0
    crop_right: int = 0
    crop_bottom: int = 0

    @property
    def visible_width(self) -> int:
        """Width of the part left after cropping, in foreground pixels."""
        return self.width - self.crop_left - self.crop_right

    @property
    def visible_height(self) -> int:
        """Height of the part left after cropping, in foreground pixels."""
        return self.height - self.crop_top - self.crop_bottom

    @property
    def crop_box(self) -> tuple[int, int, int, int] | None:
        """The kept part as a Pillow box (left, top, right, bottom), None when uncropped."""
        if not (self.crop_left or self.crop_top or self.crop_right or self.crop_bottom):
            return None
        return (
            self.crop_left,
            self.crop_top,
            self.width - self.crop_right,
            self.height - self.crop_bottom,
        )

    @property
    def is_axis_aligned_unscaled(self) -> bool:
        """True when the layer is pasted pixel for pixel (no scale, no rotation)."""
        angle = self.rotation % 360.0
        return (
            abs(self.scale_x - 1.0) < EPSILON
            and abs(self.scale_y - 1.0) < EPSILON
            and min(angle, 360.0 - angle) < EPSILON
        )

    def paste_origin(self) -> tuple[int, int]:
        """Whole-pixel top-left used for an unscaled, unrotated layer."""
        return (
            round_half_up(self.x - self.visible_width / 2.0),
            round_half_up(self.y - self.visible_height / 2.0),
        )

    def matrix(self) -> tuple[float, float, float, float]:
        """R(rotation) . diag(scale_x, scale_y) as (a, b, c, d), meaning [[a, b], [c, d]]."""
        t = math.radians(self.rotation)
        cos_t, sin_t = math.cos(t), math.sin(t)
        return (
            cos_t * self.scale_x,
            -sin_t * self.scale_y,
            sin_t * self.scale_x,
            cos_t * self.scale_y,
        )

    def to_background(self, u: float, v: float) -> tuple[float, float]:
        """Where foreground point (u, v) lands on the background."""
        a, b, c, d = self.matrix()
        du, dv = u - self.visible_width / 2.0, v - self.visible_height / 2.0
        return (self.x + a * du + b * dv, self.y + c * du + d * dv)

    def to_foreground(self, px: float, py: float) -> tuple[float, float]:
        """The foreground point landing on background point (px, py): to_background inverted."""
        a, b, c, d = self.matrix()
        det = a * d - b * c
        dx, dy = px - self.x, py - self.y
        return (
            (d * dx - b * dy) / det + self.visible_width / 2.0,
            (-c * dx + a * dy) / det + self.visible_height / 2.0,
        )

    def corners(self) -> list[tuple[float, float]]:
        """The visible part's corners on the background: top-left, top-right, bottom-right,
        bottom-left."""
        w, h = float(self.visible_width), float(self.visible_height)
        return [self.to_background(u, v) for u, v in ((0, 0), (w, 0), (w, h), (0, h))]

    def bounds(self) -> tuple[float, float, float, float]:
        """Axis-aligned box (left, top, right, bottom) holding the placed layer."""
        xs, ys = zip(*self.corners(), strict=True)
        return (min(xs), min(ys), max(xs), max(ys))

    def scaled(self, factor: float) -> Layer:
        """The same placement on a background resized by `factor` (for thumbnails)."""
        return replace(
            self,
            x=self.x * factor,
            y=self.y * factor,
            scale_x=self.scale_x * factor,
            scale_y=self.scale_y * factor,
        )


@dataclass(frozen=True)
class Placement:
    """A background and the layers placed on it, bottom to top after `ordered()`."""

    background_id: int
    width: int
    height: int
    layers: tuple[Layer, ...] = field(default_factory=tuple)

    def ordered(self) -> list[Layer]:
        """Layers bottom to top: by z, then by position in the list (a stable sort)."""
        return sorted(self.layers, key=lambda layer: layer.z)

    @property
    def image_ids(self) -> set[int]:
        """The uploads it uses: the background and every layer's image."""
        return {self.background_id} | {layer.image_id for layer in self.layers}


def _number(raw: dict[str, Any], key: str, default: float | None = None) -> float:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise PlacementError(f"Layer field '{key}' must be a finite number.")
    return float(value)


def _integer(raw: dict[str, Any], key: str, default: int | None = None) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise PlacementError(f"Field '{key}' must be a whole number.")
    return value


def _flag(raw: dict[str, Any], key: str, default: bool) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise PlacementError(f"Layer field '{key}' must be true or false.")
    return value


CROP_KEYS = ("crop_left", "crop_top", "crop_right", "crop_bottom")


def _crop(raw: dict[str, Any], key: str) -> int:
    value = _integer(raw, key, 0)
    if value < 0:
        raise PlacementError(f"Layer field '{key}' must not be negative.")
    return value


def layer_from_dict(raw: Any) -> Layer:
    """Validate one layer of the editor's JSON state."""
    if not isinstance(raw, dict):
        raise PlacementError("Each layer must be an object.")
    layer = Layer(
        image_id=_integer(raw, "image_id"),
        width=_integer(raw, "width"),
        height=_integer(raw, "height"),
        x=_number(raw, "x"),
        y=_number(raw, "y"),
        scale_x=_number(raw, "scale_x", 1.0),
        scale_y=_number(raw, "scale_y", 1.0),
        rotation=_number(raw, "rotation", 0.0),
        opacity=_number(raw, "opacity", 1.0),
        z=_integer(raw, "z", 0),
        visible=_flag(raw, "visible", True),
        flip_x=_flag(raw, "flip_x", False),
        flip_y=_flag(raw, "flip_y", False),
        **{key: _crop(raw, key) for key in CROP_KEYS},
    )
    if layer.width <= 0 or layer.height <= 0:
        raise PlacementError("A layer has no pixels.")
    if layer.visible_width < 1 or layer.visible_height < 1:
        raise PlacementError("A crop must leave at least one pixel of the layer.")
    for scale in (layer.scale_x, layer.scale_y):
        if not MIN_SCALE <= scale <= MAX_SCALE:
            raise PlacementError(f"Layer scale must be between {MIN_SCALE} and {MAX_SCALE:g}.")
    if not 0.0 <= layer.opacity <= 1.0:
        raise PlacementError("Layer opacity must be between 0 and 1.")
    return layer


def placement_from_dict(raw: Any, max_layers: int = 50) -> Placement:
    """Validate the editor's JSON state (see assets/compositor.js `serialize`)."""
    if not isinstance(raw, dict) or not isinstance(raw.get("background"), dict):
        raise PlacementError("Upload a background image first.")
    background = raw["background"]
    layers_raw = raw.get("layers") or []
    if not isinstance(layers_raw, list):
        raise PlacementError("The layer list is malformed.")
    if not layers_raw:
        raise PlacementError("Nothing to composite: add at least one foreground layer.")
    if len(layers_raw) > max_layers:
        raise PlacementError(f"Too many layers: at most {max_layers}.")
    placement = Placement(
        background_id=_integer(background, "image_id"),
        width=_integer(background, "width"),
        height=_integer(background, "height"),
        layers=tuple(layer_from_dict(item) for item in layers_raw),
    )
    if placement.width <= 0 or placement.height <= 0:
        raise PlacementError("The background has no pixels.")
    return placement


def refit_factor(old: tuple[int, int], new: tuple[int, int]) -> float:
    """How much layers scale when the background changes from `old` to `new` (w, h) so the
    whole old layout fits the new one (compositor_geometry.js `refit` applies it)."""
    return min(new[0] / old[0], new[1] / old[1])
