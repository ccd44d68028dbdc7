// Saved views: turn the share link's path (from the server) into the address the browser
// reached the app by, and show it ready to copy.
(function () {
  "use strict";
  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    savedViews: {
      showShareLink: function (path) {
        if (!path) { return ["", true]; }
        return [new URL(path, window.location.href).href, false];
      }
    }
  });
})();
