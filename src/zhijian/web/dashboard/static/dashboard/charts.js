// The dashboard's charts, drawn from the JSON the page embeds (json_script).
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("dashboard-data").textContent);
  var charts = [];

  function draw(id, option) {
    var element = document.getElementById(id);
    if (!element) { return; }
    var chart = echarts.init(element);
    chart.setOption(option);
    charts.push(chart);
  }

  function bar(names, values, horizontal) {
    var category = { type: "category", data: names, axisLabel: { interval: 0, rotate: horizontal ? 0 : 40 } };
    var value = { type: "value", minInterval: 1 };
    return {
      tooltip: { trigger: "axis" },
      grid: { left: horizontal ? 160 : 48, right: 24, bottom: horizontal ? 32 : 72, top: 16 },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? Object.assign(category, { inverse: true }) : value,
      series: [{ type: "bar", data: values }]
    };
  }

  var byStatus = data.category_status;
  draw("chart-category-status", {
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { type: "scroll", top: 0 },
    grid: { left: 48, right: 24, bottom: 56, top: 48 },
    // The four category names are long: wrap each onto lines of six characters.
    xAxis: {
      type: "category",
      data: byStatus.categories,
      axisLabel: {
        interval: 0,
        formatter: function (name) { return name.replace(/(.{6})/g, "$1\n").trim(); }
      }
    },
    yAxis: { type: "value", minInterval: 1 },
    series: byStatus.series.map(function (s) {
      return { name: s.name, type: "bar", stack: "status", data: s.data };
    })
  });
  draw("chart-city", bar(data.city.names, data.city.values, false));
  draw("chart-month", {
    tooltip: { trigger: "axis" },
    grid: { left: 48, right: 24, bottom: 48, top: 16 },
    xAxis: { type: "category", data: data.month.months },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ type: "line", data: data.month.values, smooth: true, areaStyle: {} }]
  });
  draw("chart-top-models", bar(data.top_models.models, data.top_models.values, true));

  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
