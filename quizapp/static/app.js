// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Phones: fold the main navigation behind the Menu button (the CSS shows it only when narrow).
  var toggle = document.querySelector(".nav-toggle");
  if (toggle) {
    toggle.addEventListener("click", function () {
      var header = toggle.closest(".site-header");
      var open = header.classList.toggle("nav-open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  // Wide tables scroll inside their wrapper: make each scroller reachable by keyboard and named,
  // so its hidden columns (emails, actions) can be scrolled into view without a mouse.
  function labelScrollers() {
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      var scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
      if (scrolls && !wrap.hasAttribute("tabindex")) {
        var caption = wrap.querySelector("caption");
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-label", caption ? caption.textContent.trim() : "Table, scrolls sideways");
        wrap.setAttribute("data-scroller", "");
      }
    });
  }
  labelScrollers();
  window.addEventListener("resize", labelScrollers);

  // Assessment: the face follows the grades as they are chosen (the highest of rest and moving).
  document.querySelectorAll("form[data-grades]").forEach(function (form) {
    form.addEventListener("change", function (event) {
      var box = event.target.closest(".grade-zone");
      if (!box) { return; }
      var zone = box.getAttribute("data-zone");
      var best = -1;
      box.querySelectorAll("input[type=radio]:checked").forEach(function (input) {
        if (input.value !== "") { best = Math.max(best, parseInt(input.value, 10)); }
      });
      form.querySelectorAll('.facemap .zone[data-zone="' + zone + '"]').forEach(function (shape) {
        shape.setAttribute("class", "zone " + (best < 0 ? "zone-none" : "grade-" + best));
      });
    });
  });

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

  // Plan: add and remove rows without a reload and keep per-product totals live, held against the
  // label limits the page embeds. Without this the buttons submit and the server does the same.
  document.querySelectorAll("form[data-plan]").forEach(function (form) {
    var source = document.getElementById("plan-data");
    var template = document.getElementById("plan-row-template");
    var tbody = form.querySelector("[data-plan-rows] tbody");
    if (!source || !template || !tbody) { return; }
    var data = JSON.parse(source.textContent);
    var summary = form.querySelector("[data-totals-summary]");
    var limits = form.querySelector("[data-totals-limits]");
    form.querySelectorAll("[data-add-row]").forEach(function (b) { b.textContent = "Add a row"; });

    function shown(x) { return String(Math.round(x * 100) / 100); }
    function field(row, name) {
      var el = row.querySelector('[data-field="' + name + '"]');
      return el ? el.value : "";
    }
    function nextIndex() {
      var last = -1;
      tbody.querySelectorAll('[data-field="zone"]').forEach(function (el) {
        last = Math.max(last, parseInt(el.name.split("-")[1], 10));
      });
      return last + 1;
    }
    function addRow() {
      var i = nextIndex();
      if (i > 40) { return null; }  // the server reads at most 41 rows
      // A copy of the blank row, numbered: __i__ in names and ids, __n__ in the labels' text.
      var copy = template.content.cloneNode(true);
      copy.querySelectorAll("*").forEach(function (el) {
        ["name", "id", "for", "value"].forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value && value.indexOf("__i__") >= 0) { el.setAttribute(attr, value.replace("__i__", String(i))); }
        });
      });
      var walker = document.createTreeWalker(copy, NodeFilter.SHOW_TEXT);
      while (walker.nextNode()) {
        walker.currentNode.nodeValue = walker.currentNode.nodeValue.replace(/__n__/g, String(i + 1));
      }
      tbody.appendChild(copy);
      var row = tbody.lastElementChild;
      row.querySelector("select").focus();
      update();
      return row;
    }
    function update() {
      var perProduct = {}, order = [], units = [], ona = 0, upper = 0, ml = 0;
      tbody.querySelectorAll("tr").forEach(function (row) {
        var zone = data.zones[field(row, "zone")];
        var pid = field(row, "product");
        var product = data.products[pid];
        var amount = parseFloat(field(row, "amount").replace(",", "."));
        if (!zone || !product || isNaN(amount)) { return; }
        var total = amount * ((field(row, "side") || zone.side) === "both" ? 2 : 1);
        if (!(pid in perProduct)) { perProduct[pid] = 0; order.push(pid); }
        perProduct[pid] += total;
        if (product.toxin) {
          ona += total / product.ona;
          if (zone.upper) { upper += total / product.ona; }
        } else if (product.filler) {
          ml += total;
        } else {
          return; // hyaluronidase: its own units, no volume, no facial unit
        }
        if (units.indexOf(zone.unit) < 0) { units.push(zone.unit); }
      });
      var toxins = order.filter(function (p) { return data.products[p].toxin; });
      var fillers = order.filter(function (p) { return data.products[p].filler; });
      var enzymes = order.filter(function (p) { return !data.products[p].toxin && !data.products[p].filler; });
      units.sort();
      summary.textContent = "Toxin: " + (toxins.length ? toxins.map(function (p) {
        return shown(perProduct[p]) + " " + data.products[p].unit + " " + data.products[p].label;
      }).join(", ") : "none") + " · Filler: " + shown(ml) + " mL" + (fillers.length ? " (" + fillers.map(function (p) {
        return shown(perProduct[p]) + " mL " + data.products[p].label;
      }).join(", ") + ")" : "") + enzymes.map(function (p) {
        return " · " + data.products[p].label + ": " + shown(perProduct[p]) + " " + data.products[p].unit;
      }).join("") + " · Facial units treated: " + units.length + (units.length ? " (" + units.join(", ") + ")" : "");
      var values = { ona: ona, upper: upper, filler: ml };
      limits.replaceChildren();
      data.limits.concat([{ id: "units", label: "Facial units (more than " + data.maxUnits + " added no benefit)", max: data.maxUnits, refs: ["F15"] }]).forEach(function (limit) {
        var value = limit.id === "units" ? units.length : values[limit.id];
        var item = document.createElement("li");
        var over = value > limit.max;
        item.className = over ? "limit over" : "limit";
        item.textContent = limit.label + ": " + shown(value) + " of " + shown(limit.max) + (over ? " — over the limit" : "") + " (" + limit.refs.join(" ") + ")";
        limits.appendChild(item);
      });
      limits.hidden = false;
    }

    form.addEventListener("click", function (event) {
      var button = event.target.closest("button");
      if (!button) { return; }
      if (button.hasAttribute("data-add-row")) {
        event.preventDefault();
        addRow();
      } else if (button.hasAttribute("data-remove-row")) {
        event.preventDefault();
        var row = button.closest("tr");
        var next = row.nextElementSibling || row.previousElementSibling;
        row.remove();
        if (!tbody.querySelector("tr")) { next = addRow(); }
        if (next) { next.querySelector("select").focus(); }
        update();
      }
    });
    form.addEventListener("change", function (event) {
      var target = event.target;
      var row = target.closest("tr");
      if (row && target.getAttribute("data-field") === "zone") {
        var side = row.querySelector('[data-field="side"]');
        var zone = data.zones[target.value];
        if (zone && (side.value === "" || side.hasAttribute("data-auto"))) {
          side.value = zone.side;  // both sides of a paired zone, the midline otherwise
          side.setAttribute("data-auto", "");
        }
      } else if (row && target.getAttribute("data-field") === "side") {
        target.removeAttribute("data-auto");
      }
      update();
    });
    form.addEventListener("input", update);
    update();
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
