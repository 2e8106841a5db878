/* Small enhancements; every page works without them. */
(function () {
  "use strict";

  // Print buttons (materials checklist): hidden without JavaScript, the browser's own print works.
  Array.prototype.forEach.call(document.querySelectorAll("[data-module='gp-print']"), function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  // After a failed form submission, move focus to the error summary so it is read first.
  var summary = document.querySelector("[data-module='gp-error-summary']");
  if (summary) {
    summary.focus();
  }
}());
