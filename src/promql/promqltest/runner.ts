/**
 * Runs parsed PromQL test scripts against the engine over an in-memory storage and reports every failed
 * expectation as `file:line: message`. Every `eval instant` of a vector or scalar expression is also run as a
 * one-step range query, which must agree with the instant result.
 */
import { labelsKey, type Labels } from '../../model/labels.js';
import { BadDataError, ExecutionError, TimeoutError } from '../../model/errors.js';
import { isStaleNaN, STALE_NAN } from '../../model/sample.js';
import { Engine, type EngineOptions, type Value } from '../engine.js';
import { exprType } from '../ast.js';
import { parseExpr } from '../parser.js';
import { MemoryStorage } from '../testing/memory-storage.js';
import { type Command, type Expectation, parseScript, type SeriesValue } from './script.js';
import { labelsString } from '../label-ops.js';

/** Prometheus's test comparison: relative error below 1e-6, NaN equal to NaN. */
export function almostEqual(a: number, b: number): boolean {
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (a === b) return true;
  const minNormal = 2.2250738585072014e-308;
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || diff < minNormal) return diff < 1e-6 * minNormal;
  return diff / (Math.abs(a) + Math.abs(b)) < 1e-6;
}

function errorType(e: unknown): string {
  if (e instanceof BadDataError) return 'bad_data';
  if (e instanceof ExecutionError) return 'execution';
  if (e instanceof TimeoutError) return 'timeout';
  return 'internal';
}

