// Dash bindings of the compositor editor (compositor_editor.js + compositor_view.js).
// The server sends commands through the `comp-command` store; the editor writes its placement
// (background pixel coordinates) into the `comp-placement` store with set_props.
(function () {
  "use strict";
  var ROOT_ID = "comp-editor";
  var STORE_ID = "comp-placement";

  function publish(state) {
    window.dash_clientside.set_props(STORE_ID, { data: state });
  }

  // The editor for the current page, created when its container is (re)rendered.
  function ensureEditor(saved) {
    var root = document.getElementById(ROOT_ID), C = window.dashappCompositor;
    if (!root) { return null; }
    if (!C.current || C.current.root !== root) {
      C.current = new C.Editor(root, publish);
      // A reload (or coming back to the page) restores the work from session storage.
      if (saved && saved.background) { C.current.load(saved, false); }
    }
    return C.current;
  }

  function apply(command, saved, attempt) {
    var editor = ensureEditor(saved);
    if (!editor) {
      // The callback can run before React has put the container in the document.
      if ((attempt || 0) < 100) {
        window.setTimeout(function () { apply(command, saved, (attempt || 0) + 1); }, 20);
      }
      return;
    }
    if (!command || command.nonce === editor.lastNonce) { return; }
    editor.lastNonce = command.nonce;
    if (command.op === "background") { editor.setBackground(command.image); }
    else if (command.op === "add") { editor.addLayers(command.images || []); }
    else if (command.op === "load") { editor.load(command.state, true); }
    editor.stage.focus({ preventScroll: true });
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    compositor: {
      apply: function (command, saved) {
        apply(command, saved, 0);
        return window.dash_clientside.no_update;
      }
    }
  });
})();
