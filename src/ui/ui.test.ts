import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import vm from 'node:vm';
import { createHttpServer, type HttpServer } from '../api/server.js';
import { nopLogger } from '../log/index.js';
import { PAGE_HTML, registerUi, UI_VIEWS } from './index.js';
import { CHART_SCRIPT } from './chart-script.js';
import { APP_SCRIPT } from './app-script.js';

let server: HttpServer;
let base = '';

beforeAll(async () => {
  server = createHttpServer(nopLogger);
  registerUi(server.router);
  server.router.add(['GET'], '/api/v1/status/buildinfo', () => ({ status: 200, body: '{}' }));
  const addr = await server.listen('127.0.0.1', 0);
  base = `http://127.0.0.1:${addr.port}`;
});
afterAll(() => server.close());

describe('GET / (the web UI)', () => {
  it('serves one self-contained HTML page at / and at every view path', async () => {
    for (const p of ['/', '/graph', '/alerts', '/rules', '/targets', '/tsdb-status', '/config']) {
      const res = await fetch(base + p);
      expect(res.status, p).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await res.text()).toBe(PAGE_HTML);
    }
    expect(UI_VIEWS.map(([p]) => p)).toEqual(['/graph', '/alerts', '/rules', '/targets', '/tsdb-status', '/config']);
  });

  it('contains the explorer, the chart code and navigation to every view', () => {
    expect(PAGE_HTML.startsWith('<!doctype html>')).toBe(true);
    for (const [p, title] of UI_VIEWS) expect(PAGE_HTML).toContain(`<a href="${p}">${title}</a>`);
    for (const piece of ['var VigilChart', '/api/v1/query_range', '/api/v1/query', 'max_source_resolution', '/api/v1/targets',
      "api('/api/v1/rules', { type: 'alert' })", '/api/v1/rules', '/api/v1/status/tsdb', 'localStorage', "'5m', '15m', '1h', '6h', '24h', '7d'", 'tooltip']) {
      expect(PAGE_HTML, piece).toContain(piece);
    }
  });

  it('loads nothing from outside vigil', () => {
    const urls = PAGE_HTML.match(/(?:https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}[^\s"')]*/gi) ?? [];
    expect(urls).toEqual(['http://www.w3.org/2000/svg']);
    expect(PAGE_HTML).not.toMatch(/<(?:script|link|img)[^>]+(?:src|href)=/i);
  });

  it('sends a restrictive CSP, an ETag, and answers 304 when the page is unchanged', async () => {
    const res = await fetch(base + '/');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('content-security-policy')).toContain("connect-src 'self'");
    const etag = res.headers.get('etag')!;
    expect(etag).toMatch(/^"[0-9a-f]{16}"$/);
    const again = await fetch(base + '/', { headers: { 'If-None-Match': etag } });
    expect(again.status).toBe(304);
    const head = await fetch(base + '/graph', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('takes no paths of the API', async () => {
    expect((await fetch(base + '/api/v1/nope')).status).toBe(404);
    expect((await fetch(base + '/metrics')).status).toBe(404);
    expect((await fetch(base + '/graphs')).status).toBe(404);
  });
});

describe('the page scripts', () => {
  it('are valid JavaScript', () => {
    expect(() => new vm.Script(CHART_SCRIPT)).not.toThrow();
    expect(() => new vm.Script(APP_SCRIPT)).not.toThrow();
    const scripts = [...PAGE_HTML.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    expect(scripts).toHaveLength(2);
    for (const s of scripts) expect(() => new vm.Script(s)).not.toThrow();
  });
});

interface ChartApi {
  render(series: Array<{ label: string; points: Array<[number, number]> }>, o: Record<string, unknown>): { svg: string; geom: Record<string, number> };
  nearest(series: Array<{ points: Array<[number, number]> }>, geom: Record<string, number>, px: number, py: number, hidden?: Record<number, boolean>): { series: number; index: number } | null;
  yTicks(min: number, max: number, count: number): { min: number; max: number; step: number; values: number[] };
  formatTick(v: number, step: number, magnitude: number): string;
  timeTicks(start: number, end: number, maxTicks: number, utc: boolean): Array<{ t: number; label: string }>;
  formatValue(s: string): string;
  esc(s: string): string;
}

describe('the SVG chart', () => {
  const chart = vm.runInNewContext(CHART_SCRIPT + ';VigilChart') as ChartApi;
  const START = Date.parse('2026-11-25T12:00:00Z');
  const STEP = 15_000;
  const pts = (n: number, f: (i: number) => number | null): Array<[number, number]> => {
    const out: Array<[number, number]> = [];
    for (let i = 0; i < n; i++) {
      const v = f(i);
      if (v !== null) out.push([START + i * STEP, v]);
    }
    return out;
  };
  const opts = { start: START, end: START + 240 * STEP, step: STEP, width: 900, height: 400, utc: true };

  it('draws one path per series, broken where steps are missing, and a dot for a lone point', () => {
    const { svg } = chart.render([
      { label: 'a', points: pts(241, (i) => i) },
      { label: 'b', points: pts(241, (i) => (i >= 100 && i < 140 ? null : 50)) },
      { label: 'c', points: pts(241, (i) => (i === 200 ? 7 : null)) },
    ], opts);
    const paths = [...svg.matchAll(/<path class="line" data-series="(\d)"[^>]*d="([^"]*)"/g)];
    expect(paths.map((p) => p[1])).toEqual(['0', '1', '2']);
    const moves = (d: string) => (d.match(/M/g) ?? []).length;
    expect(moves(paths[0]![2]!)).toBe(1);
    expect(moves(paths[1]![2]!)).toBe(2);
    expect((svg.match(/<circle cx=/g) ?? []).length).toBe(1);
    // Gaps are not zeros: b's path never comes down to the zero line.
    const zeroY = /<line [^>]*y1="([\d.]+)"[^>]*class="zero"/.exec(svg)![1];
    expect(paths[1]![2]!).not.toContain(' ' + zeroY);
  });

  it('labels round y values and round times', () => {
    const { svg } = chart.render([{ label: 'a', points: pts(241, (i) => i * 10) }], opts);
    const ylabels = [...svg.matchAll(/class="ylabel"[^>]*>([^<]*)</g)].map((m) => m[1]);
    expect(ylabels).toEqual(['0', '500', '1000', '1500', '2000', '2500']);
    const xlabels = [...svg.matchAll(/class="xlabel"[^>]*>([^<]*)</g)].map((m) => m[1]);
    expect(xlabels).toEqual(['12:00', '12:10', '12:20', '12:30', '12:40', '12:50', '13:00']);
  });

  it('leaves hidden series out of the drawing and the scale', () => {
    const series = [{ label: 'a', points: pts(241, () => 1000) }, { label: 'b', points: pts(241, () => 1) }];
    const { svg } = chart.render(series, { ...opts, hidden: { 0: true } });
    expect(svg).not.toContain('data-series="0"');
    const ylabels = [...svg.matchAll(/class="ylabel"[^>]*>([^<]*)</g)].map((m) => m[1]);
    // Only b (a flat 1) is scaled: padded to 0.9..1.1 in steps of 0.05, so two decimals.
    expect(ylabels).toEqual(['0.90', '0.95', '1.00', '1.05', '1.10']);
  });

  it('escapes labels and text it draws', () => {
    expect(chart.esc('<a href="x">&</a>')).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;');
  });

  it('finds the point nearest the mouse: closest time, then closest value', () => {
    const series = [{ label: 'a', points: pts(241, () => 10) }, { label: 'b', points: pts(241, () => 90) }];
    const { geom } = chart.render(series, opts);
    const xOf = (i: number) => geom.left! + (i / 240) * geom.plotW!;
    const yOf = (v: number) => geom.top! + (1 - (v - geom.yMin!) / (geom.yMax! - geom.yMin!)) * geom.plotH!;
    expect(chart.nearest(series, geom, xOf(37) + 1, yOf(80))).toEqual({ series: 1, index: 37 });
    expect(chart.nearest(series, geom, xOf(120) - 1, yOf(20))).toEqual({ series: 0, index: 120 });
    expect(chart.nearest(series, geom, xOf(120), yOf(80), { 1: true })).toEqual({ series: 0, index: 120 });
  });

  it('formats ticks and values compactly', () => {
    expect(chart.yTicks(3, 97, 5)).toMatchObject({ min: 0, max: 100, step: 20 });
    expect(chart.formatTick(25000, 5000, 50000)).toBe('25k');
    expect(chart.formatTick(0.25, 0.05, 1)).toBe('0.25');
    expect(chart.formatValue('9.586206896551724')).toBe('9.586206897');
    expect(chart.formatValue('1')).toBe('1');
    expect(chart.timeTicks(START, START + 60_000, 5, true).map((t) => t.label)).toEqual(['12:00:00', '12:00:15', '12:00:30', '12:00:45', '12:01:00']);
  });
});