/** Runs a script's text; returns the failures (empty when everything passed). */
export function runScript(text: string, file: string, opts: EngineOptions = {}): string[] {
  const cmds = parseScript(text, file);
  const storage = new MemoryStorage();
  const engine = new Engine(opts);
  const failures: string[] = [];
  for (const cmd of cmds) {
    const fail = (msg: string, line = cmd.line) => failures.push(`${file}:${line}: ${msg}`);
    try {
      runCommand(cmd, storage, engine, fail);
    } catch (e) {
      fail(`unexpected ${errorType(e)} error: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (storage.openQueriers !== 0) fail(`${storage.openQueriers} querier(s) left open`);
  }
  return failures;
}

function runCommand(cmd: Command, storage: MemoryStorage, engine: Engine, fail: (msg: string, line?: number) => void): void {
  if (cmd.kind === 'clear') { storage.clear(); return; }
  if (cmd.kind === 'load') {
    for (const s of cmd.series) {
      s.values.forEach((v, i) => { if (v !== null) storage.append(s.labels, i * cmd.intervalMs, v === 'stale' ? STALE_NAN : v); });
    }
    return;
  }
  const query = () => cmd.range
    ? engine.rangeQuery(storage, cmd.expr, cmd.range.start, cmd.range.end, cmd.range.step)
    : engine.instantQuery(storage, cmd.expr, cmd.at);
  if (cmd.fail) {
    try {
      query();
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      if (cmd.failMessage !== null && msg !== cmd.failMessage) fail(`expected error ${JSON.stringify(cmd.failMessage)}, got ${JSON.stringify(msg)}`);
      if (cmd.failRegexp && !cmd.failRegexp.test(msg)) fail(`expected error matching ${cmd.failRegexp}, got ${JSON.stringify(msg)}`);
      if (cmd.failType !== null && errorType(e) !== cmd.failType) fail(`expected a ${cmd.failType} error, got ${errorType(e)}: ${msg}`);
      return;
    }
    fail(`expected query ${JSON.stringify(cmd.expr)} to fail`);
    return;
  }
  const result = query();
  if (cmd.range) {
    checkRange(result, cmd.expected, cmd.range, fail);
    return;
  }
  checkInstant(result, cmd.expected, cmd.ordered, fail);
  const ty = exprType(parseExpr(cmd.expr));
  if (ty === 'vector' || ty === 'scalar') {
    const asRange = engine.rangeQuery(storage, cmd.expr, cmd.at, cmd.at, 60_000);
    const asInstant: Expectation[] = asRange.type === 'matrix'
      ? asRange.series.map((s) => ({ kind: 'series', labels: s.labels, values: [s.v[0]!], line: cmd.line }))
      : [];
    const errs: string[] = [];
    checkInstant(ty === 'scalar' ? scalarFromMatrix(asRange) : result, asInstant, false, (m) => errs.push(m));
    if (ty === 'vector' && errs.length > 0) fail(`range query at the same instant disagrees: ${errs.join('; ')}`);
  }
}

function scalarFromMatrix(v: Value): Value {
  return v.type === 'matrix' ? { type: 'vector', samples: v.series.map((s) => ({ labels: s.labels, t: s.t[0]!, v: s.v[0]! })) } : v;
}

function fmtValue(v: number): string {
  return isStaleNaN(v) ? 'stale' : String(v);
}

export function checkInstant(result: Value, expected: Expectation[], ordered: boolean, fail: (msg: string, line?: number) => void): void {
  if (result.type === 'scalar') {
    const e = expected[0];
    if (expected.length !== 1 || e!.kind !== 'scalar') { fail(`got scalar ${result.v}, expected ${describeExpected(expected)}`); return; }
    if (!almostEqual(result.v, e!.value)) fail(`expected scalar ${e!.value}, got ${result.v}`, e!.line);
    return;
  }
  if (result.type === 'string') {
    const e = expected[0];
    if (expected.length !== 1 || e!.kind !== 'string' || e!.value !== result.v) fail(`got string ${JSON.stringify(result.v)}, expected ${describeExpected(expected)}`);
    return;
  }
  const got = result.type === 'vector'
    ? result.samples.map((s) => ({ labels: s.labels, values: [s.v] as number[] }))
    : result.series.map((s) => ({ labels: s.labels, values: Array.from(s.v) }));
  const exp = expected.filter((e): e is Extract<Expectation, { kind: 'series' }> => e.kind === 'series');
  if (exp.length !== expected.length) { fail(`expected ${describeExpected(expected)}, got a ${result.type}`); return; }
  if (got.length !== exp.length) {
    fail(`expected ${exp.length} series, got ${got.length}: ${got.map((g) => `${labelsString(g.labels)} ${g.values.map(fmtValue).join(' ')}`).join(', ')}`);
    return;
  }
  const byKey = new Map(got.map((g, i) => [labelsKey(g.labels), { ...g, i }]));
  exp.forEach((e, idx) => {
    const g = byKey.get(labelsKey(e.labels));
    if (!g) { fail(`missing series ${labelsString(e.labels)}; got ${got.map((x) => labelsString(x.labels)).join(', ')}`, e.line); return; }
    if (ordered && g.i !== idx) fail(`series ${labelsString(e.labels)} at position ${g.i}, expected ${idx}`, e.line);
    if (!valuesEqual(g.values, e.values)) {
      fail(`series ${labelsString(e.labels)}: expected ${e.values.map((v) => (v === null ? '_' : v === 'stale' ? 'stale' : fmtValue(v))).join(' ')}, got ${g.values.map(fmtValue).join(' ')}`, e.line);
    }
  });
}

function valuesEqual(got: number[], exp: SeriesValue[]): boolean {
  if (got.length !== exp.length) return false;
  return exp.every((v, i) => typeof v === 'number' && almostEqual(got[i]!, v));
}

export function checkRange(
  result: Value, expected: Expectation[], range: { start: number; end: number; step: number },
  fail: (msg: string, line?: number) => void,
): void {
  if (result.type !== 'matrix') { fail(`range query returned a ${result.type}`); return; }
  const steps = Math.floor((range.end - range.start) / range.step) + 1;
  const perStep = (labels: Labels, t: Float64Array, v: Float64Array): SeriesValue[] => {
    const out: SeriesValue[] = new Array<SeriesValue>(steps).fill(null);
    for (let i = 0; i < t.length; i++) {
      const idx = (t[i]! - range.start) / range.step;
      if (!Number.isInteger(idx) || idx < 0 || idx >= steps) throw new Error(`point of ${labelsString(labels)} off the step grid at ${t[i]}`);
      out[idx] = v[i]!;
    }
    return out;
  };
  const got = new Map(result.series.map((s) => [labelsKey(s.labels), perStep(s.labels, s.t, s.v)]));
  const exp = expected.filter((e): e is Extract<Expectation, { kind: 'series' }> => e.kind === 'series');
  if (exp.length !== result.series.length) {
    fail(`expected ${exp.length} series, got ${result.series.length}: ${result.series.map((s) => labelsString(s.labels)).join(', ')}`);
  }
  for (const e of exp) {
    const g = got.get(labelsKey(e.labels));
    if (!g) { fail(`missing series ${labelsString(e.labels)}`, e.line); continue; }
    const ev = e.values.length < steps ? [...e.values, ...new Array<SeriesValue>(steps - e.values.length).fill(null)] : e.values;
    const ok = ev.length === steps && ev.every((v, i) => (v === null ? g[i] === null : typeof v === 'number' && typeof g[i] === 'number' && almostEqual(g[i] as number, v)));
    if (!ok) {
      const fmt = (vs: SeriesValue[]) => vs.map((v) => (v === null ? '_' : v === 'stale' ? 'stale' : fmtValue(v))).join(' ');
      fail(`series ${labelsString(e.labels)}: expected ${fmt(ev)}, got ${fmt(g)}`, e.line);
    }
  }
}

function describeExpected(expected: Expectation[]): string {
  if (expected.length === 0) return 'an empty result';
  return expected.map((e) => e.kind).join(', ');
}
