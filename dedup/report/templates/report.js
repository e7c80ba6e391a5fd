"use strict";
(function () {
  // Sortable tables: click a header to sort by its column (numbers by data-sort).
  function sortTable(th) {
    var table = th.closest("table");
    var body = table.tBodies[0];
    var col = Array.prototype.indexOf.call(th.parentNode.children, th);
    var descending = th.getAttribute("aria-sort") !== "descending";
    var numeric = th.classList.contains("num");
    var rows = Array.prototype.slice.call(body.rows);
    function key(row) {
      var cell = row.cells[col];
      var raw = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent;
      return numeric ? parseFloat(raw) : raw.trim().toLowerCase();
    }
    rows.sort(function (r1, r2) {
      var k1 = key(r1), k2 = key(r2);
      if (numeric) {
        if (isNaN(k1)) { k1 = -Infinity; }
        if (isNaN(k2)) { k2 = -Infinity; }
      }
      var order = k1 < k2 ? -1 : k1 > k2 ? 1 : 0;
      return descending ? -order : order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    Array.prototype.forEach.call(th.parentNode.children, function (other) {
      other.removeAttribute("aria-sort");
    });
    th.setAttribute("aria-sort", descending ? "descending" : "ascending");
  }
  document.querySelectorAll("table.sortable thead th").forEach(function (th) {
    th.addEventListener("click", function () { sortTable(th); });
  });

  // Heatmap metric toggle.
  document.querySelectorAll("figure.heatmap").forEach(function (fig) {
    fig.querySelectorAll(".toggle button").forEach(function (button) {
      button.addEventListener("click", function () {
        fig.setAttribute("data-metric", button.getAttribute("data-metric"));
        fig.querySelectorAll(".toggle button").forEach(function (b) {
          b.setAttribute("aria-pressed", String(b === button));
        });
      });
    });
  });

  // Pair views: a passage, its counterpart and its evidence row light up together.
  var smooth = window.matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth";
  function activate(view, n, from) {
    view.querySelectorAll(".active").forEach(function (el) { el.classList.remove("active"); });
    var selector = '[data-match="' + n + '"]';
    view.querySelectorAll(selector).forEach(function (el) { el.classList.add("active"); });
    view.querySelectorAll(".side .text").forEach(function (text) {
      if (text.contains(from)) { return; }
      var target = text.querySelector("mark" + selector);
      if (target) {
        text.scrollTo({ top: Math.max(target.offsetTop - text.clientHeight / 3, 0), behavior: smooth });
      }
    });
  }
  document.querySelectorAll("section.pair-view").forEach(function (view) {
    function handler(event) {
      var el = event.target.closest("[data-match]");
      if (!el || !view.contains(el)) { return; }
      if (event.type === "mouseover" && el.classList.contains("active")) { return; }
      activate(view, el.getAttribute("data-match"), el);
    }
    view.addEventListener("click", handler);
    view.addEventListener("mouseover", handler);
  });
})();
