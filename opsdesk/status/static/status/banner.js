// opsdesk status banner. An LMS page includes it with
//   <script src="https://desk.example.edu.vn/status/banner.js" data-group="WEB102-HN"
//           data-lang="vi" defer></script>
// It asks the desk for the active incidents that concern the group and, only if there are
// any, puts a bar at the top of the page, which the reader can dismiss (until a new update).
// Every text from the desk is set with textContent: nothing it sends is read as HTML.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.fetch || !window.URL) return;
  var group = script.getAttribute("data-group") || "";
  var lang = script.getAttribute("data-lang") || document.documentElement.lang || "en";
  // The feed sits beside this script on the desk: /status/banner.js → /api/v1/status/banner.
  var feed = new URL("../api/v1/status/banner", script.src);
  feed.searchParams.set("group", group);
  feed.searchParams.set("lang", lang);
  var DISMISSED = "opsdesk-status-banner-dismissed:" + group.toLowerCase();

  function remembered() {
    try { return window.localStorage.getItem(DISMISSED) || ""; } catch (e) { return ""; }
  }

  function remember(value) {
    try { window.localStorage.setItem(DISMISSED, value); } catch (e) { /* private mode */ }
  }

  function element(tag, text, style) {
    var node = document.createElement(tag);
    if (text) node.textContent = text;
    if (style) node.setAttribute("style", style);
    return node;
  }

  function line(incident) {
    var p = element("p", "", "margin:0 0 2px;");
    p.appendChild(element("strong", incident.title));
    p.appendChild(document.createTextNode(" (" + incident.status_label + ")"));
    if (incident.message) p.appendChild(document.createTextNode(" " + incident.message));
    return p;
  }

  function show(answer) {
    var incidents = (answer && answer.incidents) || [];
    if (!incidents.length) return;
    var seen = incidents.map(function (i) { return i.id + "@" + i.at; }).join(",");
    if (remembered() === seen) return;
    var labels = answer.labels || {};
    var urgent = incidents.some(function (i) { return i.cos === "expedite"; });
    var bar = element("div", "", "box-sizing:border-box;width:100%;display:flex;gap:12px;" +
      "align-items:flex-start;padding:10px 16px;font:15px/1.4 system-ui,sans-serif;" +
      "color:#fff;background:" + (urgent ? "#a61b1b" : "#8a4b00") + ";");
    bar.id = "opsdesk-status-banner";
    bar.setAttribute("role", "region");
    bar.setAttribute("aria-label", labels.title || "Service status");
    var text = element("div", "", "flex:1;");
    incidents.forEach(function (incident) { text.appendChild(line(incident)); });
    if (/^https?:\/\//.test(answer.status_url || "")) {
      var more = element("a", labels.more || "Status page", "color:#fff;text-decoration:underline;");
      more.href = answer.status_url;
      text.appendChild(more);
    }
    var close = element("button", "\u00d7", "background:none;border:1px solid #fff;color:#fff;" +
      "border-radius:4px;font-size:18px;line-height:1;padding:2px 8px;cursor:pointer;");
    close.type = "button";
    close.setAttribute("aria-label", labels.dismiss || "Dismiss");
    close.addEventListener("click", function () {
      remember(seen);
      bar.parentNode.removeChild(bar);
    });
    bar.appendChild(text);
    bar.appendChild(close);
    document.body.insertBefore(bar, document.body.firstChild);
  }

  function start() {
    fetch(feed.toString(), { credentials: "omit" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(show, function () { /* the desk cannot be reached: show nothing */ });
  }

  if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
})();
