/* Draws every chart whose data the page embeds with json_script, in the page's language. */
(function () {
  "use strict";
  var palette = ["#0d6efd", "#20c997", "#fd7e14", "#6f42c1", "#dc3545", "#198754",
                 "#0dcaf0", "#ffc107", "#6c757d", "#d63384", "#6610f2", "#adb5bd"];
  // The reader's format locale (drm.formats: "en-GB" for the channel's English, "en-US", "fr-FR"),
  // else <html lang>: numbers, months and days are written its way.
  var root = document.documentElement;
  var locale = root.dataset.formatLocale || root.lang || "en-GB";
  var wholeNumber = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
  var monthName = new Intl.DateTimeFormat(locale, { month: "short", year: "numeric" });
  // The short date of the pages: 31/12/2026, 12/31/2026.
  var dayName = new Intl.DateTimeFormat(locale, { day: "2-digit", month: "2-digit", year: "numeric" });

  var percent = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 0 });

  function money(value, currency) {
    if (currency === "%") { return percent.format(value); }
    if (!currency) { return wholeNumber.format(value); }
    return new Intl.NumberFormat(locale, { style: "currency", currency: currency,
                                           maximumFractionDigits: 0 }).format(value);
  }

  // spec.percent_values: the figures are percentages already (30.4 means 30.4 %), written
  // with spec.decimals decimals (a goal's target precision).
  function hundredths(value, decimals) {
    return new Intl.NumberFormat(locale, { style: "percent", minimumFractionDigits: decimals || 0,
                                           maximumFractionDigits: decimals || 0 }).format(value / 100);
  }

  function label(text) {
    // The data carry ISO dates: "2026-03" → "mars 2026" / "Mar 2026"; "2026-03-31" →
    // "31/03/2026" / "03/31/2026"; anything else is shown as it is.
    var match = /^(\d{4})-(\d{2})(?:-(\d{2}))?$/.exec(text);
    if (!match) { return text; }
    var year = Number(match[1]), month = Number(match[2]) - 1;
    if (match[3]) { return dayName.format(new Date(year, month, Number(match[3]))); }
    return monthName.format(new Date(year, month, 1));
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.source);
    if (!source || typeof Chart === "undefined") { return; }
    var spec = JSON.parse(source.textContent);
    var type = canvas.dataset.type || "bar";
    var datasets = spec.datasets.map(function (set, i) {
      var color = palette[i % palette.length];
      return Object.assign({
        backgroundColor: type === "doughnut" ? palette.slice(0, set.data.length) : color,
        borderColor: type === "doughnut" ? "#fff" : color,
      }, set);
    });
    var stacked = canvas.dataset.stacked === "true";
    var horizontal = canvas.dataset.horizontal === "true";
    var valueAxis = horizontal ? "x" : "y";
    // spec.decimals: figures that are not money nor counts (an average rating of 3.5).
    var figure = spec.decimals && !spec.percent_values ? new Intl.NumberFormat(locale, {
      maximumFractionDigits: spec.decimals }) : null;
    var tooltip = { callbacks: {
      // The category (a month, a day) as the axis writes it, not as the data carry it.
      title: function (items) {
        if (!items.length || type === "scatter") { return ""; }
        return label(String(items[0].label));
      },
      label: function (item) {
      var value = type === "doughnut" ? item.parsed :
        type === "radar" ? item.parsed.r : item.parsed[valueAxis];
      // A scatter point may carry its own name ({x, y, label}).
      var name = item.raw && item.raw.label ? item.raw.label : item.dataset.label;
      var write = function (v) {
        return spec.percent_values ? hundredths(v, spec.decimals) :
          figure ? figure.format(v) : money(v, spec.currency);
      };
      // A floating bar (an interval) carries [low, high].
      var written = Array.isArray(item.raw) ? write(item.raw[0]) + "–" + write(item.raw[1]) :
        write(value);
      return (name ? name + ": " : "") + written;
    } } };
    var options = { responsive: true, maintainAspectRatio: false, animation: false, locale: locale,
                    plugins: { legend: { position: "bottom" }, tooltip: tooltip } };
    if (type === "radar") {
      options.scales = { r: { min: 0, max: typeof spec.max === "number" ? spec.max : 100,
                              ticks: { stepSize: 25 } } };
    } else if (type !== "doughnut") {
      var categories = { stacked: stacked, ticks: { callback: function (value) {
        return label(this.getLabelForValue(value)); } } };
      var values = { stacked: stacked, beginAtZero: true,
                     ticks: { callback: function (value) {
                       if (spec.percent_values) { return hundredths(value, spec.decimals); }
                       if (spec.currency === "%") { return percent.format(value); }
                       return (figure || wholeNumber).format(value); } },
                     title: { display: !!spec.currency && spec.currency !== "%",
                              text: spec.currency || "" } };
      if (typeof spec.max === "number") { values.max = spec.max; }
      if (horizontal) {
        options.indexAxis = "y";
        options.scales = { x: values, y: categories };
      } else {
        options.scales = { x: categories, y: values };
      }
    }
    canvas.chart = new Chart(canvas, { type: type, data: { labels: spec.labels, datasets: datasets },
                                        options: options });
    canvas.dataset.rendered = "true";
  }

  document.querySelectorAll("canvas[data-source]").forEach(draw);
})();
