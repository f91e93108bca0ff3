/* The identity provider form (Company sign-in): only the chosen protocol's settings show.
 *
 * The protocol <select data-protocol-select> chooses which <fieldset data-protocol-fields="…">
 * is shown; the other is hidden and disabled, so that its fields are not posted either (the
 * server ignores and empties them anyway). Without JavaScript both fieldsets show, each under
 * its legend, with a note [data-protocol-nojs] that only the chosen protocol's count.
 */
(function () {
  "use strict";

  function follow(select) {
    var form = select.form;
    if (!form) return;
    form.querySelectorAll("[data-protocol-fields]").forEach(function (fieldset) {
      var chosen = fieldset.getAttribute("data-protocol-fields") === select.value;
      fieldset.hidden = !chosen;
      fieldset.disabled = !chosen;
    });
    form.querySelectorAll("[data-protocol-nojs]").forEach(function (note) {
      note.hidden = true;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-protocol-select]").forEach(function (select) {
      follow(select);
      select.addEventListener("change", function () {
        follow(select);
      });
    });
  });
})();
