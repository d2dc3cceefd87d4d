// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Hotspot questions: choosing a zone on the face map ticks the matching input in the list.
  document.querySelectorAll("[data-hotspot]").forEach(function (box) {
    var single = box.getAttribute("data-hotspot") === "one";
    function sync() {
      box.querySelectorAll(".facemap .zone").forEach(function (zone) {
        var input = document.getElementById("hs-" + zone.getAttribute("data-zone"));
        zone.classList.toggle("selected", !!(input && input.checked));
      });
    }
    box.querySelectorAll(".facemap .zone").forEach(function (zone) {
      zone.addEventListener("click", function (event) {
        var input = document.getElementById("hs-" + zone.getAttribute("data-zone"));
        if (!input) { return; }
        event.preventDefault();
        input.checked = single ? true : !input.checked;
        sync();
      });
    });
    box.addEventListener("change", sync);
  });

  // Long operations (imports, reports, sending): a form marked data-busy="Importing…" says it is
  // working once submitted: its submit buttons are disabled (no double submissions), the form is
  // aria-busy, and the text appears in a live region so screen readers hear it too. Without this
  // file the form simply submits.
  function liveRegion(after, tag) {
    var status = document.createElement(tag || "p");
    status.className = "busy-status";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    after.insertAdjacentElement("afterend", status);
    return status;
  }

  document.querySelectorAll("form[data-busy]").forEach(function (form) {
    var buttons = form.querySelectorAll("button:not([type]), button[type='submit'], input[type='submit']");
    var last = buttons.length ? buttons[buttons.length - 1] : form.lastElementChild;
    var status = last ? liveRegion(last) : null;
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("aria-busy") === "true") {
        event.preventDefault(); // already on its way
        return;
      }
      form.setAttribute("aria-busy", "true");
      // Disable after the browser has read the form, so the pressed button's name still goes.
      window.setTimeout(function () {
        buttons.forEach(function (button) { button.disabled = true; });
        if (status) { status.textContent = form.getAttribute("data-busy"); }
      }, 0);
    });
  });

  // Downloads (exports) stay on the page, so their note clears itself after a while.
  document.querySelectorAll("a[data-busy]").forEach(function (link) {
    var status = liveRegion(link, "span");
    link.addEventListener("click", function () {
      link.setAttribute("aria-busy", "true");
      status.textContent = link.getAttribute("data-busy");
      window.setTimeout(function () {
        link.removeAttribute("aria-busy");
        status.textContent = "";
      }, 6000);
    });
  });

  // Coming back with the browser's Back button shows the page as it was left: make it usable.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    document.querySelectorAll("form[data-busy][aria-busy='true']").forEach(function (form) {
      form.removeAttribute("aria-busy");
      form.querySelectorAll("button, input[type='submit']").forEach(function (b) { b.disabled = false; });
    });
    document.querySelectorAll(".busy-status").forEach(function (s) { s.textContent = ""; });
  });

  // Long checkbox lists (source keys, cohort members): a filter box hides the entries whose text
  // lacks every typed word. Hidden entries keep their ticks, so the form posts the same.
  document.querySelectorAll("[data-filterable]").forEach(function (root) {
    var box = root.querySelector(".filter-box");
    var input = root.querySelector("[data-filter]");
    if (!box || !input) { return; }
    box.hidden = false;
    input.addEventListener("input", function () {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      root.querySelectorAll("[data-filter-text]").forEach(function (item) {
        var text = item.getAttribute("data-filter-text");
        item.hidden = !words.every(function (word) { return text.indexOf(word) !== -1; });
      });
      root.querySelectorAll("[data-filter-group]").forEach(function (group) {
        group.hidden = !group.querySelector("[data-filter-text]:not([hidden])");
      });
    });
  });
})();
