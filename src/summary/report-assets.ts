/** The report's style sheet. */
export const REPORT_STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px auto; max-width: 1100px; color: #1d2430; padding: 0 16px; }
header { display: flex; align-items: center; gap: 16px; }
h1 { font-size: 22px; margin: 0; } h2 { font-size: 16px; margin: 20px 0 6px; }
.meta { color: #5a6473; }
.badge { padding: 2px 10px; border-radius: 10px; font-weight: 600; }
.badge.ok { background: #dff3e4; color: #176c2e; } .badge.fail { background: #fbe0e0; color: #9b1c1c; }
.badge:empty { display: none; }
ul.thresholds { list-style: none; padding: 0; } .thresholds li.ok { color: #176c2e; } .thresholds li.fail { color: #9b1c1c; }
.chart svg { width: 100%; height: auto; background: #fbfcfd; border: 1px solid #e3e7ed; }
.chart text { font-size: 11px; fill: #5a6473; }
.legend { font-size: 12px; color: #3b4452; margin-top: 4px; } .legend span { margin-right: 14px; white-space: nowrap; }
.legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; border-radius: 2px; }
table { border-collapse: collapse; width: 100%; } th, td { padding: 4px 8px; border-bottom: 1px solid #e3e7ed; text-align: right; }
th:first-child, td:first-child { text-align: left; }
#errors { color: #9b1c1c; }
`;

/**
 * The report's chart code: line charts in inline SVG, cascade windows shaded, thresholds as dashed
 * lines. Plain browser JavaScript, no library and no fetch. It marks `data-rendered` on <body> when
 * every chart is drawn, and shows any script error in #errors (the browser test reads both).
 */
export const REPORT_SCRIPT = `
(function () {
  "use strict";
  var errors = document.getElementById("errors");
  window.addEventListener("error", function (e) {
    errors.hidden = false;
    errors.textContent += "script error: " + e.message + "\\n";
    document.body.setAttribute("data-rendered", "error");
  });
  var NS = "http://www.w3.org/2000/svg";
  var COLORS = ["#2563eb", "#d97706", "#dc2626", "#059669", "#7c3aed", "#db2777", "#0891b2", "#65a30d",
    "#9333ea", "#ea580c", "#0d9488", "#4f46e5", "#be123c", "#15803d", "#a16207", "#475569"];
  var data = JSON.parse(document.getElementById("report-data").textContent);

  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) e.setAttribute(k, String(attrs[k]));
    if (parent) parent.appendChild(e);
    return e;
  }

  function nice(max) {
    if (!(max > 0)) return 1;
    var p = Math.pow(10, Math.floor(Math.log10(max)));
    var steps = [1, 2, 2.5, 5, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * p >= max) return steps[i] * p;
    return 10 * p;
  }

  function clock(ms) {
    return new Date(ms).toISOString().slice(11, 19);
  }

  /** One chart: series [{name, values, color}] over data.t; marks [{label, value, ok}]. */
  function lineChart(id, series, marks) {
    var root = document.getElementById(id);
    var W = 1000, H = 260, L = 56, R = 16, T = 12, B = 28;
    var svg = el("svg", { viewBox: "0 0 " + W + " " + H, role: "img" }, root);
    var t = data.t;
    var t0 = t.length ? t[0] : 0;
    var t1 = t.length ? t[t.length - 1] + data.bucketMs : 1;
    var max = 0;
    series.forEach(function (s) { s.values.forEach(function (v) { if (v !== null && v > max) max = v; }); });
    (marks || []).forEach(function (m) { if (m.value > max) max = m.value; });
    max = nice(max * 1.05);
    function x(ms) { return L + ((ms - t0) / Math.max(1, t1 - t0)) * (W - L - R); }
    function y(v) { return T + (1 - v / max) * (H - T - B); }
    data.windows.forEach(function (w) {
      var a = Math.max(x(w.start), L), b = Math.min(x(w.end), W - R);
      if (b <= a) return;
      el("rect", { x: a, y: T, width: b - a, height: H - T - B, fill: "#fde68a", opacity: 0.45 }, svg)
        .appendChild(document.createElementNS(NS, "title")).textContent = "cascade " + w.name;
    });
    for (var i = 0; i <= 4; i++) {
      var v = (max * i) / 4;
      el("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: "#e3e7ed" }, svg);
      el("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end" }, svg).textContent = String(Math.round(v * 100) / 100);
    }
    for (var j = 0; j <= 5; j++) {
      var ms = t0 + ((t1 - t0) * j) / 5;
      el("text", { x: x(ms), y: H - 8, "text-anchor": j === 0 ? "start" : j === 5 ? "end" : "middle" }, svg)
        .textContent = clock(ms);
    }
    series.forEach(function (s) {
      var d = "";
      s.values.forEach(function (v, k) {
        if (v === null) return;
        var px = x(t[k] + data.bucketMs / 2);
        d += (d === "" ? "M" : "L") + px.toFixed(1) + "," + y(v).toFixed(1);
      });
      if (d !== "") el("path", { d: d, fill: "none", stroke: s.color, "stroke-width": 1.8, "class": "series" }, svg);
    });
    (marks || []).forEach(function (m) {
      el("line", { x1: L, x2: W - R, y1: y(m.value), y2: y(m.value), stroke: m.ok ? "#16a34a" : "#dc2626",
        "stroke-dasharray": "6 4", "class": "threshold" }, svg);
      el("text", { x: W - R - 4, y: y(m.value) - 4, "text-anchor": "end" }, svg).textContent = "threshold " + m.label;
    });
    var legend = document.createElement("div");
    legend.className = "legend";
    series.forEach(function (s) {
      var span = document.createElement("span");
      var sw = document.createElement("i");
      sw.style.background = s.color;
      span.appendChild(sw);
      span.appendChild(document.createTextNode(s.name));
      legend.appendChild(span);
    });
    root.appendChild(legend);
  }

  lineChart("chart-rps", [{ name: "all endpoints", values: data.rps, color: COLORS[0] }]);
  lineChart("chart-latency", [
    { name: "p50", values: data.p50, color: COLORS[0] },
    { name: "p95", values: data.p95, color: COLORS[1] },
    { name: "p99", values: data.p99, color: COLORS[2] }
  ], data.marks);
  lineChart("chart-errors", [{ name: "failed calls", values: data.eps, color: COLORS[2] }]);
  lineChart("chart-endpoints", data.endpoints.map(function (e, i) {
    return { name: e.name, values: e.rps, color: COLORS[i % COLORS.length] };
  }));
  if (document.body.getAttribute("data-rendered") !== "error") document.body.setAttribute("data-rendered", "ok");
})();
`;
