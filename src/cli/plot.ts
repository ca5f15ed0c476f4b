/**
 * A terminal line chart of a range query's result: one line per series, y-axis labels, a time axis and a legend.
 * asciichart draws the lines; this module resamples the series onto the chart's columns, splits them at gaps
 * (asciichart 1.5 has no notion of a missing value: a NaN breaks its scaling), lays the pieces over one canvas,
 * and adds the axes, colours and legend. Pure: the caller passes the width and whether to colour.
 */
import asciichart from 'asciichart';
import { formatDuration } from '../model/duration.js';

/** One series of a range result: `t` in unix ms ascending, `v` the values (NaN and ±Inf are drawn as gaps). */
export interface PlotSeries {
  label: string;
  t: ArrayLike<number>;
  v: ArrayLike<number>;
}

export interface PlotOptions {
  /** The query's range and step, in ms: the x-axis spans exactly [start, end]. */
  start: number;
  end: number;
  step: number;
  /** Total width in columns of every line of the chart (y labels included). Legend lines are cut to it too. */
  width: number;
  /** Most rows of the plotting area (a row spacing of 1, 2 or 5 × 10^k is chosen, so often fewer). Default 15. */
  height?: number;
  /** ANSI colours for the lines and legend (only when writing to a terminal). */
  color: boolean;
  /** Time-axis labels in UTC or the process's local zone. Default local. */
  timeZone?: 'utc' | 'local';
}

const COLORS = [
  asciichart.blue, asciichart.green, asciichart.yellow, asciichart.magenta, asciichart.cyan, asciichart.red,
  asciichart.lightblue, asciichart.lightgreen, asciichart.lightyellow, asciichart.lightmagenta, asciichart.lightcyan,
  asciichart.lightred,
];
const MIN_PLOT_COLUMNS = 10;

/**
 * Renders the chart as text lines joined by '\n' (no trailing newline). Columns of the plotting area divide
 * [start, end] evenly; a column shows the last finite sample whose step falls in it, and a column with none is left
 * empty, so a series with missing steps is drawn broken, never as zeros. With `color: false` the output contains
 * no escape codes. A result without any finite sample renders as a one-line note.
 */
export function renderPlot(series: readonly PlotSeries[], opts: PlotOptions): string {
  const height = Math.max(1, Math.round(opts.height ?? 15));
  const steps = Math.max(1, Math.floor((opts.end - opts.start) / opts.step) + 1);

  // Scale first: the y labels' width decides how many columns are left for the plot.
  let min = Infinity;
  let max = -Infinity;
  for (const s of series) {
    for (let i = 0; i < s.v.length; i++) {
      const x = s.v[i]!;
      if (Number.isFinite(x)) {
        if (x < min) min = x;
        if (x > max) max = x;
      }
    }
  }
  if (min === Infinity) return truncate('no data points to plot in this range', opts.width);
  const magnitude = Math.max(Math.abs(min), Math.abs(max));
  if (!(max - min > 1e-300) || max - min < magnitude * 1e-12) {
    // A flat line (or one flatter than float64 can scale) would get no rows: give it room above and below.
    const pad = magnitude / 10 > 1e-300 ? magnitude / 10 : 1;
    min -= pad;
    max += pad;
  }
  const scale = new Scale(min, max, height);
  const labels = yLabels(scale);
  const labelWidth = Math.max(...labels.map((l) => l.length));
  const cols = Math.max(MIN_PLOT_COLUMNS, opts.width - labelWidth - 2);

  const canvas = new Canvas(scale.rows + 1, cols);
  const columnValues = new Float64Array(cols);
  for (let si = 0; si < series.length; si++) {
    resample(series[si]!, opts, steps, columnValues);
    drawSeries(canvas, scale, columnValues, si);
  }

  const colorOf = (owner: number) => (opts.color ? COLORS[owner % COLORS.length] : undefined);
  const out: string[] = [];
  for (let r = 0; r <= scale.rows; r++) {
    const axis = Math.abs(scale.valueAt(r)) < scale.tick / 2 ? '┼' : '┤';
    out.push(labels[r]!.padStart(labelWidth) + ' ' + axis + canvas.line(r, colorOf));
  }
  out.push(...timeAxis(opts, labelWidth, cols));
  for (let si = 0; si < series.length; si++) {
    const text = truncate(`── ${series[si]!.label}`, opts.width);
    out.push(opts.color ? asciichart.colored(text.slice(0, 2), colorOf(si)) + text.slice(2) : text);
  }
  return out.join('\n');
}

