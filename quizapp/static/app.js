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
})();
