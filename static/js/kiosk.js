// Progressive enhancement for the tablet; every screen works without it.
(function () {
  "use strict";
  // A page restored from the back/forward cache may show a previous patient's screen:
  // fetch it again, and the server decides what may be shown.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { window.location.reload(); }
  });

  // Save an answer as it is chosen, so one never sent with Next survives an idle clear-out.
  // The form's own fields go with it, CSRF token included; Next still saves it without this.
  function saveAsChosen(form) {
    var url = form.getAttribute("data-save-url");
    if (!url || !window.fetch || !window.FormData) { return; }
    form.addEventListener("change", function (event) {
      if (!event.target.name || event.target.name.indexOf("item_") !== 0) { return; }
      window.fetch(url, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        redirect: "manual",
        keepalive: true
      }).catch(function () { /* Next saves it anyway */ });
    });
  }

  // Warn before the idle clear-down (the Refresh header does the clearing): 30 seconds
  // ahead, or half-way for a short limit.
  function warnBeforeClearing(warning) {
    var idleSeconds = parseInt(warning.getAttribute("data-idle-seconds"), 10);
    if (!(idleSeconds > 0)) { return; }
    var lead = Math.min(30, idleSeconds / 2);
    window.setTimeout(function () {
      warning.hidden = false;
      var button = warning.querySelector("button");
      if (button) { button.focus(); }
    }, (idleSeconds - lead) * 1000);
  }

  // The final page goes back to the code screen, replacing itself in the history so that
  // Back does not return to it (the Refresh header does the same without JavaScript).
  function returnToStart(done) {
    var url = done.getAttribute("data-return-url");
    var seconds = parseInt(done.getAttribute("data-return-seconds"), 10);
    if (!url || !(seconds > 0)) { return; }
    window.setTimeout(function () { window.location.replace(url); }, seconds * 1000);
    var finished = document.getElementById("finished");
    if (finished) {
      finished.addEventListener("click", function (event) {
        event.preventDefault();
        window.location.replace(url);
      });
    }
  }

  var form = document.getElementById("sitting-form");
  if (form) { saveAsChosen(form); }
  var warning = document.getElementById("idle-warning");
  if (warning) { warnBeforeClearing(warning); }
  var done = document.getElementById("done");
  if (done) { returnToStart(done); }
})();
