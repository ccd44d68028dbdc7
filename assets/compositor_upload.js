// Compositor: say every upload/download problem on the page, next to where the user acted.
// 1. Before a file is sent: wrong type (SVG...), too large per file / per request, too many files
//    or layers. The zone's own filter (accept, max_size) drops such files silently; we say why.
// 2. While a request runs: "uploading...", then "the server is slow" after a while.
// 3. When it fails: no answer (server unreachable), 413, 5xx: said instead of only in the console.
// The server checks every limit again; these checks only spare a useless upload.
(function () {
  "use strict";
  var PAGE_ID = "page-compositor";
  var ZONES = { "comp-upload-bg": "comp-upload-status", "comp-upload-fg": "comp-upload-status" };
  var EXPORT_STATUS = "comp-export-status";
  var ORDER_ID = "comp-upload-order";
  var OK_TYPE = /^image\/(png|jpeg|webp|gif)$/i;
  var OK_NAME = /\.(png|jpe?g|webp|gif)$/i;
  var SUPPORTED = "upload PNG, JPEG, WebP or GIF";
  // After this long without an answer the page says the server is slow (tests shorten it).
  var api = window.dashappCompositorUpload = window.dashappCompositorUpload || {};
  if (!api.slowMs) { api.slowMs = 15000; }
  var BASE64 = 4 / 3;          // dcc.Upload sends files as base64 data URLs
  var PER_FILE_OVERHEAD = 2048; // JSON around each file

  function mb(bytes) { return (bytes / (1024 * 1024)).toFixed(1) + " MB"; }

  function say(id, text, color) {
    if (!document.getElementById(id) || !window.dash_clientside.set_props) { return; }
    window.dash_clientside.set_props(id, {
      children: text || null,
      className: text ? "mt-2 small alert py-1 px-2 mb-1 comp-status alert-" + (color || "danger")
        : "mt-2"
    });
  }

  function limits() {
    var page = document.getElementById(PAGE_ID);
    if (!page) { return null; }
    var d = page.dataset;
    return { file: Number(d.maxFileBytes), request: Number(d.maxRequestBytes),
      files: Number(d.maxFiles), layers: Number(d.maxLayers) };
  }

  function kind(file) {
    var ext = (file.name.match(/\.([^.]+)$/) || [, ""])[1].toUpperCase();
    if (ext === "SVG" || /svg/i.test(file.type)) { return "SVG"; }
    return ext || file.type || "This kind of";
  }

  function layerCount() {
    var editor = window.dashappCompositor && window.dashappCompositor.active &&
      window.dashappCompositor.active();
    return editor ? editor.layers.length : 0;
  }

  // Problems with `files` dropped on `zone`: {perFile: [...], request: "..." or null, ok: n}.
  function check(files, zone, lim) {
    var perFile = [], ok = [], total = 0;
    Array.prototype.forEach.call(files, function (f) {
      if (!(OK_TYPE.test(f.type) || OK_NAME.test(f.name))) {
        perFile.push(f.name + ": " + kind(f) + " files are not supported; " + SUPPORTED + ".");
      } else if (f.size > lim.file) {
        perFile.push(f.name + ": the file is too large (" + mb(f.size) + "); the limit is " +
          mb(lim.file) + " per file.");
      } else if (f.size === 0) {
        perFile.push(f.name + ": the file is empty.");
      } else {
        ok.push(f); total += f.size * BASE64 + PER_FILE_OVERHEAD;
      }
    });
    var request = null;
    if (ok.length > lim.files) {
      request = "Too many files at once (" + ok.length + "); upload at most " + lim.files +
        " at a time.";
    } else if (total > lim.request) {
      request = "These files are too large together (" + mb(total) + " to send); one upload " +
        "can carry " + mb(lim.request) + ". Upload fewer files at a time.";
    } else if (zone === "comp-upload-fg" && ok.length && layerCount() + ok.length > lim.layers) {
      request = "Too many layers: a composite holds at most " + lim.layers + "; there is room " +
        "for " + Math.max(0, lim.layers - layerCount()) + " more.";
    }
    return { perFile: perFile, request: request, ok: ok.length };
  }

  var pending = {};  // status element id -> timer of the request in flight
  var sticky = {};   // status element id -> true while it shows refusals the answer must not hide

  function onFiles(e, files, zone) {
    var lim = limits();
    if (!lim || !files) { return; }
    var status = ZONES[zone], found = check(files, zone, lim);
    var lines = found.perFile.slice();
    sticky[status] = lines.length > 0;
    if (found.request) {
      // Nothing is sent: the zone must not see the files at all.
      e.stopImmediatePropagation();
      e.preventDefault();
      if (e.target && e.target.tagName === "INPUT") { e.target.value = ""; }
      lines.unshift("Nothing was uploaded. " + found.request);
    }
    // (A dcc.Store has no element; the zone exists only on the compositor page, beside it.)
    if (!found.request && zone === "comp-upload-fg" && window.dash_clientside.set_props) {
      // dcc.Upload lists the files in the order its readers finish; the server puts them back
      // in the order chosen (the first chosen is the bottom layer), from this list.
      window.dash_clientside.set_props(ORDER_ID, {
        data: Array.prototype.map.call(files, function (f) { return f.name; })
      });
    }
    if (lines.length) {
      say(status, lines.join("\n"), "danger");
    } else if (found.ok) {
      say(status, "Uploading " + found.ok + (found.ok > 1 ? " files" : " file") + "…", "info");
    }
  }

  function zoneOf(target) {
    var node = target && target.closest ? target.closest("[id]") : null;
    while (node) {
      if (ZONES[node.id]) { return node.id; }
      node = node.parentElement ? node.parentElement.closest("[id]") : null;
    }
    return null;
  }

  // Capture phase on the document: runs before React's own listeners (on its root).
  document.addEventListener("change", function (e) {
    var zone = zoneOf(e.target);
    if (zone && e.target.type === "file") { onFiles(e, e.target.files, zone); }
  }, true);
  document.addEventListener("drop", function (e) {
    var zone = zoneOf(e.target);
    if (zone && e.dataTransfer) { onFiles(e, e.dataTransfer.files, zone); }
  }, true);

  // --- requests in flight ------------------------------------------------------------------

  // Which compositor request a Dash callback body is, and where to speak about it.
  function watched(body) {
    if (typeof body !== "string" || body.indexOf("comp-") < 0) { return null; }
    var changed;
    try { changed = JSON.parse(body).changedPropIds || []; } catch (err) { return null; }
    if (changed.indexOf("comp-upload-bg.contents") >= 0 ||
        changed.indexOf("comp-upload-fg.contents") >= 0) {
      return { status: "comp-upload-status", what: "The upload", busy: null };
    }
    if (changed.indexOf("comp-download-btn.n_clicks") >= 0) {
      return { status: EXPORT_STATUS, what: "The download", busy: "Rendering at full size…" };
    }
    if (changed.indexOf("comp-save-btn.n_clicks") >= 0) {
      // Quiet: the server's own answer ("Saved …") replaces what is said here.
      return { status: "comp-save-msg", what: "Saving", busy: null, quiet: true };
    }
    if (changed.join(" ").indexOf("comp-") >= 0) {
      return { status: "comp-save-msg", what: "The request", busy: null, quiet: true };
    }
    return null;
  }

  function failed(w, response) {
    if (response.status === 413) {
      return w.what + " was refused: the request is too large for the server. " +
        "Send fewer or smaller files at a time.";
    }
    if (response.status === 401 || response.status === 403) {
      return w.what + " was refused: you are signed out or not allowed. Reload the page.";
    }
    if (response.status === 429) { return w.what + " was refused: too many requests; wait a moment."; }
    if (response.status === 502 || response.status === 503 || response.status === 504) {
      return w.what + " failed: the server is busy or timed out (" + response.status +
        "). Your work in the editor is kept; try again.";
    }
    return w.what + " failed on the server (" + response.status + "). Your work in the " +
      "editor is kept; try again.";
  }

  var realFetch = window.fetch;
  if (realFetch && !realFetch.dashappCompositor) {
    var watchingFetch = function (input, init) {
      var w = document.getElementById(PAGE_ID) ? watched(init && init.body) : null;
      var call = realFetch.apply(this, arguments);
      if (!w) { return call; }
      clearTimeout(pending[w.status]);
      if (w.busy) { say(w.status, w.busy, "info"); }
      pending[w.status] = setTimeout(function () {
        say(w.status, w.what + " is taking long: the server is slow. Still waiting…", "warning");
      }, api.slowMs);
      return call.then(function (response) {
        clearTimeout(pending[w.status]);
        if (response.ok || response.status === 204) {
          if (!w.quiet && !sticky[w.status]) { say(w.status, null); }
        } else {
          say(w.status, failed(w, response), "danger");
        }
        return response;
      }, function (error) {
        clearTimeout(pending[w.status]);
        say(w.status, w.what + " failed: the server could not be reached. Check your " +
          "connection; your work in the editor is kept.", "danger");
        throw error;
      });
    };
    watchingFetch.dashappCompositor = true;
    window.fetch = watchingFetch;
  }

  api.check = check;
})();
