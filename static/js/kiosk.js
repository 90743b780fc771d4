// Progressive enhancement for the tablet; every screen works without it.
(function () {
  "use strict";
  // A page restored from the back/forward cache may show a previous patient's screen:
  // fetch it again, and the server decides what may be shown.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { window.location.reload(); }
  });

  // Warn before the idle clear-down (the meta refresh does the clearing): 30 seconds
  // ahead, or half-way for a short limit.
  var warning = document.getElementById("idle-warning");
  if (!warning) { return; }
  var idleSeconds = parseInt(warning.getAttribute("data-idle-seconds"), 10);
  if (!(idleSeconds > 0)) { return; }
  var lead = Math.min(30, idleSeconds / 2);
  window.setTimeout(function () {
    warning.hidden = false;
    var button = warning.querySelector("button");
    if (button) { button.focus(); }
  }, (idleSeconds - lead) * 1000);
})();
