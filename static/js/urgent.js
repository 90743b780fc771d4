// Keeps the worklist and check-in pages current without a reload: polls the ids of the
// clinic's unacknowledged safety flags, shows their count in the page title, announces a
// new one politely, and when the set changes fetches this page again and swaps in its
// regions marked data-live-refresh. Every page works without it (a reload shows the same).
(function () {
  "use strict";
  var announcer = document.getElementById("urgent-announcer");
  if (!announcer || !window.fetch || !window.DOMParser) { return; }
  var pollUrl = announcer.getAttribute("data-urgent-poll");
  var known = announcer.getAttribute("data-urgent-ids") || "";
  var EVERY_MS = 5000;
  var TITLE_COUNT = /^\(\d+ urgent\) /;

  function plural(count, word) { return count + " " + word + (count === 1 ? "" : "s"); }

  // Worded as the server words it (app/templating.py elapsed).
  function elapsed(seconds) {
    var minutes = Math.floor(seconds / 60);
    if (minutes < 1) { return "less than a minute"; }
    if (minutes < 60) { return plural(minutes, "minute"); }
    var hours = Math.floor(minutes / 60);
    minutes = minutes % 60;
    if (hours < 24) { return plural(hours, "hour") + (minutes ? " " + plural(minutes, "minute") : ""); }
    return plural(Math.floor(hours / 24), "day");
  }

  function ageTimes() {
    var now = Date.now();
    document.querySelectorAll("time[data-since]").forEach(function (element) {
      var at = Date.parse(element.getAttribute("datetime"));
      if (!isNaN(at)) { element.textContent = elapsed(Math.max(0, now - at) / 1000) + " ago"; }
    });
  }

  function showCount(count) {
    var title = document.title.replace(TITLE_COUNT, "");
    document.title = count ? "(" + count + " urgent) " + title : title;
  }

  function refreshRegions() {
    if (!document.querySelector("[data-live-refresh]")) { return null; }
    return fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-live-refresh]").forEach(function (region) {
          var replacement = fresh.getElementById(region.id);
          if (replacement) { region.replaceWith(document.importNode(replacement, true)); }
        });
      });
  }

  function poll() {
    fetch(pollUrl, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return null; }
        showCount(data.count);
        var ids = data.ids.join(",");
        if (ids === known) { return null; }
        var before = known ? known.split(",") : [];
        var added = data.ids.filter(function (id) { return before.indexOf(String(id)) < 0; });
        known = ids;
        if (added.length) {
          announcer.textContent = plural(data.count, "urgent screening") + " not yet acknowledged.";
        }
        return refreshRegions();
      })
      .catch(function () { /* offline for a moment: the next poll tries again */ })
      .then(function () {
        ageTimes();
        window.setTimeout(poll, EVERY_MS);
      });
  }

  window.setTimeout(poll, EVERY_MS);
})();