/**
 * The y scale: a "nice" spacing between rows (1, 2 or 5 times a power of ten) and bounds on whole multiples of it,
 * so every row label is a round number and asciichart's own rounding (value × rows / range) puts a value exactly
 * on the row whose label it is nearest to.
 */
export class Scale {
  /** Spacing in value between neighbouring rows. */
  readonly tick: number;
  /** Bottom and top of the axis (multiples of `tick`). */
  readonly min: number;
  readonly max: number;
  /** Index of the bottom row (the top row is 0): the number of row spacings. */
  readonly rows: number;
  private readonly lowIndex: number;
  constructor(dataMin: number, dataMax: number, height: number) {
    this.tick = niceStep((dataMax - dataMin) / height);
    this.lowIndex = Math.floor(dataMin / this.tick + 1e-9);
    const highIndex = Math.ceil(dataMax / this.tick - 1e-9);
    this.rows = Math.max(1, highIndex - this.lowIndex);
    this.min = this.lowIndex * this.tick;
    this.max = (this.lowIndex + this.rows) * this.tick;
  }
  /** Canvas row (0 = top) of a value, rounded as asciichart rounds. */
  rowOf(v: number): number {
    return this.rows - (Math.round((v * this.rows) / (this.max - this.min)) - Math.round((this.min * this.rows) / (this.max - this.min)));
  }
  /** The value of a row's label. */
  valueAt(row: number): number {
    return (this.lowIndex + this.rows - row) * this.tick;
  }
}

/** The smallest of 1, 2, 5 × 10^k that is at least `x`. */
export function niceStep(x: number): number {
  const p = 10 ** Math.floor(Math.log10(x));
  for (const f of [1, 2, 5]) if (f * p >= x * (1 - 1e-9)) return f * p;
  return 10 * p;
}

class Canvas {
  private readonly cells: string[][];
  private readonly owners: Int32Array[];
  constructor(readonly rows: number, readonly cols: number) {
    this.cells = Array.from({ length: rows }, () => new Array<string>(cols).fill(' '));
    this.owners = Array.from({ length: rows }, () => new Int32Array(cols).fill(-1));
  }
  set(row: number, col: number, ch: string, owner: number): void {
    if (row < 0 || row >= this.rows || col < 0 || col >= this.cols) return;
    this.cells[row]![col] = ch;
    this.owners[row]![col] = owner;
  }
  isEmpty(row: number, col: number): boolean {
    return this.cells[row]?.[col] === ' ';
  }
  line(row: number, colorOf: (owner: number) => string | undefined): string {
    const cells = this.cells[row]!;
    const owners = this.owners[row]!;
    // One escape sequence per run of cells of the same series, not per cell.
    let s = '';
    for (let c = 0; c < this.cols; ) {
      const o = owners[c]!;
      let end = c + 1;
      while (end < this.cols && owners[end] === o) end++;
      const text = cells.slice(c, end).join('');
      s += o >= 0 ? asciichart.colored(text, colorOf(o)) : text;
      c = end;
    }
    return s;
  }
}

/**
 * Fills `into` (one slot per column) from the series. Column c covers steps [floor(c*steps/cols),
 * floor((c+1)*steps/cols)) and shows the last finite sample among them; with fewer steps than columns a column
 * whose range is empty shows step floor(c*steps/cols), so each step spreads over several columns. NaN = no sample.
 */
