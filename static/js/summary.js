// While a referral summary is prepared: ask the status route every few seconds and open the
// summary once it is ready. Without script the page's "Check again" button does the same.
(function () {
  "use strict";
  var box = document.getElementById("summary-preparing");
  var state = document.getElementById("summary-state");
  if (!box || !state || !window.fetch) { return; }
  var statusUrl = box.getAttribute("data-status-url");
  var readyUrl = box.getAttribute("data-ready-url");
  var INTERVAL_MS = 3000;

  function check() {
    fetch(statusUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { status: "queued" }; })
      .then(function (body) {
        if (body.status === "ready") {
          state.textContent = "The referral summary is ready and is downloading.";
          window.location.assign(readyUrl);
        } else if (body.status === "failed") {
          state.textContent = "The summary could not be prepared. Press “Check again” to prepare it again.";
        } else {
          window.setTimeout(check, INTERVAL_MS);
        }
      })
      .catch(function () { window.setTimeout(check, INTERVAL_MS); });
  }
  window.setTimeout(check, INTERVAL_MS);
})();
