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
