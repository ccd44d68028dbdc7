// Say on the page when a request to the server fails, instead of only in the console.
// Dash's renderer logs failed callbacks and otherwise shows nothing; a failed layout request
// leaves a blank page. This wraps fetch once: a failed callback becomes a notice in a live
// region, and a failed layout replaces the blank page with a message and the request id.
(function () {
  "use strict";
  if (window.__dashappRequestErrors) return;
  window.__dashappRequestErrors = true;
  var REGION_ID = "dashapp-request-errors";
  var SHOW_MS = 10000;

  function region() {
    var el = document.getElementById(REGION_ID);
    if (el) return el;
    el = document.createElement("div");
    el.id = REGION_ID;
    el.className = "dashapp-request-errors";
    el.setAttribute("role", "status");
    el.setAttribute("aria-live", "polite");
    document.body.appendChild(el);
    return el;
  }

  function notice(message, requestId) {
    var box = document.createElement("div");
    box.className = "alert alert-danger alert-dismissible shadow mb-2";
    box.setAttribute("role", "alert");
    var text = document.createElement("span");
    text.textContent = message + (requestId ? " (request id " + requestId + ")" : "");
    var close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close";
    close.setAttribute("aria-label", "Dismiss");
    close.addEventListener("click", function () { box.remove(); });
    box.appendChild(text);
    box.appendChild(close);
    var parent = region();
    // The same message twice in a row (a poll failing each second) is shown once.
    var last = parent.lastElementChild;
    if (last && last.firstChild && last.firstChild.textContent === text.textContent) return;
    parent.appendChild(box);
    while (parent.children.length > 3) parent.removeChild(parent.firstElementChild);
    setTimeout(function () { box.remove(); }, SHOW_MS);
  }

  function blankPage(message, requestId) {
    var root = document.getElementById("react-entry-point");
    if (!root) return;
    root.innerHTML = "";
    var main = document.createElement("main");
    main.className = "container py-5";
    main.id = "dashapp-load-error";
    var h = document.createElement("h1");
    h.className = "h3";
    h.textContent = "This page could not be loaded";
    var p = document.createElement("p");
    p.textContent = message;
    var ref = document.createElement("p");
    ref.className = "text-body-secondary";
    ref.textContent = requestId ? "Request id: " + requestId : "";
    var again = document.createElement("a");
    again.href = window.location.href;
    again.className = "btn btn-primary";
    again.textContent = "Try again";
    main.append(h, p, ref, again);
    root.appendChild(main);
  }

  function messageOf(response, body) {
    if (body && typeof body.error === "string") return body.error;
    if (response.status === 413) return "That was too large for the server to accept.";
    if (response.status >= 500) return "The server had a problem with this action.";
    return "The server refused this action (" + response.status + ").";
  }

  var original = window.fetch.bind(window);

  // 429 is the server's per-user cap (data queries, exports): the user's own earlier requests
  // are still running. Send the same callback again after the Retry-After the server gave,
  // a little later each time and never all at once; only the last refusal is announced.
  var RETRIES = 5;
  function politely(input, init, attempt) {
    return original(input, init).then(function (response) {
      if (response.status !== 429 || attempt >= RETRIES) return response;
      var seconds = parseFloat(response.headers.get("Retry-After") || "1") || 1;
      var wait = seconds * 1000 * (1 + attempt / 2) + Math.random() * 400;
      return new Promise(function (resolve) { setTimeout(resolve, wait); }).then(function () {
        return politely(input, init, attempt + 1);
      });
    });
  }

  window.fetch = function (input, init) {
    var url = typeof input === "string" ? input : (input && input.url) || "";
    var ours = /_dash-(update-component|layout|dependencies)/.test(url);
    if (!ours) return original(input, init);
    var promise = /_dash-update-component/.test(url) ? politely(input, init, 0) : original(input, init);
    var isLayout = /_dash-(layout|dependencies)/.test(url);
    return promise.then(function (response) {
      // 204 is Dash's "no update"; a 4xx/5xx is something the person must hear about.
      if (response.status >= 400) {
        var requestId = response.headers.get("X-Request-ID") || "";
        response.clone().json().catch(function () { return null; }).then(function (body) {
          var message = messageOf(response, body);
          if (isLayout) blankPage(message, requestId); else notice(message, requestId);
        });
      }
      return response;
    }, function (error) {
      var message = "The server could not be reached. Check your connection and try again.";
      if (isLayout) blankPage(message, ""); else notice(message, "");
      throw error;
    });
  };
})();
