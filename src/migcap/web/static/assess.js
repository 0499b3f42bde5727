// migcap: the assessment pages. Autosave with optimistic versions (a conflict shows both values and lets you
// choose), confirmations and printing. No inline scripts anywhere (the CSP forbids them); no eval.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";
  var FIELDS = ["level", "evidence", "notes", "assessor", "assessed_on"];
  var LABELS = { level: "Level", evidence: "Evidence", notes: "Notes", assessor: "Assessor", assessed_on: "Date" };

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function now() {
    var d = new Date();
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2) + ":" + ("0" + d.getSeconds()).slice(-2);
  }

  function setupAutosave(form) {
    var status = form.querySelector(".save-status");
    var box = form.querySelector("div.conflict");
    var timer = null, inflight = false, edits = 0, sentAt = 0, paused = false;

    function show(text, kind) {
      status.textContent = text;
      status.className = "save-status" + (kind ? " " + kind : "");
    }
    function schedule(delay) {
      if (paused) return;
      window.clearTimeout(timer);
      timer = window.setTimeout(save, delay);
    }
    function levelText(value) {
      var opt = form.elements.level.querySelector('option[value="' + (value || "") + '"]');
      return opt ? opt.textContent : (value || "");
    }
    function save() {
      if (paused) return;
      if (inflight) { schedule(400); return; }
      inflight = true;
      sentAt = edits;
      show("Saving…", "saving");
      var body = new FormData(form);
      fetch(form.action, { method: "POST", body: body, credentials: "same-origin",
                           headers: { "Accept": "application/json", "X-CSRF-Token": csrf } })
        .then(function (r) { return r.json().then(function (j) { return { status: r.status, body: j }; }); })
        .then(function (res) {
          inflight = false;
          if (res.status === 200 && res.body.entry) {
            form.elements.version.value = res.body.entry.version;
            show("Saved at " + now() + " (version " + res.body.entry.version + ")", "saved");
            if (edits > sentAt) schedule(300);
          } else if (res.status === 409 && res.body.conflict) {
            conflict(res.body.conflict);
          } else {
            var msg = (res.body && res.body.error && res.body.error.message) || ("error " + res.status);
            show("Not saved: " + msg, "failed");
          }
        })
        .catch(function () { inflight = false; show("Not saved: the server cannot be reached; your text is still here — try Save again.", "failed"); });
    }
    function conflict(c) {
      paused = true;
      window.clearTimeout(timer);
      show("Not saved: someone else changed this item — choose below.", "failed");
      box.textContent = "";
      box.appendChild(el("p", {}, "While you were editing, " + (c.theirs.updated_by || "someone") +
        " saved this item (now version " + c.version + "). Nothing is lost: choose which version to keep."));
      var table = el("table");
      var head = el("tr");
      ["", "Theirs (saved)", "Yours (not saved)"].forEach(function (t) { head.appendChild(el("th", { scope: "col" }, t)); });
      table.appendChild(el("thead")).appendChild(head);
      var tbody = el("tbody");
      FIELDS.forEach(function (f) {
        var theirs = f === "level" ? levelText(c.theirs.level) : c.theirs[f];
        var yours = f === "level" ? levelText(c.yours.level) : c.yours[f];
        if ((theirs || "") === (yours || "")) return;
        var row = el("tr");
        row.appendChild(el("th", { scope: "row" }, LABELS[f]));
        row.appendChild(el("td", { "class": "text" }, theirs || "—"));
        row.appendChild(el("td", { "class": "text" }, yours || "—"));
        tbody.appendChild(row);
      });
      table.appendChild(tbody);
      box.appendChild(table);
      var choices = el("div", { "class": "choices" });
      var mine = el("button", { type: "button" }, "Keep mine");
      var theirs = el("button", { type: "button", "class": "secondary" }, "Keep theirs");
      mine.addEventListener("click", function () {
        form.elements.version.value = c.version;
        box.hidden = true; paused = false; save();
      });
      theirs.addEventListener("click", function () {
        FIELDS.forEach(function (f) {
          if (form.elements[f]) form.elements[f].value = c.theirs[f] === null || c.theirs[f] === undefined ? "" : c.theirs[f];
        });
        form.elements.version.value = c.version;
        box.hidden = true; paused = false;
        show("Their version is shown (version " + c.version + ").", "saved");
      });
      choices.appendChild(mine);
      choices.appendChild(theirs);
      box.appendChild(choices);
      box.hidden = false;
      mine.focus();
    }
    form.addEventListener("input", function (e) {
      if (e.target && e.target.type === "file") return;
      edits += 1;
      show("Unsaved changes…", "saving");
      schedule(e.target && e.target.tagName === "SELECT" ? 200 : 1200);
    });
    form.addEventListener("change", function () { edits += 1; schedule(200); });
    form.addEventListener("submit", function (e) { e.preventDefault(); window.clearTimeout(timer); edits += 1; save(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-autosave]").forEach(setupAutosave);
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (e) {
        if (!window.confirm(form.getAttribute("data-confirm"))) e.preventDefault();
      });
    });
    document.querySelectorAll("[data-print]").forEach(function (b) {
      b.addEventListener("click", function () { window.print(); });
    });
  });
})();
