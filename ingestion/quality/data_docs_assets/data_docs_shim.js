/* Offline stand-in for the jQuery + bootstrap-table calls made by GX Data Docs pages:
   renders `$(selector).bootstrapTable({columns, data})` as a plain HTML table and makes
   rows with a link clickable. Loaded from the page head, before the inline scripts. */
(function () {
  function wrap(nodes) {
    var api = {
      nodes: nodes,
      ready: function (fn) {
        if (document.readyState !== "loading") { fn(); }
        else { document.addEventListener("DOMContentLoaded", fn); }
        return api;
      },
      on: function () { return api; },
      data: function (key) { return nodes.length ? nodes[0].getAttribute("data-" + key) : null; },
      bootstrapTable: function (options) {
        if (typeof options !== "object") { return api; }
        nodes.forEach(function (table) { render(table, options); });
        return api;
      }
    };
    ["addClass", "removeClass", "toggleClass", "modal", "show", "hide", "click", "css", "attr",
     "each", "tooltip", "popover", "collapse", "tab", "scrollspy"].forEach(function (name) {
      api[name] = function () { return api; };
    });
    api.find = function () { return wrap([]); };
    return api;
  }
  function render(table, options) {
    var columns = options.columns || [];
    var rows = (options.data || []).slice();
    if (options.sortName) {
      var key = options.sortName, col = columns.filter(function (c) { return c.field === key; })[0];
      var sortKey = (col && col.sortName) || key, desc = options.sortOrder === "desc";
      rows.sort(function (a, b) {
        var x = a[sortKey], y = b[sortKey];
        return (x < y ? -1 : x > y ? 1 : 0) * (desc ? -1 : 1);
      });
    }
    var html = "<thead><tr>";
    columns.forEach(function (c) { html += "<th>" + (c.title || c.field) + "</th>"; });
    html += "</tr></thead><tbody>";
    rows.forEach(function (row) {
      var link = row._table_row_link_path;
      html += link ? '<tr class="clickable-row" data-href="' + link + '">' : "<tr>";
      columns.forEach(function (c) { html += "<td>" + (row[c.field] == null ? "" : row[c.field]) + "</td>"; });
      html += "</tr>";
    });
    table.innerHTML = html + "</tbody>";
    table.classList.add("table", "ge-local-table");
    Array.prototype.forEach.call(table.querySelectorAll("tr.clickable-row"), function (tr) {
      tr.style.cursor = "pointer";
      tr.addEventListener("click", function () { window.location = tr.getAttribute("data-href"); });
    });
  }
  window.$ = window.jQuery = function (arg) {
    if (typeof arg === "function") { return wrap([]).ready(arg); }
    if (typeof arg === "string") {
      try { return wrap(Array.prototype.slice.call(document.querySelectorAll(arg))); }
      catch (e) { return wrap([]); }
    }
    return wrap(arg && arg.nodeType ? [arg] : []);
  };
})();
