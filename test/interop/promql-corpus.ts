/**
 * The data and the queries of the side-by-side test (`promql-vs-prometheus.test.ts`), which asks both Prometheus
 * and vigil each query as instant queries at a few times and as range queries.
 *
 * The data: `gen-openmetrics.mjs` with 4 hosts of 200 series (`host-0:9100` … `host-3:9100`, jobs `bench-a` for
 * hosts 0–1 and `bench-b` for 2–3): node exporter families (`node_cpu_seconds_total{cpu,mode}`, `node_load1`,
 * `node_memory_*_bytes`, `node_filesystem_*{device,fstype,mountpoint}`, `node_hwmon_temp_celsius{chip,sensor}`,
 * `node_network_*{device}`, `node_disk_*{device}`, …), `http_requests_total{code,handler,method}`,
 * `http_request_duration_seconds` (a classic histogram by handler, method), `app_queue_messages{queue}`, with
 * counter resets every hour; plus the hand-written `vs_*` families below (irregular millisecond
 * timestamps, a gap, late and early series, NaN and ±Inf samples, counter resets, info-style series for joins,
 * a duplicate match group, a non-monotonic histogram).
 *
 * `<start>`, `<mid>` and `<end>` stand for the unix seconds of the first sample, the middle, and the last sample;
 * the test substitutes them.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

/** The shared data generator; CI copies shared/ beside the clone. */
export const GENERATOR = path.resolve('../shared/bench/gen-openmetrics.mjs');
export const STEP_S = 15;
export const HOURS = 2;
/** Samples per generated series: the generator writes floor(hours / step) of them. */
export const STEPS = Math.floor((HOURS * 3600) / STEP_S);

/** The data's time frame, in unix seconds: first and last sample of the generated series. */
export interface Frame { start: number; end: number }

/** Seconds as OpenMetrics writes them: whole seconds, or seconds with milliseconds. */
function tsText(ms: number): string {
  return ms % 1000 === 0 ? String(ms / 1000) : (ms / 1000).toFixed(3);
}

