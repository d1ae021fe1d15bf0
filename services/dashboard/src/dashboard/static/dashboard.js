// The overview's charts (ECharts, served by this application) and the streams' health.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("overview-data").textContent);
  var zh = data.lang !== "en";
  var palette = ["#1f4e9c", "#2f7d4f", "#b35c00", "#7a3e9d", "#a3262a", "#146b78", "#5b5b00", "#3d3d3d"];

  function mount(id, option) {
    var node = document.getElementById(id);
    if (!node || typeof echarts === "undefined") { return; }
    var chart = echarts.init(node, null, {renderer: "canvas"});
    chart.on("finished", function () { node.setAttribute("data-rendered", "true"); });
    option.color = palette;
    option.animation = false;
    option.aria = {enabled: true};
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function label(row) { return zh ? (row.name_zh || row.key) : (row.name_en || row.key); }
  function stageName(row) { return zh ? row.name_zh : row.name_en; }

  mount("chart-funnel", {
    tooltip: {trigger: "item"},
    series: [{
      type: "funnel", sort: "none", left: "10%", width: "80%", minSize: "8%",
      label: {show: true, position: "inside", color: "#fff", formatter: "{b}: {c}"},
      data: data.funnel.map(function (row) { return {name: stageName(row), value: row.count}; })
    }]
  });
  var stages = data.funnel.map(stageName);
  var codes = data.funnel.map(function (row) { return row.stage; });
  function stacked(id, rows, horizontal) {
    var names = rows.map(label);
    var series = codes.slice(0, 4).concat(["signed", "landed"]).map(function (code) {
      return {
        name: stages[codes.indexOf(code)], type: "bar",
        data: rows.map(function (row) { return row.counts[code]; })
      };
    });
    var category = {type: "category", data: names, axisLabel: {interval: 0, rotate: horizontal ? 0 : 30}};
    mount(id, {
      tooltip: {trigger: "axis"}, legend: {top: 0},
      grid: {left: 100, right: 20, top: 40, bottom: 60},
      xAxis: horizontal ? {type: "value"} : category,
      yAxis: horizontal ? category : {type: "value"},
      series: series
    });
  }
  stacked("chart-provinces", data.by_province, false);
  stacked("chart-fields", data.by_field, true);
  mount("chart-years", {
    tooltip: {trigger: "axis"}, legend: {top: 0},
    grid: {left: 60, right: 20, top: 40, bottom: 40},
    xAxis: {type: "category", data: data.by_year.map(label)},
    yAxis: {type: "value"},
    series: codes.map(function (code, i) {
      return {name: stages[i], type: "line", data: data.by_year.map(function (row) { return row.counts[code]; })};
    })
  });

  // The picker gives a local date and time: send the browser's offset on that day with it.
  var form = document.getElementById("as-of-form");
  if (form) {
    form.addEventListener("submit", function () {
      var at = document.getElementById("as-of-at").value;
      var chosen = at ? new Date(at) : null;
      if (!chosen || isNaN(chosen.getTime())) { return; }
      var minutes = -chosen.getTimezoneOffset();
      var sign = minutes < 0 ? "-" : "+";
      minutes = Math.abs(minutes);
      function two(n) { return (n < 10 ? "0" : "") + n; }
      document.getElementById("as-of-tz").value = sign + two(Math.floor(minutes / 60)) + ":" + two(minutes % 60);
    });
  }

  var streams = document.getElementById("table-streams");
  if (streams) {
    var region = streams.dataset.region;
    fetch("/api/streams" + (region ? "?region=" + region : ""), {credentials: "same-origin"})
      .then(function (reply) { return reply.json(); })
      .then(function (health) {
        var body = streams.querySelector("tbody");
        body.innerHTML = "";
        (health.services || []).forEach(function (s) {
          var row = document.createElement("tr");
          [s.service, s.events, s.relay_backlog === null ? "—" : s.relay_backlog, s.max_consumer_lag, s.dead_letters]
            .forEach(function (value, i) {
              var cell = document.createElement(i === 0 ? "th" : "td");
              if (i === 0) { cell.setAttribute("scope", "row"); } else { cell.className = "num"; }
              cell.textContent = String(value);
              row.appendChild(cell);
            });
          body.appendChild(row);
        });
      })
      .catch(function () { /* the table keeps its loading note */ });
  }
}());
