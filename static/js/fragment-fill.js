// Links and QR codes carry one-time codes after "#", which browsers never send to the
// server, so no code reaches an access log. This fills the named field from the fragment
// and removes the fragment from the address bar and history. Without JavaScript the
// person types the code instead.
(function () {
  "use strict";
  var hash = window.location.hash.replace(/^#/, "");
  if (!hash) { return; }
  var values = {};
  hash.split("&").forEach(function (pair) {
    var parts = pair.split("=");
    if (parts.length === 2) {
      try { values[parts[0]] = decodeURIComponent(parts[1]); } catch (error) { /* not ours */ }
    }
  });
  var filled = false;
  document.querySelectorAll("[data-fragment-field]").forEach(function (input) {
    var value = values[input.getAttribute("data-fragment-field")];
    if (value) { input.value = value; filled = true; }
  });
  if (filled && window.history && window.history.replaceState) {
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }
})();