function resample(s: PlotSeries, opts: PlotOptions, steps: number, into: Float64Array): void {
  const byStep = new Float64Array(steps).fill(NaN);
  for (let i = 0; i < s.t.length; i++) {
    const v = s.v[i]!;
    const k = Math.round((s.t[i]! - opts.start) / opts.step);
    if (Number.isFinite(v) && k >= 0 && k < steps) byStep[k] = v;
  }
  const cols = into.length;
  for (let c = 0; c < cols; c++) {
    const lo = Math.floor((c * steps) / cols);
    const hi = Math.max(lo + 1, Math.floor(((c + 1) * steps) / cols));
    let v = NaN;
    for (let k = lo; k < hi; k++) if (!Number.isNaN(byStep[k]!)) v = byStep[k]!;
    into[c] = v;
  }
}

/** Draws each run of consecutive finite columns with asciichart, and caps each run's last column itself. */
function drawSeries(canvas: Canvas, scale: Scale, values: Float64Array, owner: number): void {
  let c = 0;
  while (c < values.length) {
    if (Number.isNaN(values[c]!)) {
      c++;
      continue;
    }
    let end = c;
    while (end + 1 < values.length && !Number.isNaN(values[end + 1]!)) end++;
    const run = Array.from(values.subarray(c, end + 1));
    if (run.length >= 2) {
      // offset 1: column 0 is asciichart's axis (dropped); column 1+i shows the step from point i to i+1.
      const grid = asciichart
        .plot(run, { min: scale.min, max: scale.max, height: scale.rows, offset: 1, padding: ' ', format: () => ' ' })
        .split('\n');
      for (let r = 0; r < grid.length; r++) {
        const line = grid[r]!;
        for (let i = 0; i < run.length - 1; i++) {
          const ch = line[1 + i];
          if (ch !== undefined && ch !== ' ') canvas.set(r, c + i, ch, owner);
        }
      }
    }
    // asciichart leaves a run's last point without a column of its own: end the line there (a dot if alone).
    canvas.set(scale.rowOf(run[run.length - 1]!), end, run.length === 1 ? '•' : '─', owner);
    c = end + 1;
  }
}

/** One label per row, all with the same unit and precision (see formatTickValue). */
export function yLabels(scale: Scale): string[] {
  const magnitude = Math.max(Math.abs(scale.min), Math.abs(scale.max));
  const out: string[] = [];
  for (let r = 0; r <= scale.rows; r++) out.push(formatTickValue(scale.valueAt(r), scale.tick, magnitude));
  return out;
}

const SI = ['', 'k', 'M', 'G', 'T', 'P', 'E'];

/**
 * Formats an axis value given the spacing `tick` between labels (a nice step) and the largest absolute value on the
 * axis: an SI suffix (k, M, G, …, the one that leaves at most 3 integer digits) from ten thousand up when that needs
 * at most 2 decimals, else plain digits; exactly
 * the decimals the tick needs; exponent notation when the tick is below a millionth.
 *
 * @example formatTickValue(15000, 5000, 30000) // '15k'
 */
export function formatTickValue(v: number, tick: number, magnitude: number): string {
  let exp = magnitude >= 10_000 ? Math.min(SI.length - 1, Math.floor(Math.log10(magnitude) / 3)) : 0;
  if (exp > 0 && decimalsFor(tick / 10 ** (exp * 3)) > 2) exp = 0;
  if (Math.abs(v) < tick / 2 && (exp > 0 || tick < 1e-6)) return '0';
  if (exp === 0 && tick < 1e-6) return v.toExponential(2);
  let s = (v / 10 ** (exp * 3)).toFixed(decimalsFor(tick / 10 ** (exp * 3)));
  if (/^-0(?:\.0*)?$/.test(s)) s = s.slice(1);
  return s + SI[exp];
}

