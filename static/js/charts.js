/* Draws every chart whose data the page embeds with json_script. */
(function () {
  "use strict";
  var palette = ["#0d6efd", "#20c997", "#fd7e14", "#6f42c1", "#dc3545", "#198754",
                 "#0dcaf0", "#ffc107", "#6c757d", "#d63384", "#6610f2", "#adb5bd"];

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
    var options = { responsive: true, maintainAspectRatio: false, animation: false,
                    plugins: { legend: { position: "bottom" } } };
    if (type !== "doughnut") {
      options.scales = { x: { stacked: stacked }, y: { stacked: stacked, beginAtZero: true,
        title: { display: !!spec.currency, text: spec.currency || "" } } };
    }
    canvas.chart = new Chart(canvas, { type: type, data: { labels: spec.labels, datasets: datasets },
                                        options: options });
    canvas.dataset.rendered = "true";
  }

  document.querySelectorAll("canvas[data-source]").forEach(draw);
})();
