/* Small enhancements; every page works without them. */
(function () {
  "use strict";

  // Print buttons (materials checklist): hidden without JavaScript, the browser's own print works.
  Array.prototype.forEach.call(document.querySelectorAll("[data-module='gp-print']"), function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  // A wide table scrolls sideways inside its .gp-table-wrap on a phone. A region that scrolls must
  // be reachable by keyboard (WCAG 2.1.1): templates give wide tables a tab stop in the markup;
  // any other wrapper gets one (with a name) only while it actually scrolls, e.g. after 关怀版
  // makes the text larger or the phone is turned.
  if (window.ResizeObserver) {
    var sync = function (wrap) {
      var scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
      if (scrolls && !wrap.hasAttribute("tabindex")) {
        var caption = wrap.querySelector("caption");
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-label", (caption ? caption.textContent.trim() + "，" : "") + "表格可左右滚动");
        wrap.setAttribute("data-gp-scroll", "");
      } else if (!scrolls && wrap.hasAttribute("data-gp-scroll")) {
        ["tabindex", "role", "aria-label", "data-gp-scroll"].forEach(function (a) { wrap.removeAttribute(a); });
      }
    };
    var observer = new ResizeObserver(function (entries) {
      entries.forEach(function (entry) { sync(entry.target.closest(".gp-table-wrap")); });
    });
    Array.prototype.forEach.call(document.querySelectorAll(".gp-table-wrap"), function (wrap) {
      if (wrap.hasAttribute("tabindex")) { return; } // focusable in the markup already
      observer.observe(wrap);
      if (wrap.firstElementChild) { observer.observe(wrap.firstElementChild); }
    });
  }

  // After a failed form submission, move focus to the error summary so it is read first.
  var summary = document.querySelector("[data-module='gp-error-summary']");
  if (summary) {
    summary.focus();
  }
}());