function decimalsFor(tick: number): number {
  return Math.max(0, -Math.floor(Math.log10(tick) + 1e-9));
}

const TICK_INTERVALS = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 2 * 86400,
  7 * 86400, 14 * 86400, 30 * 86400, 90 * 86400, 365 * 86400,
].map((s) => s * 1000);

/** The x-axis line with tick marks, the tick labels, and a caption with the full range and step. */
function timeAxis(opts: PlotOptions, labelWidth: number, cols: number): string[] {
  const utc = opts.timeZone === 'utc';
  const span = opts.end - opts.start;
  const indent = ' '.repeat(labelWidth + 1);
  const axis = new Array<string>(cols).fill('─');
  const labelLine = new Array<string>(cols + labelWidth + 2).fill(' ');
  if (span > 0 && cols > 1) {
    const sample = formatTick(opts.start, 60_000, utc);
    const maxTicks = Math.max(1, Math.floor(cols / (sample.length + 3)));
    const interval = TICK_INTERVALS.find((i) => span / i <= maxTicks) ?? TICK_INTERVALS[TICK_INTERVALS.length - 1]!;
    // Ticks fall on whole multiples of the interval in the displayed zone (on the hour, at midnight, …).
    const zoneOffset = utc ? 0 : -new Date(opts.start).getTimezoneOffset() * 60_000;
    let t = Math.ceil((opts.start + zoneOffset) / interval) * interval - zoneOffset;
    let freeFrom = 0;
    for (; t <= opts.end; t += interval) {
      const col = Math.round(((t - opts.start) / span) * (cols - 1));
      axis[col] = '┬';
      const label = formatTick(t, interval, utc);
      const at = Math.min(labelWidth + 2 + col - Math.floor(label.length / 2), labelLine.length - label.length);
      if (at < freeFrom) continue;
      for (let i = 0; i < label.length; i++) labelLine[at + i] = label[i]!;
      freeFrom = at + label.length + 1;
    }
  }
  const zone = utc ? 'UTC' : Intl.DateTimeFormat().resolvedOptions().timeZone || 'local time';
  const from = formatFull(opts.start, utc);
  const to = formatFull(opts.end, utc);
  const sameDay = from.slice(0, 10) === to.slice(0, 10);
  const caption = `${from} to ${sameDay ? to.slice(11) : to} ${zone}, step ${formatDuration(opts.step)}`;
  return [indent + '└' + axis.join(''), labelLine.join('').trimEnd(), truncate(indent + caption, opts.width)];
}

function parts(ms: number, utc: boolean): { Y: string; M: string; D: string; h: string; m: string; s: string } {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return utc
    ? { Y: String(d.getUTCFullYear()), M: p(d.getUTCMonth() + 1), D: p(d.getUTCDate()), h: p(d.getUTCHours()), m: p(d.getUTCMinutes()), s: p(d.getUTCSeconds()) }
    : { Y: String(d.getFullYear()), M: p(d.getMonth() + 1), D: p(d.getDate()), h: p(d.getHours()), m: p(d.getMinutes()), s: p(d.getSeconds()) };
}

function formatTick(ms: number, interval: number, utc: boolean): string {
  const x = parts(ms, utc);
  if (interval < 60_000) return `${x.h}:${x.m}:${x.s}`;
  if (interval < 86_400_000) return x.h === '00' && x.m === '00' ? `${x.M}-${x.D}` : `${x.h}:${x.m}`;
  return `${x.M}-${x.D}`;
}

function formatFull(ms: number, utc: boolean): string {
  const x = parts(ms, utc);
  return `${x.Y}-${x.M}-${x.D} ${x.h}:${x.m}:${x.s}`;
}

function truncate(s: string, width: number): string {
  return s.length <= width ? s : s.slice(0, Math.max(0, width - 1)) + '…';
}
