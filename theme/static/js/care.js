/* 关怀版 (large text, high contrast) switch.
 * Loaded synchronously in <head> so the saved choice is applied before the first paint; the
 * button is wired once the document is parsed. No inline script anywhere: the site runs under a
 * Content-Security-Policy without 'unsafe-inline'. The key is shared with formsvc (same origin).
 */
(function () {
  "use strict";
  var KEY = "gp-care";
  var CLASS = "gp-care";
  var root = document.documentElement;

  function saved() {
    try {
      return window.localStorage.getItem(KEY) === "1";
    } catch (e) {
      return false; // storage blocked (private mode, cookies off): fall back to the normal look
    }
  }

  function save(on) {
    try {
      if (on) {
        window.localStorage.setItem(KEY, "1");
      } else {
        window.localStorage.removeItem(KEY);
      }
    } catch (e) { /* the switch still works for this page */ }
  }

  root.className = root.className.replace(/\bgp-no-js\b/, "gp-js");
  if (saved()) {
    root.classList.add(CLASS);
  }

  function wire() {
    var buttons = document.querySelectorAll("[data-module='gp-care']");
    Array.prototype.forEach.call(buttons, function (button) {
      var sync = function () {
        var on = root.classList.contains(CLASS);
        button.setAttribute("aria-pressed", on ? "true" : "false");
        button.textContent = on ? "标准版" : "关怀版";
        button.title = on ? "切换回标准版" : "切换到关怀版（大字体、高对比度）";
      };
      button.addEventListener("click", function () {
        var on = !root.classList.contains(CLASS);
        root.classList.toggle(CLASS, on);
        save(on);
        Array.prototype.forEach.call(buttons, function (b) { b.dispatchEvent(new Event("gp-care-sync")); });
      });
      button.addEventListener("gp-care-sync", sync);
      sync();
      button.hidden = false;
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", wire);
  } else {
    wire();
  }
}());
