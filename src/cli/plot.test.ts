import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatTickValue, niceStep, renderPlot, Scale, yLabels, type PlotSeries } from './plot.js';

const START = Date.parse('2026-11-25T12:00:00Z');
const STEP = 15_000;
const ESC = '\u001b';

function series(label: string, n: number, f: (i: number) => number): PlotSeries {
  const t: number[] = [];
  const v: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = f(i);
    if (x === undefined) continue;
    t.push(START + i * STEP);
    v.push(x);
  }
  return { label, t, v };
}

/** The plotting area of a rendered chart: its rows as label + cells (after the axis character). */
function plotRows(out: string): Array<{ label: string; cells: string }> {
  const rows: Array<{ label: string; cells: string }> = [];
  for (const line of out.split('\n')) {
    const m = /^\s*(\S+) [┤┼](.*)$/.exec(line);
    if (!m) break;
    rows.push({ label: m[1]!, cells: m[2]! });
  }
  return rows;
}

const opts = { start: START, end: START + 240 * STEP, step: STEP, width: 80, color: false, timeZone: 'utc' as const };

describe('renderPlot', () => {
  it('keeps every line within the width, with no escape codes when colour is off', () => {
    const out = renderPlot([series('up{job="a"}', 241, (i) => Math.sin(i / 10) * 50)], opts);
    expect(out).not.toContain(ESC);
    for (const line of out.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    // label column + space + axis + plotting columns fill the width exactly.
    const lines = out.split('\n').filter((l) => /[┤┼]/.test(l));
    expect(lines.length).toBeGreaterThan(5);
    for (const l of lines) expect(l.length).toBe(80);
  });

  it('labels the y axis with round values spanning the data, and puts a constant series on its row', () => {
    const out = renderPlot([series('lo', 241, () => 0), series('hi', 241, () => 100), series('mid', 241, () => 50)], { ...opts, height: 10 });
    const rows = plotRows(out);
    expect(rows.map((r) => r.label)).toEqual(['100', '90', '80', '70', '60', '50', '40', '30', '20', '10', '0']);
    const row = (label: string) => rows.find((r) => r.label === label)!.cells;
    for (const label of ['0', '50', '100']) expect(row(label)).toMatch(/^─+$/);
    for (const label of ['10', '40', '60', '90']) expect(row(label).trim()).toBe('');
    // The zero row's axis crosses: '┼'.
    expect(out).toMatch(/^ {2}0 ┼/m);
  });

  it('leaves missing steps blank instead of drawing them as zeros', () => {
    // Values 10..20, absent for steps 80-159.
    const s = series('gappy', 241, (i) => (i >= 80 && i < 160 ? (undefined as unknown as number) : 10 + (i % 11)));
    const rows = plotRows(renderPlot([s], opts));
    const cols = rows[0]!.cells.length;
    const blank: boolean[] = [];
    for (let c = 0; c < cols; c++) blank.push(rows.every((r) => r.cells[c] === ' '));
    // Columns cover the steps proportionally: the middle third is blank, the first and last columns are drawn.
    const firstBlank = blank.indexOf(true);
    const lastBlank = blank.lastIndexOf(true);
    expect(firstBlank).toBeGreaterThan(cols * 0.3);
    expect(lastBlank).toBeLessThan(cols * 0.7);
    expect(blank.slice(firstBlank, lastBlank + 1).every(Boolean)).toBe(true);
    expect(lastBlank - firstBlank + 1).toBeGreaterThanOrEqual(Math.floor((cols * 80) / 241) - 1);
    expect(blank[0]).toBe(false);
    expect(blank[cols - 1]).toBe(false);
    // The axis starts at 10 (the lowest value), so nothing sits at zero.
    expect(rows[rows.length - 1]!.label).toBe('10');
  });

  it('treats NaN and infinite values as gaps', () => {
    const s = series('x', 241, (i) => (i === 120 ? NaN : i === 121 ? Infinity : 5 + (i % 2)));
    const rows = plotRows(renderPlot([s], opts));
    expect(rows[0]!.label).toBe('6.0');
    expect(rows[rows.length - 1]!.label).toBe('5.0');
  });

  it('draws an isolated point', () => {
    const s: PlotSeries = { label: 'one', t: [START + 120 * STEP], v: [7] };
    const out = renderPlot([s], opts);
    expect(out.match(/•/g)).toHaveLength(1);
  });

  it('writes a legend line per series, coloured only when asked', () => {
    const a = series('up{job="a"}', 241, (i) => i);
    const b = series('up{job="b"}', 241, (i) => 240 - i);
    const plain = renderPlot([a, b], opts).split('\n');
    expect(plain.slice(-2)).toEqual(['── up{job="a"}', '── up{job="b"}']);
    const coloured = renderPlot([a, b], { ...opts, color: true }).split('\n');
    expect(coloured.slice(-2)).toEqual(['\u001b[34m──\u001b[0m up{job="a"}', '\u001b[32m──\u001b[0m up{job="b"}']);
    // The lines themselves carry the series' colour, and colour changes nothing else.
    expect(coloured.join('\n')).toContain('\u001b[32m─');
    expect(coloured.join('\n').replace(/\u001b\[\d+m/g, '')).toBe(plain.join('\n'));
  });

  it('cuts long legend labels to the width', () => {
    const out = renderPlot([series('x'.repeat(200), 241, (i) => i)], opts);
    const last = out.split('\n').at(-1)!;
    expect(last.length).toBe(80);
    expect(last.endsWith('…')).toBe(true);
  });

  it('labels the time axis at round times in order, and names the range and step', () => {
    const out = renderPlot([series('a', 241, (i) => i)], opts).split('\n');
    const axisAt = out.findIndex((l) => l.includes('└'));
    const ticks = out[axisAt + 1]!.trim().split(/\s+/);
    // One hour across about 75 columns: a label every 10 minutes.
    expect(ticks).toEqual(['12:00', '12:10', '12:20', '12:30', '12:40', '12:50', '13:00']);
    expect(out[axisAt]!.match(/┬/g)).toHaveLength(7);
    expect(out[axisAt + 2]!.trim()).toBe('2026-11-25 12:00:00 to 13:00:00 UTC, step 15s');
  });

  it('uses seconds on the time axis for short ranges and dates for long ones', () => {
    const short = renderPlot([series('a', 9, (i) => i)], { ...opts, end: START + 8 * STEP });
    expect(short).toMatch(/12:00:30/);
    const day = 86_400_000;
    const long = renderPlot([{ label: 'a', t: [START, START + 7 * day], v: [1, 2] }], { ...opts, end: START + 7 * day, step: 3600_000 });
    expect(long).toMatch(/11-26/);
    expect(long).toContain('2026-11-25 12:00:00 to 2026-12-02 12:00:00 UTC, step 1h');
  });

  it('says so when there is nothing to plot', () => {
    expect(renderPlot([], opts)).toBe('no data points to plot in this range');
    expect(renderPlot([{ label: 'a', t: [START], v: [NaN] }], opts)).toBe('no data points to plot in this range');
  });

  it('draws lines flatter than float64 can scale (denormals, 1e12 ± one ulp)', () => {
    for (const vals of [[5e-324, 5e-324], [5e-324, 1e-323], [0, 0], [1e12, 1e12 + 1.220703125e-4], [-1e-310, -1e-310]]) {
      const out = renderPlot([series('s', vals.length, (i) => vals[i]!)], { ...opts, end: START + STEP, width: 60 });
      expect(out.split('\n').length).toBeGreaterThan(2);
    }
  });

  it('never throws and stays within the width for arbitrary data', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.option(fc.double({ min: -1e12, max: 1e12, noNaN: true }), { nil: undefined }), { minLength: 1, maxLength: 60 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 30, max: 160 }),
        (data, width) => {
          const ss = data.map((vals, k) => series(`s${k}`, vals.length, (i) => vals[i] as number));
          const out = renderPlot(ss, { ...opts, end: START + 59 * STEP, width });
          for (const line of out.split('\n')) expect(line.length).toBeLessThanOrEqual(width);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('the y scale', () => {
  it('picks 1, 2 or 5 times a power of ten', () => {
    expect(niceStep(7)).toBe(10);
    expect(niceStep(1.5)).toBe(2);
    expect(niceStep(0.003)).toBe(0.005);
    expect(niceStep(200)).toBe(200);
  });

  it('spans the data with round bounds', () => {
    const s = new Scale(3, 97, 10);
    expect([s.min, s.max, s.rows, s.tick]).toEqual([0, 100, 10, 10]);
    expect(yLabels(s)[0]).toBe('100');
    // asciichart's rounding puts each multiple of the tick on its own row.
    for (let r = 0; r <= s.rows; r++) expect(s.rowOf(s.valueAt(r))).toBe(r);
  });
});

describe('formatTickValue', () => {
  it('uses SI suffixes for large values when they stay short', () => {
    expect(formatTickValue(15000, 5000, 30000)).toBe('15k');
    expect(formatTickValue(2_500_000, 500_000, 3_000_000)).toBe('2.5M');
    expect(formatTickValue(0, 500_000, 3_000_000)).toBe('0');
    expect(formatTickValue(4.2e9, 1e8, 5e9)).toBe('4.2G');
  });

  it('keeps plain digits when a suffix would need many decimals', () => {
    expect(formatTickValue(1_700_000_020, 20, 1.7e9)).toBe('1700000020');
    expect(formatTickValue(1000, 100, 1000)).toBe('1000');
  });

  it('gives small values exactly the decimals the spacing needs', () => {
    expect(formatTickValue(0.0015, 0.0005, 0.002)).toBe('0.0015');
    expect(formatTickValue(0.5, 0.1, 1)).toBe('0.5');
    expect(formatTickValue(-0.00000001, 0.1, 1)).toBe('0.0');
    expect(formatTickValue(3e-8, 1e-8, 5e-8)).toBe('3.00e-8');
  });
});
