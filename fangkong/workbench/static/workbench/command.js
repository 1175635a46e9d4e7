// The command view (workbench/command.html): the 14-day trend chart of each
// [data-fk-trend] element (its data in the json_script the attribute names, the series'
// names in data- attributes), drawn again after htmx has swapped the panels in (the wall
// screen refreshes them every minute); and the wall screen's full-screen button.
(function () {
  "use strict";
  var charts = [];
  function draw() {
    if (typeof echarts === "undefined") return;
    charts.forEach(function (chart) { chart.dispose(); });
    charts = [];
    document.querySelectorAll("[data-fk-trend]").forEach(function (element) {
      var source = document.getElementById(element.dataset.fkTrend);
      if (!source) return;
      var data = JSON.parse(source.textContent);
      var chart = echarts.init(element);
      chart.setOption({
        // richText: a tooltip drawn on the canvas; the HTML one writes style attributes,
        // which the Content-Security-Policy blocks.
        tooltip: {trigger: "axis", renderMode: "richText"}, legend: {top: 0},
        grid: {left: 40, right: 10, top: 30, bottom: 30}, animation: false,
        xAxis: {type: "category", data: data.days}, yAxis: {type: "value", max: 100},
        series: [
          {name: element.dataset.labelFiled, type: "line", data: data.filed_rate},
          {name: element.dataset.labelOnTime, type: "line", data: data.on_time_rate},
        ],
      });
      charts.push(chart);
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
  document.body.addEventListener("htmx:afterSettle", function (event) {
    if (event.target.id === "command-panels" || event.target.querySelector("[data-fk-trend]")) draw();
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  document.addEventListener("click", function (event) {
    if (!event.target.closest("[data-fk-fullscreen]")) return;
    var root = document.documentElement;
    if (document.fullscreenElement) document.exitFullscreen();
    else if (root.requestFullscreen) root.requestFullscreen();
  });
})();
