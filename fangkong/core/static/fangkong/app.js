// Behaviour that templates ask for with data- attributes: the Content-Security-Policy
// (core.middleware) allows no inline script and no onclick/onchange attributes.
(function () {
  "use strict";
  // <input data-fk-autosubmit>: submit its form when the value changes.
  document.addEventListener("change", function (event) {
    var input = event.target.closest("[data-fk-autosubmit]");
    if (input && input.form) input.form.submit();
  });
  // <button data-fk-print>: print the page.
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-fk-print]")) window.print();
  });
})();

// The incident form's phone-report countdown: <div data-fk-countdown="ID"> reads the JSON
// of element ID ({"minutes": {kind: minutes}, "offset_minutes": the zone of the form's
// times}) and counts down from the form's discovery time, red in its last 5 minutes.
(function () {
  "use strict";
  function tick(box) {
    var config = JSON.parse(document.getElementById(box.dataset.fkCountdown).textContent);
    var form = box.parentElement.querySelector("form") || document;
    var kind = form.querySelector("[name=kind]");
    var found = form.querySelector("[name=discovered_at]");
    var minutes = config.minutes[kind ? kind.value : ""] || 15;
    box.querySelector("[data-fk-countdown-minutes]").textContent = minutes;
    var left = box.querySelector("[data-fk-countdown-left]");
    if (!found || !found.value) { left.textContent = "–"; return; }
    // "2026-12-03T09:30" on the form's clock (offset_minutes east of UTC) to an instant.
    var utc = Date.parse(found.value + ":00Z") - config.offset_minutes * 60000;
    var seconds = Math.round((utc + minutes * 60000 - Date.now()) / 1000);
    var late = seconds < 0;
    var s = Math.abs(seconds);
    var text = Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
    left.textContent = late ? box.dataset.lateText.replace("{time}", text) : box.dataset.leftText.replace("{time}", text);
    box.classList.toggle("alert-info", !late && seconds > 300);
    box.classList.toggle("alert-warning", !late && seconds <= 300);
    box.classList.toggle("alert-danger", late);
  }
  function start() {
    document.querySelectorAll("[data-fk-countdown]").forEach(function (box) {
      tick(box);
      setInterval(function () { tick(box); }, 1000);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

// Phone-first lists (app.css, table.fk-cards): each cell carries its column's title, so a
// row read as a card says what each figure is. Again after every htmx swap.
(function () {
  "use strict";
  function label(root) {
    root.querySelectorAll("table.fk-cards").forEach(function (table) {
      var titles = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
        return th.textContent.trim();
      });
      table.querySelectorAll("tbody > tr").forEach(function (row) {
        Array.prototype.forEach.call(row.children, function (cell, i) {
          if (titles[i] && !cell.hasAttribute("data-label")) cell.setAttribute("data-label", titles[i]);
        });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { label(document); });
  document.addEventListener("htmx:afterSettle", function () { label(document); });
})();
