// The unit and people pickers (orgs/_unit_picker.html, orgs/_person_picker.html).
// The server renders a text input holding the code (typed by hand when JavaScript is
// off); here it becomes a search box: the code moves to a hidden input of the same name,
// the box shows the chosen name, what is typed is searched on the server (the options
// are an HTML partial; a unit's children load with htmx, hx-get on the caret), and
// arrow keys, Enter, Tab and Escape work as in a list. <div data-fk-picker-multiple>
// keeps several values, comma-separated, shown as chips.
(function () {
  "use strict";

  function options(panel) {
    return Array.prototype.filter.call(
      panel.querySelectorAll("[data-fk-pick-value]"),
      function (el) { return el.offsetParent !== null; }
    );
  }

  function init(box) {
    if (box.dataset.fkPickerReady) return;
    box.dataset.fkPickerReady = "1";
    var input = box.querySelector("[data-fk-picker-input]");
    var panel = box.querySelector("[data-fk-picker-panel]");
    var chipsBox = box.querySelector("[data-fk-picker-chips]");
    var multiple = box.hasAttribute("data-fk-picker-multiple");
    var noscript = box.querySelector("[data-fk-picker-noscript]");
    if (noscript) noscript.remove();

    var hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = input.name;
    hidden.value = input.value;
    input.removeAttribute("name");
    box.insertBefore(hidden, input);
    if (input.required) {
      // the form's own check would look at the box: keep it, but on the hidden value
      input.required = false;
      input.dataset.fkRequired = "1";
    }
    input.placeholder = box.dataset.fkPickerPlaceholder || input.placeholder;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");

    var chosen = [];
    try { chosen = JSON.parse(box.dataset.fkPickerChosen || "[]"); } catch (e) { chosen = []; }
    var label = box.dataset.fkPickerLabel || "";
    input.value = multiple ? "" : label;

    function renderChips() {
      if (!chipsBox) return;
      chipsBox.textContent = "";
      chosen.forEach(function (item, i) {
        var chip = document.createElement("span");
        chip.className = "badge text-bg-light border fk-pick-chip";
        chip.textContent = item.label + " ";
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "btn-close fk-pick-chip-remove";
        remove.setAttribute("aria-label", (box.dataset.fkPickerRemove || "Remove") + " " + item.label);
        remove.addEventListener("click", function () {
          chosen.splice(i, 1);
          sync();
          input.focus();
        });
        chip.appendChild(remove);
        chipsBox.appendChild(chip);
      });
    }

    function sync() {
      hidden.value = chosen.map(function (c) { return c.value; }).join(",");
      renderChips();
      hidden.dispatchEvent(new Event("change", { bubbles: true }));
      box.dispatchEvent(new CustomEvent("fk-picked", { bubbles: true }));
    }

    function open() { panel.hidden = false; input.setAttribute("aria-expanded", "true"); }
    function close() { panel.hidden = true; input.setAttribute("aria-expanded", "false"); }

    var seq = 0;
    var timer = null;
    function search() {
      var url = box.dataset.fkPickerUrl;
      var params = new URLSearchParams();
      params.set("q", input.value === label && !multiple ? "" : input.value);
      var from = box.dataset.fkPickerUnitFrom;
      if (from && hidden.form) {
        var unitField = hidden.form.querySelector("input[type=hidden][name='" + from + "']") ||
          hidden.form.querySelector("[name='" + from + "']");
        if (unitField && unitField.value) {
          params.set("unit", unitField.value);
          if (box.dataset.fkPickerGroup) params.set("group", "1");
        }
      }
      var mine = ++seq;
      fetch(url + (url.indexOf("?") < 0 ? "?" : "&") + params.toString(), {
        headers: { "HX-Request": "true" },
        credentials: "same-origin",
      }).then(function (response) {
        return response.ok ? response.text() : "";
      }).then(function (html) {
        if (mine !== seq) return; // a later search has been sent
        panel.innerHTML = html;
        if (window.htmx) window.htmx.process(panel);
        // Only while the person is still in the box: an answer arriving after they moved
        // on (a pick, the next field) must not open a list over the rest of the form.
        if (box.contains(document.activeElement)) open();
      });
    }
    function later() {
      clearTimeout(timer);
      timer = setTimeout(search, 200);
    }

    function pick(option) {
      var item = { value: option.dataset.fkPickValue, label: option.dataset.fkPickLabel };
      if (multiple) {
        if (!chosen.some(function (c) { return c.value === item.value; })) chosen.push(item);
        input.value = "";
      } else {
        chosen = [item];
        label = item.label;
        input.value = item.label;
      }
      sync();
      close();
      seq++; // forget a search still on its way
      if (box.hasAttribute("data-fk-picker-autosubmit") && hidden.form) hidden.form.requestSubmit();
      else { picked = true; input.focus(); }
    }

    input.addEventListener("input", function () {
      if (!multiple && input.value === "") { chosen = []; label = ""; sync(); }
      later();
    });
    var picked = false; // focus given back after a pick opens no list
    input.addEventListener("focus", function () {
      if (picked) { picked = false; return; }
      if (panel.hidden) search();
    });
    input.addEventListener("click", function () {
      if (panel.hidden) search();
    });

    box.addEventListener("keydown", function (event) {
      var list = options(panel);
      var at = list.indexOf(document.activeElement);
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (panel.hidden) { search(); return; }
        if (list.length) list[Math.min(at + 1, list.length - 1)].focus();
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        if (at <= 0) input.focus();
        else list[at - 1].focus();
      } else if (event.key === "ArrowRight" && at >= 0) {
        var toggle = list[at].parentElement.querySelector("[data-fk-pick-toggle]");
        if (toggle) { event.preventDefault(); toggle.click(); }
      } else if (event.key === "Enter") {
        if (at >= 0) { event.preventDefault(); pick(list[at]); }
        else if (event.target === input && !panel.hidden && list.length) {
          // Enter in the box takes the first match (a search's best) rather than
          // submitting the form with a half-typed name.
          event.preventDefault();
          pick(list[0]);
        }
      } else if (event.key === "Escape") {
        if (!panel.hidden) { event.preventDefault(); close(); input.focus(); }
      }
    });

    panel.addEventListener("click", function (event) {
      var toggle = event.target.closest("[data-fk-pick-toggle]");
      if (toggle) {
        toggle.classList.toggle("fk-pick-open");
        var sub = toggle.parentElement.parentElement.querySelector(".fk-pick-children");
        if (sub && toggle.classList.contains("fk-pick-open") === false) sub.hidden = true;
        else if (sub) sub.hidden = false;
        return;
      }
      var option = event.target.closest("[data-fk-pick-value]");
      if (option) pick(option);
    });

    document.addEventListener("click", function (event) {
      if (!box.contains(event.target)) close();
    });
    box.addEventListener("focusout", function (event) {
      if (event.relatedTarget && !box.contains(event.relatedTarget)) close();
    });

    if (input.dataset.fkRequired && hidden.form) {
      hidden.form.addEventListener("submit", function (event) {
        if (!hidden.value) {
          event.preventDefault();
          input.setCustomValidity(input.placeholder);
          input.reportValidity();
          input.setCustomValidity("");
        }
      });
    }

    renderChips();
  }

  function scan(root) {
    (root || document).querySelectorAll("[data-fk-picker]").forEach(init);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { scan(); });
  else scan();
  document.addEventListener("htmx:load", function (event) { scan(event.detail.elt); });
})();
