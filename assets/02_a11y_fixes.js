// Keyboard and screen-reader fixes for third-party widgets, applied as they appear.
//
// Dash 4's dcc.Dropdown puts the tab stop on a hidden, aria-hidden <input> that forwards focus to
// its button (whose tabindex is -1): a focusable element hidden from assistive technology (axe:
// aria-hidden-focus). Here the button itself becomes the tab stop and the proxy input leaves the
// tab order; the dropdown keeps every key it had (the button handles Enter, arrows, typing).
//
// dcc.Upload renders a bare <input type=file> and dbc.Progress a progressbar, neither with a
// name. A file input gets the text of its drop zone; a progress bar the `data-progress-label`
// of the element around it.
(function () {
  "use strict";
  var PROXY = "dash-dropdown-focus-target";

  function nameFileInput(input) {
    if (input.getAttribute("aria-label") || input.labels && input.labels.length) return;
    var zone = input.parentElement;
    var text = zone ? zone.textContent.replace(/\s+/g, " ").trim() : "";
    input.setAttribute("aria-label", text || "Choose a file");
  }

  function nameProgressBar(bar) {
    if (bar.getAttribute("aria-label") || bar.getAttribute("aria-labelledby")) return;
    var holder = bar.closest("[data-progress-label]");
    bar.setAttribute("aria-label", holder ? holder.getAttribute("data-progress-label") : "Progress");
  }

  // The visible label of a dropdown: <label for=id>, else the label or heading just before it.
  function visibleLabel(button) {
    if (button.id) {
      var explicit = document.querySelector('label[for="' + button.id + '"]');
      if (explicit) return explicit;
    }
    var wrapper = button.parentElement;
    var before = wrapper && wrapper.previousElementSibling;
    if (before && /^(LABEL|H[1-6])$/.test(before.tagName) && before.textContent.trim()) {
      return before;
    }
    return null;
  }

  var labelCount = 0;
  function fixDropdown(input) {
    if (input.tabIndex !== -1) input.tabIndex = -1;
    var button = input.nextElementSibling;
    if (!button || button.tagName !== "BUTTON") return;
    if (!button.disabled && button.tabIndex !== 0) button.tabIndex = 0;
    // The button is named by its selected value only (aria-labelledby); put the visible label
    // first so a screen reader says "Breakdown by, status", not just "status" (or nothing).
    var label = visibleLabel(button);
    var named = button.getAttribute("aria-labelledby") || "";
    if (label) {
      if (!label.id) label.id = "dashapp-dropdown-label-" + (++labelCount);
      if (named.split(" ").indexOf(label.id) === -1) {
        button.setAttribute("aria-labelledby", (label.id + " " + named).trim());
      }
    }
  }

  function fixAll(root) {
    if (!root.querySelectorAll) return;
    if (root.classList && root.classList.contains(PROXY)) fixDropdown(root);
    root.querySelectorAll("." + PROXY).forEach(fixDropdown);
    root.querySelectorAll("input[type=file]").forEach(nameFileInput);
    root.querySelectorAll("[role=progressbar]").forEach(nameProgressBar);
  }

  function start() {
    fixAll(document.body);
    new MutationObserver(function (mutations) {
      mutations.forEach(function (m) {
        if (m.type === "attributes") {
          // The dropdown's button puts the proxy back in the tab order on blur.
          if (m.target.classList && m.target.classList.contains(PROXY)) fixDropdown(m.target);
          return;
        }
        m.addedNodes.forEach(function (node) { if (node.nodeType === 1) fixAll(node); });
      });
    }).observe(document.body, {
      childList: true, subtree: true, attributes: true, attributeFilter: ["tabindex"]
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
