// Filters that take a phone's first screen fold away there: a <details data-collapse-below="40rem">
// starts open (so it works without script) and is closed here on a narrower screen.
(function () {
  "use strict";
  document.querySelectorAll("details[data-collapse-below]").forEach(function (details) {
    if (window.matchMedia("(max-width: " + details.dataset.collapseBelow + ")").matches) {
      details.open = false;
    }
  });
})();