function valueText(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/**
 * The hand-written families, shapes the generator does not produce. Each series is written in time order,
 * families one after another, as both importers require.
 */
function handWritten(f: Frame): string {
  const S = f.start * 1000;
  const E = f.end * 1000;
  const out: string[] = [];
  const line = (series: string, v: number, ms: number): void => {
    out.push(`${series} ${valueText(v)} ${tsText(ms)}`);
  };

  out.push('# TYPE vs_gauge gauge');
  // Irregular timestamps with milliseconds, values crossing zero.
  for (let k = 0, t = S; t <= E; k++, t = S + k * 10_000 + ((k * 7919) % 1000)) {
    line('vs_gauge{kind="jitter"}', 40 * Math.sin(k / 15) + 0.37 * k, t);
  }
  // A 30 minute hole in the middle: longer than the lookback, so the series vanishes and comes back.
  for (let k = 0, t = S; t <= E; k++, t = S + k * 15_000) {
    if (t >= S + 40 * 60_000 && t < S + 70 * 60_000) continue;
    line('vs_gauge{kind="gap"}', ((k * 7) % 17) - 8, t);
  }
  for (let k = 0, t = S + 3600_000; t <= E; k++, t = S + 3600_000 + k * 30_000) line('vs_gauge{kind="late"}', k * 0.25, t);
  for (let k = 0, t = S; t <= S + 50 * 60_000; k++, t = S + k * 20_000) line('vs_gauge{kind="early"}', 100 - k, t);
  // NaN and ±Inf samples, placed so that instant queries at start+100 s, +3607.5 s and +5400 s see some.
  for (let k = 0, t = S; t <= E; k++, t = S + k * 15_000) line('vs_gauge{kind="nan"}', k % 13 === 6 ? NaN : (k % 10) * 1.5, t);
  for (let k = 0, t = S; t <= E; k++, t = S + k * 15_000) {
    line('vs_gauge{kind="inf"}', k % 50 === 10 ? Infinity : k % 50 === 40 ? -Infinity : (k % 9) - 4, t);
  }
  for (let k = 0, t = S; t <= E; k++, t = S + k * 15_000) line('vs_gauge{kind="unit"}', Math.cos(k / 10), t);

  out.push('# TYPE vs_requests counter');
  // Resets every 97 samples, timestamps a few seconds off the grid.
  for (let k = 0, v = 0, t = S; t <= E; k++, t = S + k * 15_000 + ((k * 3571) % 4000)) {
    v = k % 97 === 96 ? k % 3 : v + (k % 5) + 0.5;
    line('vs_requests_total{path="/a"}', v, t);
  }
  // Starts half an hour in, not at zero (rate's extrapolation towards zero).
  for (let k = 0, t = S + 1800_000; t <= E; k++, t = S + 1800_000 + k * 15_000) line('vs_requests_total{path="/b"}', 4 + 3 * k, t);
  // Large values with small increments.
  for (let k = 0, t = S; t <= E; k++, t = S + k * 15_000) line('vs_requests_total{path="/c"}', 1e12 + k * 1000.5, t);

  out.push('# TYPE vs_host_info gauge');
  for (let i = 0; i < 4; i++) {
    const series = `vs_host_info{instance="host-${i}:9100",rack="${i < 2 ? 'r1' : 'r2'}",os="${i % 2 ? 'linux' : 'bsd'}"}`;
    for (let t = S; t <= E; t += 60_000) line(series, 1, t);
  }
  // Two series in the match group of host-0: one-to-one matching on instance must fail.
  out.push('# TYPE vs_dup gauge');
  for (const [k, v] of [['a', 1], ['b', 2]] as const) {
    for (let t = S; t <= E; t += 60_000) line(`vs_dup{instance="host-0:9100",k="${k}"}`, v, t);
  }
  out.push('# TYPE vs_labels gauge');
  // The third has a newline in a label value (escaped as \n in the file): Prometheus 2's `.` does not match it.
  // The fourth has non-ASCII text and a character outside the BMP (one code point, two UTF-16 units).
  const labelled = [['us-east-1a', 'eu-west-2b', 1], ['ap-south-1c', 'us-east-1a', 2], ['multi\\nline', 'x', 3], ['Zürich-🚀', 'ÉCOLE', 4]] as const;
  for (const [src, dst, v] of labelled) {
    for (let t = S; t <= E; t += 60_000) line(`vs_labels{src="${src}",dst="${dst}"}`, v, t);
  }

  // A histogram whose le="1" bucket sometimes counts less than le="0.1" (histogram_quantile must cope).
  out.push('# TYPE vs_latency histogram');
  for (let k = 0, t = S; t <= E; k++, t = S + k * 30_000) {
    const b = [2 * k, k % 11 === 3 ? Math.max(0, 2 * k - 1) : 5 * k, 9 * k, 10 * k];
    ['0.1', '1', '10', '+Inf'].forEach((le, i) => line(`vs_latency_bucket{le="${le}"}`, b[i]!, t));
    line('vs_latency_count', 10 * k, t);
    line('vs_latency_sum', 3.3 * k, t);
  }
  return out.join('\n') + '\n';
}

/** Writes the generated data plus the hand-written families to `file`. */
export async function writeData(file: string, f: Frame): Promise<void> {
  await promisify(execFile)(process.execPath, [GENERATOR, '--series', '800', '--instances', '4', '--hours', String(HOURS), '--step', String(STEP_S),
    '--start', String(f.start), '--out', file], { maxBuffer: 1 << 20 });
  // Drop the generator's "# EOF" so that our families come before the one at the very end.
  const eof = '# EOF\n';
  const size = fs.statSync(file).size;
  const fd = fs.openSync(file, 'r+');
  try {
    const tail = Buffer.alloc(eof.length);
    fs.readSync(fd, tail, 0, eof.length, size - eof.length);
    if (tail.toString() !== eof) throw new Error(`${GENERATOR} output does not end with "# EOF"`);
    fs.ftruncateSync(fd, size - eof.length);
  } finally {
    fs.closeSync(fd);
  }
  fs.appendFileSync(file, handWritten(f) + eof);
}

export interface CorpusQuery {
  /** The PromQL expression (with `<start>` / `<mid>` / `<end>` placeholders). */
  expr: string;
  /** The instant vector's order is defined by Prometheus (sort, sort_desc, topk and bottomk without grouping). */
  ordered?: boolean;
  /**
   * The errorType Prometheus must answer for the instant queries (a check on the corpus itself: the query is
   * there to test an error path). Unset: whatever Prometheus answers, vigil must answer the same.
   */
  error?: 'bad_data' | 'execution';
  /** Prometheus answers no data at all for this query (checked, so that the corpus knows what it tests). */
  empty?: boolean;
  /**
   * Prometheus's answer depends on an out-of-scope quirk (the reason): a difference is printed and written to the
   * report, but does not fail the test. Only for answers that are undefined behaviour in Prometheus itself.
   */
  quirk?: string;
}

const q = (expr: string, extra: Omit<CorpusQuery, 'expr'> = {}): CorpusQuery => ({ expr, ...extra });

const selectors: CorpusQuery[] = [
  q('node_load1'),
  q('app_queue_messages{queue="queue-3"}'),
  q('app_queue_messages{queue!="queue-3", instance="host-1:9100"}'),
  q('app_queue_messages{queue=~"queue-1.*"}'),
  q('app_queue_messages{queue!~"queue-1.*|queue-2", job="bench-b"}'),
  q('{__name__=~"node_load.*"}'),
  q('{__name__="node_load1", instance=~"host-[02]:9100"}'),
  q('node_load1{instance=~".*"}'),
  q('node_load1{nonexistent=""}'),
  q('node_load1{nonexistent!=""}', { empty: true }),
  q('node_load1{instance=~"HOST-0.*"}', { empty: true }),
  q('{job="bench-a", __name__=~"node_memory_.*_bytes"}'),
  q('http_requests_total{code=~"5..", method="POST"}'),
  q('node_load1 offset 10m'),
  q('node_load1 offset -5m'),
  q('node_load1 @ <mid>'),
  q('node_load1 @ <mid> offset 5m'),
  q('node_load1 @ start()'),
  q('node_load1 @ end()'),
  q('node_load1 @ <end>'),
  q('rate(http_requests_total{code="200"}[5m] @ <end>)'),
  q('vs_gauge @ <start>'),
  q('app_queue_messages{queue="queue-0"}[2m]'),
  q('app_queue_messages{queue="queue-0"}[90s] offset 1m'),
  q('node_load1[5m] @ <mid>'),
  q('vs_gauge'),
  q('vs_gauge[1m]'),
  q('vs_gauge{kind="gap"}[10m]'),
  q('vs_requests_total'),
  q('vs_requests_total[2m]'),
  q('vs_latency_bucket'),
  // Regular expressions are fully anchored RE2: flags, escapes, empty alternatives.
  q('node_load1{instance=~"host-0"}', { empty: true }),
  q('node_load1{instance=~"(?i)HOST-[01].*"}'),
  q('app_queue_messages{queue=~"queue-1\\\\d", instance="host-3:9100"}'),
  q('app_queue_messages{queue=~`queue-1\\d`, instance="host-3:9100"}'),
  q('vs_labels{nonexistent=~"x|"}'),
  q('vs_labels{src!~"us-.*"}'),
  // Go's RE2 dialect, not JavaScript's: POSIX classes, \pL, \Q…\E, \A \z, flag groups; no lookahead, no
  // backreferences; and, in Prometheus 2, `.` does not match a newline.
  q('node_load1{instance=~"[[:alpha:]]+-0:9100"}'),
  q('node_load1{instance=~"host-[[:digit:]]:9100"}'),
  q('node_load1{instance=~"\\\\pL+-[0-9]:9100"}'),
  q('node_load1{instance=~"\\\\Qhost-0:9100\\\\E"}'),
  q('node_load1{instance=~"\\\\Ahost-0.*\\\\z"}'),
  q('node_load1{instance=~"(?s:host).*"}'),
  q('node_load1{instance=~"(?i:HOST)-0.*"}'),
  q('node_load1{instance=~"(?U)host-.+"}'),
  q('node_load1{instance=~"\\\\x68ost-0.*"}'),
  q('node_load1{instance=~"[[:^alpha:]]*"}', { empty: true }),
  q('vs_labels{src=~"(?i)ZÜRICH-\\\\x{1F680}"}'),
  q('node_load1{instance=~"host-0:9100|(?i)HOST-1:9100"}'),
  q('node_load1{instance=~"(?i)host-(?-i:0).*"}'),
  q('node_load1{instance=~"a{1001}"}', { error: 'bad_data' }),
  q('node_load1{instance=~"x**"}', { error: 'bad_data' }),
  q('node_load1{instance=~"host(?=-0).*"}', { error: 'bad_data' }),
  q('node_load1{instance=~"(h)\\\\1.*"}', { error: 'bad_data' }),
  q('vs_labels{src=~"multi.line"}', { empty: true }),
  q('vs_labels{src=~"multi\\\\nline"}'),
  q('vs_labels{src=~"(?s)multi.line"}'),
  q('vs_labels{src!~"multi.*"}'),
  q('vs_labels{src=~".*"}'),
  q('vs_labels{src=~".+"}'),
  q('vs_labels{src=~"Zürich-."}'),
  q('vs_labels{src=~"(?i)zÜRICH-.*"}'),
  q('vs_labels{dst=~"(?i)école"}'),
  q('vs_labels{src=~"[^a-z]ürich-[^a-z]"}'),
  q('label_replace(vs_labels, "first", "$1", "src", "(.).*")'),
  q('node_load1{instance="host-1:9100",}'),
  q('{__name__="node_load1", __name__="node_load5"}', { empty: true }),
  q('node_load1{__name__="node_load5"}', { error: 'bad_data' }),
  q('node_load1 # a comment'),
  q('node_load1 offset 1500ms'),
  q('node_load1 @ <mid>.5'),
  q('avg_over_time(node_load1[1h30m])'),
  q('count_over_time(node_load1[15s])'),
  q('count_over_time(node_load1[1m])'),
  q('count_over_time(node_load1[1y])'),
  q('node_load1 offset 1d', { empty: true }),
  q('vs_gauge{kind="late"} @ 0', { empty: true }),
];

const literals: CorpusQuery[] = [
  q('42'),
  q('-1.5e3'),
  q('0x1F'),
  q('"a string"'),
  q('Inf'),
  q('-Inf'),
  q('NaN'),
  q('1 + 2 * 3 ^ 2 ^ 0.5'),
  q('(5 % 3) - 7 / 2'),
  q('2 ^ -1'),
  q('-(3)'),
  q('1 / 0'),
  q('0 / 0'),
  q('1 < bool 2'),
  q('2 == bool 2.0'),
  q('nan'),
  q('.5 + 5.'),
  q('1e-320'),
  q('2 ^ 1023 * 2'),
  q('0.1 + 0.2'),
  q('-2 ^ 2'),
  q('2 ^ 3 ^ 2'),
  q('1 - 2 - 3'),
  q('"esc\\"aped\\n"'),
  q('`raw\\n`'),
];

const aggregations: CorpusQuery[] = [
  q('sum(app_queue_messages)'),
  q('sum by (instance) (app_queue_messages)'),
  q('sum without (queue) (app_queue_messages)'),
  q('sum(app_queue_messages) by (job)'),
  q('sum by () (node_load1)'),
  q('sum by (__name__) ({__name__=~"node_load.*"})'),
  q('avg by (job, mode) (rate(node_cpu_seconds_total[5m]))'),
  q('avg(vs_gauge)'),
  q('min without (cpu) (node_cpu_seconds_total)'),
  q('max by (instance) (node_hwmon_temp_celsius)'),
  q('max by (le) (http_request_duration_seconds_bucket)'),
  q('min(vs_gauge)'),
  q('count by (mode) (node_cpu_seconds_total)'),
  q('count without (instance, job) (app_queue_messages)'),
  q('count(vs_gauge)'),
  q('group by (handler) (http_requests_total)'),
  q('group(node_load1)'),
  q('stddev by (instance) (app_queue_messages)'),
  q('stdvar without (cpu) (rate(node_cpu_seconds_total[5m]))'),
  q('stddev(vs_gauge)'),
  q('stdvar by (kind) (vs_gauge)'),
  q('count_values("value", node_network_up)'),
  q('count_values by (instance) ("mtu", node_network_mtu_bytes)'),
  q('count_values("v", floor(vs_gauge{kind="gap"}))'),
  // Which of several tied series topk/bottomk keep is not defined (Prometheus's heap decides), so these use
  // values that are practically never equal: not temperatures (one decimal) nor queue depths (random walks that
  // stick at 0 and 20000), but their slopes and rates — of busy CPU modes only: the generator's idle counters
  // advance at one steady rate, so their rates tie exactly across CPUs and a range query's top 3 flips between them.
  q('topk(3, rate(node_cpu_seconds_total{mode!="idle"}[5m]))', { ordered: true }),
  q('topk by (instance) (2, rate(node_cpu_seconds_total{mode!="idle"}[5m]))'),
  q('bottomk(5, deriv(node_hwmon_temp_celsius[10m]))', { ordered: true }),
  q('bottomk without (sensor) (1, deriv(node_hwmon_temp_celsius[10m]))'),
  q('topk(4, vs_gauge)', { ordered: true }),
  q('topk(scalar(min(node_network_up)) + 1, node_memory_MemFree_bytes)', { ordered: true }),
  q('quantile(0.9, app_queue_messages)'),
  q('quantile by (job) (0.5, node_hwmon_temp_celsius)'),
  q('quantile(1.5, node_load1)'),
  q('quantile(-1, node_load1)'),
  q('quantile(0.3, vs_gauge)'),
  q('count by (nonexistent) (node_load1)'),
  q('sum by (instance, instance) (node_load1)'),
  q('sum without (__name__) ({__name__=~"node_load(1|5)"})'),
  q('count_values("instance", node_network_up)'),
  q('count_values("le", floor(node_load1))'),
  q('topk(0, node_load1)', { empty: true }),
  q('topk(-1, node_load1)', { empty: true }),
  q('topk(1.9, node_memory_MemAvailable_bytes)', { ordered: true }),
  q('topk(1e10, node_memory_MemAvailable_bytes)', { ordered: true }),
  q('bottomk(2, vs_gauge)', { ordered: true }),
  q('quantile(NaN, node_load1)'),
  q('quantile(0.5, vs_gauge{kind=~"nan|inf"})'),
  q('avg(vs_gauge{kind="inf"})'),
  q('sum(vs_requests_total)'),
  q('max(vs_gauge{kind="nan"})'),
  q('count(count by (instance) (node_cpu_seconds_total))'),
  q('sum by (__name__, instance) ({__name__=~"node_load.*"})'),
  q('group without (instance) (node_load1) * 3'),
  q('stdvar(vs_gauge{kind=~"inf|nan"})'),
  q('avg by (kind) (vs_gauge{kind=~"inf|nan|unit"})'),
  q('count_values("x", vs_gauge)'),
  q('sum(vs_gauge{kind="inf"}) + sum(vs_gauge{kind="jitter"})'),
];

const binaryOps: CorpusQuery[] = [
  q('node_load1 * 100'),
  q('100 - node_load1'),
  q('node_memory_MemFree_bytes / 1024 / 1024'),
  q('node_load1 ^ 2'),
  q('app_queue_messages % 7'),
  q('-app_queue_messages{queue="queue-5"}'),
  q('vs_gauge / 0'),
  q('node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes'),
  q('node_filesystem_avail_bytes / on(instance, mountpoint) node_filesystem_size_bytes'),
  q('node_filesystem_avail_bytes / ignoring(fstype) node_filesystem_size_bytes'),
  q('rate(node_cpu_seconds_total{mode="user"}[5m]) * on(instance) group_left(rack) vs_host_info'),
  q('vs_host_info * on(instance) group_right(rack, os) node_load1'),
  q('sum by (instance, mode) (rate(node_cpu_seconds_total[5m])) / on(instance) group_left sum by (instance) (rate(node_cpu_seconds_total[5m]))'),
  q('vs_dup + on(instance) group_left node_load1'),
  q('node_load1 * on(instance) vs_dup', { error: 'execution' }),
  q('node_load1 > 1'),
  q('node_load1 > bool 1'),
  q('app_queue_messages >= 1000'),
  q('app_queue_messages == bool 0'),
  q('node_load1 < node_load5'),
  q('node_load1 != bool node_load5'),
  q('vs_gauge <= 0'),
  q('vs_gauge == vs_gauge'),
  q('node_load1 atan2 node_load5'),
  q('2 * node_load1 + 3 ^ 2 - node_load5 / 2'),
  q('node_load1 and node_load1 > 2'),
  q('node_load1 or node_load5'),
  q('(node_load1 > 100) or vector(0)'),
  q('app_queue_messages and on(instance) vs_host_info{rack="r2"}'),
  q('node_load1 unless on(instance) vs_host_info{rack="r1"}'),
  q('vs_gauge unless vs_gauge{kind="nan"}'),
  q('vs_dup and vs_dup'),
  q('rate(http_requests_total[5m]) > on(instance, job) group_left avg by (instance, job) (rate(http_requests_total[5m]))'),
  q('vector(1) + vector(2)'),
  q('node_load1 * on(instance) group_left(job) vs_host_info'),
  q('node_load1 / on(instance) group_left vs_host_info'),
  q('node_load1 + on() group_left vector(1)'),
  q('vector(1) and on() node_load1'),
  q('scalar(vector(1)) + node_load1'),
  q('1 > bool node_load1'),
  q('node_load1 > bool scalar(node_load5{instance="host-0:9100"})'),
  q('node_load1 == bool node_load1'),
  q('(node_load1 > 1) == bool 1'),
  q('vs_labels or vs_dup'),
  q('node_load1 unless nonexistent'),
  q('nonexistent or node_load1'),
  q('-node_load1 offset 5m'),
  q('node_load1 + ignoring(instance) group_left sum without (instance) (node_load1)'),
  q('vector(1) * on() group_left node_load1', { error: 'execution' }),
  q('node_load1 * on() group_right vector(1)', { error: 'execution' }),
  q('node_load1 > on(instance) group_left node_load5 * 0.5'),
];

const counterFunctions: CorpusQuery[] = [
  q('rate(http_requests_total[5m])'),
  q('rate(http_requests_total[1m])'),
  q('rate(node_cpu_seconds_total[1h])'),
  q('irate(node_cpu_seconds_total{mode="user"}[1m])'),
  q('increase(http_requests_total{code="500"}[10m])'),
  q('sum by (code) (increase(http_requests_total[1h]))'),
  q('rate(vs_requests_total[5m])'),
  q('increase(vs_requests_total[30m])'),
  q('irate(vs_requests_total[2m])'),
  q('resets(vs_requests_total[30m])'),
  q('resets(node_cpu_seconds_total[1h])'),
  q('rate(http_requests_total[5m] offset 30m)'),
  q('rate(node_cpu_seconds_total{cpu="1"}[5m] @ <mid>)'),
  q('rate(vs_gauge[5m])'),
  q('delta(node_hwmon_temp_celsius[10m])'),
  q('delta(vs_gauge[7m])'),
  q('idelta(app_queue_messages{queue=~"queue-[0-4]"}[1m])'),
  q('idelta(vs_gauge[3m])'),
  q('deriv(node_filesystem_free_bytes[15m])'),
  q('deriv(vs_gauge[10m])'),
  q('predict_linear(node_filesystem_avail_bytes[30m], 3600)'),
  q('predict_linear(vs_gauge[10m], -600)'),
  q('holt_winters(node_load1[10m], 0.5, 0.5)'),
  q('holt_winters(vs_gauge[20m], 0.1, 0.9)'),
  q('changes(app_queue_messages{instance="host-2:9100"}[10m])'),
  q('changes(vs_gauge[30m])'),
  q('rate(http_requests_total[15s])'),
  q('increase(vs_requests_total{path="/b"}[10m])'),
  q('rate(vs_requests_total[5m:30s])'),
  q('irate(vs_gauge{kind="late"}[1m])'),
  q('deriv(vs_gauge{kind="late"}[30s])'),
  q('predict_linear(vs_gauge{kind="gap"}[20m], 600)'),
  q('resets(vs_gauge[10m])'),
  q('changes(vs_gauge{kind="nan"}[5m])'),
  q('holt_winters(node_load1[10m], 0, 0.5)', { error: 'execution' }),
  q('holt_winters(node_load1[10m], 0.5, 1)', { error: 'execution' }),
  q('rate(vs_gauge{kind="nan"}[5m])'),
  q('rate(vs_requests_total{path="/c"}[1m])'),
  q('irate(vs_gauge{kind="nan"}[5m])'),
  q('deriv(vs_gauge{kind="inf"}[10m])'),
  q('predict_linear(vs_gauge{kind="nan"}[10m], 60)'),
  q('holt_winters(vs_gauge{kind="inf"}[10m], 0.3, 0.3)'),
];

const overTime: CorpusQuery[] = [
  q('avg_over_time(node_load1[10m])'),
  q('avg_over_time(vs_gauge[10m])'),
  q('min_over_time(vs_gauge[15m])'),
  q('max_over_time(app_queue_messages{job="bench-a"}[5m])'),
  q('max_over_time(vs_gauge[15m])'),
  q('sum_over_time(node_network_up[3m])'),
  q('sum_over_time(vs_gauge[5m])'),
  q('count_over_time(vs_gauge[10m])'),
  q('count_over_time(vs_requests_total[1h])'),
  q('last_over_time(vs_gauge[20m])'),
  q('stddev_over_time(node_hwmon_temp_celsius[10m])'),
  q('stddev_over_time(vs_gauge[10m])'),
  q('stdvar_over_time(vs_gauge[10m])'),
  q('quantile_over_time(0.95, node_load1[30m])'),
  q('quantile_over_time(0, vs_gauge[10m])'),
  q('quantile_over_time(0.5, vs_gauge[10m])'),
  q('quantile_over_time(2, node_load1[5m])'),
  q('present_over_time(vs_gauge[1m])'),
  q('absent_over_time(vs_gauge{kind="gap"}[5m])'),
  q('absent_over_time(nonexistent_metric{a="b", c=~"d"}[5m])'),
  q('absent_over_time(node_load1[5m])', { empty: true }),
  q('absent_over_time(vs_gauge{kind="early"}[10m])'),
  q('absent_over_time(nonexistent{job="x"}[5m] offset 1h)'),
  q('present_over_time(vs_gauge{kind="gap"}[10m])'),
  q('last_over_time(vs_gauge{kind="early"}[1h])'),
  q('last_over_time(vs_gauge{kind="nan"}[1m])'),
  q('stddev_over_time(vs_gauge{kind="nan"}[5m])'),
  q('max_over_time(vs_gauge[5m:17s])'),
  q('quantile_over_time(NaN, node_load1[5m])'),
  q('quantile_over_time(0.5, vs_gauge{kind="inf"}[10m])'),
  q('stddev_over_time(vs_gauge{kind="inf"}[10m])'),
  q('avg_over_time(vs_gauge{kind="inf"}[10m])'),
  q('sum_over_time(vs_gauge{kind="inf"}[10m])'),
  q('max_over_time(vs_gauge{kind="late"}[2h] @ <start>)', { empty: true }),
  q('absent_over_time(nonexistent[5m:1m])'),
];

const histograms: CorpusQuery[] = [
  q('histogram_quantile(0.9, rate(http_request_duration_seconds_bucket[5m]))'),
  q('histogram_quantile(0.5, sum by (le, handler) (rate(http_request_duration_seconds_bucket[10m])))'),
  q('histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))'),
  q('histogram_quantile(0, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))'),
  q('histogram_quantile(1.5, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))'),
  q('histogram_quantile(0.5, http_request_duration_seconds_bucket)'),
  q('histogram_quantile(0.5, vs_latency_bucket)'),
  q('histogram_quantile(0.8, rate(vs_latency_bucket[5m]))'),
  q('rate(http_request_duration_seconds_sum[5m]) / rate(http_request_duration_seconds_count[5m])'),
  q('histogram_quantile(0.5, http_request_duration_seconds_bucket{le!="+Inf"})'),
  q('histogram_quantile(NaN, rate(http_request_duration_seconds_bucket[5m]))'),
  q('histogram_quantile(0.75, sum without (instance, job, method) (rate(http_request_duration_seconds_bucket[15m])))'),
  q('histogram_quantile(0.5, {__name__="vs_latency_bucket", le="+Inf"})'),
  q('sum(rate(http_request_duration_seconds_bucket[5m])) by (le)'),
];

const labelFunctions: CorpusQuery[] = [
  q('label_replace(node_load1, "host", "$1", "instance", "(.*):.*")'),
  q('label_replace(app_queue_messages{instance="host-0:9100"}, "n", "$1", "queue", "queue-([0-9]+)")'),
  q('label_replace(vs_labels, "src", "", "src", ".*")'),
  q('label_replace(node_load1, "instance", "x", "instance", "host-0.*")'),
  q('label_replace(node_load1, "new", "$2-$1", "instance", "host-([0-9]):([0-9]+)")'),
  q('label_replace(app_queue_messages, "queue", "same", "queue", ".*")', { error: 'execution' }),
  q('label_replace(node_load1, "x", "y", "instance", "(")', { error: 'execution' }),
  q('label_join(node_filesystem_size_bytes, "id", "/", "instance", "device", "mountpoint")'),
  q('label_join(vs_labels, "both", "-", "src", "dst")'),
  q('label_join(vs_labels, "src", "", "nonexistent")'),
  q('label_replace(vs_labels, "dst", "$1$1", "src", "(.*)-.*")'),
  q('label_replace(node_load1, "__name__", "renamed", "", "")'),
  q('label_replace(node_load1, "copy", "$0", "instance", ".*")'),
  q('label_replace(node_load1, "x", "$9", "instance", "(.*)")'),
  q('label_replace(node_load1, "1bad", "x", "instance", ".*")', { error: 'execution' }),
  q('label_join(node_load1, "1bad", ",", "instance")', { error: 'execution' }),
  q('label_join(node_load1, "instance", "")', { error: 'execution' }),
  q('label_replace(vs_labels, "a", "$1", "src", "(?P<x>us)-.*")'),
  q('label_replace(vs_labels, "a", "${1}x", "src", "(us)-.*")'),
  q('label_replace(node_load1, "x", "$1", "instance", "([[:alpha:]]+)-.*")'),
  q('label_replace(vs_labels, "x", "$1", "src", "(.*)")'),
  // Go's template expansion: `$1x` names group "1x" (empty), `$$` is a dollar, `$1_$2` names group "1_".
  q('label_replace(vs_labels, "a", "$1x", "src", "(us)-.*")'),
  q('label_replace(vs_labels, "a", "$$1", "src", "(us)-.*")'),
  q('label_replace(vs_labels, "a", "$name", "src", "(?P<name>us)-.*")'),
  q('label_replace(vs_labels, "a", "$1_$2", "src", "(us)-(.*)")'),
  q('label_replace(vs_labels, "a", "$10", "src", "(u)(s)-.*")'),
];

const mathFunctions: CorpusQuery[] = [
  q('abs(vs_gauge)'),
  q('ceil(node_load1)'),
  q('floor(vs_gauge)'),
  q('round(node_load1)'),
  q('round(node_hwmon_temp_celsius, 5)'),
  q('round(vs_gauge, 0.3)'),
  q('clamp(app_queue_messages{queue="queue-1"}, 100, 5000)'),
  q('clamp(node_load1, 2, 1)', { empty: true }),
  q('clamp_max(node_load1, 1)'),
  q('clamp_min(vs_gauge, 0)'),
  q('sqrt(vs_gauge)'),
  q('exp(node_load1)'),
  q('exp(vs_gauge{kind="early"})'),
  q('ln(vs_gauge)'),
  q('log2(app_queue_messages{queue="queue-2"})'),
  q('log10(node_memory_MemTotal_bytes)'),
  q('sgn(vs_gauge)'),
  q('sin(vs_gauge)'),
  q('cos(node_load1)'),
  q('tan(vs_gauge{kind="unit"})'),
  q('asin(vs_gauge{kind="unit"})'),
  q('acos(vs_gauge{kind="unit"})'),
  q('atan(vs_gauge)'),
  q('sinh(vs_gauge{kind="unit"})'),
  q('cosh(vs_gauge{kind="unit"})'),
  q('tanh(vs_gauge)'),
  q('asinh(vs_gauge)'),
  q('acosh(node_load1 + 1)'),
  q('atanh(vs_gauge{kind="unit"})'),
  q('deg(vs_gauge{kind="unit"})'),
  q('rad(node_hwmon_temp_celsius)'),
  q('pi()'),
  q('round(node_load1, 0)'),
  q('round(vs_gauge, -2)'),
  q('clamp(vs_gauge, NaN, 1)'),
  q('clamp_min(node_load1, NaN)'),
  q('ln(-1 * node_load1)'),
  q('exp(1000 * node_load1)'),
];

const timeFunctions: CorpusQuery[] = [
  q('time()'),
  q('timestamp(node_load1)'),
  q('timestamp(vs_gauge)'),
  q('timestamp(node_load1 offset 1m)'),
  q('time() - node_boot_time_seconds'),
  q('vector(time())'),
  q('day_of_week()'),
  q('hour()'),
  q('minute(vector(1700000000))'),
  q('month(node_boot_time_seconds)'),
  q('year(node_boot_time_seconds)'),
  q('day_of_month(vector(1709164800))'),
  q('days_in_month(vector(1709164800))'),
  q('day_of_year(vector(1735603200))'),
  q('hour(timestamp(vs_gauge))'),
  q('timestamp(node_load1 @ <mid>)'),
  q('timestamp(vs_gauge{kind="jitter"}[5m:1m])', { error: 'bad_data' }),
  q('time() @ 100', { error: 'bad_data' }),
  q('sum(node_load1) @ <mid>', { error: 'bad_data' }),
  q('minute(vs_gauge{kind="unit"})'),
  q('day_of_week(vector(-86400))'),
  // Out of scope, kept as a documented quirk: Prometheus converts the float seconds to int64 with Go's
  // implementation-defined conversion (on amd64, NaN and ±Inf become the smallest int64, year 292277026596; other
  // CPUs differ), so there is no portable answer to match.
  q('year(vector(Inf))', { quirk: 'Go float→int64 conversion of Inf is CPU-dependent' }),
  q('timestamp(timestamp(node_load1))'),
  q('scalar(time())', { error: 'bad_data' }),
];

const vectorFunctions: CorpusQuery[] = [
  q('scalar(node_load1)'),
  q('scalar(node_load1{instance="host-0:9100"})'),
  q('scalar(sum(app_queue_messages))'),
  q('node_load1 * scalar(node_network_up{instance="host-1:9100"})'),
  q('absent(node_load1)', { empty: true }),
  q('absent(nonexistent)'),
  q('absent(nonexistent{job="x", instance=~"y"})'),
  q('absent(sum(nonexistent))'),
  q('sort(node_load1)', { ordered: true }),
  q('sort_desc(app_queue_messages)', { ordered: true }),
  q('sort(vs_gauge)', { ordered: true }),
  q('sort_desc(vs_gauge)', { ordered: true }),
  q('sort_desc(rate(http_requests_total[5m]))', { ordered: true }),
  q('absent(nonexistent{a="b", a="c"})'),
  q('absent(nonexistent{a=~"b", c!="d", e="f"})'),
  q('absent(vs_gauge{kind="early"})'),
  q('sort(-node_load1)', { ordered: true }),
  q('sort_desc(vs_gauge{kind=~"nan|inf|unit"})', { ordered: true }),
  q('vector(scalar(node_load1))'),
];

const subqueries: CorpusQuery[] = [
  q('max_over_time(rate(http_requests_total{handler="/api/v1/users"}[5m])[30m:1m])'),
  q('avg_over_time(node_load1[10m:])'),
  q('min_over_time(sum(app_queue_messages)[15m:30s] offset 5m)'),
  q('rate(node_load1[5m:1m])'),
  q('deriv(sum(node_filesystem_avail_bytes)[20m:2m])'),
  q('max_over_time((node_load1 > 1)[30m:1m] @ <mid>)'),
  q('max_over_time(avg_over_time(node_load1[5m:1m])[20m:5m])'),
  q('sum_over_time(vs_gauge[30m:45s])'),
  q('app_queue_messages{queue="queue-1"}[10m:2m]'),
  q('count_over_time(vs_gauge{kind="gap"}[20m:1m])'),
  q('sum_over_time(node_load1[10m:1m] @ <mid> offset 5m)'),
  q('max_over_time(max_over_time(vs_gauge[1m:10s])[10m:1m])'),
  q('min_over_time(vs_gauge[5m:1m] offset -1m)'),
  q('last_over_time(node_load1[5m:])'),
];

const errors: CorpusQuery[] = [
  q('sum(', { error: 'bad_data' }),
  q('node_load1{', { error: 'bad_data' }),
  q('node_load1[5m', { error: 'bad_data' }),
  q('foo bar', { error: 'bad_data' }),
  q('1 +', { error: 'bad_data' }),
  q('rate(node_load1)', { error: 'bad_data' }),
  q('1 < 2', { error: 'bad_data' }),
  q('node_load1 and 1', { error: 'bad_data' }),
  q('nonexistent_func(node_load1)', { error: 'bad_data' }),
  q('label_replace(node_load1, "a")', { error: 'bad_data' }),
  q('round(node_load1, 1, 2)', { error: 'bad_data' }),
  q('histogram_quantile(node_load1, node_load1)', { error: 'bad_data' }),
  q('topk(node_load1, node_load1)', { error: 'bad_data' }),
  q('quantile_over_time(0.5, node_load1)', { error: 'bad_data' }),
  q('count_values(1, node_load1)', { error: 'bad_data' }),
  q('absent(node_load1[5m])', { error: 'bad_data' }),
  q('time(1)', { error: 'bad_data' }),
  q('vector("x")', { error: 'bad_data' }),
  q('node_load1[5m] + 1', { error: 'bad_data' }),
  q('-node_load1[1m]', { error: 'bad_data' }),
  q('"a" + 1', { error: 'bad_data' }),
  q('{}', { error: 'bad_data' }),
  q('{job=~".*"}', { error: 'bad_data' }),
  q('node_load1{instance=~"("}', { error: 'bad_data' }),
  q('node_load1 offset 1m offset 2m', { error: 'bad_data' }),
  q('node_load1 @ 1 @ 2', { error: 'bad_data' }),
  q('node_load1[-5m]', { error: 'bad_data' }),
  q('node_load1[5m:1m:1m]', { error: 'bad_data' }),
  q('node_load1 and on(instance) group_left vs_host_info', { error: 'bad_data' }),
  q('sum(node_load1) by (instance) without (job)', { error: 'bad_data' }),
  q('node_load1 > bool', { error: 'bad_data' }),
  q('rate(node_load1[5m]) by (instance)', { error: 'bad_data' }),
  q('"unterminated', { error: 'bad_data' }),
  q('node_load1 $', { error: 'bad_data' }),
  q('sum(node_load1, node_load5)', { error: 'bad_data' }),
  q('quantile("a", node_load1)', { error: 'bad_data' }),
  q('ignoring(instance) node_load1', { error: 'bad_data' }),
  q('node_load1 + on(instance) group_left(instance) vs_host_info', { error: 'bad_data' }),
  q('histogram_quantile(0.5, rate(http_request_duration_seconds_bucket[5m])) by (le)', { error: 'bad_data' }),
  q('node_load1[5m:0s]', { error: 'bad_data' }),
  q('count_values("invalid-label", node_load1)', { error: 'execution' }),
  q('sum(node_load1) offset 5m', { error: 'bad_data' }),
];

/** Every query of the side-by-side test. */
export const CORPUS: readonly CorpusQuery[] = [
  ...selectors,
  ...literals,
  ...aggregations,
  ...binaryOps,
  ...counterFunctions,
  ...overTime,
  ...histograms,
  ...labelFunctions,
  ...mathFunctions,
  ...timeFunctions,
  ...vectorFunctions,
  ...subqueries,
  ...errors,
];
