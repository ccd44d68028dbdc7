// Compositor editor: drag, resize, rotate, nudge, order, opacity, snapping, undo/redo, all in
// the browser. The state it publishes is in background pixels (see compositor_geometry.js).
(function () {
  "use strict";
  var SNAP_PX = 6;          // screen pixels within which a guide catches the layer
  var HISTORY_LIMIT = 100;
  var NUDGE_MERGE_MS = 800; // consecutive arrow presses make one undo step
  var MAX_HEIGHT_FRACTION = 0.7;

  function G() { return window.dashappCompositorGeometry; }

  function el(tag, cls, attrs) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }

  function button(icon, label, action) {
    var b = el("button", "btn btn-outline-secondary btn-sm", {
      type: "button", title: label, "aria-label": label, "data-action": action
    });
    b.appendChild(el("i", "bi bi-" + icon));
    return b;
  }

  function Editor(root, onChange) {
    // Rendering and pointer handling live in compositor_view.js (mixed in on first use, so the
    // order the asset files load in does not matter).
    if (!Editor.prototype.render) {
      Object.assign(Editor.prototype, window.dashappCompositor.view, window.dashappCompositor.panel);
    }
    this.root = root;
    this.onChange = onChange;
    this.bg = null;
    this.layers = [];
    this.selected = null;
    this.undoStack = [];
    this.redoStack = [];
    this.cropping = null;  // uid of the layer in crop mode (its corner handles crop)
    this.k = 1;
    this.gesture = null;
    this.lastNudge = 0;
    this.zoom = 1;  // times the fitted scale: k = fitK * zoom (positions stay background pixels)
    this.nextUid = 1;
    this.frames = [];
    this.stats = { dragFps: null, dragFrames: 0 };
    this.savedState = null;  // serialize() as last saved or opened: anything else is unsaved
    this.cleanups = [];
    this.build();
  }

  // Add a listener and remember how to remove it (destroy() removes them all).
  Editor.prototype.listen = function (target, type, fn, options) {
    target.addEventListener(type, fn, options);
    this.cleanups.push(function () { target.removeEventListener(type, fn, options); });
  };

  Editor.prototype.destroy = function () {
    this.cleanups.forEach(function (undo) { undo(); });
    this.cleanups = [];
    this.destroyed = true;
  };

  Editor.prototype.markSaved = function () { this.savedState = JSON.stringify(this.serialize()); };

  Editor.prototype.isDirty = function () {
    return !!this.bg && JSON.stringify(this.serialize()) !== this.savedState;
  };

  // Typing in a field keeps its keys; everywhere else on the page the shortcuts work.
  function typing(target) {
    var tag = target && target.tagName;
    if (!tag) { return false; }
    if (target.isContentEditable || tag === "TEXTAREA" || tag === "SELECT") { return true; }
    return tag === "INPUT" && !/^(range|checkbox|button|submit|file)$/i.test(target.type);
  }

  Editor.prototype.build = function () {
    var self = this;
    this.root.innerHTML = "";
    this.root.classList.add("comp-editor");
    var bar = el("div", "comp-toolbar btn-toolbar gap-1 mb-2", { role: "toolbar",
      "aria-label": "Layer tools" });
    [["layer-forward", "Bring forward (])", "forward"],
      ["layer-backward", "Send back ([)", "backward"],
      ["arrow-counterclockwise", "Undo (Ctrl+Z)", "undo"],
      ["arrow-clockwise", "Redo (Ctrl+Shift+Z)", "redo"],
      ["bootstrap-reboot", "Reset layer", "reset"],
      ["trash", "Delete layer (Del)", "delete"],
      ["crop", "Crop: drag the corners (C; Enter or Esc ends)", "crop"],
      ["zoom-out", "Zoom out (-)", "zoom-out"],
      ["zoom-in", "Zoom in (+)", "zoom-in"],
      ["arrows-angle-contract", "Fit to window (0)", "zoom-fit"],
      ["1-square", "Actual size, 100 % (1)", "zoom-100"]].forEach(function (spec) {
      bar.appendChild(button(spec[0], spec[1], spec[2]));
    });
    this.zoomLabel = el("span", "comp-zoom small text-body-secondary", { "aria-live": "polite",
      title: "Zoom: screen pixels per background pixel" });
    bar.appendChild(this.zoomLabel);
    var opacity = el("label", "comp-opacity small d-flex align-items-center gap-1 ms-2");
    opacity.appendChild(document.createTextNode("Opacity"));
    this.opacity = el("input", "form-range", { type: "range", min: "0", max: "100", step: "1",
      "aria-label": "Layer opacity", "data-role": "opacity" });
    opacity.appendChild(this.opacity);
    bar.appendChild(opacity);
    this.info = el("span", "comp-info small text-body-secondary ms-2", { "aria-live": "polite" });
    bar.appendChild(this.info);
    this.viewport = el("div", "comp-viewport");
    this.stage = el("div", "comp-stage", { tabindex: "0", role: "application",
      "aria-label": "Composite preview: drag layers, arrows nudge (Shift = 10 px)" });
    this.bgImg = el("img", "comp-bg", { alt: "", draggable: "false" });
    this.guideV = el("div", "comp-guide comp-guide-v");
    this.guideH = el("div", "comp-guide comp-guide-h");
    this.empty = el("div", "comp-empty text-body-secondary");
    this.empty.textContent = "Upload a background to start.";
    this.stage.append(this.bgImg, this.guideV, this.guideH);
    this.viewport.append(this.stage, this.empty);
    this.list = el("div", "comp-layers d-flex flex-wrap gap-2 mt-2", { role: "list", "aria-label": "Layers" });
    this.root.append(bar, this.viewport, this.list);
    this.buildPanel();
    this.layerEls = {};

    this.listen(bar, "click", function (e) {
      var target = e.target.closest("[data-action]");
      if (target) { self.action(target.getAttribute("data-action")); }
    });
    this.listen(this.opacity, "input", function () { self.setOpacity(false); });
    this.listen(this.opacity, "change", function () { self.setOpacity(true); });
    this.listen(this.stage, "pointerdown", function (e) { self.pointerDown(e); });
    this.listen(this.stage, "pointermove", function (e) { self.pointerMove(e); });
    this.listen(this.stage, "pointerup", function (e) { self.pointerUp(e); });
    this.listen(this.stage, "pointercancel", function (e) { self.pointerUp(e); });
    this.listen(document, "keydown", function (e) {
      if (e.defaultPrevented || typing(e.target) || !self.root.isConnected) { return; }
      // A range slider keeps its own arrow keys (it is one undo step; see setOpacity).
      if (e.target && e.target.type === "range" && /^Arrow/.test(e.key)) { return; }
      self.keyDown(e);
    });
    this.listen(this.list, "click", function (e) { self.listClick(e); });
    if (window.ResizeObserver) {
      var observer = new ResizeObserver(function () { self.layout(); });
      observer.observe(this.viewport);
      this.cleanups.push(function () { observer.disconnect(); });
    }
    this.listen(window, "resize", function () { self.layout(); });
    // Ctrl/Cmd + wheel (and a trackpad pinch, which Chrome reports so) zooms about the pointer.
    this.listen(this.viewport, "wheel", function (e) {
      if (!self.bg || !(e.ctrlKey || e.metaKey)) { return; }
      e.preventDefault();
      self.setZoom(self.zoom * Math.exp(-e.deltaY * 0.002), e.clientX, e.clientY);
    }, { passive: false });
    this.layout();
  };

  // --- state -----------------------------------------------------------------------------

  Editor.prototype.snapshot = function () {
    return JSON.stringify({ bg: this.bg, layers: this.layers, selected: this.selected });
  };

  Editor.prototype.restore = function (text) {
    var s = JSON.parse(text);
    this.bg = s.bg; this.layers = s.layers; this.selected = s.selected;
    this.layout();
  };

  // Record the state before a change, so undo returns to it.
  Editor.prototype.remember = function (before) {
    this.undoStack.push(before);
    if (this.undoStack.length > HISTORY_LIMIT) { this.undoStack.shift(); }
    this.redoStack = [];
  };

  Editor.prototype.commit = function (before) {
    if (before !== undefined && before !== this.snapshot()) { this.remember(before); }
    this.render();
    this.publish();
  };

  Editor.prototype.serialize = function () {
    if (!this.bg) { return { version: 1, background: null, layers: [] }; }
    return {
      version: 1,
      background: this.bg,
      layers: this.layers.map(function (l, i) {
        return { image_id: l.image_id, width: l.width, height: l.height, name: l.name,
          url: l.url, x: l.x, y: l.y, scale_x: l.scale_x, scale_y: l.scale_y,
          rotation: l.rotation, opacity: l.opacity, z: i, visible: l.visible !== false,
          locked: !!l.locked, flip_x: !!l.flip_x, flip_y: !!l.flip_y,
          crop_left: l.crop_left || 0, crop_top: l.crop_top || 0,
          crop_right: l.crop_right || 0, crop_bottom: l.crop_bottom || 0 };
      })
    };
  };

  Editor.prototype.publish = function () { if (this.onChange) { this.onChange(this.serialize()); } };

  Editor.prototype.layer = function (uid) {
    for (var i = 0; i < this.layers.length; i++) {
      if (this.layers[i].uid === uid) { return this.layers[i]; }
    }
    return null;
  };

  Editor.prototype.setBackground = function (image) {
    var before = this.snapshot(), old = this.bg;
    if (old && (old.width !== image.width || old.height !== image.height)) {
      // The layers keep their places on the new background, scaled with it (as the server said).
      this.layers.forEach(function (l) {
        Object.assign(l, G().refit(l, old.width, old.height, image.width, image.height));
      });
    }
    this.bg = { image_id: image.image_id, width: image.width, height: image.height,
      name: image.name, url: image.url };
    this.layout();
    this.commit(before);
  };

  Editor.prototype.addLayers = function (images) {
    if (!this.bg) { return; }
    var before = this.snapshot(), self = this;
    images.forEach(function (image) {
      var scale = image.scale || 1;
      var c = G().centred(self.bg.width, self.bg.height, image.width, image.height, scale);
      var layer = { uid: "l" + (self.nextUid++), image_id: image.image_id, width: image.width,
        height: image.height, name: image.name, url: image.url, x: c[0], y: c[1],
        scale_x: scale, scale_y: scale, rotation: 0, opacity: 1 };
      self.layers.push(layer);
      self.selected = layer.uid;
    });
    this.commit(before);
  };

  // Replace everything with a saved or restored state (from serialize()).
  Editor.prototype.load = function (state, keepHistory) {
    var before = this.snapshot(), self = this;
    this.bg = state && state.background ? state.background : null;
    var layers = (state && state.layers) || [];
    this.layers = layers.slice().sort(function (a, b) { return (a.z || 0) - (b.z || 0); })
      .map(function (l) {
        return { uid: "l" + (self.nextUid++), image_id: l.image_id, width: l.width,
          height: l.height, name: l.name, url: l.url, x: l.x, y: l.y, scale_x: l.scale_x,
          scale_y: l.scale_y, rotation: l.rotation, opacity: l.opacity,
          visible: l.visible !== false, locked: !!l.locked, flip_x: !!l.flip_x,
          flip_y: !!l.flip_y, crop_left: l.crop_left || 0, crop_top: l.crop_top || 0,
          crop_right: l.crop_right || 0, crop_bottom: l.crop_bottom || 0 };
      });
    this.selected = this.layers.length ? this.layers[this.layers.length - 1].uid : null;
    if (!keepHistory) { this.undoStack = []; this.redoStack = []; }
    this.layout();
    this.commit(keepHistory ? before : undefined);
  };

  Editor.prototype.select = function (uid) {
    if (uid !== this.cropping) { this.cropping = null; }
    this.selected = uid;
    this.render();
  };

  Editor.prototype.action = function (name) {
    if (/^zoom-/.test(name)) { this.zoomAction(name); return; }
    var before = this.snapshot(), l = this.layer(this.selected), i = this.layers.indexOf(l);
    if (name === "undo" || name === "redo") {
      var from = name === "undo" ? this.undoStack : this.redoStack;
      var to = name === "undo" ? this.redoStack : this.undoStack;
      if (from.length) { to.push(before); this.restore(from.pop()); this.publish(); }
      return;
    }
    if (!l) { return; }
    if (name === "crop") {
      this.cropping = this.cropping === l.uid || l.locked ? null : l.uid;
      this.render();
      return;
    }
    if (name === "forward" && i < this.layers.length - 1) {
      this.layers.splice(i, 1); this.layers.splice(i + 1, 0, l);
    } else if (name === "backward" && i > 0) {
      this.layers.splice(i, 1); this.layers.splice(i - 1, 0, l);
    } else if (name === "delete") {
      this.layers.splice(i, 1);
      this.selected = this.layers.length ? this.layers[this.layers.length - 1].uid : null;
    } else if (name === "reset") {
      var c = G().centred(this.bg.width, this.bg.height, G().vw(l), G().vh(l), 1);
      l.x = c[0]; l.y = c[1]; l.scale_x = 1; l.scale_y = 1; l.rotation = 0; l.opacity = 1;
    }
    this.commit(before);
  };

  Editor.prototype.setOpacity = function (final) {
    var l = this.layer(this.selected);
    if (!l) { return; }
    if (!this.opacityBefore) { this.opacityBefore = this.snapshot(); }
    l.opacity = Number(this.opacity.value) / 100;
    if (final) {
      var before = this.opacityBefore, now = Date.now();
      this.opacityBefore = null;
      // A run of arrow keys on the slider (a change each) is one undo step, like a drag.
      var sameRun = now - this.lastOpacity < NUDGE_MERGE_MS && this.lastOpacityUid === l.uid;
      this.lastOpacity = now; this.lastOpacityUid = l.uid;
      this.commit(sameRun ? undefined : before);
    } else {
      this.render();
    }
  };

  Editor.prototype.nudge = function (dx, dy) {
    var l = this.layer(this.selected);
    if (!l || l.locked) { return; }
    var now = Date.now(), before = this.snapshot();
    l.x += dx; l.y += dy;
    // Arrow presses in a quick run are one undo step.
    if (now - this.lastNudge > NUDGE_MERGE_MS) { this.remember(before); }
    this.lastNudge = now;
    this.commit();
  };

  Editor.prototype.keyDown = function (e) {
    var step = e.shiftKey ? 10 : 1, mod = e.ctrlKey || e.metaKey, key = e.key;
    var moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step],
      ArrowDown: [0, step] };
    if (moves[key]) { this.nudge(moves[key][0], moves[key][1]); }
    else if (mod && (key === "z" || key === "Z")) { this.action(e.shiftKey ? "redo" : "undo"); }
    else if (mod && (key === "y" || key === "Y")) { this.action("redo"); }
    else if (key === "Delete" || key === "Backspace") { this.action("delete"); }
    else if (key === "]" || key === "PageUp") { this.action("forward"); }
    else if (key === "[" || key === "PageDown") { this.action("backward"); }
    else if (key === "Escape" && this.cropping) { this.cropping = null; this.render(); }
    else if (key === "Escape") { this.select(null); }
    else if (key === "Enter" && this.cropping) { this.cropping = null; this.render(); }
    else if (!mod && (key === "c" || key === "C")) { this.action("crop"); }
    else if (!mod && (key === "+" || key === "=")) { this.zoomAction("zoom-in"); }
    else if (!mod && key === "-") { this.zoomAction("zoom-out"); }
    else if (!mod && key === "0") { this.zoomAction("zoom-fit"); }
    else if (!mod && key === "1") { this.zoomAction("zoom-100"); }
    else { return; }
    e.preventDefault();
  };

  // Expose to the page module. `bench` (false) turns on the drag frame counters in `stats`
  // (bench/bench_drag_fps.py and the browser tests set it).
  window.dashappCompositor = Object.assign(window.dashappCompositor || {}, {
    Editor: Editor,
    mount: function (root, onChange) { return new Editor(root, onChange); },
    bench: false,
    SNAP_PX: SNAP_PX, MAX_HEIGHT_FRACTION: MAX_HEIGHT_FRACTION, el: el
  });
})();
