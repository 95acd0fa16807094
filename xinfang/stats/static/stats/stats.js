/* 统计分析: draws the charts from the figures the page passes in <script id="stats-chart-data"> (json_script).
   The tables already carry every number, so a missing script or an old browser loses only the pictures. */
(function () {
  "use strict";
  var source = document.getElementById("stats-chart-data");
  if (!source || typeof window.echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif';
  var COLORS = ["#1d4f91", "#e0a100", "#1e7b4a", "#c0392b", "#6b4fa0", "#0f8a9d"];
  var charts = [];

  function draw(id, option) {
    var el = document.getElementById(id);
    if (!el) { return; }
    el.hidden = false;
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    option.color = COLORS;
    option.textStyle = { fontFamily: FONT };
    option.aria = { enabled: true };
    option.animation = false;
    // Rich-text tooltips are drawn on the canvas: HTML tooltips carry style attributes the CSP would block.
    option.tooltip = Object.assign({ trigger: "axis", renderMode: "richText" }, option.tooltip || {});
    chart.setOption(option);
    charts.push(chart);
  }

  function title(text) {
    return { text: text, left: 0, top: 0, textStyle: { fontSize: 14, fontWeight: 600, fontFamily: FONT } };
  }

  draw("chart-volume", {
    title: title("件次、人次（近12个月）"),
    legend: { top: 0, right: 0 },
    grid: { left: 44, right: 16, top: 40, bottom: 28 },
    xAxis: { type: "category", data: data.months },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: "件次", type: "bar", data: data.items, barMaxWidth: 22 },
      { name: "人次", type: "line", data: data.persons, symbolSize: 6 }
    ]
  });

  draw("chart-rates", {
    title: title("主要比例（%）"),
    legend: { top: 22, left: 0, itemWidth: 14, textStyle: { fontSize: 11 } },
    grid: { left: 44, right: 16, top: 56, bottom: 28 },
    xAxis: { type: "category", data: data.months },
    yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
    series: data.rates.map(function (r) {
      return { name: r.name, type: "line", data: r.values, connectNulls: false, symbolSize: 6 };
    })
  });

  var cats = (data.categories || []).slice().reverse();
  if (cats.length) {
    // As tall as its bars need: one category should not get a chart the size of twelve.
    var box = document.getElementById("chart-category");
    if (box) { box.style.height = Math.max(140, 60 + cats.length * 28) + "px"; }
    draw("chart-category", {
      title: title("件次（按内容分类）"),
      tooltip: { trigger: "item" },
      grid: { left: 110, right: 24, top: 32, bottom: 20 },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: cats.map(function (c) { return c.name; }), axisLabel: { width: 100, overflow: "truncate" } },
      series: [{ name: "件次", type: "bar", data: cats.map(function (c) { return c.value; }), barMaxWidth: 18, label: { show: true, position: "right" } }]
    });
  }

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
