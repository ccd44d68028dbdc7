// Data view: AG Grid formatters and cell renderers, and the page's client-side callbacks.
(function () {
  "use strict";

  var numberFormats = {};
  function numberFormat(digits) {
    if (!numberFormats[digits]) {
      numberFormats[digits] = new Intl.NumberFormat(undefined, {
        minimumFractionDigits: digits, maximumFractionDigits: digits
      });
    }
    return numberFormats[digits];
  }
  var money = new Intl.NumberFormat(undefined, { style: "currency", currency: "USD" });
  var day = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "2-digit" });

  var fns = window.dashAgGridFunctions = window.dashAgGridFunctions || {};
  fns.dvNumber = function (value, digits) {
    return value === null || value === undefined ? "" : numberFormat(digits).format(value);
  };
  fns.dvMoney = function (value) {
    return value === null || value === undefined ? "" : money.format(value);
  };
  var currencies = {};
  // A dashboards-file format (currency:EUR, percent:1, number:2, integer, date, duration).
  fns.dvFormat = function (value, fmt) {
    if (value === null || value === undefined || value === "") { return ""; }
    var parts = String(fmt || "number").split(":");
    var kind = parts[0];
    var last = parts[parts.length - 1];
    var digits = /^[0-9]$/.test(last) ? parseInt(last, 10) : null;
    if (kind === "date" || kind === "datetime") { return fns.dvDate(value); }
    if (kind === "text") { return String(value); }
    if (kind === "currency") {
      var key = parts[1] + ":" + digits;
      if (!currencies[key]) {
        var options = { style: "currency", currency: parts[1] || "USD" };
        if (digits !== null) { options.minimumFractionDigits = options.maximumFractionDigits = digits; }
        currencies[key] = new Intl.NumberFormat(undefined, options);
      }
      return currencies[key].format(value);
    }
    if (kind === "percent") {
      var d = digits === null ? 1 : digits;
      return numberFormat(d).format(value * 100) + "%";
    }
    if (kind === "integer") { return numberFormat(0).format(value); }
    if (kind === "duration") {
      var s = Math.round(Math.abs(value)), h = Math.floor(s / 3600);
      var m = Math.floor((s % 3600) / 60), sec = s % 60;
      return (value < 0 ? "-" : "") + h + ":" + (m < 10 ? "0" : "") + m + ":" + (sec < 10 ? "0" : "") + sec;
    }
    return numberFormat(digits === null ? 2 : digits).format(value);
  };
  // Text cells: NULL reads "(blank)", as the multi-selects call it.
  fns.dvText = function (params) {
    if (!params || !params.data) { return ""; }
    return params.value === null || params.value === undefined ? "(blank)" : String(params.value);
  };
  fns.dvDate = function (value) {
    if (!value) { return ""; }
    // Dates arrive as ISO text; a bare date is read as local midnight, not UTC.
    var parsed = new Date(value.length === 10 ? value + "T00:00:00" : value);
    return isNaN(parsed.getTime()) ? String(value) : day.format(parsed);
  };

  var comps = window.dashAgGridComponentFunctions = window.dashAgGridComponentFunctions || {};
  comps.DvStatus = function (props) {
    if (props.value === null || props.value === undefined) { return null; }
    var slug = String(props.value).toLowerCase().replace(/[^a-z0-9]+/g, "-");
    return React.createElement("span", { className: "badge rounded-pill dv-status dv-status-" + slug },
      String(props.value));
  };
  comps.DvBool = function (props) {
    if (props.value === null || props.value === undefined) { return null; }
    return React.createElement("i", {
      className: "bi " + (props.value ? "bi-check-circle-fill text-success" : "bi-x-circle text-body-secondary"),
      title: props.value ? "yes" : "no"
    });
  };

  // JSON with sorted keys, so the same request compares equal whatever the key order.
  function canonical(value) {
    if (Array.isArray(value)) { return "[" + value.map(canonical).join(",") + "]"; }
    if (value && typeof value === "object") {
      return "{" + Object.keys(value).sort().filter(function (k) { return value[k] !== undefined; })
        .map(function (k) { return JSON.stringify(k) + ":" + canonical(value[k]); }).join(",") + "}";
    }
    return JSON.stringify(value === undefined ? null : value);
  }
  var ECHO_KEYS = ["startRow", "endRow", "sortModel", "filterModel"];

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    dataview: {
      // Hand the server's block to the grid only if it answers the grid's current request.
      // Arguments: payload, request, ready, quick, then one value per multi-select slot.
      // Returns the grid's response, on the first block the "ready" flag for the charts, and
      // the status line and error message that came with the block.
      deliver: function (payload, request, ready, quick) {
        var facets = Array.prototype.slice.call(arguments, 4);
        var noUpdate = window.dash_clientside.no_update;
        var unchanged = [noUpdate, noUpdate, noUpdate, noUpdate];
        if (!payload || !request) { return unchanged; }
        var current = {};
        ECHO_KEYS.forEach(function (k) { current[k] = request[k] === undefined ? null : request[k]; });
        var fresh = canonical(payload.request) === canonical(current) &&
          (payload.quick || "") === (quick || "") &&
          canonical(payload.facets || []) === canonical(facets || []);
        if (!fresh) { return unchanged; }
        return [{ rowData: payload.rowData, rowCount: payload.rowCount }, ready ? noUpdate : true,
          payload.status, payload.error];
      },
      // KPIs, charts and the exact count, only if they answer the screen as it is now: an
      // answer to an earlier filter (late, whatever the reason) is dropped and asked again.
      // Arguments: summary, filterModel, quick, dimension, one value per multi-select slot,
      // then the last re-ask. Outputs follow summary_callbacks._summary's client half.
      applySummary: function (summary, filterModel, quick, dimension) {
        var args = Array.prototype.slice.call(arguments, 4);
        var again = args.pop();
        var noUpdate = window.dash_clientside.no_update;
        var outputs = window.dash_clientside.callback_context.outputs_list;
        var kpiSlots = outputs[1], noteSlots = outputs[2], graphs = outputs[3];
        function unchanged(list) { return list.map(function () { return noUpdate; }); }
        if (!summary || !summary.echo) {
          return [noUpdate, unchanged(kpiSlots), unchanged(noteSlots), unchanged(graphs),
            noUpdate, noUpdate, noUpdate];
        }
        var now = {
          filterModel: filterModel || {},
          quick: quick || "",
          dimension: dimension === undefined ? null : dimension,
          facets: args.map(function (v) { return v || []; })
        };
        if (canonical(summary.echo) !== canonical(now)) {
          // Bounded: asks at most 5 times for one screen state (a state that never matched
          // would otherwise ask for ever).
          var key = canonical(now);
          var tries = again && again.key === key ? again.tries : 0;
          var ask = tries < 5 ? { key: key, tries: tries + 1 } : noUpdate;
          return [noUpdate, unchanged(kpiSlots), unchanged(noteSlots), unchanged(graphs),
            noUpdate, noUpdate, ask];
        }
        function at(list, i, fallback) { return i < list.length ? list[i] : fallback; }
        return [
          summary.rows,
          kpiSlots.map(function (o) { return at(summary.values, o.id.index, "n/a"); }),
          noteSlots.map(function (o) { return at(summary.notes, o.id.index, ""); }),
          graphs.map(function (o) {
            var figure = summary.figures[o.id.chart];
            return figure === undefined ? noUpdate : figure;
          }),
          summary.chartError,
          summary.status === null ? noUpdate : summary.status,
          noUpdate
        ];
      },
      // The column chooser's pins: checked columns stay at the left while scrolling sideways.
      pinColumns: function (pinned, options, gridId) {
        var api = window.dash_ag_grid && window.dash_ag_grid.getApi(gridId);
        if (!api || api.isDestroyed() || !Array.isArray(options)) {
          return window.dash_clientside.no_update;
        }
        var chosen = pinned || [];
        var all = options.map(function (o) { return o.value; });
        api.setColumnsPinned(all.filter(function (c) { return chosen.indexOf(c) >= 0; }), "left");
        api.setColumnsPinned(all.filter(function (c) { return chosen.indexOf(c) < 0; }), null);
        return Date.now();
      },
      // The column chooser: show the checked columns, hide the others. The grid then reports
      // its column state, which saved views keep.
      showColumns: function (visible, options, gridId) {
        var api = window.dash_ag_grid && window.dash_ag_grid.getApi(gridId);
        if (!api || api.isDestroyed() || !Array.isArray(options)) {
          return window.dash_clientside.no_update;
        }
        var shown = visible || [];
        var all = options.map(function (o) { return o.value; });
        api.setColumnsVisible(all.filter(function (c) { return shown.indexOf(c) >= 0; }), true);
        api.setColumnsVisible(all.filter(function (c) { return shown.indexOf(c) < 0; }), false);
        return Date.now();
      },
      // Search text or a multi-select changed: drop cached blocks so the grid asks again.
      // Arguments: quick, one value per multi-select slot, then the grid's id (the State).
      purge: function () {
        var gridId = arguments[arguments.length - 1];
        var api = window.dash_ag_grid && window.dash_ag_grid.getApi(gridId);
        if (api && !api.isDestroyed()) { api.purgeInfiniteCache(); }
        return Date.now();
      }
    }
  });
})();
