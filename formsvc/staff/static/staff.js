/* Workbench enhancements; every page works without them (progressive enhancement, nothing remote).

   Keyboard shortcuts, off while typing in a field and with Ctrl/Alt/⌘:
     j / k   next / previous message in a list (Enter opens it)
     d       分办 (message page)         r   答复 (message page)
     /       search by tracking number (the list's filter)
     ?       this help, with a switch that turns the one-key shortcuts off (WCAG 2.1.4)
   The department picker of 分办 gets a box that filters its options as you type, and the
   suggested department a button that picks it (the dispatcher still presses 分办). */
(function () {
  "use strict";

  var STORE = "gp-staff-shortcuts";
  var doc = document;

  function enabled() {
    try { return window.localStorage.getItem(STORE) !== "off"; } catch (e) { return true; }
  }

  function setEnabled(on) {
    try { window.localStorage.setItem(STORE, on ? "on" : "off"); } catch (e) { /* private mode */ }
  }

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  // --- j / k in a list --------------------------------------------------------------------------
  function rows() {
    return Array.prototype.filter.call(doc.querySelectorAll("table[data-staff-list] tbody tr"),
      function (tr) { return tr.querySelector("a[data-staff-open]"); });
  }

  function move(step) {
    var list = rows();
    if (!list.length) { return false; }
    var current = list.indexOf(doc.querySelector("tr.gp-staff-current"));
    var next = current < 0 ? (step > 0 ? 0 : list.length - 1)
      : Math.min(list.length - 1, Math.max(0, current + step));
    if (current >= 0) { list[current].classList.remove("gp-staff-current"); }
    list[next].classList.add("gp-staff-current");
    list[next].querySelector("a[data-staff-open]").focus();
    return true;
  }

  // --- d / r on a message -------------------------------------------------------------------------
  function openAction(id, selector) {
    var details = doc.getElementById(id);
    if (!details) { return false; }
    details.open = true;
    var target = details.querySelector(selector);
    if (target) { target.focus(); }
    details.scrollIntoView({ block: "start" });
    return true;
  }

  function search() {
    var box = doc.getElementById("number");
    if (box) { box.focus(); box.select(); return true; }
    var inbox = doc.querySelector(".gp-staff-nav a[href$='/inbox']");
    if (inbox) { window.location.href = inbox.getAttribute("href") + "#number"; return true; }
    return false;
  }

  // --- the help overlay ---------------------------------------------------------------------------
  var help = null;
  var returnTo = null;

  function buildHelp() {
    var overlay = doc.createElement("div");
    overlay.className = "gp-staff-help";
    overlay.hidden = true;
    overlay.innerHTML =
      '<div class="gp-staff-help__box" role="dialog" aria-modal="true" aria-labelledby="gp-staff-help-title">' +
      '<h2 id="gp-staff-help-title">键盘快捷键</h2>' +
      '<dl>' +
      '<dt><kbd>j</kbd> / <kbd>k</kbd></dt><dd>列表中的下一件 / 上一件留言，按 <kbd>Enter</kbd> 打开</dd>' +
      '<dt><kbd>d</kbd></dt><dd>分办（留言页面）</dd>' +
      '<dt><kbd>r</kbd></dt><dd>答复（留言页面）</dd>' +
      '<dt><kbd>/</kbd></dt><dd>按受理编号查找</dd>' +
      '<dt><kbd>?</kbd></dt><dd>显示或关闭本说明</dd>' +
      '<dt><kbd>Esc</kbd></dt><dd>关闭本说明</dd>' +
      '</dl>' +
      '<p class="gp-hint">在输入框中打字时快捷键不起作用。</p>' +
      '<div class="gp-checkboxes"><div class="gp-checkboxes__item">' +
      '<input class="gp-checkboxes__input" type="checkbox" id="gp-staff-shortcuts-on">' +
      '<label class="gp-checkboxes__label" for="gp-staff-shortcuts-on">启用单键快捷键</label></div></div>' +
      '<button type="button" class="gp-button gp-button--secondary" data-staff-help-close>关闭</button>' +
      '</div>';
    doc.body.appendChild(overlay);
    var box = overlay.querySelector("#gp-staff-shortcuts-on");
    box.checked = enabled();
    box.addEventListener("change", function () { setEnabled(box.checked); });
    overlay.querySelector("[data-staff-help-close]").addEventListener("click", closeHelp);
    overlay.addEventListener("click", function (event) { if (event.target === overlay) { closeHelp(); } });
    return overlay;
  }

  function openHelp() {
    help = help || buildHelp();
    returnTo = doc.activeElement;
    help.hidden = false;
    help.querySelector("[data-staff-help-close]").focus();
  }

  function closeHelp() {
    if (!help || help.hidden) { return; }
    // leave no focus on the hidden dialog (a key pressed next would go to its checkbox)
    if (help.contains(doc.activeElement)) { doc.activeElement.blur(); }
    help.hidden = true;
    if (returnTo && returnTo.focus) { returnTo.focus(); }
  }

  doc.addEventListener("keydown", function (event) {
    if (help && !help.hidden) {
      if (event.key === "Escape" || event.key === "?") { event.preventDefault(); closeHelp(); }
      else if (event.key === "Tab") {
        // keep the focus inside the dialog
        var items = help.querySelectorAll("input, button");
        var first = items[0], last = items[items.length - 1];
        if (event.shiftKey && doc.activeElement === first) { event.preventDefault(); last.focus(); }
        else if (!event.shiftKey && doc.activeElement === last) { event.preventDefault(); first.focus(); }
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    if (event.key === "?") { event.preventDefault(); openHelp(); return; }
    if (!enabled()) { return; }
    var done = false;
    switch (event.key) {
      case "j": done = move(1); break;
      case "k": done = move(-1); break;
      case "d": done = openAction("dispatch", "[data-staff-filter], select"); break;
      case "r": done = openAction("draft_reply", "textarea"); break;
      case "/": done = search(); break;
      default: return;
    }
    if (done) { event.preventDefault(); }
  });

  if (window.location.hash === "#number" && doc.getElementById("number")) {
    doc.getElementById("number").focus();
  }

  // --- the department picker of 分办 ---------------------------------------------------------------
  var picker = doc.getElementById("dispatch-department");
  if (picker) {
    var wrap = doc.createElement("div");
    wrap.className = "gp-form-group";
    wrap.innerHTML = '<label class="gp-label" for="dispatch-filter">按名称查找单位</label>' +
      '<div class="gp-hint" id="dispatch-filter-hint">输入单位名称中的字，下方列表只留下相符的单位</div>' +
      '<input class="gp-input" type="text" id="dispatch-filter" autocomplete="off" data-staff-filter aria-describedby="dispatch-filter-hint" aria-controls="dispatch-department">';
    var group = picker.closest(".gp-form-group") || picker;
    group.parentNode.insertBefore(wrap, group);
    var filter = wrap.querySelector("input");
    filter.addEventListener("input", function () {
      var words = filter.value.replace(/\s+/g, "");
      var matches = [];
      Array.prototype.forEach.call(picker.options, function (option) {
        var show = !option.value || !words || option.text.indexOf(words) >= 0 ||
          option.value.indexOf(words.toLowerCase()) === 0;
        option.hidden = !show;
        if (show && option.value) { matches.push(option); }
      });
      if (matches.length === 1) { picker.value = matches[0].value; }
    });
    filter.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); picker.focus(); }
    });
  }
  Array.prototype.forEach.call(doc.querySelectorAll("[data-staff-suggest]"), function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      if (picker) { picker.value = button.getAttribute("data-staff-suggest"); picker.focus(); }
    });
  });
}());
