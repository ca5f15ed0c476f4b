/**
 * The UI's page logic, as browser JavaScript in a string: the views (graph/table explorer, targets, alerts, rules,
 * TSDB status, config), chosen by the URL path, all fed by vigil's own /api/v1 (same origin, nothing external).
 * The explorer keeps its state in the URL's query string so a view can be reloaded and shared. Written as ES2017
 * without template literals (this file is a String.raw template itself).
 */
export const APP_SCRIPT = String.raw`
(function () {
  'use strict';
  var C = VigilChart;
  var $ = function (id) { return document.getElementById(id); };
  var esc = C.esc;
  var HISTORY_KEY = 'vigil.history';

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) {
      if (k === 'text') e.textContent = attrs[k];
      else if (k === 'html') e.innerHTML = attrs[k];
      else if (k.slice(0, 2) === 'on') e.addEventListener(k.slice(2), attrs[k]);
      else e.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c != null) e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return e;
  }

  /** GET or POST (form) an /api/v1 path; resolves to the envelope's data, rejects with 'errorType: error'. */
  function api(path, params, post) {
    var body = params ? new URLSearchParams(params) : null;
    var init = post ? { method: 'POST', body: body, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } } : {};
    var url = path + (!post && body ? '?' + body.toString() : '');
    return fetch(url, init).then(function (res) {
      return res.text().then(function (text) {
        var j;
        try { j = JSON.parse(text); } catch (e) { throw new Error('HTTP ' + res.status + ': ' + text.slice(0, 300)); }
        if (j.status !== 'success') throw new Error((j.errorType || 'error') + ': ' + (j.error || text));
        return j;
      });
    });
  }

  /** Prometheus durations (1h30m, 5m, 90s) or plain seconds, to ms; NaN if malformed. */
  function parseDuration(s) {
    s = String(s).trim();
    if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
    var m = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/.exec(s);
    if (!m || s === '') return NaN;
    var units = [31536000000, 604800000, 86400000, 3600000, 60000, 1000, 1];
    var ms = 0;
    for (var i = 0; i < units.length; i++) if (m[i + 1]) ms += Number(m[i + 1]) * units[i];
    return ms;
  }
  function formatDuration(ms) {
    if (ms <= 0) return '0s';
    var units = [['d', 86400000], ['h', 3600000], ['m', 60000], ['s', 1000], ['ms', 1]], out = '';
    units.forEach(function (u) { if (ms >= u[1]) { var n = Math.floor(ms / u[1]); out += n + u[0]; ms -= n * u[1]; } });
    return out;
  }
  function ago(iso) {
    var t = Date.parse(iso);
    if (!isFinite(t) || t <= 0) return 'never';
    var s = (Date.now() - t) / 1000;
    if (s < 0) s = 0;
    if (s < 60) return s.toFixed(1) + 's ago';
    if (s < 3600) return Math.floor(s / 60) + 'm ' + Math.floor(s % 60) + 's ago';
    return formatDuration(Math.floor(s) * 1000) + ' ago';
  }

  /** A series' labels as name{k="v", ...}, in DOM (name and values highlighted). */
  function seriesNode(metric) {
    var node = el('span', { 'class': 'series' });
    var name = metric.__name__ || '';
    if (name) node.appendChild(el('span', { 'class': 'name', text: name }));
    var keys = Object.keys(metric).filter(function (k) { return k !== '__name__'; }).sort();
    if (keys.length || !name) {
      node.appendChild(document.createTextNode('{'));
      keys.forEach(function (k, i) {
        node.appendChild(document.createTextNode((i ? ', ' : '') + k + '='));
        node.appendChild(el('span', { 'class': 'lv', text: JSON.stringify(metric[k]) }));
      });
      node.appendChild(document.createTextNode('}'));
    }
    return node;
  }
  function seriesText(metric) { return seriesNode(metric).textContent; }

  function colgroup(widths) {
    return el('colgroup', null, widths.map(function (w) { return el('col', { style: 'width:' + w }); }));
  }
  function errorBox(msg) { return el('div', { 'class': 'error', text: msg }); }
  function setContent(parent, children) { parent.innerHTML = ''; children.forEach(function (c) { if (c) parent.appendChild(c); }); }

  // ---------------------------------------------------------------- explorer (graph and table)

  var RANGES = ['5m', '15m', '1h', '6h', '24h', '7d'];
  var state = {
    expr: '', tab: 'graph', range: '1h', end: '', step: '', res: 'auto', utc: false,
  };
  var hidden = {};
  var last = null; // { series, geom, opts } of the drawn chart

  function readUrl() {
    var q = new URLSearchParams(location.search);
    state.expr = q.get('expr') || '';
    state.tab = q.get('tab') === 'table' ? 'table' : 'graph';
    state.range = q.get('range') || '1h';
    state.end = q.get('end') || '';
    state.step = q.get('step') || '';
    state.res = q.get('res') || 'auto';
    state.utc = q.get('utc') === '1';
  }
  function writeUrl() {
    var q = new URLSearchParams();
    if (state.expr) q.set('expr', state.expr);
    q.set('tab', state.tab);
    if (state.tab === 'graph') q.set('range', state.range);
    if (state.end) q.set('end', state.end);
    if (state.step) q.set('step', state.step);
    if (state.res !== 'auto') q.set('res', state.res);
    if (state.utc) q.set('utc', '1');
    history.replaceState(null, '', location.pathname + '?' + q.toString());
  }

  function loadHistory() { try { return JSON.parse(localStorage.getItem(HISTORY_KEY) || '[]'); } catch (e) { return []; } }
  function remember(expr) {
    var h = loadHistory().filter(function (x) { return x !== expr; });
    h.unshift(expr);
    try { localStorage.setItem(HISTORY_KEY, JSON.stringify(h.slice(0, 50))); } catch (e) { /* storage full or off */ }
    fillHistory();
  }
  function fillHistory() {
    var sel = $('history');
    var h = loadHistory();
    setContent(sel, [el('option', { value: '', text: h.length ? 'History (' + h.length + ')' : 'History (empty)' })].concat(
      h.map(function (x) { return el('option', { value: x, text: x.length > 90 ? x.slice(0, 89) + '…' : x }); })));
  }

  function endMs() {
    if (!state.end) return Date.now();
    var t = Date.parse(state.end + (state.utc ? 'Z' : ''));
    return isFinite(t) ? t : Date.now();
  }
  var NICE_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];
  /** About 250 points per range, on a round step (so the range's end, a multiple of it away, is a point). */
  function autoStep(rangeMs) {
    for (var i = 0; i < NICE_STEPS.length; i++) if (NICE_STEPS[i] * 1000 * 250 >= rangeMs) return NICE_STEPS[i] * 1000;
    return Math.ceil(rangeMs / 250 / 86400000) * 86400000;
  }

  function explorerView(root) {
    readUrl();
    var rangeButtons = el('span', { 'class': 'group' }, RANGES.map(function (r) {
      return el('button', { type: 'button', 'data-range': r, text: r, onclick: function () { state.range = r; syncControls(); run(); } });
    }));
    root.appendChild(el('div', { 'class': 'panel' }, [
      el('div', { 'class': 'row' }, [
        el('textarea', { id: 'expr', rows: '1', placeholder: 'Expression (press Enter to execute, Shift+Enter for a new line)', spellcheck: 'false' }),
        el('button', { id: 'run', 'class': 'primary', type: 'button', text: 'Execute', onclick: function () { run(); } }),
      ]),
      el('div', { 'class': 'row', style: 'margin-top:8px' }, [
        el('select', { id: 'history', title: 'Recent expressions', onchange: function (e) { if (e.target.value) { $('expr').value = e.target.value; run(); } } }),
        el('select', { id: 'metrics', title: 'Insert a metric name', onchange: function (e) { if (e.target.value) { insertAtCursor($('expr'), e.target.value); e.target.value = ''; } } }),
        el('label', { 'class': 'meta' }, ['Source resolution ',
          el('select', { id: 'res', onchange: function (e) { state.res = e.target.value; run(); } }, ['auto', 'raw', '5m', '1h'].map(function (r) { return el('option', { value: r, text: r }); }))]),
        el('label', { 'class': 'meta' }, [el('input', { type: 'checkbox', id: 'utc', onchange: function (e) { state.utc = e.target.checked; run(); } }), ' UTC']),
      ]),
      el('div', { 'class': 'tabs' }, [
        el('button', { type: 'button', id: 'tab-table', text: 'Table', onclick: function () { state.tab = 'table'; syncControls(); run(); } }),
        el('button', { type: 'button', id: 'tab-graph', text: 'Graph', onclick: function () { state.tab = 'graph'; syncControls(); run(); } }),
      ]),
      el('div', { 'class': 'row controls' }, [
        el('span', { id: 'range-controls', 'class': 'row' }, [
          el('label', { text: 'Range' }), rangeButtons,
          el('input', { type: 'text', id: 'range', size: '5', title: 'Any range: 2h, 3d, 90m', onchange: function (e) { state.range = e.target.value.trim() || '1h'; syncControls(); run(); } }),
        ]),
        el('label', { id: 'end-label', text: 'End' }),
        el('input', { type: 'datetime-local', id: 'end', step: '1', onchange: function (e) { state.end = e.target.value; run(); } }),
        el('button', { type: 'button', title: 'Back to now', text: 'now', onclick: function () { state.end = ''; $('end').value = ''; run(); } }),
        el('span', { id: 'step-controls', 'class': 'row' }, [
          el('label', { text: 'Step' }),
          el('input', { type: 'text', id: 'step', size: '9', onchange: function (e) { state.step = e.target.value.trim(); run(); } }),
        ]),
      ]),
      el('div', { id: 'result' }),
    ]));
    var expr = $('expr');
    expr.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); run(); }
    });
    expr.addEventListener('input', function () { expr.rows = Math.min(8, expr.value.split('\n').length); });
    expr.value = state.expr;
    expr.rows = Math.min(8, state.expr.split('\n').length);
    fillHistory();
    api('/api/v1/label/__name__/values').then(function (j) {
      setContent($('metrics'), [el('option', { value: '', text: 'Insert metric (' + j.data.length + ')' })].concat(
        j.data.map(function (n) { return el('option', { value: n, text: n }); })));
    }, function () { setContent($('metrics'), [el('option', { value: '', text: 'Insert metric' })]); });
    syncControls();
    if (state.expr) run();
    else setContent($('result'), [el('div', { 'class': 'empty', text: 'Enter an expression, for example up or rate(vigil_http_requests_total[5m]).' })]);
    window.addEventListener('resize', function () { if (last) drawChart(); });
  }

  function insertAtCursor(ta, text) {
    var s = ta.selectionStart || ta.value.length, e = ta.selectionEnd || ta.value.length;
    ta.value = ta.value.slice(0, s) + text + ta.value.slice(e);
    ta.focus();
    ta.selectionStart = ta.selectionEnd = s + text.length;
  }

  function syncControls() {
    var graph = state.tab === 'graph';
    $('tab-graph').className = graph ? 'on' : '';
    $('tab-table').className = graph ? '' : 'on';
    $('range-controls').style.display = graph ? '' : 'none';
    $('step-controls').style.display = graph ? '' : 'none';
    $('end-label').textContent = graph ? 'End' : 'Evaluation time';
    Array.prototype.forEach.call(document.querySelectorAll('[data-range]'), function (b) { b.className = b.getAttribute('data-range') === state.range ? 'on' : ''; });
    $('range').value = RANGES.indexOf(state.range) < 0 ? state.range : '';
    $('range').placeholder = 'custom';
    $('end').value = state.end;
    $('res').value = state.res;
    $('utc').checked = state.utc;
    var r = parseDuration(state.range);
    $('step').placeholder = isFinite(r) && r > 0 ? 'auto: ' + formatDuration(autoStep(r)) : 'auto';
    $('step').value = state.step;
  }

  var runSeq = 0;
  function run() {
    state.expr = $('expr').value.trim();
    writeUrl();
    var out = $('result');
    if (!state.expr) { setContent(out, [el('div', { 'class': 'empty', text: 'Enter an expression.' })]); return; }
    remember(state.expr);
    var seq = ++runSeq;
    var started = performance.now();
    var end = endMs();
    var params = { query: state.expr, max_source_resolution: state.res };
    var path;
    var rangeMs = 0, step = 0;
    if (state.tab === 'graph') {
      rangeMs = parseDuration(state.range);
      if (!(rangeMs > 0)) { setContent(out, [errorBox('bad range "' + state.range + '": use a duration like 1h or 30m')]); return; }
      step = state.step ? parseDuration(state.step) : autoStep(rangeMs);
      if (!(step > 0)) { setContent(out, [errorBox('bad step "' + state.step + '": use a duration like 15s or a number of seconds')]); return; }
      end = Math.floor(end / 1000) * 1000;
      // Steps count from the start: start a whole number of steps before the end so the end itself is evaluated.
      rangeMs = Math.floor(rangeMs / step) * step;
      params.start = String((end - rangeMs) / 1000);
      params.end = String(end / 1000);
      params.step = String(step / 1000);
      path = '/api/v1/query_range';
    } else {
      if (state.end) params.time = String(end / 1000);
      path = '/api/v1/query';
    }
    setContent(out, [el('div', { 'class': 'meta', text: 'Loading…' })]);
    api(path, params, true).then(function (j) {
      if (seq !== runSeq) return;
      var took = Math.round(performance.now() - started);
      var kids = (j.warnings || []).map(function (w) { return el('div', { 'class': 'warning', text: 'Warning: ' + w }); });
      var d = j.data;
      var n = Array.isArray(d.result) && (d.resultType === 'vector' || d.resultType === 'matrix') ? d.result.length : 1;
      kids.push(el('div', { 'class': 'meta', id: 'result-meta', text: 'Load time: ' + took + ' ms · Result series: ' + n +
        (state.tab === 'graph' ? ' · Resolution: ' + formatDuration(step) : '') }));
      setContent(out, kids);
      if (state.tab === 'graph') {
        if (d.resultType !== 'matrix') { out.appendChild(errorBox('the graph needs a range query result, got ' + d.resultType)); return; }
        hidden = {};
        last = {
          series: d.result.map(function (s) {
            return { metric: s.metric, label: seriesText(s.metric), points: s.values.map(function (p) { return [Math.round(p[0] * 1000), parseValue(p[1]), p[1]]; }) };
          }),
          opts: { start: end - rangeMs, end: end, step: step },
        };
        var wrap = el('div', { 'class': 'chart-wrap', id: 'chart' });
        out.appendChild(wrap);
        out.appendChild(el('div', { 'class': 'legend', id: 'legend' }));
        if (d.result.length === 0) { setContent(wrap, [el('div', { 'class': 'empty', text: 'No data points in this range.' })]); last = null; return; }
        drawChart();
        drawLegend();
      } else {
        last = null;
        out.appendChild(resultTable(d));
      }
    }, function (e) {
      if (seq !== runSeq) return;
      setContent(out, [errorBox(e.message)]);
    });
  }

  function parseValue(s) { return s === '+Inf' ? Infinity : s === '-Inf' ? -Infinity : Number(s); }

  function resultTable(d) {
    if (d.resultType === 'scalar' || d.resultType === 'string') {
      return el('table', null, [el('tr', null, [el('th', { text: d.resultType }), el('th', { text: 'value' })]),
        el('tr', null, [el('td', { text: '' }), el('td', { 'class': 'value', text: d.result[1] })])]);
    }
    if (d.result.length === 0) return el('div', { 'class': 'empty', text: 'Empty query result.' });
    var rows = [el('tr', null, [el('th', { text: 'Series' }), el('th', { text: 'Value', style: 'text-align:right' })])];
    d.result.slice(0, 10000).forEach(function (s) {
      var v;
      if (d.resultType === 'vector') v = el('td', { 'class': 'value', text: C.formatValue(s.value[1]), title: s.value[1] });
      else v = el('td', { 'class': 'value', html: s.values.map(function (p) { return esc(p[1]) + ' @' + esc(String(p[0])); }).join('<br>') });
      rows.push(el('tr', null, [el('td', null, [seriesNode(s.metric)]), v]));
    });
    return el('table', { id: 'result-table' }, rows);
  }

  function drawChart() {
    var wrap = $('chart');
    if (!wrap || !last) return;
    var width = Math.max(300, wrap.clientWidth || 900);
    var r = C.render(last.series, { start: last.opts.start, end: last.opts.end, step: last.opts.step, width: width, height: 420, utc: state.utc, hidden: hidden });
    last.geom = r.geom;
    wrap.innerHTML = r.svg;
    var tip = el('div', { 'class': 'tooltip', style: 'display:none' });
    wrap.appendChild(tip);
    var svg = wrap.querySelector('svg');
    var cross = svg.querySelector('.crosshair'), marker = svg.querySelector('.marker');
    svg.addEventListener('mousemove', function (ev) {
      var box = svg.getBoundingClientRect();
      var px = ev.clientX - box.left, py = ev.clientY - box.top, g = last.geom;
      if (px < g.left || px > g.left + g.plotW || py < g.top || py > g.top + g.plotH) { hide(); return; }
      var hit = C.nearest(last.series, g, px, py, hidden);
      if (!hit) { hide(); return; }
      var s = last.series[hit.series], p = s.points[hit.index];
      var x = g.left + (p[0] - g.start) / (g.end - g.start) * g.plotW;
      var y = g.top + (1 - (p[1] - g.yMin) / (g.yMax - g.yMin)) * g.plotH;
      cross.setAttribute('x1', x); cross.setAttribute('x2', x); cross.setAttribute('visibility', 'visible');
      marker.setAttribute('cx', x); marker.setAttribute('cy', y); marker.setAttribute('stroke', C.COLORS[hit.series % C.COLORS.length]);
      marker.setAttribute('visibility', 'visible');
      setContent(tip, [el('div', { 'class': 't', text: C.formatTime(p[0], state.utc) }),
        el('div', null, [el('span', { 'class': 'sw', style: 'display:inline-block;width:10px;height:10px;margin-right:6px;background:' + C.COLORS[hit.series % C.COLORS.length] }),
          el('span', { 'class': 'v', text: C.formatValue(p[2]) })]),
        el('div', { 'class': 's', text: s.label })]);
      tip.style.display = 'block';
      var left = x + 14;
      if (left + tip.offsetWidth > box.width) left = x - 14 - tip.offsetWidth;
      tip.style.left = Math.max(0, left) + 'px';
      tip.style.top = Math.max(0, Math.min(y - 20, box.height - tip.offsetHeight)) + 'px';
    });
    svg.addEventListener('mouseleave', hide);
    function hide() { tip.style.display = 'none'; cross.setAttribute('visibility', 'hidden'); marker.setAttribute('visibility', 'hidden'); }
  }

  function drawLegend() {
    var lg = $('legend');
    setContent(lg, last.series.map(function (s, i) {
      return el('div', { 'class': hidden[i] ? 'off' : '', title: 'Click to show only this series; Ctrl/Cmd-click to toggle it', onclick: function (ev) {
        if (ev.ctrlKey || ev.metaKey) { if (hidden[i]) delete hidden[i]; else hidden[i] = true; }
        else {
          var only = !hidden[i] && Object.keys(hidden).length === last.series.length - 1;
          hidden = {};
          if (!only) last.series.forEach(function (_s, j) { if (j !== i) hidden[j] = true; });
        }
        drawChart(); drawLegend();
      } }, [el('span', { 'class': 'sw', style: 'background:' + C.COLORS[i % C.COLORS.length] }), seriesNode(s.metric)]);
    }));
  }

  // ---------------------------------------------------------------- targets

  function targetsView(root) {
    var onlyBad = el('input', { type: 'checkbox', id: 'only-unhealthy' });
    var box = el('div');
    root.appendChild(el('h2', { text: 'Targets' }));
    root.appendChild(el('div', { 'class': 'filters' }, [el('label', null, [onlyBad, ' Only unhealthy'])]));
    root.appendChild(box);
    var data = null;
    function draw() {
      var pools = {};
      data.activeTargets.forEach(function (t) { (pools[t.scrapePool] = pools[t.scrapePool] || []).push(t); });
      var names = Object.keys(pools).sort();
      if (names.length === 0) { setContent(box, [el('div', { 'class': 'empty', text: 'No targets.' })]); return; }
      setContent(box, names.map(function (name) {
        var ts = pools[name];
        var up = ts.filter(function (t) { return t.health === 'up'; }).length;
        var shown = onlyBad.checked ? ts.filter(function (t) { return t.health !== 'up'; }) : ts;
        if (shown.length === 0) return null;
        var rows = [colgroup(['22%', '7%', '31%', '10%', '10%', '20%']),
          el('tr', null, ['Endpoint', 'State', 'Labels', 'Last scrape', 'Scrape duration', 'Error'].map(function (h) { return el('th', { text: h }); }))];
        shown.forEach(function (t) {
          rows.push(el('tr', null, [
            el('td', null, [el('a', { href: t.scrapeUrl, text: t.scrapeUrl })]),
            el('td', null, [el('span', { 'class': 'badge ' + t.health, text: t.health.toUpperCase() })]),
            el('td', null, Object.keys(t.labels).sort().map(function (k) { return el('span', { 'class': 'chip', text: k + '="' + t.labels[k] + '"' }); })),
            el('td', { text: ago(t.lastScrape), title: t.lastScrape }),
            el('td', { text: (t.lastScrapeDuration * 1000).toFixed(1) + ' ms' }),
            el('td', { 'class': t.lastError ? 'error-cell' : '', style: t.lastError ? 'color:var(--bad)' : '', text: t.lastError || '' }),
          ]));
        });
        return el('div', { 'class': 'panel' }, [el('h3', { style: 'margin-top:0', text: name + ' (' + up + '/' + ts.length + ' up)' }), el('table', { 'class': 'fixed' }, rows)]);
      }));
    }
    onlyBad.addEventListener('change', function () { if (data) draw(); });
    api('/api/v1/targets').then(function (j) { data = j.data; draw(); }, function (e) { setContent(box, [errorBox(e.message)]); });
  }

  // ---------------------------------------------------------------- alerts and rules

  function labelChips(labels) {
    return Object.keys(labels || {}).sort().map(function (k) { return el('span', { 'class': 'chip', text: k + '="' + labels[k] + '"' }); });
  }
  function kvTable(pairs) {
    return el('table', { 'class': 'kv' }, pairs.filter(function (p) { return p[1] != null && p[1] !== ''; }).map(function (p) {
      return el('tr', null, [el('td', { text: p[0] }), el('td', null, [typeof p[1] === 'string' ? el('span', { 'class': 'series', text: p[1] }) : p[1]])]);
    }));
  }

  function alertsView(root) {
    root.appendChild(el('h2', { text: 'Alerts' }));
    var filters = {};
    var checks = ['firing', 'pending', 'inactive'].map(function (s) {
      filters[s] = true;
      return el('label', null, [el('input', { type: 'checkbox', checked: 'checked', onchange: function (e) { filters[s] = e.target.checked; draw(); } }), ' ' + s]);
    });
    root.appendChild(el('div', { 'class': 'filters' }, checks));
    var box = el('div');
    root.appendChild(box);
    var rules = null;
    function draw() {
      if (rules.length === 0) { setContent(box, [el('div', { 'class': 'empty', text: 'No alerting rules are loaded.' })]); return; }
      setContent(box, rules.filter(function (r) { return filters[r.state]; }).map(function (r) {
        var alerts = r.alerts || [];
        var rows = [el('tr', null, ['Labels', 'State', 'Active since', 'Value'].map(function (h) { return el('th', { text: h }); }))];
        alerts.forEach(function (a) {
          rows.push(el('tr', null, [el('td', null, labelChips(a.labels)), el('td', null, [el('span', { 'class': 'badge ' + a.state, text: a.state.toUpperCase() })]),
            el('td', { text: a.activeAt || '' }), el('td', { 'class': 'value', text: a.value })]));
        });
        var open = r.state === 'firing' || r.state === 'pending' ? { 'class': 'rule', open: 'open' } : { 'class': 'rule' };
        return el('details', open, [
          el('summary', null, [el('span', { 'class': 'badge ' + r.state, text: r.state.toUpperCase() }), ' ', el('strong', { text: r.name }), ' (' + alerts.length + ' active)']),
          el('div', { 'class': 'body' }, [
            kvTable([['expr', r.query], ['for', r.duration ? formatDuration(r.duration * 1000) : ''], ['keep_firing_for', r.keepFiringFor ? formatDuration(r.keepFiringFor * 1000) : ''],
              ['labels', el('span', null, labelChips(r.labels))], ['annotations', el('span', null, labelChips(r.annotations))], ['group', r.group]]),
            alerts.length ? el('table', null, rows) : null,
          ]),
        ]);
      }));
    }
    api('/api/v1/rules', { type: 'alert' }).then(function (j) {
      rules = [];
      j.data.groups.forEach(function (g) { g.rules.forEach(function (r) { if (r.type === 'alerting') { r.group = g.name + ' (' + g.file + ')'; rules.push(r); } }); });
      draw();
    }, function (e) { setContent(box, [errorBox(e.message)]); });
  }

  function rulesView(root) {
    root.appendChild(el('h2', { text: 'Rules' }));
    var box = el('div');
    root.appendChild(box);
    api('/api/v1/rules').then(function (j) {
      if (j.data.groups.length === 0) { setContent(box, [el('div', { 'class': 'empty', text: 'No rule groups are loaded.' })]); return; }
      setContent(box, j.data.groups.map(function (g) {
        var rows = [colgroup(['55%', '8%', '17%', '10%', '10%']),
          el('tr', null, ['Rule', 'State', 'Error', 'Last evaluation', 'Evaluation time'].map(function (h) { return el('th', { text: h }); }))];
        g.rules.forEach(function (r) {
          var def = (r.type === 'alerting' ? 'alert: ' : 'record: ') + r.name + '\nexpr: ' + r.query;
          if (r.duration) def += '\nfor: ' + formatDuration(r.duration * 1000);
          rows.push(el('tr', null, [el('td', null, [el('pre', { text: def })]),
            el('td', null, [el('span', { 'class': 'badge ' + r.health, text: (r.health || 'unknown').toUpperCase() })]),
            el('td', { style: 'color:var(--bad)', text: r.lastError || '' }),
            el('td', { text: ago(r.lastEvaluation) }),
            el('td', { text: r.evaluationTime != null ? (r.evaluationTime * 1000).toFixed(2) + ' ms' : '' })]));
        });
        return el('div', { 'class': 'panel' }, [el('h3', { style: 'margin-top:0', text: g.name }),
          el('div', { 'class': 'meta', text: g.file + ' · every ' + formatDuration(g.interval * 1000) }), el('table', { 'class': 'fixed' }, rows)]);
      }));
    }, function (e) { setContent(box, [errorBox(e.message)]); });
  }

  // ---------------------------------------------------------------- status

  function tsdbView(root) {
    root.appendChild(el('h2', { text: 'TSDB status' }));
    var box = el('div');
    root.appendChild(box);
    var when = function (ms) { return ms ? C.formatTime(ms, false) : '—'; };
    api('/api/v1/status/tsdb').then(function (j) {
      var d = j.data, h = d.headStats || {};
      var kids = [el('h3', { text: 'Head' }), el('div', { 'class': 'panel' }, [kvTable([
        ['Series', String(h.numSeries)], ['Label pairs', String(h.numLabelPairs)], ['Chunks', String(h.chunkCount)],
        ['Min time', when(h.minTime)], ['Max time', when(h.maxTime)]])])];
      var blocks = d.blocks || [];
      kids.push(el('h3', { text: 'Blocks (' + blocks.length + ')' }));
      if (blocks.length) {
        var rows = [el('tr', null, ['Block', 'From', 'To', 'Resolution', 'Series', 'Samples', 'Bytes'].map(function (x) { return el('th', { text: x }); }))];
        blocks.forEach(function (b) {
          rows.push(el('tr', null, [el('td', { 'class': 'series', text: b.id }), el('td', { text: when(b.minTime) }), el('td', { text: when(b.maxTime) }),
            el('td', { text: b.resolution ? formatDuration(b.resolution) : 'raw' }), el('td', { 'class': 'value', text: String(b.numSeries) }),
            el('td', { 'class': 'value', text: String(b.numSamples) }), el('td', { 'class': 'value', text: String(b.bytes) })]));
        });
        kids.push(el('table', null, rows));
      } else kids.push(el('div', { 'class': 'empty', text: 'No persisted blocks yet: all data is in the head.' }));
      [['seriesCountByMetricName', 'Top metrics by series'], ['labelValueCountByLabelName', 'Top label names by value count'],
        ['memoryInBytesByLabelName', 'Top label names by memory'], ['seriesCountByLabelValuePair', 'Top label pairs by series']].forEach(function (p) {
        var list = d[p[0]] || [];
        if (!list.length) return;
        kids.push(el('h3', { text: p[1] }));
        kids.push(el('table', null, list.map(function (x) { return el('tr', null, [el('td', { 'class': 'series', text: x.name }), el('td', { 'class': 'value', text: String(x.value) })]); })));
      });
      setContent(box, kids);
    }, function (e) { setContent(box, [errorBox(e.message)]); });
  }

  function configView(root) {
    root.appendChild(el('h2', { text: 'Configuration' }));
    var pre = el('pre', { text: 'Loading…' });
    root.appendChild(pre);
    api('/api/v1/status/config').then(function (j) { pre.textContent = j.data.yaml; }, function (e) { pre.replaceWith(errorBox(e.message)); });
  }

  // ---------------------------------------------------------------- routing

  var VIEWS = { '/': explorerView, '/graph': explorerView, '/targets': targetsView, '/alerts': alertsView, '/rules': rulesView,
    '/tsdb-status': tsdbView, '/config': configView };
  var path = location.pathname.replace(/\/+$/, '') || '/';
  Array.prototype.forEach.call(document.querySelectorAll('header nav a'), function (a) {
    var p = a.getAttribute('href');
    if (p === path || (p === '/graph' && path === '/')) a.className = 'active';
  });
  (VIEWS[path] || explorerView)($('main'));
  api('/api/v1/status/buildinfo').then(function (j) { $('version').textContent = 'vigil ' + j.data.version; }, function () {});
})();
`;
