// Compositor editor, continued: fitting the preview, drawing layers, pointer gestures, guides.
(function () {
  "use strict";
  function G() { return window.dashappCompositorGeometry; }
  function C() { return window.dashappCompositor; }
  var HANDLES = ["nw", "ne", "se", "sw"];
  var CORNER_UV = { nw: [0, 0], ne: [1, 0], se: [1, 1], sw: [0, 1] };

  var view = {};

  // Fit the background into the viewport (width) and a share of the window height.
  view.layout = function () {
    var hasBg = !!this.bg;
    this.stage.style.display = hasBg ? "" : "none";
    this.empty.style.display = hasBg ? "none" : "";
    if (hasBg) {
      // The border box: it does not change when scroll bars come and go while zoomed.
      var boxW = this.viewport.getBoundingClientRect().width || this.bg.width;
      var boxH = Math.max(200, window.innerHeight * C().MAX_HEIGHT_FRACTION);
      this.fitK = G().previewScale(this.bg.width, this.bg.height, boxW, boxH);
      this.zoom = Math.min(Math.max(1, this.zoom || 1), this.maxZoom());
      var k = this.fitK * this.zoom;
      this.k = Math.abs(k - 1) < 1e-9 ? 1 : k;  // "100 %" is exactly one pixel per pixel
      this.stage.style.width = this.bg.width * this.k + "px";
      this.stage.style.height = this.bg.height * this.k + "px";
      // Zoomed in, the viewport keeps the fitted height and scrolls (pans) over the stage.
      var zoomed = this.zoom > 1;
      this.viewport.classList.toggle("is-zoomed", zoomed);
      this.viewport.style.height = zoomed ? this.bg.height * this.fitK + 52 + "px" : "";
      this.zoomLabel.textContent = Math.round(this.k * 100) + " %";
      if (this.bgImg.getAttribute("src") !== this.bg.url) { this.bgImg.src = this.bg.url; }
    }
    this.render();
  };

  view.layerElement = function (l) {
    var node = this.layerEls[l.uid];
    if (node) { return node; }
    node = C().el("div", "comp-layer", { "data-uid": l.uid });
    var img = C().el("img", "", { alt: l.name || "layer", draggable: "false" });
    img.src = l.url;
    node.appendChild(img);
    HANDLES.forEach(function (h) {
      node.appendChild(C().el("div", "comp-handle", { "data-handle": h }));
    });
    node.appendChild(C().el("div", "comp-rotate", { "data-handle": "rotate",
      title: "Rotate (Shift snaps to 15°)" }));
    this.layerEls[l.uid] = node;
    this.stage.insertBefore(node, this.guideV);
    return node;
  };

  view.placeElement = function (l, node, z) {
    var k = this.k, left, top, cw = G().vw(l), ch = G().vh(l);
    if (G().isPlain(l)) {
      var o = G().pasteOrigin(l);  // exactly where the server pastes it
      left = o[0]; top = o[1];
    } else {
      left = l.x - cw * l.scale_x / 2; top = l.y - ch * l.scale_y / 2;
    }
    var s = node.style;
    // Placed by a transform (left/top stay 0): moving a layer then composites on the GPU
    // instead of laying out and repainting the page each frame.
    var move = "translate(" + left * k + "px," + top * k + "px)";
    s.width = cw * l.scale_x * k + "px";
    s.height = ch * l.scale_y * k + "px";
    this.placeCrop(l, node.firstChild, cw, ch);
    s.transform = l.rotation ? move + " rotate(" + l.rotation + "deg)" : move;
    s.display = l.visible === false ? "none" : "";
    node.firstChild.style.transform = l.flip_x || l.flip_y ?
      "scale(" + (l.flip_x ? -1 : 1) + "," + (l.flip_y ? -1 : 1) + ")" : "";
    node.classList.toggle("is-locked", !!l.locked);
    // Opacity on the image only: the selection outline and handles stay fully visible.
    node.firstChild.style.opacity = String(l.opacity);
    s.zIndex = String(z + 1);
    node.classList.toggle("is-selected", l.uid === this.selected);
    node.classList.toggle("is-cropping", l.uid === this.cropping);
  };

  // A cropped layer's element is the part left; its image keeps the whole foreground's size,
  // offset by the crop and clipped to that part (a clip-path: the handles outside stay visible).
  view.placeCrop = function (l, img, cw, ch) {
    var is = img.style;
    if (cw === l.width && ch === l.height) {
      is.position = is.left = is.top = is.width = is.height = is.clipPath = "";
      return;
    }
    var ax = l.scale_x * this.k, ay = l.scale_y * this.k;
    var cl = l.crop_left || 0, ct = l.crop_top || 0, cr = l.crop_right || 0, cb = l.crop_bottom || 0;
    is.position = "absolute";
    is.left = -cl * ax + "px"; is.top = -ct * ay + "px";
    is.width = l.width * ax + "px"; is.height = l.height * ay + "px";
    // The crop is of the image as drawn (flipped); the clip applies before the flip transform.
    var left = l.flip_x ? cr : cl, right = l.flip_x ? cl : cr;
    var top = l.flip_y ? cb : ct, bottom = l.flip_y ? ct : cb;
    is.clipPath = "inset(" + top * ay + "px " + right * ax + "px " + bottom * ay + "px " +
      left * ax + "px)";
  };

  view.render = function () {
    var self = this, alive = {};
    this.layers.forEach(function (l, i) {
      alive[l.uid] = true;
      self.placeElement(l, self.layerElement(l), i);
    });
    Object.keys(this.layerEls).forEach(function (uid) {
      if (!alive[uid]) { self.layerEls[uid].remove(); delete self.layerEls[uid]; }
    });
    var l = this.layer(this.selected), bar = this.root.querySelector(".comp-toolbar");
    this.opacity.disabled = !l;
    // Buttons that would do nothing are disabled (no background, nothing selected, no history).
    Array.prototype.forEach.call(bar.querySelectorAll("[data-action]"), function (b) {
      var a = b.getAttribute("data-action");
      b.disabled = a === "undo" ? !self.undoStack.length : a === "redo" ? !self.redoStack.length
        : /^zoom-/.test(a) ? !self.bg : a === "crop" ? !l || !!l.locked : !l;
      if (a === "crop") {
        var on = !!l && self.cropping === l.uid;
        b.setAttribute("aria-pressed", String(on));
        b.classList.toggle("active", on);
      }
    });
    this.opacity.value = l ? String(Math.round(l.opacity * 100)) : "100";
    this.info.textContent = l ? "x " + l.x.toFixed(1) + ", y " + l.y.toFixed(1) + " · " +
      Math.round(l.scale_x * 100) + (l.scale_x !== l.scale_y ? "×" +
      Math.round(l.scale_y * 100) : "") + "% · " + l.rotation.toFixed(1) + "°" : "";
    this.renderList();
  };

  view.renderList = function () {
    var key = JSON.stringify([this.bg && this.bg.url, this.selected,
      this.layers.map(function (l) { return l.uid; })]);
    if (key === this.listKey) { return; }
    this.listKey = key;
    var self = this;
    this.list.innerHTML = "";
    var items = (this.bg ? [{ uid: "", name: "Background: " + (this.bg.name || ""),
      url: this.bg.url }] : []).concat(this.layers.slice().reverse());
    items.forEach(function (item) {
      var node = C().el(item.uid ? "button" : "div", "comp-thumb" +
        (item.uid && item.uid === self.selected ? " is-selected" : ""),
        item.uid ? { type: "button", "data-uid": item.uid, title: item.name || "" }
          : { title: item.name || "" });
      var img = C().el("img", "", { alt: item.name || "", draggable: "false" });
      img.src = item.url;
      node.appendChild(img);
      self.list.appendChild(node);
    });
  };

  // --- pointer gestures ------------------------------------------------------------------

  view.toBackground = function (e) {
    var r = this.stage.getBoundingClientRect();
    return [(e.clientX - r.left) / this.k, (e.clientY - r.top) / this.k];
  };

  // Two fingers on the canvas pinch-zoom about their midpoint (one finger scrolls natively).
  view.pinchTrack = function (e, phase) {
    if (e.pointerType !== "touch") { return false; }
    var t = this.touches || (this.touches = {});
    if (phase === "down") { t[e.pointerId] = [e.clientX, e.clientY]; }
    else if (phase === "up") { delete t[e.pointerId]; this.pinch = null; return false; }
    else if (t[e.pointerId]) { t[e.pointerId] = [e.clientX, e.clientY]; }
    var ids = Object.keys(t);
    if (ids.length !== 2) { return false; }
    var a = t[ids[0]], b = t[ids[1]], d = Math.hypot(a[0] - b[0], a[1] - b[1]) || 1;
    var mid = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
    if (!this.pinch) {
      // A second finger ends any layer gesture the first one began (as a pinch, not a drag).
      if (this.gesture && this.gesture.kind !== "pan") { this.restore(this.gesture.before); }
      this.gesture = null;
      this.pinch = { d: d, zoom: this.zoom };
      return true;
    }
    this.setZoom(this.pinch.zoom * d / this.pinch.d, mid[0], mid[1]);
    e.preventDefault();
    return true;
  };

  view.pointerDown = function (e) {
    if (this.pinchTrack(e, "down")) { return; }
    var layerNode = e.target.closest(".comp-layer");
    if (!layerNode || this.gesture) {
      if (!layerNode && e.target.closest(".comp-stage")) {
        this.select(null);
        if (this.zoom > 1 && !this.gesture && e.pointerType === "mouse") {
          // Dragging the background pans when zoomed in (touch pans natively).
          this.gesture = { kind: "pan", pointerId: e.pointerId, client: [e.clientX, e.clientY],
            scroll: [this.viewport.scrollLeft, this.viewport.scrollTop] };
          e.preventDefault();
        }
      }
      return;
    }
    var uid = layerNode.getAttribute("data-uid"), l = this.layer(uid);
    if (!l) { return; }
    if (l.locked) { this.select(uid); return; }  // a locked layer is selected, never moved
    e.preventDefault();
    this.stage.focus({ preventScroll: true });
    this.selected = uid;
    var handle = e.target.getAttribute("data-handle");
    if (this.cropping !== uid) { this.cropping = null; }
    var kind = !handle ? "move" : handle === "rotate" ? "rotate" : this.cropping ? "crop" : "resize";
    this.gesture = { kind: kind,
      handle: handle, pointerId: e.pointerId, uid: uid, before: this.snapshot(),
      start: Object.assign({}, l), client: [e.clientX, e.clientY], p0: this.toBackground(e),
      frames: 0, t0: performance.now(), renderMs: 0 };
    if (C().bench) { this.stats.pointerType = e.pointerType; }
    try { this.stage.setPointerCapture(e.pointerId); } catch (err) { /* synthetic events */ }
    this.render();
  };

  view.pointerMove = function (e) {
    if (this.pinchTrack(e, "move")) { return; }
    var g = this.gesture;
    if (!g || e.pointerId !== g.pointerId) { return; }
    e.preventDefault();
    if (g.kind === "pan") {
      this.viewport.scrollLeft = g.scroll[0] - (e.clientX - g.client[0]);
      this.viewport.scrollTop = g.scroll[1] - (e.clientY - g.client[1]);
      return;
    }
    var l = this.layer(g.uid), s = g.start;
    if (g.kind === "move") {
      var d = G().dragDelta(e.clientX - g.client[0], e.clientY - g.client[1], this.k);
      l.x = s.x + d[0]; l.y = s.y + d[1];
      if (!e.altKey) { this.snap(l); } else { this.showGuides(null, null); }
    } else if (g.kind === "crop") {
      // Crop edges follow the pointer in background pixels (whole foreground pixels cut).
      Object.assign(l, G().cropDrag(s, g.handle, (e.clientX - g.client[0]) / this.k,
        (e.clientY - g.client[1]) / this.k));
    } else if (g.kind === "resize") {
      // The corner follows the pointer's movement (the handle sits a little outside it).
      var uv = CORNER_UV[g.handle], p = this.toBackground(e);
      var corner = G().toBackground(s, uv[0] * G().vw(s), uv[1] * G().vh(s));
      var target = [corner[0] + p[0] - g.p0[0], corner[1] + p[1] - g.p0[1]];
      Object.assign(l, G().resize(s, g.handle, target, e.shiftKey));
    } else {
      l.rotation = G().rotate(s, g.p0, this.toBackground(e), e.shiftKey);
    }
    this.scheduleRender();
  };

  view.scheduleRender = function () {
    var self = this;
    if (this.pending) { return; }
    this.pending = true;
    window.requestAnimationFrame(function () {
      self.pending = false;
      var t = performance.now();
      self.render();
      if (self.gesture && C().bench) {
        self.gesture.frames += 1;
        self.gesture.renderMs += performance.now() - t;
      }
    });
  };

  view.pointerUp = function (e) {
    this.pinchTrack(e, "up");
    var g = this.gesture;
    if (!g || e.pointerId !== g.pointerId) { return; }
    this.gesture = null;
    if (g.kind === "pan") { return; }
    this.showGuides(null, null);
    var seconds = (performance.now() - g.t0) / 1000;
    if (C().bench && g.frames > 1 && seconds > 0) {
      // Frames drawn per second while dragging, and the script time each frame cost.
      this.stats = { dragFps: g.frames / seconds, dragFrames: g.frames,
        renderMsPerFrame: g.renderMs / g.frames, pointerType: this.stats.pointerType };
    }
    try { this.stage.releasePointerCapture(e.pointerId); } catch (err) { /* already released */ }
    this.commit(g.before);
  };

  // Snap the layer's centre to the background's centre lines and its edges to the background's
  // edges, when within SNAP_PX screen pixels; show the guide lines that caught it.
  view.snap = function (l) {
    var tol = C().SNAP_PX / this.k, W = this.bg.width, H = this.bg.height;
    var b = G().bounds(l), gx = null, gy = null;
    var xs = [[l.x, W / 2], [b[0], 0], [b[2], W]], ys = [[l.y, H / 2], [b[1], 0], [b[3], H]];
    for (var i = 0; i < 3; i++) {
      if (gx === null && Math.abs(xs[i][0] - xs[i][1]) <= tol) {
        l.x += xs[i][1] - xs[i][0]; gx = xs[i][1];
      }
      if (gy === null && Math.abs(ys[i][0] - ys[i][1]) <= tol) {
        l.y += ys[i][1] - ys[i][0]; gy = ys[i][1];
      }
    }
    this.showGuides(gx, gy);
  };

  view.showGuides = function (gx, gy) {
    this.guideV.style.display = gx === null ? "none" : "block";
    this.guideH.style.display = gy === null ? "none" : "block";
    if (gx !== null) { this.guideV.style.left = Math.min(gx * this.k, this.bg.width * this.k - 1) + "px"; }
    if (gy !== null) { this.guideH.style.top = Math.min(gy * this.k, this.bg.height * this.k - 1) + "px"; }
  };

  // --- zoom ----------------------------------------------------------------------------------

  var MAX_K = 8;  // at most 8 screen pixels per background pixel

  view.maxZoom = function () { return Math.max(1, MAX_K / (this.fitK || 1)); };

  // Zoom to `zoom` x the fitted scale, keeping the background point under (cx, cy) in place.
  view.setZoom = function (zoom, cx, cy) {
    if (!this.bg) { return; }
    var vr = this.viewport.getBoundingClientRect();
    if (cx === undefined) { cx = vr.left + vr.width / 2; cy = vr.top + Math.min(vr.height, window.innerHeight) / 2; }
    var sr = this.stage.getBoundingClientRect(), bx = (cx - sr.left) / this.k, by = (cy - sr.top) / this.k;
    this.zoom = Math.min(Math.max(1, zoom), this.maxZoom());
    this.layout();
    var after = this.stage.getBoundingClientRect();
    this.viewport.scrollLeft += after.left + bx * this.k - cx;
    this.viewport.scrollTop += after.top + by * this.k - cy;
  };

  view.zoomAction = function (name) {
    if (!this.bg) { return; }
    if (name === "zoom-in") { this.setZoom(this.zoom * 1.5); }
    else if (name === "zoom-out") { this.setZoom(this.zoom / 1.5); }
    else if (name === "zoom-fit") { this.setZoom(1); }
    else if (name === "zoom-100") { this.setZoom(1 / this.fitK); }
  };

  window.dashappCompositor = Object.assign(window.dashappCompositor || {}, { view: view });
})();
