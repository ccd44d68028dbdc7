// Compositor geometry: the same definitions as dashapp/compositing/geometry.py.
//
// Background pixel coordinates, origin at the top-left corner, x right, y down. A layer has a
// natural size (width, height) and is placed by its centre (x, y), scale_x/scale_y, rotation in
// degrees clockwise on screen about the centre, opacity 0..1, z (higher on top). Foreground
// point (u, v) lands at (x, y) + R(rotation) . diag(scale_x, scale_y) . (u - width/2, v - height/2).
// An unscaled, unrotated layer is drawn at the whole-pixel top-left roundHalfUp(x - width/2), ...
// (the server pastes it there without resampling). Preview = background * k.
// Crop (crop_left/top/right/bottom, whole pixels cut off each edge of the flipped foreground as
// drawn before rotation): the placement then describes the part left, of size vw(l) x vh(l);
// (x, y) is its centre and (u, v) its own pixels.
(function () {
  "use strict";
  var EPS = 1e-9;
  var MIN_SIZE_PX = 2;  // a resize never shrinks a layer below this many background pixels

  function roundHalfUp(v) { return Math.floor(v + 0.5); }

  // The size of the part left after cropping, in foreground pixels.
  function vw(l) { return l.width - (l.crop_left || 0) - (l.crop_right || 0); }
  function vh(l) { return l.height - (l.crop_top || 0) - (l.crop_bottom || 0); }

  function isPlain(l) {
    var a = ((l.rotation % 360) + 360) % 360;
    return Math.abs(l.scale_x - 1) < EPS && Math.abs(l.scale_y - 1) < EPS &&
      Math.min(a, 360 - a) < EPS;
  }

  function matrix(l) {
    var t = l.rotation * Math.PI / 180, c = Math.cos(t), s = Math.sin(t);
    return [c * l.scale_x, -s * l.scale_y, s * l.scale_x, c * l.scale_y];
  }

  function toBackground(l, u, v) {
    var m = matrix(l), du = u - vw(l) / 2, dv = v - vh(l) / 2;
    return [l.x + m[0] * du + m[1] * dv, l.y + m[2] * du + m[3] * dv];
  }

  function pasteOrigin(l) {
    return [roundHalfUp(l.x - vw(l) / 2), roundHalfUp(l.y - vh(l) / 2)];
  }

  function bounds(l) {
    var w = vw(l), h = vh(l);
    var pts = [[0, 0], [w, 0], [w, h], [0, h]].map(function (p) {
      return toBackground(l, p[0], p[1]);
    });
    var xs = pts.map(function (p) { return p[0]; }), ys = pts.map(function (p) { return p[1]; });
    return [Math.min.apply(null, xs), Math.min.apply(null, ys),
      Math.max.apply(null, xs), Math.max.apply(null, ys)];
  }

  function previewScale(bgWidth, bgHeight, boxWidth, boxHeight) {
    return Math.min(1, boxWidth / bgWidth, boxHeight / bgHeight);
  }

  function dragDelta(dx, dy, k) { return [roundHalfUp(dx / k), roundHalfUp(dy / k)]; }

  // Initial centre: the middle of the background, on whole pixels when drawn unscaled.
  function centred(bgWidth, bgHeight, width, height, scale) {
    if (Math.abs(scale - 1) < EPS) {
      return [Math.floor((bgWidth - width) / 2) + width / 2,
        Math.floor((bgHeight - height) / 2) + height / 2];
    }
    return [bgWidth / 2, bgHeight / 2];
  }

  var CORNERS = { nw: [-1, -1], ne: [1, -1], se: [1, 1], sw: [-1, 1] };

  // Resize by dragging `corner` to background point p; the opposite corner stays put.
  // Keeps the start's aspect ratio (projection on the diagonal) unless `free`.
  function resize(start, corner, p, free) {
    var sg = CORNERS[corner], w = vw(start), h = vh(start);
    var anchor = toBackground(start, sg[0] > 0 ? 0 : w, sg[1] > 0 ? 0 : h);
    var t = start.rotation * Math.PI / 180, c = Math.cos(t), s = Math.sin(t);
    var dx = p[0] - anchor[0], dy = p[1] - anchor[1];
    var ex = (c * dx + s * dy) * sg[0], ey = (-s * dx + c * dy) * sg[1];
    var minX = Math.max(1e-3, MIN_SIZE_PX / w), minY = Math.max(1e-3, MIN_SIZE_PX / h);
    var sx, sy;
    if (free) {
      sx = Math.max(minX, ex / w);
      sy = Math.max(minY, ey / h);
    } else {
      var r = start.scale_y / start.scale_x;
      sx = (ex * w + ey * h * r) / (w * w + h * h * r * r);
      sx = Math.max(sx, minX, minY / r);
      sy = sx * r;
    }
    var hx = sg[0] * w * sx / 2, hy = sg[1] * h * sy / 2;
    return {
      scale_x: sx, scale_y: sy,
      x: anchor[0] + c * hx - s * hy, y: anchor[1] + s * hx + c * hy
    };
  }

  // Rotation after the pointer moved from p0 to p around the layer's centre (snap: 15 degrees).
  function rotate(start, p0, p, snap) {
    var a0 = Math.atan2(p0[1] - start.y, p0[0] - start.x);
    var a1 = Math.atan2(p[1] - start.y, p[0] - start.x);
    var deg = start.rotation + (a1 - a0) * 180 / Math.PI;
    if (snap) { deg = Math.round(deg / 15) * 15; }
    deg = ((deg % 360) + 540) % 360 - 180;  // (-180, 180]
    return deg === -180 ? 180 : deg;
  }

  // A layer moved and scaled with its background from ow x oh to nw x nh, centred (the same as
  // geometry.py refit_layer): the whole old layout fits the new background.
  function refit(l, ow, oh, nw, nh) {
    var f = Math.min(nw / ow, nh / oh);
    return { x: (l.x - ow / 2) * f + nw / 2, y: (l.y - oh / 2) * f + nh / 2,
      scale_x: l.scale_x * f, scale_y: l.scale_y * f };
  }

  var CROP_KEYS = ["crop_left", "crop_top", "crop_right", "crop_bottom"];

  // Whole, non-negative crop amounts that leave at least one pixel each way.
  function clampCrop(l, crop) {
    var c = {};
    CROP_KEYS.forEach(function (key) {
      var v = crop[key] === undefined ? (l[key] || 0) : Number(crop[key]);
      c[key] = isFinite(v) ? Math.max(0, Math.round(v)) : 0;
    });
    // Too much cut along an axis: the edge being changed gives way (the other one stays).
    [["crop_left", "crop_right", l.width], ["crop_top", "crop_bottom", l.height]].forEach(
      function (axis) {
        var a = axis[0], b = axis[1], room = axis[2] - 1;
        if (c[a] + c[b] <= room) { return; }
        if (crop[a] !== undefined) { c[a] = Math.max(0, room - c[b]); }
        c[b] = Math.max(0, room - c[a]);
      });
    return c;
  }

  // A new crop for layer l (only the keys given change): the pixels still shown stay where
  // they are on the background, so the centre moves with the crop.
  function cropTo(l, crop) {
    var c = clampCrop(l, crop), m = matrix(l);
    var du = (c.crop_left - (l.crop_left || 0) - c.crop_right + (l.crop_right || 0)) / 2;
    var dv = (c.crop_top - (l.crop_top || 0) - c.crop_bottom + (l.crop_bottom || 0)) / 2;
    return Object.assign(c, { x: l.x + m[0] * du + m[1] * dv, y: l.y + m[2] * du + m[3] * dv });
  }

  // Crop by dragging `corner` of the start layer by (dx, dy) background pixels: the two edges
  // that meet at the corner follow the pointer (in the layer's own, rotated and scaled, axes).
  function cropDrag(start, corner, dx, dy) {
    var t = start.rotation * Math.PI / 180, c = Math.cos(t), s = Math.sin(t);
    var du = (c * dx + s * dy) / start.scale_x, dv = (-s * dx + c * dy) / start.scale_y;
    var sg = CORNERS[corner], crop = {};
    if (sg[0] < 0) { crop.crop_left = (start.crop_left || 0) + du; }
    else { crop.crop_right = (start.crop_right || 0) - du; }
    if (sg[1] < 0) { crop.crop_top = (start.crop_top || 0) + dv; }
    else { crop.crop_bottom = (start.crop_bottom || 0) - dv; }
    return cropTo(start, crop);
  }

  window.dashappCompositorGeometry = {
    refit: refit, vw: vw, vh: vh, cropTo: cropTo, cropDrag: cropDrag, CROP_KEYS: CROP_KEYS,
    roundHalfUp: roundHalfUp, isPlain: isPlain, toBackground: toBackground,
    pasteOrigin: pasteOrigin, bounds: bounds, previewScale: previewScale, dragDelta: dragDelta,
    centred: centred, resize: resize, rotate: rotate
  };
})();
