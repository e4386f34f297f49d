/* The part of bootstrap-table (https://bootstrap-table.com) the Great Expectations Data Docs index uses,
   for offline pages: $(table).bootstrapTable({columns, data, sortName, sortOrder, rowAttributes}) renders
   `data` as rows of `columns`; a click on a header sorts; a click on a row fires `click-row.bs.table`.
   Method calls ('clearFilterControl', 'resetSearch') are accepted and do nothing. */
(function ($) {
  function lookup(name) { return typeof name === "function" ? name : window[name]; }
  function render($table, options) {
    var columns = options.columns || [];
    var rows = (options.data || []).slice();
    var key = options.sortName, order = options.sortOrder === "desc" ? -1 : 1;
    if (key) {
      var column = columns.filter(function (c) { return c.field === key; })[0];
      var sortKey = (column && column.sortName) || key;
      rows.sort(function (a, b) { return a[sortKey] > b[sortKey] ? order : a[sortKey] < b[sortKey] ? -order : 0; });
    }
    var $head = $("<tr>");
    columns.forEach(function (c) {
      $("<th>").text(c.title || c.field).css("cursor", "pointer").on("click", function () {
        options.sortOrder = options.sortName === c.field && options.sortOrder !== "desc" ? "desc" : "asc";
        options.sortName = c.field;
        render($table, options);
      }).appendTo($head);
    });
    var $body = $("<tbody>");
    var attributes = lookup(options.rowAttributes);
    rows.forEach(function (row, index) {
      var $row = $("<tr>");
      if (attributes) {
        var extra = attributes(row, index);
        Object.keys(extra).forEach(function (name) { $row.attr(name, extra[name]); });
      }
      columns.forEach(function (c) {
        // The cells are HTML Great Expectations rendered (links, icons), as bootstrap-table shows them.
        $("<td>").html(row[c.field] === undefined ? "" : String(row[c.field])).attr("align", c.align || null).appendTo($row);
      });
      $row.on("click", function () { $table.trigger("click-row.bs.table", [row, $row]); });
      $body.append($row);
    });
    $table.addClass("table table-hover").empty().append($("<thead>").append($head)).append($body);
  }
  $.fn.bootstrapTable = function (options) {
    if (typeof options === "string") { return this; }
    return this.each(function () { render($(this), $.extend({}, options)); });
  };
})(jQuery);
