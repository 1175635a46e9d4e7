// The overview's 30-day trend (reporting/overview.html): completeness rates, or one
// figure fetched from the series endpoint. Data comes from the page's json_script
// (#trend-data), the series' names from data- attributes on #trend.
(function () {
  "use strict";
  var element = document.getElementById("trend");
  var source = document.getElementById("trend-data");
  var select = document.getElementById("trend-series");
  if (!element || !source || !select || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  var chart = echarts.init(element);
  function show(series, percent) {
    chart.setOption({
      // richText: a tooltip drawn on the canvas; the HTML one writes style attributes,
      // which the Content-Security-Policy blocks.
      tooltip: {trigger: "axis", renderMode: "richText"}, legend: {}, grid: {left: 40, right: 10, top: 30, bottom: 30},
      xAxis: {type: "category", data: data.days}, yAxis: {type: "value", max: percent ? 100 : null},
      series: series,
    }, true);
  }
  function draw() {
    var code = select.value;
    if (!code) {
      show([{name: element.dataset.labelFiled, type: "line", data: data.filed_rate},
            {name: element.dataset.labelOnTime, type: "line", data: data.on_time_rate}], true);
      return;
    }
    var params = new URLSearchParams(Object.assign({field: code}, data.query));
    fetch(data.series_url + "?" + params, {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (s) { show([{name: s.label, type: "line", data: s.data}], false); });
  }
  select.addEventListener("change", draw);
  window.addEventListener("resize", function () { chart.resize(); });
  draw();
})();
