// Data view: the address bar follows the screen (table, filters, sort, search), so copying it
// shares what is shown.
//
// The address is rewritten with history.replaceState: a navigation (pushState + Dash's
// "_dashprivate_pushstate" event) would make Dash's pages router render the page again on
// every keystroke. But the router only re-renders when the address differs from the last one
// it saw, and replaceState does not tell it: going back to the address the page was rendered
// at (the table menu's current table, the navbar's Dashboard link, re-opening a view) would then
// do nothing while the screen shows something else. That is what broke saved-view navigation
// when the address was first rewritten. So this file remembers what the router saw and, when
// a navigation lands there while the screen was showing another state, asks the router itself
// to render the page again.
(function () {
  "use strict";
  var ROUTER = "_pages_location";
  function here() { return window.location.pathname + window.location.search; }
  var routerSaw = here();  // the address of the router's last render
  var written = routerSaw;  // what this file last put in the address bar

  function onNavigate() {
    var now = here();
    var stale = now === routerSaw && written !== routerSaw;
    routerSaw = now;
    written = now;
    if (stale && window.dash_clientside && window.dash_clientside.set_props) {
      window.dash_clientside.set_props(ROUTER, {
        pathname: window.location.pathname, search: window.location.search
      });
    }
  }
  // Registered before Dash's Location components mount: this runs first on each event.
  window.addEventListener("_dashprivate_pushstate", onNavigate);
  window.addEventListener("popstate", onNavigate);

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    dataviewUrl: {
      // Navigate to `search` (a saved view's address) as Dash's links do: push it and tell
      // the router, which renders the page for it.
      go: function (search) {
        if (typeof search !== "string" || search.charAt(0) !== "?") {
          return window.dash_clientside.no_update;
        }
        window.history.pushState({}, "", window.location.pathname + search);
        window.dispatchEvent(new CustomEvent("_dashprivate_pushstate"));
        return Date.now();
      },
      // `search` is the page's query string for what is on screen (from the server).
      follow: function (search) {
        var noUpdate = window.dash_clientside.no_update;
        if (typeof search !== "string" || search.charAt(0) !== "?") { return noUpdate; }
        // Only while the data view is the page shown: a late answer after leaving it must not
        // rewrite another page's address. The old page stays in the DOM until the router has
        // drawn the new one, so the address's path must still be the data view's too.
        var page = document.getElementById("page-dashboard");
        if (!page || page.getAttribute("data-path") !== window.location.pathname) {
          return noUpdate;
        }
        if (window.location.search !== search) {
          window.history.replaceState(window.history.state, "", window.location.pathname + search +
            window.location.hash);
        }
        written = here();
        return Date.now();
      }
    }
  });
})();
