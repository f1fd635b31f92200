// rosterhub console: the chat window. Lines come from /console/chat as JSON and are built
// with textContent only (never innerHTML), so nothing anyone typed can become markup.
(function () {
  "use strict";

  var region, log, status, form, input, fileInput, sending, bar, base, csrf;
  var last = 0;
  var seen = {};
  var source = null;
  var failures = 0;
  var polling = null;
  var OPEN_KEY = "rosterhub-chat-open";

  function setStatus(text) { status.textContent = text || ""; }

  // *bold* and `code`, the assistant's only markup, as elements; everything else is text.
  function rich(parent, text) {
    var pattern = /(\*[^*\n]+\*|`[^`\n]+`)/g;
    var at = 0;
    var match;
    while ((match = pattern.exec(text)) !== null) {
      if (match.index > at) { parent.appendChild(document.createTextNode(text.slice(at, match.index))); }
      var el = document.createElement(match[0][0] === "*" ? "strong" : "code");
      el.textContent = match[0].slice(1, -1);
      parent.appendChild(el);
      at = match.index + match[0].length;
    }
    if (at < text.length) { parent.appendChild(document.createTextNode(text.slice(at))); }
  }

  function who(line) {
    if (line.author === "assistant") { return "Assistant"; }
    if (line.author === "agent") { return (line.name || "Support") + " (support)"; }
    return "You";
  }

  function buildLine(line) {
    var item = document.createElement("li");
    item.className = "chat-line from-" + line.author;
    item.setAttribute("data-line", String(line.id));
    if (line.key) { item.setAttribute("data-key", line.key); }
    var head = document.createElement("p");
    head.className = "chat-who";
    head.textContent = who(line);
    item.appendChild(head);
    var body = document.createElement("p");
    body.className = "chat-text";
    rich(body, line.text || "");
    item.appendChild(body);
    if (line.progress) {
      var progress = document.createElement("progress");
      progress.setAttribute("aria-label", "Progress");
      if (line.progress.total) {
        progress.max = line.progress.total;
        progress.value = line.progress.done || 0;
      }
      item.appendChild(progress);
    }
    if (line.file) {
      var holder = document.createElement("p");
      holder.className = "chat-file-link";
      if (line.file.available && line.file.url) {
        var link = document.createElement("a");
        link.href = line.file.url;
        link.textContent = line.file.title;
        link.setAttribute("download", line.file.filename);
        if (line.file.title === "Download passwords") {
          link.addEventListener("click", function () {
            window.setTimeout(function () {
              holder.textContent = "Passwords downloaded (they can be downloaded once).";
            }, 300);
          });
        }
        holder.appendChild(link);
      } else {
        holder.textContent = line.file.title === "Download passwords"
          ? "Passwords downloaded (they can be downloaded once)."
          : line.file.title + " (no longer available)";
      }
      item.appendChild(holder);
    }
    if (line.buttons && line.buttons.length) {
      if (line.answered) {
        var note = document.createElement("p");
        note.className = "chat-answered";
        note.textContent = "You chose: " + line.answered;
        item.appendChild(note);
      } else {
        var row = document.createElement("div");
        row.className = "chat-choices";
        line.buttons.forEach(function (choice) {
          var button = document.createElement("button");
          button.type = "button";
          button.className = "small";
          button.textContent = choice.label;
          button.addEventListener("click", function () {
            row.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
            post("/choices", { line: String(line.id), choice: choice.choice, value: choice.value });
          });
          row.appendChild(button);
        });
        item.appendChild(row);
      }
    }
    return item;
  }

  function add(line) {
    if (seen[line.id]) { return; }
    seen[line.id] = true;
    last = Math.max(last, line.id);
    var built = buildLine(line);
    var previous = line.key ? log.querySelector('[data-key="' + CSS.escape(line.key) + '"]') : null;
    if (previous) { log.replaceChild(built, previous); } else { log.appendChild(built); }
    log.scrollTop = log.scrollHeight;
  }

  function addAll(lines) { (lines || []).forEach(add); }

  function answer(response) {
    return response.json().catch(function () { return {}; }).then(function (data) {
      if (!response.ok) {
        setStatus(data.error || "That did not go through; please sign in again and retry.");
        return;
      }
      setStatus("");
      addAll(data.lines);
    });
  }

  function post(path, fields) {
    var body = new FormData();
    body.append("csrf_token", csrf);
    body.append("after", String(last));
    Object.keys(fields).forEach(function (k) { body.append(k, fields[k]); });
    return fetch(base + path, { method: "POST", body: body, credentials: "same-origin" })
      .then(answer)
      .catch(function () { setStatus("The message did not go through; check the connection."); });
  }

  function upload(file) {
    if (!file) { return; }
    var body = new FormData();
    body.append("csrf_token", csrf);
    body.append("after", String(last));
    body.append("file", file, file.name);
    var request = new XMLHttpRequest();
    request.open("POST", base + "/uploads");
    sending.hidden = false;
    bar.value = 0;
    request.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) { bar.value = Math.round((event.loaded / event.total) * 100); }
    });
    request.addEventListener("load", function () {
      sending.hidden = true;
      var data = {};
      try { data = JSON.parse(request.responseText); } catch (e) { data = {}; }
      if (request.status >= 400) { setStatus(data.error || "The file did not go through."); return; }
      setStatus("");
      addAll(data.lines);
    });
    request.addEventListener("error", function () {
      sending.hidden = true;
      setStatus("The file did not go through; check the connection.");
    });
    request.send(body);
    fileInput.value = "";
  }

  function poll() {
    if (polling) { return; }
    polling = window.setInterval(function () {
      fetch(base + "/lines?after=" + last, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { lines: [] }; })
        .then(function (data) { addAll(data.lines); })
        .catch(function () { /* next time */ });
    }, 2000);
  }

  function listen() {
    if (!window.EventSource) { poll(); return; }
    source = new EventSource(base + "/stream?after=" + last);
    source.addEventListener("line", function (event) {
      failures = 0;
      try { add(JSON.parse(event.data)); } catch (e) { /* a broken line is skipped */ }
    });
    source.addEventListener("error", function () {
      failures += 1;
      if (failures >= 3) { source.close(); poll(); }
    });
  }

  function show(open) {
    region.hidden = !open;
    document.querySelectorAll("[data-chat-toggle]").forEach(function (b) {
      b.setAttribute("aria-expanded", open ? "true" : "false");
    });
    document.querySelector(".chat-launcher").hidden = open;
    try { window.sessionStorage.setItem(OPEN_KEY, open ? "1" : ""); } catch (e) { /* private mode */ }
    if (open) { input.focus(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    region = document.getElementById("chat");
    if (!region) { return; }
    log = region.querySelector(".chat-log");
    status = region.querySelector(".chat-status");
    form = region.querySelector(".chat-form");
    input = region.querySelector(".chat-text");
    fileInput = region.querySelector(".chat-file");
    sending = region.querySelector(".chat-sending");
    bar = sending.querySelector("progress");
    base = region.getAttribute("data-base");
    csrf = region.getAttribute("data-csrf");
    document.querySelector(".chat-launcher").hidden = false;

    document.querySelectorAll("[data-chat-toggle]").forEach(function (button) {
      button.addEventListener("click", function () { show(region.hidden); });
    });
    document.querySelectorAll("[data-open-chat]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        show(true);
        post("/begin", {});
      });
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = input.value.trim();
      if (!text) { return; }
      input.value = "";
      post("/messages", { text: text });
    });
    fileInput.addEventListener("change", function () { upload(fileInput.files[0]); });
    var hint = region.querySelector(".chat-drop-hint");
    region.addEventListener("dragover", function (event) {
      event.preventDefault();
      hint.hidden = false;
      region.classList.add("dropping");
    });
    region.addEventListener("dragleave", function () {
      hint.hidden = true;
      region.classList.remove("dropping");
    });
    region.addEventListener("drop", function (event) {
      event.preventDefault();
      hint.hidden = true;
      region.classList.remove("dropping");
      var files = event.dataTransfer && event.dataTransfer.files;
      if (files && files.length) { upload(files[0]); }
    });

    fetch(base + "/lines?after=0", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { lines: [] }; })
      .then(function (data) { addAll(data.lines); listen(); })
      .catch(function () { poll(); });
    var wasOpen = false;
    try { wasOpen = window.sessionStorage.getItem(OPEN_KEY) === "1"; } catch (e) { wasOpen = false; }
    if (wasOpen) { show(true); }
  });
})();
