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

  // Lists too long for the page (a large school's students in a room's form): typing asks
  // the server for matches, shown as unchecked boxes below the chosen ones; what was found
  // before and left unchecked goes, what was checked stays.
  function remotes() {
    document.querySelectorAll("[data-remote]").forEach(function (input) {
      var list = document.getElementById(input.getAttribute("data-remote-list"));
      var status = document.getElementById(input.getAttribute("data-remote-list") + "-count");
      var name = input.getAttribute("data-remote-name");
      var url = input.getAttribute("data-remote");
      var timer = null;
      var asked = 0;
      var note = status ? status.textContent : "";
      if (!list) { return; }
      function row(found, n) {
        var item = document.createElement("li");
        item.setAttribute("data-found", "");
        var box = document.createElement("input");
        box.type = "checkbox";
        box.name = name;
        box.value = found.email;
        box.id = list.id + "-found-" + n;
        var label = document.createElement("label");
        label.htmlFor = box.id;
        label.textContent = found.name || found.email;
        item.appendChild(box);
        item.appendChild(document.createTextNode(" "));
        item.appendChild(label);
        if (found.name) {
          var detail = document.createElement("span");
          detail.className = "detail";
          detail.textContent = " " + found.email;
          item.appendChild(detail);
        }
        return item;
      }
      function show(answer, mine) {
        if (mine !== asked) { return; }  // a later search is on its way
        list.querySelectorAll("li[data-found]").forEach(function (item) {
          if (!item.querySelector("input").checked) { item.remove(); }
        });
        var listed = {};
        list.querySelectorAll("input[name='" + name + "']").forEach(function (box) {
          listed[box.value] = true;
        });
        var added = 0;
        answer.students.forEach(function (found) {
          if (listed[found.email]) { return; }
          list.appendChild(row(found, mine + "-" + added));
          added += 1;
        });
        if (status && answer.empty) {
          status.textContent = note;
        } else if (status) {
          status.textContent = answer.students.length
            ? answer.students.length + (answer.more ? " found (the first ones: type more to narrow it)" : " found")
            : "Nobody found";
        }
      }
      input.addEventListener("input", function () {
        window.clearTimeout(timer);
        timer = window.setTimeout(function () {
          asked += 1;
          var mine = asked;
          var words = input.value.trim();
          if (!words) { show({ students: [], more: false, empty: true }, mine); return; }
          var sep = url.indexOf("?") === -1 ? "?" : "&";
          fetch(url + sep + "q=" + encodeURIComponent(words), { credentials: "same-origin", headers: { Accept: "application/json" } })
            .then(function (response) { return response.ok ? response.json() : null; })
            .then(function (answer) { if (answer) { show(answer, mine); } })
            .catch(function () { if (status) { status.textContent = "Could not search just now; try again"; } });
        }, 200);
      });
      // Enter in the search box searches; it does not save the room half-chosen.
      input.addEventListener("keydown", function (event) {
        if (event.key === "Enter") { event.preventDefault(); }
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
    remotes();
    autosubmit();
    busy();
    focusErrors();
  });
})();
