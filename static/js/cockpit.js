// The cockpit's charts, drawn from the numbers the page itself carries (json_script), with
// ECharts from static/vendor: nothing leaves the intranet, and no inline script is needed.
// Each chart has a table with the same numbers beside or under it (phones, print, screen
// readers). Also: print buttons, and selecting a new big-screen link on focus.
(function () {
  "use strict";
  var colours = { red: "#d93526", yellow: "#e8b100", green: "#2a9d4b", blue: "#2f6fb3", grey: "#9aa3ad" };

  function data(el) {
    var source = document.getElementById(el.getAttribute("data-source"));
    return source ? JSON.parse(source.textContent) : null;
  }

  function textColour(el) {
    return el.getAttribute("data-theme") === "dark" ? "#e8edf2" : "#333";
  }

  var charts = {
    // Red, overdue and closed per week (bars, left axis); reporting rate and average progress (%,
    // right axis).
    trend: function (d, el) {
      var text = textColour(el);
      return {
        textStyle: { color: text },
        tooltip: { trigger: "axis" },
        legend: { top: 0, textStyle: { color: text } },
        grid: { left: 8, right: 8, bottom: 8, top: 40, containLabel: true },
        xAxis: { type: "category", data: d.weeks, axisLabel: { color: text } },
        yAxis: [
          { type: "value", minInterval: 1, axisLabel: { color: text } },
          { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%", color: text } },
        ],
        series: [
          { name: d.names.red, type: "bar", data: d.red, itemStyle: { color: colours.red } },
          { name: d.names.overdue, type: "bar", data: d.overdue, itemStyle: { color: "#8c1c13" } },
          { name: d.names.closed, type: "bar", data: d.closed, itemStyle: { color: colours.green } },
          { name: d.names.rate, type: "line", yAxisIndex: 1, data: d.rate, itemStyle: { color: colours.blue } },
          { name: d.names.progress, type: "line", yAxisIndex: 1, data: d.progress, itemStyle: { color: colours.grey } },
        ],
      };
    },
    // Red counts by lead unit and list; a click opens those tasks (the table's link).
    heat: function (d, el) {
      var max = 1;
      d.cells.forEach(function (c) { if (c[2] > max) max = c[2]; });
      return {
        tooltip: {
          formatter: function (p) {
            var esc = window.echarts.format.encodeHTML; // names come from imported lists
            return esc(d.units[p.value[1]] + " · " + d.lists[p.value[0]]) + "<br>" + esc(d.names.red) + " " + p.value[2] + " / " + esc(d.names.yellow) + " " + p.value[3];
          },
        },
        grid: { left: 8, right: 8, bottom: 40, top: 8, containLabel: true },
        xAxis: { type: "category", data: d.lists, axisLabel: { width: 90, overflow: "truncate", color: textColour(el) } },
        yAxis: { type: "category", data: d.units, inverse: true, axisLabel: { width: 120, overflow: "truncate", color: textColour(el) } },
        visualMap: { dimension: 2, min: 0, max: max, calculable: false, orient: "horizontal", left: "center", bottom: 0, inRange: { color: ["#ffffff", "#f8c4bd", colours.red] }, textStyle: { color: textColour(el) } },
        series: [{ type: "heatmap", data: d.cells, label: { show: true, formatter: function (p) { return p.value[2] || ""; } } }],
      };
    },
    // The unit's reporting rate and on-time rate per week.
    punctuality: function (d, el) {
      return {
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 8, right: 8, bottom: 8, top: 40, containLabel: true },
        xAxis: { type: "category", data: d.weeks, axisLabel: { width: 80, overflow: "truncate" } },
        yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
        series: [
          { name: d.names.rate, type: "line", data: d.rate, itemStyle: { color: colours.blue } },
          { name: d.names.on_time, type: "line", data: d.on_time, itemStyle: { color: colours.green } },
        ],
      };
    },
    // Rank per certified month, one line per campaign (1 at the top).
    ranks: function (d) {
      return {
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 8, right: 16, bottom: 8, top: 40, containLabel: true },
        xAxis: { type: "category", data: d.months },
        yAxis: { type: "value", inverse: true, min: 1, minInterval: 1 },
        series: d.series.map(function (s) { return { name: s.name, type: "line", data: s.data, connectNulls: true }; }),
      };
    },
  };

  function draw() {
    if (!window.echarts) return;
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var make = charts[el.getAttribute("data-chart")];
      var d = data(el);
      if (!make || !d) return;
      if (d.units) el.style.height = Math.max(240, d.units.length * 24 + 100) + "px"; // a row per unit
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      var option = make(d, el);
      option.animation = false;
      chart.setOption(option);
      if (el.getAttribute("data-chart") === "heat") {
        var links = document.querySelectorAll("table.heat tbody tr");
        chart.on("click", function (p) {
          var row = links[p.value[1]];
          var cell = row && row.querySelectorAll("td")[p.value[0]];
          var link = cell && cell.querySelector("a.red");
          if (link) window.location.href = link.href;
        });
      }
      window.addEventListener("resize", function () { chart.resize(); });
      window.addEventListener("beforeprint", function () { chart.resize(); });
    });
  }

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  document.querySelectorAll("[data-select-all]").forEach(function (input) {
    input.addEventListener("focus", function () { input.select(); });
  });
  draw();
})();
