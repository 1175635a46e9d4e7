// The canteen plan's chart (canteens/detail.html): people per slot stacked by department,
// and the safe capacity as a line. Data from the page's json_script (#plan-data).
(function () {
  "use strict";
  var element = document.getElementById("plan-chart");
  var source = document.getElementById("plan-data");
  if (!element || !source || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  var chart = echarts.init(element);
  var series = data.series.map(function (s) {
    return {name: s.name, type: "bar", stack: "people", data: s.data, label: {show: true, formatter: function (p) { return p.value ? p.seriesName : ""; }}};
  });
  if (series.length) {
    series[0].markLine = {symbol: "none", lineStyle: {color: "#dc3545"}, label: {position: "insideEndTop", formatter: element.dataset.labelCapacity + " " + data.capacity},
                          data: [{yAxis: data.capacity}]};
  }
  chart.setOption({
    tooltip: {trigger: "item", renderMode: "richText"},
    grid: {left: 40, right: 10, top: 20, bottom: 30},
    xAxis: {type: "category", data: data.labels},
    yAxis: {type: "value", max: function (v) { return Math.max(v.max, data.capacity) + 2; }},
    series: series,
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
