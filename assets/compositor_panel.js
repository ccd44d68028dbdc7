// Compositor editor, continued: the layers panel (names, thumbnails, visibility, lock, order by
// drag or buttons, select) and the selected layer's typed fields, alignment and flips.
// Fields show the layer's top-left corner and drawn size in background pixels; the state keeps
// the centre and the scales (see compositor_geometry.js).
(function () {
  "use strict";
  function G() { return window.dashappCompositorGeometry; }
  function C() { return window.dashappCompositor; }

  var FIELDS = [["x", "X"], ["y", "Y"], ["w", "W"], ["h", "H"], ["rotation", "Rotate °"],
    ["opacity", "Opacity %"], ["crop_left", "Crop left"], ["crop_top", "Crop top"],
    ["crop_right", "Crop right"], ["crop_bottom", "Crop bottom"]];
  var ALIGN = [["align-start", "Align left", "left"], ["align-center", "Centre horizontally", "hcenter"],
    ["align-end", "Align right", "right"], ["align-top", "Align top", "top"],
    ["align-middle", "Centre vertically", "vcenter"], ["align-bottom", "Align bottom", "bottom"],
    ["symmetry-vertical", "Flip horizontally", "flip-x"],
    ["symmetry-horizontal", "Flip vertically", "flip-y"],
    ["bounding-box", "Reset crop", "uncrop"]];

  var panel = {};

  panel.buildPanel = function () {
    var self = this, el = C().el;
    this.props = el("div", "comp-props d-flex flex-wrap align-items-end gap-2 mt-2",
      { role: "group", "aria-label": "Selected layer" });
    this.fields = {};
    FIELDS.forEach(function (f) {
      var label = el("label", "comp-field small");
      label.appendChild(document.createTextNode(f[1]));
      var crop = /^crop_/.test(f[0]);  // whole foreground pixels cut off that edge
      var input = el("input", "form-control form-control-sm", crop ? { type: "number", step: "1",
        min: "0", "data-field": f[0] } : { type: "number", step: "any", "data-field": f[0] });
      label.appendChild(input);
      self.fields[f[0]] = input;
      self.props.appendChild(label);
    });
    var tools = el("div", "btn-group btn-group-sm", { role: "group", "aria-label": "Align and flip" });
    ALIGN.forEach(function (a) {
      var b = el("button", "btn btn-outline-secondary", { type: "button", title: a[1],
        "aria-label": a[1], "data-align": a[2] });
      b.appendChild(el("i", "bi bi-" + a[0]));
      tools.appendChild(b);
    });
    this.props.appendChild(tools);
    this.root.insertBefore(this.props, this.list);
    this.list.className = "comp-layers list-group mt-2";
    this.listen(this.props, "change", function (e) {
      var f = e.target.getAttribute("data-field");
      if (f) { self.setField(f, Number(e.target.value)); }
    });
    this.listen(tools, "click", function (e) {
      var b = e.target.closest("[data-align]");
      if (b) { self.align(b.getAttribute("data-align")); }
    });
    // The list: select, rename, show/hide, lock, move up/down, drag to reorder.
    this.listen(this.list, "change", function (e) {
      var row = e.target.closest("[data-uid]");
      if (row && e.target.getAttribute("data-role") === "name") {
        self.editLayer(row.getAttribute("data-uid"), function (l) {
          l.name = e.target.value.slice(0, 120);
        });
      }
    });
    // Reorder by dragging a row's grip with pointer events (mouse, pen and touch alike; HTML5
    // drag and drop has no touch support). The up/down buttons are the keyboard's way.
    this.listen(this.list, "pointerdown", function (e) { self.rowDragStart(e); });
    this.listen(this.list, "pointermove", function (e) { self.rowDragMove(e); });
    this.listen(this.list, "pointerup", function (e) { self.rowDragEnd(e, true); });
    this.listen(this.list, "pointercancel", function (e) { self.rowDragEnd(e, false); });
  };

  panel.rowDragStart = function (e) {
    var grip = e.target.closest("[data-role=grip]"), row = grip && grip.closest("[data-uid]");
    if (!row || this.rowDrag) { return; }
    e.preventDefault();
    this.rowDrag = { uid: row.getAttribute("data-uid"), pointerId: e.pointerId, row: row,
      target: null };
    row.classList.add("is-dragging");
    try { grip.setPointerCapture(e.pointerId); } catch (err) { /* synthetic events */ }
  };

  // The row under the pointer (pointer capture keeps the events on the grip).
  panel.rowAt = function (e) {
    var hit = document.elementFromPoint(e.clientX, e.clientY);
    var row = hit && hit.closest(".comp-layer-row[data-uid]");
    return row && this.list.contains(row) ? row : null;
  };

  panel.rowDragMove = function (e) {
    var d = this.rowDrag;
    if (!d || e.pointerId !== d.pointerId) { return; }
    e.preventDefault();
    var row = this.rowAt(e);
    if (d.target && d.target !== row) { d.target.classList.remove("is-drop-target"); }
    d.target = row && row !== d.row ? row : null;
    if (d.target) { d.target.classList.add("is-drop-target"); }
  };

  panel.rowDragEnd = function (e, drop) {
    var d = this.rowDrag;
    if (!d || e.pointerId !== d.pointerId) { return; }
    this.rowDrag = null;
    d.row.classList.remove("is-dragging");
    var row = drop ? this.rowAt(e) : null;
    if (d.target) { d.target.classList.remove("is-drop-target"); }
    if (row && row !== d.row) { this.moveTo(d.uid, row.getAttribute("data-uid")); }
  };

  // Change one layer as one undo step.
  panel.editLayer = function (uid, change) {
    var l = this.layer(uid);
    if (!l) { return; }
    var before = this.snapshot();
    change(l);
    this.commit(before);
  };

  // Put layer `uid` where layer `target` is in the stack (the list shows the top first).
  panel.moveTo = function (uid, target) {
    var from = this.layer(uid), to = this.layer(target);
    if (!from || !to || from === to) { return; }
    var before = this.snapshot();
    // `from` takes `to`'s place in the stack; the layers between shift by one.
    var toIndex = this.layers.indexOf(to);
    this.layers.splice(this.layers.indexOf(from), 1);
    this.layers.splice(toIndex, 0, from);
    this.selected = uid;
    this.commit(before);
  };

  panel.setField = function (name, value) {
    var l = this.layer(this.selected);
    if (!l || !isFinite(value) || l.locked) { this.render(); return; }
    this.editLayer(l.uid, function (m) {
      var w = G().vw(m) * m.scale_x, h = G().vh(m) * m.scale_y;
      if (name === "x") { m.x = value + w / 2; }
      else if (name === "y") { m.y = value + h / 2; }
      else if (name === "w" && value >= 1) {
        var fw = value / w; m.x += (value - w) / 2; m.y += (h * fw - h) / 2;
        m.scale_x *= fw; m.scale_y *= fw;
      } else if (name === "h" && value >= 1) {
        var fh = value / h; m.y += (value - h) / 2; m.x += (w * fh - w) / 2;
        m.scale_x *= fh; m.scale_y *= fh;
      } else if (name === "rotation") { m.rotation = ((value % 360) + 540) % 360 - 180; }
      else if (name === "opacity") { m.opacity = Math.min(100, Math.max(0, value)) / 100; }
      else if (/^crop_/.test(name)) {
        var crop = {}; crop[name] = value;
        Object.assign(m, G().cropTo(m, crop));
      }
    });
  };

  // Align the layer's bounding box to the background's edges or centre lines; flip.
  panel.align = function (how) {
    var l = this.layer(this.selected), W = this.bg && this.bg.width, H = this.bg && this.bg.height;
    if (!l || l.locked) { return; }
    this.editLayer(l.uid, function (m) {
      var b = G().bounds(m);
      if (how === "left") { m.x -= b[0]; }
      else if (how === "right") { m.x += W - b[2]; }
      else if (how === "hcenter") { m.x += W / 2 - (b[0] + b[2]) / 2; }
      else if (how === "top") { m.y -= b[1]; }
      else if (how === "bottom") { m.y += H - b[3]; }
      else if (how === "vcenter") { m.y += H / 2 - (b[1] + b[3]) / 2; }
      else if (how === "flip-x") { m.flip_x = !m.flip_x; }
      else if (how === "flip-y") { m.flip_y = !m.flip_y; }
      else if (how === "uncrop") {
        Object.assign(m, G().cropTo(m, { crop_left: 0, crop_top: 0, crop_right: 0, crop_bottom: 0 }));
      }
    });
  };

  panel.renderProps = function () {
    var l = this.layer(this.selected), self = this;
    var cw = l ? G().vw(l) : 0, ch = l ? G().vh(l) : 0;
    var values = l ? { x: l.x - cw * l.scale_x / 2, y: l.y - ch * l.scale_y / 2,
      w: cw * l.scale_x, h: ch * l.scale_y, rotation: l.rotation,
      opacity: l.opacity * 100, crop_left: l.crop_left || 0, crop_top: l.crop_top || 0,
      crop_right: l.crop_right || 0, crop_bottom: l.crop_bottom || 0 } : {};
    Object.keys(this.fields).forEach(function (f) {
      var input = self.fields[f];
      input.disabled = !l || !!l.locked;
      if (document.activeElement !== input) {
        input.value = l ? String(Math.round(values[f] * 100) / 100) : "";
      }
    });
    Array.prototype.forEach.call(this.props.querySelectorAll("[data-align]"), function (b) {
      b.disabled = !l || !!l.locked;
      var flip = b.getAttribute("data-align");
      if (flip === "flip-x" || flip === "flip-y") {
        b.setAttribute("aria-pressed", String(!!(l && l[flip.replace("-", "_")])));
      }
    });
  };

  function iconButton(icon, label, role, pressed) {
    var b = C().el("button", "btn btn-sm btn-link p-0 px-1 comp-row-btn", { type: "button",
      title: label, "aria-label": label, "data-role": role });
    if (pressed !== undefined) { b.setAttribute("aria-pressed", String(pressed)); }
    b.appendChild(C().el("i", "bi bi-" + icon));
    return b;
  }

  panel.renderList = function () {
    if (this.props) { this.renderProps(); }
    var key = JSON.stringify([this.bg && this.bg.url, this.selected, this.layers.map(function (l) {
      return [l.uid, l.name, !!l.visible === false ? 0 : l.visible, l.locked];
    })]);
    if (key === this.listKey) { return; }
    this.listKey = key;
    var self = this, el = C().el;
    this.list.innerHTML = "";
    this.layers.slice().reverse().forEach(function (l, i) {
      var row = el("div", "list-group-item d-flex align-items-center gap-2 p-1 comp-layer-row" +
        (l.uid === self.selected ? " active-layer" : ""), { "data-uid": l.uid, role: "listitem" });
      var grip = el("span", "comp-grip", { "data-role": "grip", title: "Drag to reorder",
        "aria-hidden": "true" });
      grip.appendChild(el("i", "bi bi-grip-vertical"));
      var thumb = el("button", "comp-thumb", { type: "button", "data-role": "select",
        title: "Select " + (l.name || "layer"), "aria-label": "Select " + (l.name || "layer") });
      var img = el("img", "", { alt: "", draggable: "false" });
      img.src = l.url;
      thumb.appendChild(img);
      var name = el("input", "form-control form-control-sm comp-layer-name", { type: "text",
        "data-role": "name", "aria-label": "Layer name", maxlength: "120" });
      name.value = l.name || "layer";
      var hidden = l.visible === false;
      row.append(grip, thumb, name,
        iconButton(hidden ? "eye-slash" : "eye", hidden ? "Show layer" : "Hide layer", "visible", !hidden),
        iconButton(l.locked ? "lock" : "unlock", l.locked ? "Unlock layer" : "Lock layer", "lock", !!l.locked),
        iconButton("chevron-up", "Move up", "up"), iconButton("chevron-down", "Move down", "down"));
      self.list.appendChild(row);
      if (i === 0) { row.querySelector("[data-role=up]").disabled = true; }
      if (i === self.layers.length - 1) { row.querySelector("[data-role=down]").disabled = true; }
    });
    if (this.bg) {
      var bgRow = el("div", "list-group-item d-flex align-items-center gap-2 p-1 text-body-secondary",
        { role: "listitem" });
      var img = el("img", "comp-thumb", { alt: "", draggable: "false" });
      img.src = this.bg.url;
      bgRow.append(img, document.createTextNode("Background: " + (this.bg.name || "") + " · " +
        this.bg.width + "×" + this.bg.height));
      this.list.appendChild(bgRow);
    }
  };

  // Clicks in the list (bound by the editor's list click handler).
  panel.listClick = function (e) {
    var row = e.target.closest("[data-uid]");
    if (!row) { return; }
    var uid = row.getAttribute("data-uid"), role = (e.target.closest("[data-role]") || {}).getAttribute
      ? e.target.closest("[data-role]").getAttribute("data-role") : null;
    var i = this.layers.indexOf(this.layer(uid));
    if (role === "visible") {
      this.editLayer(uid, function (l) { l.visible = l.visible === false; });
    } else if (role === "lock") {
      this.editLayer(uid, function (l) { l.locked = !l.locked; });
    } else if (role === "up" && i < this.layers.length - 1) {
      this.selected = uid; this.action("forward");
    } else if (role === "down" && i > 0) {
      this.selected = uid; this.action("backward");
    } else if (role !== "name") {
      this.select(uid);
    }
  };

  window.dashappCompositor = Object.assign(window.dashappCompositor || {}, { panel: panel });
})();
