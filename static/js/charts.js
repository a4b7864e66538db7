// Campaign page: a stacked bar per list, red / yellow / green / not started. Data comes from
// the page itself (json_script), ECharts from static/vendor: nothing leaves the intranet.
(function () {
  var el = document.getElementById("lights-chart");
  var dataEl = document.getElementById("lights-data");
  if (!el || !dataEl || !window.echarts) return;
  var data = JSON.parse(dataEl.textContent);
  var chart = window.echarts.init(el, null, { renderer: "svg" });
  var colours = { red: "#d93526", yellow: "#e8b100", green: "#2a9d4b", grey: "#9aa3ad" };
  chart.setOption({
    animationDuration: 300,
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { top: 0 },
    grid: { left: 8, right: 16, bottom: 8, top: 32, containLabel: true },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: data.lists, axisLabel: { width: 110, overflow: "truncate" } },
    series: data.series.map(function (s) {
      return { name: s.name, type: "bar", stack: "all", data: s.data, itemStyle: { color: colours[s.key] } };
    }),
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
