// rosterhub console: the little that needs a script. Everything works without it.
(function () {
  "use strict";

  // The "Add" menu button: opens and closes its list; Escape closes it and returns focus.
  function menus() {
    document.querySelectorAll("[data-menu-button]").forEach(function (button) {
      var list = document.getElementById(button.getAttribute("aria-controls"));
      if (!list) { return; }
      list.hidden = true;  // without the script the menu's links simply stay in view
      function close(focus) {
        list.hidden = true;
        button.setAttribute("aria-expanded", "false");
        if (focus) { button.focus(); }
      }
      button.addEventListener("click", function () {
        var open = button.getAttribute("aria-expanded") === "true";
        if (open) { close(false); return; }
        list.hidden = false;
        button.setAttribute("aria-expanded", "true");
        var first = list.querySelector("a, button");
        if (first) { first.focus(); }
      });
      list.addEventListener("keydown", function (event) {
        if (event.key === "Escape") { close(true); }
        if (event.key === "ArrowDown" || event.key === "ArrowUp") {
          var items = Array.prototype.slice.call(list.querySelectorAll("a, button"));
          var at = items.indexOf(document.activeElement);
          var next = event.key === "ArrowDown" ? at + 1 : at - 1;
          if (items.length) { items[(next + items.length) % items.length].focus(); }
          event.preventDefault();
        }
      });
      document.addEventListener("click", function (event) {
        if (!button.contains(event.target) && !list.contains(event.target)) { close(false); }
      });
    });
  }

  // Searchable lists ("Edit accounts syncing"): typing filters the rows of the named list.
  function filters() {
    document.querySelectorAll("[data-filter]").forEach(function (input) {
      var target = document.getElementById(input.getAttribute("data-filter"));
      var status = document.getElementById(input.getAttribute("data-filter") + "-count");
      if (!target) { return; }
      input.addEventListener("input", function () {
        var words = input.value.toLowerCase().trim();
        var shown = 0;
        target.querySelectorAll("[data-filter-text]").forEach(function (row) {
          var hit = !words || row.getAttribute("data-filter-text").indexOf(words) !== -1;
          row.hidden = !hit;
          if (hit) { shown += 1; }
        });
        if (status) { status.textContent = shown + " shown"; }
      });
    });
  }

  // The school switcher submits itself when a school is picked.
  function autosubmit() {
    document.querySelectorAll("[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
    document.querySelectorAll("[data-hide-with-js]").forEach(function (el) { el.hidden = true; });
  }

  // A form whose submit button says what it is doing, so a slow answer is not clicked twice.
  function busy() {
    document.querySelectorAll("form[data-busy]").forEach(function (form) {
      form.addEventListener("submit", function () {
        var button = form.querySelector("button[type=submit]");
        if (button) {
          button.setAttribute("aria-disabled", "true");
          button.textContent = form.getAttribute("data-busy");
        }
      });
    });
  }

  // The first error summary gets focus so a screen reader announces it.
  function focusErrors() {
    var summary = document.querySelector(".error-summary");
    if (summary) { summary.focus(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    menus();
    filters();
    autosubmit();
    busy();
    focusErrors();
  });
})();
