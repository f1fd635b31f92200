// rosterhub console, Rooms: drag and drop a row to rearrange the folders and rooms (a folder's
// rooms within their folder). The new order is posted with the form's CSRF token; the Move up
// and Move down buttons do the same one step at a time, with the keyboard or without a script.
(function () {
  "use strict";

  var dragged = null;
  var before = null;  // the order of the dragged item's group when the drag began

  function groupOf(item) { return item.parentElement; }

  function items(group) {
    return Array.prototype.filter.call(group.children, function (el) {
      return el.hasAttribute("data-order-id");
    });
  }

  function ids(group) {
    return items(group).map(function (el) { return el.getAttribute("data-order-id"); });
  }

  // The item of the dragged item's group under the pointer (a row of another group is skipped
  // up to the item that holds it, so a room never leaves its folder).
  function target(el) {
    var found = el && el.closest ? el.closest("[data-order-id]") : null;
    while (found && groupOf(found) !== groupOf(dragged)) {
      found = groupOf(found).closest("[data-order-id]");
    }
    return found;
  }

  function say(text) {
    var status = document.getElementById("room-order-status");
    if (status) { status.textContent = text; }
  }

  function save(group) {
    var form = document.getElementById(group.getAttribute("data-order-form"));
    if (!form) { return; }
    var body = new FormData(form);
    ids(group).forEach(function (id) { body.append("ids", id); });
    fetch(form.action, { method: "POST", body: body, credentials: "same-origin" })
      .then(function (answer) {
        if (!answer.ok) { throw new Error(String(answer.status)); }
        say("The new order is saved.");
      })
      .catch(function () {
        say("The new order could not be saved; the page shows the saved order again.");
        window.location.reload();
      });
  }

  function start(event) {
    var item = event.target.closest ? event.target.closest("[data-order-id]") : null;
    if (!item || item !== event.target || !groupOf(item).hasAttribute("data-order-group")) {
      return;
    }
    event.stopPropagation();  // a room's row inside a folder drags the room, not the folder
    dragged = item;
    before = ids(groupOf(item)).join(" ");
    item.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", item.getAttribute("data-order-id"));
  }

  function over(event) {
    if (!dragged) { return; }
    var at = target(event.target);
    if (!at) { return; }
    event.preventDefault();  // this is a place to drop
    event.dataTransfer.dropEffect = "move";
    if (at === dragged) { return; }
    var box = at.getBoundingClientRect();
    var after = event.clientY > box.top + box.height / 2;
    groupOf(at).insertBefore(dragged, after ? at.nextSibling : at);
  }

  function finish(event) {
    if (!dragged) { return; }
    if (event.type === "drop") { event.preventDefault(); }
    var group = groupOf(dragged);
    dragged.classList.remove("dragging");
    dragged = null;
    if (ids(group).join(" ") !== before) {
      before = ids(group).join(" ");
      save(group);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-order-group]").forEach(function (group) {
      if (group.hasAttribute("data-order-id")) { return; }  // a folder: its rows are wired below
      group.addEventListener("dragstart", start);
      group.addEventListener("dragover", over);
      group.addEventListener("drop", finish);
      group.addEventListener("dragend", finish);
    });
  });
})();
