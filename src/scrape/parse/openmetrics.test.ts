import { describe, expect, it } from 'vitest';
import { collect, parseFailure, samples } from './test-helpers.js';

// The overall-structure example of the OpenMetrics 1.0 specification.
const SPEC_EXAMPLE = `# TYPE acme_http_router_request_seconds summary
# UNIT acme_http_router_request_seconds seconds
# HELP acme_http_router_request_seconds Latency though all of ACME's HTTP request router.
acme_http_router_request_seconds_sum{path="/api/v1",method="GET"} 9036.32
acme_http_router_request_seconds_count{path="/api/v1",method="GET"} 807283.0
acme_http_router_request_seconds_created{path="/api/v1",method="GET"} 1605281325.0
acme_http_router_request_seconds_sum{path="/api/v2",method="POST"} 479.3
acme_http_router_request_seconds_count{path="/api/v2",method="POST"} 34.0
acme_http_router_request_seconds_created{path="/api/v2",method="POST"} 1605281325.0
# TYPE go_goroutines gauge
# HELP go_goroutines Number of goroutines that currently exist.
go_goroutines 69
# TYPE process_cpu_seconds counter
# UNIT process_cpu_seconds seconds
# HELP process_cpu_seconds Total user and system CPU time spent in seconds.
process_cpu_seconds_total 4.20072246e+06
# EOF
`;

describe('OpenMetrics: the specification example', () => {
  const seen = collect(SPEC_EXAMPLE, 'openmetrics');
  it('reads TYPE, UNIT and HELP with their lines', () => {
    expect(seen.slice(0, 3)).toEqual([
      { kind: 'type', line: 1, family: 'acme_http_router_request_seconds', type: 'summary' },
      { kind: 'unit', line: 2, family: 'acme_http_router_request_seconds', unit: 'seconds' },
      { kind: 'help', line: 3, family: 'acme_http_router_request_seconds', help: "Latency though all of ACME's HTTP request router." },
    ]);
    expect(seen.filter((s) => s.kind === 'type').map((s) => (s.kind === 'type' ? s.type : ''))).toEqual(['summary', 'gauge', 'counter']);
  });
  it('reads _created lines as ordinary series (Prometheus 2.42 ingests them as such)', () => {
    expect(seen[5]).toMatchObject({
      kind: 'series', line: 6,
      labels: { __name__: 'acme_http_router_request_seconds_created', method: 'GET', path: '/api/v1' },
      value: 1605281325,
    });
  });
  it('reads every sample', () => {
    expect(seen.filter((s) => s.kind === 'series').map((s) => (s.kind === 'series' ? s.value : 0))).toEqual([
      9036.32, 807283, 1605281325, 479.3, 34, 1605281325, 69, 4200722.46,
    ]);
    expect(seen.at(-1)).toMatchObject({ line: 16, key: 'process_cpu_seconds_total' });
  });
});

describe('OpenMetrics: families of every type', () => {
  it('histogram buckets, _count, _sum, _created', () => {
    const body = `# TYPE foo histogram
foo_bucket{le="0.0"} 0
foo_bucket{le="1e-05"} 0
foo_bucket{le="0.0001"} 5
foo_bucket{le="1e+06"} 15
foo_bucket{le="+Inf"} 17
foo_count 17
foo_sum 324789.3
foo_created 1520430000.123
# EOF
`;
    expect(samples(body, 'openmetrics')).toEqual([
      ['foo_bucket{le="0.0"}', 0, undefined], ['foo_bucket{le="1e-05"}', 0, undefined],
      ['foo_bucket{le="0.0001"}', 5, undefined], ['foo_bucket{le="1e+06"}', 15, undefined],
      ['foo_bucket{le="+Inf"}', 17, undefined], ['foo_count', 17, undefined], ['foo_sum', 324789.3, undefined],
      ['foo_created', 1520430000.123, undefined],
    ]);
  });
  it('gauge histograms with _gcount and _gsum, statesets, info', () => {
    const body = `# TYPE foo gaugehistogram
foo_bucket{le="0.01"} 20.0
foo_bucket{le="+Inf"} 42.0
foo_gcount 42.0
foo_gsum 3289.3
# TYPE bar stateset
bar{entity="controller",bar="a"} 1.0
bar{entity="controller",bar="bb"} 0.0
# TYPE baz info
baz_info{name="pretty name",version="8.2.7"} 1
# TYPE q unknown
q 1
# EOF
`;
    const seen = collect(body, 'openmetrics');
    expect(seen.filter((s) => s.kind === 'type').map((s) => (s.kind === 'type' ? s.type : ''))).toEqual([
      'gaugehistogram', 'stateset', 'info', 'unknown',
    ]);
    expect(seen[3]).toMatchObject({ key: 'foo_gcount', value: 42 });
    expect(seen[6]).toMatchObject({ labels: { __name__: 'bar', bar: 'a', entity: 'controller' }, value: 1 });
    expect(seen[9]).toMatchObject({ labels: { __name__: 'baz_info', name: 'pretty name', version: '8.2.7' } });
  });
  it('summaries with quantiles', () => {
    const body = '# TYPE s summary\ns{quantile="0.5"} 0.25\ns_count 3\ns_sum 1.5\n# EOF\n';
    expect(samples(body, 'openmetrics')).toEqual([['s{quantile="0.5"}', 0.25, undefined], ['s_count', 3, undefined], ['s_sum', 1.5, undefined]]);
  });
});

