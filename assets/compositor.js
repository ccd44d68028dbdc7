// Dash bindings of the compositor editor (compositor_editor.js + compositor_view.js).
// The server sends commands through the `comp-command` store; the editor writes its placement
// (background pixel coordinates) into the `comp-placement` store with set_props.
// One editor per container element (kept on the element, not in a global): when Dash renders the
// page again the old editor is destroyed (its listeners and observers removed).
(function () {
  "use strict";
  var ROOT_ID = "comp-editor";
  var STORE_ID = "comp-placement";
  var KEY = "__dashappEditor";
  var live = [];  // editors mounted and not yet destroyed (to tear down those whose root left)

  function publish(state) {
    window.dash_clientside.set_props(STORE_ID, { data: state });
  }

  function C() { return window.dashappCompositor; }

  // The editor of the compositor on the page now, or null.
  function active() {
    var root = document.getElementById(ROOT_ID);
    return root && root[KEY] && !root[KEY].destroyed ? root[KEY] : null;
  }

  function sweep() {
    live = live.filter(function (editor) {
      if (editor.root.isConnected) { return true; }
      editor.destroy();
      return false;
    });
  }

  // The editor for the current page, created when its container is (re)rendered.
  function ensureEditor(saved) {
    var root = document.getElementById(ROOT_ID);
    if (!root) { return null; }
    sweep();
    if (!active()) {
      var editor = C().mount(root, publish);
      root[KEY] = editor;
      live.push(editor);
      // A reload (or coming back to the page) restores the work from session storage.
      if (saved && saved.background) { editor.load(saved, false); }
    }
    return root[KEY];
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
    else if (command.op === "load") { editor.load(command.state, true); editor.markSaved(); }
    editor.stage.focus({ preventScroll: true });
  }

  // Leaving the page (closing the tab, reloading, another site) with unsaved work asks first.
  window.addEventListener("beforeunload", function (e) {
    var editor = active();
    if (editor && editor.isDirty()) {
      e.preventDefault();
      e.returnValue = "";
    }
  });

  // A render left running when the page goes away (tab closed, reload, another site) is
  // cancelled: nobody is there to receive it, and it counts toward the user's render cap.
  // keepalive lets the request outlive the page; the header is what the server requires.
  var pendingRender = null;
  window.addEventListener("pagehide", function () {
    if (pendingRender === null || !window.fetch) { return; }
    window.fetch("/compositor/renders/" + pendingRender + "/cancel", {
      method: "POST", keepalive: true, credentials: "same-origin",
      headers: { "X-Dashapp-Cancel": "1" }
    }).catch(function () { /* the page is gone; the server's time limits remain */ });
    pendingRender = null;
  });

  // Leaving the page inside the app (Dash's router swaps the page's content, no reload):
  // destroy its editor then, so none of its document/window listeners outlives the page.
  // One observer for the whole session; it does nothing while no editor is mounted.
  function watchPageChanges() {
    if (!window.MutationObserver) { return; }
    new MutationObserver(function () {
      if (live.length) { sweep(); }
    }).observe(document.body, { childList: true, subtree: true });
  }
  if (document.body) { watchPageChanges(); }
  else { document.addEventListener("DOMContentLoaded", watchPageChanges, { once: true }); }

  window.dashappCompositor = Object.assign(window.dashappCompositor || {}, { active: active });
  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    compositor: {
      apply: function (command, saved) {
        apply(command, saved, 0);
        return window.dash_clientside.no_update;
      },
      // A finished render: fetch the file from the server (not through the callback's JSON).
      // The web tier queued a render: remember it until it ends.
      renderQueued: function (request) {
        pendingRender = request && typeof request.render_id === "number" ? request.render_id
          : null;
        return window.dash_clientside.no_update;
      },
      fetchRender: function (done) {
        pendingRender = null;  // ended (a file, or a message on the page)
        if (done && done.url) {
          var a = document.createElement("a");
          a.href = done.url; a.download = ""; a.style.display = "none";
          document.body.appendChild(a); a.click(); a.remove();
        }
        return window.dash_clientside.no_update;
      },
      saved: function (nonce) {
        var editor = active();
        if (editor && nonce) { editor.markSaved(); }
        return window.dash_clientside.no_update;
      }
    }
  });
})();
