/* 在线访谈 live page: replace the answered questions with the server's fragment every N seconds.
   Progressive enhancement only: without JavaScript the page is complete and a reload shows new
   answers. Stops when the tab is hidden; never loads anything from another host. */
(function () {
  "use strict";
  var box = document.querySelector("[data-module='gp-live']");
  if (!box || !window.fetch) { return; }
  var seconds = parseInt(box.getAttribute("data-seconds"), 10) || 20;
  var src = box.getAttribute("data-src");
  var last = box.innerHTML;
  function refresh() {
    if (document.hidden) { return; }
    fetch(src, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html !== null && html !== last) { box.innerHTML = html; last = html; }
      })
      .catch(function () { /* offline for a moment: try again next time */ });
  }
  window.setInterval(refresh, seconds * 1000);
}());