describe('OpenMetrics: timestamps and exemplars', () => {
  it('reads float-second timestamps as whole milliseconds, truncating', () => {
    const body = 'a 1 1520879607.789\nb 1 123.123\nc 1 1\nd 1 -1.5\ne 1 0.0019\nf 1 1e3\n# EOF\n';
    expect(samples(body, 'openmetrics').map((s) => s[2])).toEqual([1520879607789, 123123, 1000, -1500, 1, 1000000]);
  });
  it('reads exemplars with and without timestamps, empty label sets, and escapes', () => {
    const body = `# TYPE foo histogram
foo_bucket{le="0.01"} 0
foo_bucket{le="0.1"} 8 # {} 0.054
foo_bucket{le="1"} 11 # {trace_id="KOO5S4vxi0o"} 0.67
foo_bucket{le="10"} 17 # {trace_id="oHg5SJYRHA0",span="a\\"b"} 9.8 1520879607.789
# TYPE bar counter
bar_total 17.0 1520879607.789 # {trace_id="x"} 0.67 123.321
# EOF
`;
    const seen = collect(body, 'openmetrics');
    expect(seen[1]).not.toHaveProperty('exemplar');
    expect(seen[2]).toMatchObject({ value: 8, exemplar: { labels: {}, value: 0.054 } });
    expect((seen[2] as { exemplar: object }).exemplar).not.toHaveProperty('ts');
    expect(seen[3]).toMatchObject({ value: 11, exemplar: { labels: { trace_id: 'KOO5S4vxi0o' }, value: 0.67 } });
    expect(seen[4]).toMatchObject({
      value: 17, exemplar: { labels: { span: 'a"b', trace_id: 'oHg5SJYRHA0' }, value: 9.8, ts: 1520879607789 },
    });
    expect(seen[6]).toMatchObject({ value: 17, ts: 1520879607789, exemplar: { value: 0.67, ts: 123321 } });
    expect(seen[4]).toMatchObject({ key: 'foo_bucket{le="10"}' });
  });
});

