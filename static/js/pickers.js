/* Pickers that search as one types (drm/widgets.py), over Tom Select (vendored).
 *
 * [data-picker="one"|"many"] on a <select> searches its options; on a text box with
 * [data-picker-url] it asks the portal (?q=…, JSON {"results": [{"value", "text"}]}) and the
 * box keeps holding the code. The chosen items show as chips with a remove button; Backspace
 * removes the last one from the keyboard. The combobox, its list and its options carry their
 * ARIA roles (Tom Select), the label of the field names the combobox, and what is chosen or
 * removed is announced in a polite live region. The texts come from the element's
 * data-picker-* attributes, in the reader's language.
 */
(function () {
  "use strict";

  function liveRegion(wrapper) {
    var region = document.createElement("span");
    region.className = "visually-hidden";
    region.setAttribute("aria-live", "polite");
    wrapper.insertAdjacentElement("afterend", region);
    return region;
  }

  function removeButton(text, owner) {
    return {
      title: text,
      html: function () {
        var button = document.createElement("span");
        button.addEventListener("click", function () {
          // Removing a chip is not asking for the list: keep it closed.
          window.setTimeout(function () {
            if (owner.picker) owner.picker.close();
          }, 0);
        });
        button.className = "remove";
        button.setAttribute("role", "button");
        button.setAttribute("aria-label", text);
        button.tabIndex = -1;
        button.title = text;
        button.textContent = "×";
        return button;
      },
    };
  }

  function searchUrl(url, query) {
    return url + (url.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(query);
  }

  function remoteSettings(input, texts) {
    var url = input.getAttribute("data-picker-url");
    return {
      valueField: "value",
      labelField: "text",
      searchField: ["text"],
      maxItems: 1,
      preload: "focus",
      loadThrottle: 250,
      shouldLoad: function () {
        return true;
      },
      load: function (query, callback) {
        var self = this;
        fetch(searchUrl(url, query), {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        })
          .then(function (response) {
            return response.ok ? response.json() : { results: [] };
          })
          .then(function (body) {
            // A new search replaces the list: options of an older one would linger.
            self.clearOptions();
            callback(body.results || []);
          })
          .catch(function () {
            callback();
          });
      },
      render: {
        loading: function (data, escape) {
          return '<div class="loading">' + escape(texts.searching) + "</div>";
        },
      },
    };
  }

  function named(input, code, picker) {
    // The box holds a code: show the name that goes with it.
    var url = input.getAttribute("data-picker-url");
    fetch(searchUrl(url, code), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.ok ? response.json() : { results: [] };
      })
      .then(function (body) {
        (body.results || []).forEach(function (row) {
          if (row.value.toLowerCase() === code.toLowerCase()) {
            picker.updateOption(code, { value: code, text: row.text });
          }
        });
      })
      .catch(function () {});
  }

  function setUp(scope) {
    if (typeof window.TomSelect === "undefined") return;
    scope.querySelectorAll("[data-picker]").forEach(function (input) {
      if (input.tomselect) return;
      var texts = {
        none: input.getAttribute("data-picker-none") || "",
        remove: input.getAttribute("data-picker-remove") || "",
        chosen: input.getAttribute("data-picker-chosen") || "",
        removed: input.getAttribute("data-picker-removed") || "",
        searching: input.getAttribute("data-picker-searching") || "",
        prompt: input.getAttribute("data-picker-prompt") || "",
      };
      // The empty choice says what choosing nothing means ("Any product line"); a row of
      // dashes says nothing: the prompt to type takes its place.
      var empty = input.tagName === "SELECT" ? input.querySelector('option[value=""]') : null;
      var placeholder = input.getAttribute("placeholder") || texts.prompt;
      if (empty && !/^[-—\s]*$/.test(empty.textContent)) placeholder = empty.textContent.trim();
      var owner = {};
      var settings = {
        plugins: { remove_button: removeButton(texts.remove, owner) },
        create: false,
        maxOptions: 200,
        closeAfterSelect: true,
        hideSelected: input.multiple,
        refreshThrottle: 0, // the options are in the page: no wait before they are filtered
        placeholder: placeholder,
        render: {
          no_results: function (data, escape) {
            return '<div class="no-results">' + escape(texts.none) + "</div>";
          },
          item: function (data, escape) {
            // The text in its own box, so that a long name is cut with "…", not wrapped.
            var label = data[this.settings.labelField];
            return '<div><span class="picker-text">' + escape(label) + "</span></div>";
          },
        },
        onInitialize: function () {
          // Tom Select hides the element it enhances: the wrapper takes its place in the layout.
          this.wrapper.classList.add("picker");
        },
      };
      var remote = input.hasAttribute("data-picker-url");
      if (remote) {
        var extra = remoteSettings(input, texts);
        Object.assign(settings.render, extra.render);
        delete extra.render;
        Object.assign(settings, extra);
      }
      var code = remote ? input.value.trim() : "";
      var picker = new window.TomSelect(input, settings);
      owner.picker = picker;
      // The element enhanced stays in the form, out of sight: out of hearing too, or a screen
      // reader would meet the choice twice.
      input.setAttribute("aria-hidden", "true");
      var region = liveRegion(picker.wrapper);
      picker.on("item_add", function (value, item) {
        var label = item ? item.textContent.replace("×", "").trim() : value;
        region.textContent = texts.chosen + " " + label;
      });
      picker.on("item_remove", function (value) {
        var option = picker.options[value];
        region.textContent = texts.removed + " " + (option ? option.text || value : value);
      });
      if (code) named(input, code, picker);
      picker.control_input.addEventListener("keydown", function (event) {
        // Enter while searching chooses, or waits for the results: it never sends the form.
        if (event.key === "Enter" && picker.control_input.value.trim()) event.preventDefault();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUp(document);
  });
  document.addEventListener("htmx:load", function (event) {
    setUp(event.target.parentElement || document);
  });
})();
