// Light/dark colour mode. Applied as soon as this file loads so a reload does not flash light.
(function () {
  "use strict";
  var STORAGE_KEY = "dashapp-theme";

  function apply(mode) {
    document.documentElement.setAttribute("data-bs-theme", mode);
    // AG Grid's theming API reads this attribute for its colour scheme.
    document.documentElement.setAttribute("data-ag-theme-mode", mode);
  }

  var stored = null;
  try { stored = window.localStorage.getItem(STORAGE_KEY); } catch (e) { stored = null; }
  apply(stored === "dark" ? "dark" : "light");

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    theme: {
      // Switch -> attribute + storage; on first render, returns the stored mode to the switch.
      sync: function (isDark) {
        var ctx = window.dash_clientside.callback_context;
        var fromUser = ctx && ctx.triggered && ctx.triggered.length > 0 &&
          ctx.triggered[0].prop_id !== ".";
        var mode;
        if (fromUser) {
          mode = isDark ? "dark" : "light";
          try { window.localStorage.setItem(STORAGE_KEY, mode); } catch (e) { /* private mode */ }
        } else {
          try { mode = window.localStorage.getItem(STORAGE_KEY) || "light"; } catch (e) { mode = "light"; }
        }
        apply(mode);
        return [mode === "dark", mode];
      },
      // The toggler opens and closes the phone menu; arriving on a page closes it.
      toggleNav: function (nClicks, pathname, isOpen) {
        var ctx = window.dash_clientside.callback_context;
        var trigger = ctx && ctx.triggered && ctx.triggered.length ? ctx.triggered[0].prop_id : "";
        if (trigger.indexOf("navbar-toggler") === 0) return !isOpen;
        return false;
      }
    }
  });
})();