describe('OpenMetrics: labels, escapes, metadata text', () => {
  it('quoted label values may hold #, }, {, commas and spaces', () => {
    expect(collect('m{a="x # y",b="}{",c=", "} 1\n# EOF\n', 'openmetrics')[0]).toMatchObject({
      labels: { a: 'x # y', b: '}{', c: ', ' },
    });
  });
  it('help resolves \\\\, \\" and \\n; other escapes stay', () => {
    const seen = collect('# HELP nohelp1 \n# HELP help2 escape \\ \\n \\\\ \\" \\x chars\n# EOF\n', 'openmetrics');
    expect(seen.map((s) => (s.kind === 'help' ? s.help : null))).toEqual(['', 'escape \\ \n \\ " \\x chars']);
  });
  it('an empty UNIT is allowed; UTF-8 labels and NUL bytes in values pass through', () => {
    const seen = collect('# UNIT nounit \nm{a="Grüße 🌍",b="abc\x00"} 1\n# EOF\n', 'openmetrics');
    expect(seen[0]).toMatchObject({ kind: 'unit', unit: '' });
    expect(seen[1]).toMatchObject({ labels: { a: 'Grüße 🌍', b: 'abc\x00' } });
  });
  it('values may be NaN, +Inf, -Inf and integers or floats in any Go spelling', () => {
    const vals = samples('a NaN\nb +Inf\nc -Inf\nd 17\ne 1.5e-3\nf -0.0\n# EOF\n', 'openmetrics').map((s) => s[1]);
    expect(Number.isNaN(vals[0])).toBe(true);
    expect(vals.slice(1)).toEqual([Infinity, -Infinity, 17, 0.0015, -0]);
  });
  it('# EOF may lack its line break', () => {
    expect(samples('a 1\n# EOF', 'openmetrics')).toEqual([['a', 1, undefined]]);
  });
  it('an empty body is an error; a lone # EOF is an empty exposition', () => {
    expect(parseFailure('', 'openmetrics').message).toMatch(/expected "# EOF"/);
    expect(collect('# EOF\n', 'openmetrics')).toEqual([]);
  });
  it('requireEof: false reads pieces of a file, lineOffset shifts their line numbers', () => {
    expect(collect('a 1 10\nb 2 20', 'openmetrics', { requireEof: false, lineOffset: 1000 })).toMatchObject([
      { key: 'a', ts: 10000, line: 1001 }, { key: 'b', ts: 20000, line: 1002 },
    ]);
    expect(collect('', 'openmetrics', { requireEof: false })).toEqual([]);
    expect(parseFailure('a 1\n# EOF\nb 2\n', 'openmetrics', { requireEof: false }).line).toBe(3);
  });
});

