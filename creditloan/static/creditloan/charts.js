// Draws the charts of a dashboard from the figures the page carries as JSON (json_script), with the
// vendored Chart.js. Each <canvas data-chart="ID"> names the <script id="ID"> holding
// {"type": ..., "labels": [...], "series": [{"label": ..., "values": [...]}], "percent": bool}.
document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
  const spec = JSON.parse(document.getElementById(canvas.dataset.chart).textContent);
  const palette = ["#0b5394", "#6aa84f", "#e69138", "#a61c00", "#674ea7", "#45818e"];
  if (spec.horizontal) canvas.parentElement.style.height = 22 * spec.labels.length + 60 + "px";
  new Chart(canvas, {
    type: spec.type,
    data: {
      labels: spec.labels,
      datasets: spec.series.map((series, index) => ({
        label: series.label,
        data: series.values,
        backgroundColor: palette[index % palette.length],
        borderColor: palette[index % palette.length],
      })),
    },
    options: {
      animation: false,
      responsive: true,
      indexAxis: spec.horizontal ? "y" : "x",
      // A horizontal chart (one bar per feature) gets the height its bars need and keeps every label: a drift
      // chart with every other feature unnamed cannot be read.
      maintainAspectRatio: !spec.horizontal,
      plugins: { legend: { display: spec.series.length > 1 } },
      scales: {
        [spec.horizontal ? "y" : "x"]: { ticks: { autoSkip: !spec.horizontal } },
        ...(spec.percent ? { [spec.horizontal ? "x" : "y"]: { ticks: { callback: (value) => value + "%" } } } : {}),
      },
    },
  });
});
