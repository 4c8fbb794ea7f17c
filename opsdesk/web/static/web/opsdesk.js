// opsdesk: live SLA countdowns, auto-submitting selects, select-all boxes, confirmations,
// shortcuts.
(function () {
  "use strict";
  function fmt(seconds) {
    var s = Math.abs(Math.round(seconds)), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    var r = s % 60, mm = (h ? String(m).padStart(2, "0") : String(m)), ss = String(r).padStart(2, "0");
    return (h ? h + ":" : "") + mm + ":" + ss;
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-due]").forEach(function (el) {
      if (el.dataset.status !== "running") return;
      var due = Date.parse(el.dataset.due), start = Date.parse(el.dataset.start || el.dataset.due);
      var left = (due - now) / 1000, total = Math.max(1, (due - start) / 1000);
      el.classList.remove("sla-ok", "sla-amber", "sla-red");
      if (left < 0) { el.classList.add("sla-red"); el.textContent = el.dataset.overdue.replace("%s", fmt(left)); }
      else { el.classList.add(left / total <= 0.2 ? "sla-amber" : "sla-ok"); el.textContent = el.dataset.left.replace("%s", fmt(left)); }
    });
  }
  function loadCounts() {
    var nav = document.querySelector("[data-counts-url]");
    if (!nav || !window.fetch) return;
    fetch(nav.dataset.countsUrl, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : {}; })
      .then(function (counts) {
        nav.querySelectorAll("[data-queue]").forEach(function (el) {
          if (counts[el.dataset.queue] !== undefined) el.textContent = counts[el.dataset.queue];
        });
      });
  }
  document.addEventListener("DOMContentLoaded", function () {
    tick(); setInterval(tick, 1000); loadCounts();
    document.querySelectorAll("[data-autosubmit]").forEach(function (el) {
      el.addEventListener("change", function () { el.form.submit(); });
    });
    document.querySelectorAll("[data-select-all]").forEach(function (box) {
      box.addEventListener("change", function () {
        box.form.querySelectorAll('input[name="' + box.dataset.selectAll + '"]').forEach(function (el) {
          el.checked = box.checked;
        });
      });
    });
    document.querySelectorAll("[data-confirm]").forEach(function (button) {
      button.addEventListener("click", function (event) {
        if (!window.confirm(button.dataset.confirm)) event.preventDefault();
      });
    });
    document.addEventListener("keydown", function (event) {
      var t = event.target, typing = /INPUT|TEXTAREA|SELECT/.test(t.tagName) || t.isContentEditable;
      if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
      var target = document.querySelector('[data-shortcut="' + event.key + '"]');
      if (!target) return;
      event.preventDefault();
      if (target.tagName === "A") { window.location = target.href; } else { target.focus(); }
    });
  });
})();
