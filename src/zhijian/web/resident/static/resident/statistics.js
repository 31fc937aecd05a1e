// The statistics page's charts, drawn from the JSON the page embeds (json_script).
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("resident-stats").textContent);
  var charts = [];

  function draw(id, option) {
    var element = document.getElementById(id);
    if (!element) { return; }
    var chart = echarts.init(element);
    chart.setOption(option);
    charts.push(chart);
  }

  draw("chart-offices", {
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { top: 0 },
    grid: { left: 48, right: 24, bottom: 96, top: 40 },
    xAxis: { type: "category", data: data.offices, axisLabel: { interval: 0, rotate: 30 } },
    yAxis: { type: "value", minInterval: 1 },
    series: data.measures.map(function (m) { return { name: m.name, type: "bar", data: m.data }; })
  });
  draw("chart-days", {
    tooltip: { trigger: "axis" },
    legend: { type: "scroll", top: 0 },
    grid: { left: 48, right: 64, bottom: 40, top: 40 },
    xAxis: { type: "category", data: data.months },
    yAxis: { type: "value", minInterval: 1, max: 23 },
    series: data.days.map(function (s, i) {
      var series = { name: s.name, type: "line", data: s.data };
      if (i === 0) {
        series.markLine = { symbol: "none", data: [{ yAxis: data.goal, name: "目标" }],
                            label: { formatter: "目标 " + data.goal + " 日" } };
      }
      return series;
    })
  });

  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