describe('OpenMetrics: malformed input', () => {
  // [body, line, column, what the message must say]; from the cases of Prometheus's openmetricsparse tests.
  const cases: [string, number, number, RegExp][] = [
    ['\n', 1, 1, /blank lines/],
    ['metric', 1, 7, /expected a space and a value after the metric, got end of input/],
    ['metric 1', 1, 9, /expected a line break and "# EOF"/],
    ['metric 1\n', 2, 1, /expected "# EOF"/],
    ['metric_total 1 # {aa="bb"} 4', 1, 29, /"# EOF"/],
    ['a\n#EOF\n', 1, 2, /expected a space and a value/],
    ['\n\n#EOF\n', 1, 1, /blank lines/],
    [' a 1\n# EOF\n', 1, 1, /expected a metric name or "#"/],
    ['9\n# EOF\n', 1, 1, /expected a metric name or "#"/],
    ['# TYPE u untyped\n# EOF\n', 1, 10, /invalid metric type "untyped"/],
    ['# TYPE c counter \n# EOF\n', 1, 10, /invalid metric type "counter "/],
    ['# TYPE c  counter\n# EOF\n', 1, 10, /invalid metric type " counter"/],
    ['#  TYPE c counter\n# EOF\n', 1, 3, /expected HELP, TYPE, UNIT or EOF/],
    ['#\tTYPE c counter\n', 1, 2, /expected a space after "#"/],
    ['# a comment\n# EOF\n', 1, 3, /OpenMetrics has no other comments/],
    ['# UNIT metric suffix\n# EOF\n', 1, 15, /unit "suffix" is not a suffix of metric "metric"/],
    ['# UNIT metricsuffix suffix\n# EOF\n', 1, 21, /is not a suffix/],
    ['# UNIT m suffix\n# EOF\n', 1, 10, /is not a suffix/],
    ['# UNIT \n# EOF\n', 1, 8, /expected metric name after UNIT/],
    ['# UNIT m\n# EOF\n', 1, 9, /expected a space and text after the metric name in UNIT/],
    ['# HELP \n# EOF\n', 1, 8, /expected metric name after HELP/],
    ['# HELP m\n# EOF\n', 1, 9, /in HELP/],
    ['a\t1\n# EOF\n', 1, 2, /expected a space and a value after the metric, got "\\t"/],
    ['a 1\t2\n# EOF\n', 1, 3, /invalid value "1\\t2"/],
    ['a  1\n# EOF\n', 1, 3, /expected a value after the metric, got " "/],
    ['a 1 2 \n# EOF\n', 1, 6, /expected end of line or exemplar after timestamp/],
    ['a 1 2 #\n# EOF\n', 1, 6, /expected end of line or exemplar after timestamp/],
    ['a 1 1z\n# EOF\n', 1, 5, /invalid timestamp "1z"/],
    ['a 1 1 1\n# EOF\n', 1, 6, /expected end of line or exemplar after timestamp/],
    [' # EOF\n', 1, 1, /expected a metric name or "#"/],
    ['# EOF\na 1', 2, 1, /expected nothing after "# EOF"/],
    ['# EOF\n\n', 2, 1, /expected nothing after "# EOF"/],
    ['# EOFa 1', 1, 6, /expected nothing after "# EOF"/],
    ["a{b='c'} 1\n# EOF\n", 1, 5, /expected quoted label value/],
    ['a{b="c",} 1\n# EOF\n', 1, 9, /expected label name after ","/],
    ['a{,b="c"} 1\n# EOF\n', 1, 3, /expected label name or "}"/],
    ['a{b="c"d="e"} 1\n# EOF\n', 1, 8, /expected "," or "}" after label value/],
    ['a{b="c",,d="e"} 1\n# EOF\n', 1, 9, /expected label name after ","/],
    ['a{b="c", d="e"} 1\n# EOF\n', 1, 9, /expected label name after ","/],
    ['a {b="c"} 1\n# EOF\n', 1, 3, /invalid value "{b=\\"c\\"}"/],
    ['a{b=\n# EOF\n', 1, 5, /expected quoted label value/],
    ['a{b="x\ny"} 1\n# EOF\n', 1, 7, /closing quote/],
    ['a{b="c",b="d"} 1\n# EOF\n', 1, 9, /label name "b" is not unique/],
    ['a true\n# EOF\n', 1, 3, /invalid value "true"/],
    ['empty_label_name{=""} 0\n# EOF\n', 1, 18, /expected label name or "}"/],
    ['foo 1_2\n# EOF\n', 1, 5, /unsupported character in float/],
    ['foo 0x1P-3\n# EOF\n', 1, 5, /unsupported character in float/],
    ['foo 0 1_2\n# EOF\n', 1, 7, /unsupported character in float/],
    ['metric 1 NaN\n# EOF\n', 1, 10, /invalid timestamp "NaN"/],
    ['metric 1 -Inf\n# EOF\n', 1, 10, /invalid timestamp "-Inf"/],
    ['custom_metric_total 1 # {aa=bb}\n# EOF\n', 1, 29, /expected quoted label value/],
    ['custom_metric_total 1 # {aa="bb"}\n# EOF\n', 1, 34, /expected a space and an exemplar value, got end of line/],
    ['custom_metric_total 1 # {aa="bb"}', 1, 34, /expected a space and an exemplar value, got end of input/],
    ['custom_metric 1 # {aa="bb"} 1\n# EOF\n', 1, 17, /metric name "custom_metric" does not support exemplars/],
    ['custom_metric_total 1 # {aa="bb",,cc="dd"} 1\n# EOF\n', 1, 34, /expected label name after ","/],
    ['custom_metric_total 1 # {aa="bb"} 1_2\n# EOF\n', 1, 35, /invalid exemplar value "1_2": unsupported character/],
    ['custom_metric_total 1 # {aa="bb"} true\n# EOF\n', 1, 35, /invalid exemplar value "true"/],
    ['custom_metric_total 1 # {aa="bb",cc=}\n# EOF\n', 1, 37, /expected quoted label value/],
    ['custom_metric_total 1 # {aa="bb"} 1 NaN\n# EOF\n', 1, 37, /invalid timestamp "NaN"/],
    ['custom_metric_total 1 # {aa="bb"} 1 2 3\n# EOF\n', 1, 38, /expected end of line after exemplar/],
    ['a 1\r\n# EOF\n', 1, 3, /invalid value "1\\r"/],
  ];
  it.each(cases)('%j fails at %i:%i', (body, line, column, msg) => {
    const err = parseFailure(body, 'openmetrics');
    expect(err.message).toMatch(msg);
    expect([err.line, err.column]).toEqual([line, column]);
  });
  it('rejects label values that are not UTF-8, in series and exemplars', () => {
    const enc = new TextEncoder();
    const bad = (pre: string, post: string): Uint8Array => new Uint8Array([...enc.encode(pre), 0xff, ...enc.encode(post)]);
    expect(parseFailure(bad('a{b="', '"} 1\n# EOF\n'), 'openmetrics').message).toMatch(/invalid UTF-8 label value/);
    expect(parseFailure(bad('a_total 1 # {b="', '"} 1\n# EOF\n'), 'openmetrics').message).toMatch(/invalid UTF-8/);
    expect(parseFailure(bad('# HELP a ', '\n# EOF\n'), 'openmetrics').message).toMatch(/help text is not valid UTF-8/);
  });
});
