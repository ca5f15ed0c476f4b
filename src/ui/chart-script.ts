/**
 * The UI's line chart, as browser JavaScript in a string: it defines one global, `VigilChart`, whose `render`
 * turns range-query series into SVG markup plus the geometry the page needs for its hover tooltip. It touches no
 * DOM, so tests run it in a plain `vm` context. Written as ES2017 without template literals (this file is a
 * String.raw template itself).
 */
export const CHART_SCRIPT = String.raw`
var VigilChart = (function () {
  'use strict';
  var COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22',
    '#17becf', '#393b79', '#e6550d', '#31a354', '#843c39', '#7b4173', '#3182bd'];
  var TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
    172800, 604800, 1209600, 2592000, 7776000, 31536000].map(function (s) { return s * 1000; });
  var SI = ['', 'k', 'M', 'G', 'T', 'P', 'E'];

  /** The smallest of 1, 2, 5 x 10^k at least x. */
  function niceStep(x) {
    var p = Math.pow(10, Math.floor(Math.log10(x)));
    var fs = [1, 2, 5, 10];
    for (var i = 0; i < fs.length; i++) if (fs[i] * p >= x * (1 - 1e-9)) return fs[i] * p;
    return 10 * p;
  }

  /** Round y-axis bounds and tick values covering [min, max] with about 'count' intervals. */
  function yTicks(min, max, count) {
    if (!(max > min)) {
      var pad = min === 0 ? 1 : Math.abs(min) / 10;
      min -= pad; max += pad;
    }
    var step = niceStep((max - min) / Math.max(1, count));
    var lo = Math.floor(min / step + 1e-9), hi = Math.ceil(max / step - 1e-9);
    var values = [];
    for (var k = lo; k <= hi; k++) values.push(k * step);
    return { min: lo * step, max: hi * step, step: step, values: values };
  }

  function decimals(step) { return Math.max(0, -Math.floor(Math.log10(step) + 1e-9)); }

  /** An axis value: SI suffix from 10 000 up (when short), exactly the decimals the tick step needs. */
  function formatTick(v, step, magnitude) {
    var exp = magnitude >= 10000 ? Math.min(SI.length - 1, Math.floor(Math.log10(magnitude) / 3)) : 0;
    if (exp > 0 && decimals(step / Math.pow(1000, exp)) > 2) exp = 0;
    if (Math.abs(v) < step / 2) return '0';
    if (exp === 0 && step < 1e-6) return v.toExponential(2);
    return (v / Math.pow(1000, exp)).toFixed(decimals(step / Math.pow(1000, exp))) + SI[exp];
  }

  /** A sample value for tooltips and tables: as the API wrote it, shortened when very long. */
  function formatValue(s) {
    var n = Number(s);
    if (!isFinite(n) || String(n).length <= 12) return s;
    return Math.abs(n) >= 1e-3 && Math.abs(n) < 1e15 ? String(Number(n.toPrecision(10))) : n.toPrecision(6);
  }

  function pad2(n) { return (n < 10 ? '0' : '') + n; }
  function parts(ms, utc) {
    var d = new Date(ms);
    return utc
      ? { Y: d.getUTCFullYear(), M: pad2(d.getUTCMonth() + 1), D: pad2(d.getUTCDate()), h: pad2(d.getUTCHours()), m: pad2(d.getUTCMinutes()), s: pad2(d.getUTCSeconds()) }
      : { Y: d.getFullYear(), M: pad2(d.getMonth() + 1), D: pad2(d.getDate()), h: pad2(d.getHours()), m: pad2(d.getMinutes()), s: pad2(d.getSeconds()) };
  }
  /** Full date and time, for tooltips. */
  function formatTime(ms, utc) {
    var p = parts(ms, utc);
    return p.Y + '-' + p.M + '-' + p.D + ' ' + p.h + ':' + p.m + ':' + p.s + (utc ? ' UTC' : '');
  }

  /** Ticks on whole multiples of a round interval (in the shown zone), at most 'maxTicks' of them. */
  function timeTicks(start, end, maxTicks, utc) {
    var span = end - start;
    var interval = TIME_STEPS[TIME_STEPS.length - 1];
    for (var i = 0; i < TIME_STEPS.length; i++) if (span / TIME_STEPS[i] <= maxTicks) { interval = TIME_STEPS[i]; break; }
    var offset = utc ? 0 : -new Date(start).getTimezoneOffset() * 60000;
    var out = [];
    for (var t = Math.ceil((start + offset) / interval) * interval - offset; t <= end; t += interval) {
      var p = parts(t, utc);
      var label;
      if (interval < 60000) label = p.h + ':' + p.m + ':' + p.s;
      else if (interval < 86400000 && !(p.h === '00' && p.m === '00')) label = p.h + ':' + p.m;
      else label = p.M + '-' + p.D;
      out.push({ t: t, label: label });
    }
    return out;
  }

  function esc(s) {
    return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  }

  /**
   * series: [{ label, points: [[ms, number], ...] }] (ascending; NaN/Inf are gaps). o: { start, end, step (ms),
   * width, height, utc, hidden: { index: true } }. Points more than one step apart are not joined: a missing step
   * is a gap in the line. Returns { svg, geom } where geom maps pixels back to time and value.
   */
  function render(series, o) {
    var hidden = o.hidden || {};
    var min = Infinity, max = -Infinity;
    series.forEach(function (s, si) {
      if (hidden[si]) return;
      s.points.forEach(function (p) { if (isFinite(p[1])) { if (p[1] < min) min = p[1]; if (p[1] > max) max = p[1]; } });
    });
    if (min === Infinity) { min = 0; max = 1; }
    var plotH = o.height - 34;
    var y = yTicks(min, max, Math.max(2, Math.floor(plotH / 45)));
    var magnitude = Math.max(Math.abs(y.min), Math.abs(y.max));
    var labels = y.values.map(function (v) { return formatTick(v, y.step, magnitude); });
    var left = 14 + 7 * Math.max.apply(null, labels.map(function (l) { return l.length; }));
    var right = 16, top = 10;
    var plotW = Math.max(10, o.width - left - right);
    var span = Math.max(1, o.end - o.start);
    var X = function (t) { return left + ((t - o.start) / span) * plotW; };
    var Y = function (v) { return top + (1 - (v - y.min) / (y.max - y.min)) * plotH; };
    var out = [];
    out.push('<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="' + o.width + '" height="' + o.height + '" viewBox="0 0 ' + o.width + ' ' + o.height + '">');
    out.push('<g class="grid">');
    y.values.forEach(function (v, i) {
      var py = Y(v).toFixed(1);
      out.push('<line x1="' + left + '" x2="' + (left + plotW) + '" y1="' + py + '" y2="' + py + '"' + (Math.abs(v) < y.step / 2 ? ' class="zero"' : '') + '/>');
      out.push('<text class="ylabel" x="' + (left - 6) + '" y="' + py + '" dy="0.32em" text-anchor="end">' + esc(labels[i]) + '</text>');
    });
    var ticks = timeTicks(o.start, o.end, Math.max(2, Math.floor(plotW / 90)), o.utc);
    ticks.forEach(function (tk) {
      var px = X(tk.t).toFixed(1);
      out.push('<line x1="' + px + '" x2="' + px + '" y1="' + top + '" y2="' + (top + plotH) + '"/>');
      out.push('<text class="xlabel" x="' + px + '" y="' + (top + plotH + 18) + '" text-anchor="middle">' + esc(tk.label) + '</text>');
    });
    out.push('</g>');
    out.push('<rect class="frame" x="' + left + '" y="' + top + '" width="' + plotW + '" height="' + plotH + '"/>');
    var maxJoin = o.step * 1.5;
    series.forEach(function (s, si) {
      if (hidden[si]) return;
      var color = COLORS[si % COLORS.length];
      var d = '', dots = '', prevT = NaN, runLen = 0, runStartX = 0, runStartY = 0;
      var endRun = function () { if (runLen === 1) dots += '<circle cx="' + runStartX + '" cy="' + runStartY + '" r="2" fill="' + color + '"/>'; runLen = 0; };
      s.points.forEach(function (p) {
        if (!isFinite(p[1])) { endRun(); prevT = NaN; return; }
        var px = X(p[0]).toFixed(1), py = Y(p[1]).toFixed(1);
        if (runLen > 0 && p[0] - prevT <= maxJoin) { d += 'L' + px + ' ' + py; runLen++; }
        else { endRun(); d += 'M' + px + ' ' + py; runLen = 1; runStartX = px; runStartY = py; }
        prevT = p[0];
      });
      endRun();
      out.push('<path class="line" data-series="' + si + '" fill="none" stroke="' + color + '" stroke-width="1.5" d="' + d + '"/>' + dots);
    });
    out.push('<line class="crosshair" x1="0" x2="0" y1="' + top + '" y2="' + (top + plotH) + '" visibility="hidden"/>');
    out.push('<circle class="marker" r="4" cx="0" cy="0" visibility="hidden"/>');
    out.push('</svg>');
    return {
      svg: out.join(''),
      geom: { left: left, top: top, plotW: plotW, plotH: plotH, start: o.start, end: o.end, yMin: y.min, yMax: y.max },
    };
  }

  /** The series point nearest to pixel (px, py): closest time first, then closest value. null if none. */
  function nearest(series, geom, px, py, hidden) {
    hidden = hidden || {};
    var t = geom.start + ((px - geom.left) / geom.plotW) * (geom.end - geom.start);
    var v = geom.yMax - ((py - geom.top) / geom.plotH) * (geom.yMax - geom.yMin);
    var best = null, bestDt = Infinity, bestDv = Infinity;
    series.forEach(function (s, si) {
      if (hidden[si] || s.points.length === 0) return;
      var lo = 0, hi = s.points.length - 1;
      while (lo < hi) { var mid = (lo + hi) >> 1; if (s.points[mid][0] < t) lo = mid + 1; else hi = mid; }
      [lo - 1, lo].forEach(function (i) {
        if (i < 0 || i >= s.points.length || !isFinite(s.points[i][1])) return;
        var dt = Math.abs(s.points[i][0] - t), dv = Math.abs(s.points[i][1] - v);
        if (dt < bestDt - 1e-9 || (Math.abs(dt - bestDt) <= 1e-9 && dv < bestDv)) { bestDt = dt; bestDv = dv; best = { series: si, index: i }; }
      });
    });
    return best;
  }

  return { render: render, nearest: nearest, niceStep: niceStep, yTicks: yTicks, formatTick: formatTick,
    formatValue: formatValue, formatTime: formatTime, timeTicks: timeTicks, esc: esc, COLORS: COLORS };
})();
`;
