// Compositor geometry: the same definitions as dashapp/services/compositing/geometry.py.
//
// Background pixel coordinates, origin at the top-left corner, x right, y down. A layer has a
// natural size (width, height) and is placed by its centre (x, y), scale_x/scale_y, rotation in
// degrees clockwise on screen about the centre, opacity 0..1, z (higher on top). Foreground
// point (u, v) lands at (x, y) + R(rotation) . diag(scale_x, scale_y) . (u - width/2, v - height/2).
// An unscaled, unrotated layer is drawn at the whole-pixel top-left roundHalfUp(x - width/2), ...
// (the server pastes it there without resampling). Preview = background * k.
(function () {
  "use strict";
  var EPS = 1e-9;
  var MIN_SIZE_PX = 2;  // a resize never shrinks a layer below this many background pixels

  function roundHalfUp(v) { return Math.floor(v + 0.5); }

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
    var m = matrix(l), du = u - l.width / 2, dv = v - l.height / 2;
    return [l.x + m[0] * du + m[1] * dv, l.y + m[2] * du + m[3] * dv];
  }

  function pasteOrigin(l) {
    return [roundHalfUp(l.x - l.width / 2), roundHalfUp(l.y - l.height / 2)];
  }

  function bounds(l) {
    var pts = [[0, 0], [l.width, 0], [l.width, l.height], [0, l.height]].map(function (p) {
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
    var sg = CORNERS[corner], w = start.width, h = start.height;
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

  window.dashappCompositorGeometry = {
    refit: refit,
    roundHalfUp: roundHalfUp, isPlain: isPlain, toBackground: toBackground,
    pasteOrigin: pasteOrigin, bounds: bounds, previewScale: previewScale, dragDelta: dragDelta,
    centred: centred, resize: resize, rotate: rotate
  };
})();
