/* Rows of a table of inputs (a Django formset) added and removed in the page.
 *
 * A container [data-rows="<prefix>"] holds the formset's management form, a body
 * [data-rows-body] of rows [data-row], a <template data-rows-template> row whose names carry
 * __prefix__, an "add" button [data-rows-add] and, in each row, a "remove" button
 * [data-rows-remove]. Without JavaScript the buttons stay hidden and each row's "Remove"
 * checkbox [data-rows-nojs] does the work; a row removed here leaves the post, and the server
 * skips the missing index. Row headings are renumbered ([data-row-number]) so that they match
 * the "Landmark 3: …" the server writes in its errors.
 *
 * The units written beside the values follow the live SMART check (#smart-feedback carries
 * them), and a band's payout unit follows its kind.
 */
(function () {
  "use strict";

  function renumber(container) {
    container.querySelectorAll("[data-rows-body] [data-row]").forEach(function (row, index) {
      var number = row.querySelector("[data-row-number]");
      if (number) number.textContent = String(index + 1);
    });
  }

  function enhance(scope) {
    scope.querySelectorAll("[data-rows-nojs]").forEach(function (element) {
      element.hidden = true;
    });
    scope.querySelectorAll("[data-rows-remove], [data-rows-add]").forEach(function (element) {
      element.hidden = false;
    });
  }

  function changed(element) {
    // The live parts of the form (the SMART check) listen to "change".
    element.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function add(container) {
    var total = container.querySelector('input[name$="-TOTAL_FORMS"]');
    var template = container.querySelector("template[data-rows-template]");
    var body = container.querySelector("[data-rows-body]");
    if (!total || !template || !body) return;
    var index = Number(total.value) || 0;
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    body.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    var row = body.lastElementChild;
    enhance(row);
    followUnits(row);
    renumber(container);
    var first = row.querySelector("input:not([type=hidden]):not([type=checkbox]), select");
    if (first) first.focus();
  }

  function remove(container, button) {
    var row = button.closest("[data-row]");
    if (!row) return;
    var rows = Array.prototype.slice.call(container.querySelectorAll("[data-rows-body] [data-row]"));
    var next = rows[rows.indexOf(row) + 1] || rows[rows.indexOf(row) - 1];
    row.remove();
    renumber(container);
    // Focus stays in the table: on the next row's remove button, else on "add".
    var target = next ? next.querySelector("[data-rows-remove]") : null;
    (target || container.querySelector("[data-rows-add]") || container).focus();
    changed(container);
  }

  function payoutUnit(select) {
    var container = select.closest("[data-rows]");
    var row = select.closest("[data-row]");
    var unit = row && row.querySelector("[data-payout-unit]");
    if (!container || !unit) return;
    var text = container.getAttribute("data-unit-" + select.value);
    if (text !== null) unit.textContent = text;
  }

  function setUp(scope) {
    scope.querySelectorAll("[data-rows]").forEach(function (container) {
      enhance(container);
      renumber(container);
      if (container.dataset.rowsReady) return;
      container.dataset.rowsReady = "1";
      container.addEventListener("click", function (event) {
        var adding = event.target.closest("[data-rows-add]");
        var removing = event.target.closest("[data-rows-remove]");
        if (adding) add(container);
        if (removing) remove(container, removing);
      });
      container.addEventListener("change", function (event) {
        if (event.target.matches('select[name$="-kind"]')) payoutUnit(event.target);
      });
    });
  }

  function followUnits(scope) {
    var feedback = document.getElementById("smart-feedback");
    if (!feedback) return;
    var value = feedback.getAttribute("data-value-unit") || "";
    var payout = feedback.getAttribute("data-payout-unit") || "";
    scope.querySelectorAll("[data-value-unit]").forEach(function (element) {
      if (element === feedback) return;
      element.textContent = value;
      element.hidden = !value;
    });
    var bands = document.querySelector('[data-rows="bands"]');
    if (bands) bands.setAttribute("data-unit-fixed", payout);
    scope.querySelectorAll('select[name^="bands-"][name$="-kind"]').forEach(payoutUnit);
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUp(document);
  });
  document.addEventListener("htmx:load", function (event) {
    setUp(event.target.parentElement || document);
    if (event.target.id === "smart-feedback") followUnits(document);
  });
})();
