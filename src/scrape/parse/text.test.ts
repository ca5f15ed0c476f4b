import { describe, expect, it } from 'vitest';
import { isStaleNaN } from '../../model/sample.js';
import { Entry, ExpositionParser, NORMAL_NAN } from './index.js';
import { collect, parseFailure, samples } from './test-helpers.js';

// The example body of the exposition-format documentation (text format 0.0.4), minus its negative-timestamp line,
// which Prometheus's own lexer rejects (see "negative timestamps" below).
const DOC_EXAMPLE = `# HELP http_requests_total The total number of HTTP requests.
# TYPE http_requests_total counter
http_requests_total{method="post",code="200"} 1027 1395066363000
http_requests_total{method="post",code="400"}    3 1395066363000

# Escaping in label values:
msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9

# Minimalistic line:
metric_without_timestamp_and_labels 12.47

# A histogram, which has a pretty complex representation in the text format:
# HELP http_request_duration_seconds A histogram of the request duration.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.05"} 24054
http_request_duration_seconds_bucket{le="0.1"} 33444
http_request_duration_seconds_bucket{le="+Inf"} 144320
http_request_duration_seconds_sum 53423
http_request_duration_seconds_count 144320

# Finally a summary, which has a complex representation, too:
# HELP rpc_duration_seconds A summary of the RPC duration in seconds.
# TYPE rpc_duration_seconds summary
rpc_duration_seconds{quantile="0.01"} 3102
rpc_duration_seconds{quantile="0.5"} 4773
rpc_duration_seconds{quantile="0.99"} 76656
rpc_duration_seconds_sum 1.7560473e+07
rpc_duration_seconds_count 2693
`;

describe('text format: the documentation example', () => {
  const seen = collect(DOC_EXAMPLE, 'text');

  it('reads metadata, comments and every sample in order, with their line numbers', () => {
    expect(seen.map((s) => [s.kind, s.line])).toEqual([
      ['help', 1], ['type', 2], ['series', 3], ['series', 4],
      ['comment', 6], ['series', 7],
      ['comment', 9], ['series', 10],
      ['comment', 12], ['help', 13], ['type', 14], ['series', 15], ['series', 16], ['series', 17], ['series', 18],
      ['series', 19],
      ['comment', 21], ['help', 22], ['type', 23], ['series', 24], ['series', 25], ['series', 26], ['series', 27],
      ['series', 28],
    ]);
    expect(seen[0]).toMatchObject({ family: 'http_requests_total', help: 'The total number of HTTP requests.' });
    expect(seen[1]).toMatchObject({ family: 'http_requests_total', type: 'counter' });
    expect(seen[4]).toMatchObject({ text: '# Escaping in label values:' });
    expect(seen[10]).toMatchObject({ family: 'http_request_duration_seconds', type: 'histogram' });
    expect(seen[18]).toMatchObject({ family: 'rpc_duration_seconds', type: 'summary' });
  });

  it('reads labels sorted with __name__, values and millisecond timestamps', () => {
    expect(seen[2]).toMatchObject({
      key: 'http_requests_total{method="post",code="200"}',
      labels: { __name__: 'http_requests_total', code: '200', method: 'post' },
      value: 1027, ts: 1395066363000,
    });
    expect(Object.keys((seen[2] as { labels: object }).labels)).toEqual(['__name__', 'code', 'method']);
    expect(seen[3]).toMatchObject({ value: 3, ts: 1395066363000 });
    expect(seen[7]).toMatchObject({ key: 'metric_without_timestamp_and_labels', value: 12.47 });
    expect(seen[7]).not.toHaveProperty('ts');
    expect(seen[13]).toMatchObject({ labels: { le: '+Inf' }, value: 144320 });
    expect(seen[22]).toMatchObject({ key: 'rpc_duration_seconds_sum', value: 17560473 });
    expect(seen[23]).toMatchObject({ key: 'rpc_duration_seconds_count', value: 2693 });
  });

  it('resolves the escapes \\\\, \\" and \\n in label values', () => {
    expect(seen[5]).toMatchObject({
      labels: { path: 'C:\\DIR\\FILE.TXT', error: 'Cannot find file:\n"FILE.TXT"' },
      value: 1458255915,
    });
  });
});

describe('text format: whitespace and label-set forms Prometheus accepts', () => {
  // The forms of Prometheus's promparse tests, each a line of its own.
  const lines: [string, string, boolean][] = [
    ['go_gc_duration_seconds{quantile="0.25",} 7.424100000000001e-05', '0.25', false],
    ['go_gc_duration_seconds{quantile="0.8", a="b"} 8.3835e-05', '0.8', true],
    ['go_gc_duration_seconds{ quantile="0.9", a="b"} 8.3835e-05', '0.9', true],
    ['go_gc_duration_seconds{ quantile="1.0", a="b" } 8.3835e-05', '1.0', true],
    ['go_gc_duration_seconds { quantile="1.0", a="b" } 8.3835e-05', '1.0', true],
    ['go_gc_duration_seconds { quantile= "1.0", a= "b", } 8.3835e-05', '1.0', true],
    ['go_gc_duration_seconds { quantile = "1.0", a = "b" } 8.3835e-05', '1.0', true],
    ['go_gc_duration_seconds { quantile = "2.0" a = "b" } 8.3835e-05', '2.0', true],
  ];
  it.each(lines)('%s', (line, quantile, hasA) => {
    const [s] = collect(line + '\n', 'text');
    const want: Record<string, string> = { __name__: 'go_gc_duration_seconds', quantile };
    if (hasA) want['a'] = 'b';
    expect(s).toEqual(expect.objectContaining({ kind: 'series', labels: want, value: Number(line.slice(line.lastIndexOf(' ') + 1)) }));
  });
  it('keys keep the raw bytes: different spacing means a different key, same bytes the same key', () => {
    const keys = collect(lines.map((l) => l[0]).join('\n'), 'text').map((s) => (s.kind === 'series' ? s.key : ''));
    expect(keys[3]).toBe('go_gc_duration_seconds{ quantile="1.0", a="b" }');
    expect(keys[4]).toBe('go_gc_duration_seconds { quantile="1.0", a="b" }');
    expect(new Set(keys).size).toBe(keys.length);
    expect(collect(lines[1]![0] + '\n' + lines[1]![0], 'text').map((s) => (s.kind === 'series' ? s.key : ''))).toEqual([
      'go_gc_duration_seconds{quantile="0.8", a="b"}', 'go_gc_duration_seconds{quantile="0.8", a="b"}',
    ]);
  });
  it('takes tabs as blanks, leading blanks, trailing blanks, no break on the last line, and no space after }', () => {
    expect(samples('some:aggregate:rate5m{a_b="c"}\t1\n  go_goroutines 33  \t123123 \nx{a="1"}2\nlast 4', 'text')).toEqual([
      ['some:aggregate:rate5m{a_b="c"}', 1, undefined],
      ['go_goroutines', 33, 123123],
      ['x{a="1"}', 2, undefined],
      ['last', 4, undefined],
    ]);
  });
  it('skips blank and blank-only lines but counts them', () => {
    const seen = collect('\n \t \n\na 1\n\n\nb 2\n', 'text');
    expect(seen.map((s) => s.line)).toEqual([4, 7]);
  });
  it('accepts names starting with _ and :, and label names starting with _', () => {
    expect(collect('_m 1\n:m 2\nt{_l="foo"} 3\n', 'text').map((s) => (s.kind === 'series' ? s.labels : {}))).toEqual([
      { __name__: '_m' }, { __name__: ':m' }, { __name__: 't', _l: 'foo' },
    ]);
  });
  it('an empty label value means the label is absent', () => {
    expect(collect('a{x="",y="1"} 1\n', 'text')[0]).toMatchObject({ labels: { __name__: 'a', y: '1' } });
    expect(Object.keys((collect('a{x=""} 1\n', 'text')[0] as { labels: object }).labels)).toEqual(['__name__']);
  });
  it('empty braces are an empty label set', () => {
    expect(samples('a{} 1\n', 'text')).toEqual([['a{}', 1, undefined]]);
  });
});

describe('text format: label values', () => {
  it('may hold #, }, {, commas, = and spaces when quoted', () => {
    const [s] = collect('m{a="x # y",b="}{",c=",=, "} 1\n', 'text');
    expect(s).toMatchObject({ labels: { a: 'x # y', b: '}{', c: ',=, ' }, value: 1 });
  });
  it('keeps unknown escapes as written, as Prometheus does', () => {
    expect(collect('m{a="\\t\\x\\\\n"} 1\n', 'text')[0]).toMatchObject({ labels: { a: '\\t\\x\\n' } });
  });
  it('decodes UTF-8 (the key is the raw bytes, read as latin1, and stays stable)', () => {
    const body = 'm{city="Zürich",emoji="😀",cjk="東京"} 1\nm{city="Zürich",emoji="😀",cjk="東京"} 2\n';
    const seen = collect(body, 'text');
    expect(seen[0]).toMatchObject({ labels: { city: 'Zürich', emoji: '😀', cjk: '東京' } });
    expect((seen[0] as { key: string }).key).toBe((seen[1] as { key: string }).key);
  });
  it('may span lines (raw line feeds are allowed inside quotes); line numbers follow', () => {
    const seen = collect('m{a="x\ny"} 1\nn 2\n', 'text');
    expect(seen[0]).toMatchObject({ line: 1, labels: { a: 'x\ny' } });
    expect(seen[1]).toMatchObject({ line: 3 });
  });
  it('may hold NUL bytes', () => {
    expect(collect('null_byte_metric{a="abc\x00"} 1\n', 'text')[0]).toMatchObject({ labels: { a: 'abc\x00' } });
  });
});

describe('text format: comments and metadata', () => {
  it('reads HELP/TYPE after any blanks, other # lines as comments', () => {
    const seen = collect('# \tTYPE g summary\n# HELP g x\n# Hrandom comment\n#\n#HELP g y\n# HELP\n', 'text');
    expect(seen).toEqual([
      { kind: 'type', line: 1, family: 'g', type: 'summary' },
      { kind: 'help', line: 2, family: 'g', help: 'x' },
      { kind: 'comment', line: 3, text: '# Hrandom comment' },
      { kind: 'comment', line: 4, text: '#' },
      { kind: 'comment', line: 5, text: '#HELP g y' },
      { kind: 'comment', line: 6, text: '# HELP' },
    ]);
  });
  it('empty help, help with \\\\ and \\n escapes (\\" stays), and NUL bytes', () => {
    const seen = collect('# HELP a\n# HELP b \n# HELP c x\\\\y\\nz \\"q\\"\n# HELP d foo\x00bar\n', 'text');
    expect(seen.map((s) => (s.kind === 'help' ? s.help : null))).toEqual(['', '', 'x\\y\nz \\"q\\"', 'foo\x00bar']);
  });
  it('maps untyped to unknown, like Prometheus', () => {
    expect(collect('# TYPE a untyped\n', 'text')[0]).toMatchObject({ type: 'unknown' });
  });
  it('a NUL byte at the start of a line ends the body, as in Prometheus', () => {
    expect(samples('a 1\n\x00b 2\n', 'text')).toEqual([['a', 1, undefined]]);
  });
  it('an empty body has no entries', () => {
    expect(collect('', 'text')).toEqual([]);
    expect(collect('\n\n', 'text')).toEqual([]);
  });
});

describe('text format: values and timestamps', () => {
  it('reads NaN, ±Inf in Go spellings and exotic decimals', () => {
    const vals = samples('a NaN\nb +Inf\nc -Inf\nd inf\ne -infinity\nf .5\ng 1.\nh 1e3\ni -0\nj +7\n', 'text').map((s) => s[1]);
    expect(vals.slice(1)).toEqual([Infinity, -Infinity, Infinity, -Infinity, 0.5, 1, 1000, -0, 7]);
    expect(Number.isNaN(vals[0])).toBe(true);
  });
  it('gives NaN the canonical bit pattern, never the stale marker', () => {
    const p = new ExpositionParser(new TextEncoder().encode('a NaN\n'), 'text');
    expect(p.next()).toBe(Entry.Series);
    const bits = new Uint32Array(new Float64Array([p.value()]).buffer);
    const want = new Uint32Array(new Float64Array([NORMAL_NAN]).buffer);
    expect([bits[0], bits[1]]).toEqual([1, 0x7ff80000]);
    expect([...want]).toEqual([1, 0x7ff80000]);
    expect(isStaleNaN(p.value())).toBe(false);
  });
  it('reads integer millisecond timestamps, 0 included', () => {
    expect(samples('a 1 0\nb 2 1700000000123\n', 'text').map((s) => s[2])).toEqual([0, 1700000000123]);
  });
});

describe('text format: malformed input', () => {
  // [body, line, column, what the message must say]
  const cases: [string, number, number, RegExp][] = [
    ['a\n', 1, 2, /expected value after metric, got end of line/],
    ['a', 1, 2, /expected value after metric, got end of input/],
    ["a{b='c'} 1\n", 1, 5, /expected quoted label value, got "'c'"/],
    ['a{b=\n', 1, 5, /expected quoted label value, got end of line/],
    ['a{\xff="foo"} 1\n', 1, 3, /expected label name/],
    ['a true\n', 1, 3, /invalid value "true"/],
    ['something_weird{problem="\n', 1, 25, /closing quote/],
    ['empty_label_name{="" } 0\n', 1, 18, /expected label name or "}", got "="/],
    ['foo 1_2\n', 1, 5, /unsupported character in float/],
    ['foo 0x1p-3\n', 1, 5, /unsupported character in float/],
    ['foo 0x10\n', 1, 5, /invalid value "0x10"/],
    ['foo 1e400\n', 1, 5, /out of range/],
    ['foo 0 1_2\n', 1, 8, /expected end of line after timestamp, got "_2"/],
    ['foo 1 2 3\n', 1, 9, /expected end of line after timestamp, got "3"/],
    ['{a="ok"} 1\n', 1, 1, /expected a metric name or "#"/],
    ['# TYPE #\n', 1, 8, /expected metric name after TYPE, got "#"/],
    ['# HELP #\n', 1, 8, /expected metric name after HELP, got "#"/],
    ['# TYPE a bogus\n', 1, 10, /invalid metric type "bogus"/],
    ['# TYPE a  counter\n', 1, 10, /invalid metric type " counter"/],
    ['ok 1\na{b="c",,d="e"} 1\n', 2, 9, /expected label name or "}", got ","/],
    ['a{b="c"}{d="e"} 1\n', 1, 9, /expected value after metric, got "{"/],
    ['a{b="c",b="d"} 1\n', 1, 9, /label name "b" is not unique/],
    ['a{__name__="x"} 1\n', 1, 3, /label name "__name__" is not unique/],
    ['a{b="c"\n', 1, 8, /expected label name or "}", got end of line/],
    ['a 1 -5\n', 1, 5, /expected timestamp or end of line after value, got "-5"/],
    ['a{b="c\\\n"} 1\n', 1, 5, /closing quote/],
    ['x 1\ny 2\n\nz{a b} 3\n', 4, 5, /expected "=" after label name, got "b"/],
    ['a{b="ü"} NaNx\n', 1, 10, /invalid value "NaNx"/],
  ];
  it.each(cases)('%j fails at %i:%i', (body, line, column, msg) => {
    const err = parseFailure(body, 'text');
    expect(err.message).toMatch(msg);
    expect([err.line, err.column]).toEqual([line, column]);
    expect(err.message.startsWith(`${line}:${column}: `)).toBe(true);
  });
  it('reports the byte offset and a snippet of the line', () => {
    const err = parseFailure('ok 1\na{b="c" c} 1\n', 'text');
    expect(err.offset).toBe(5 + 'a{b="c" c'.length);
    expect(err.snippet).toBe('a{b="c" c}');
    expect(err.name).toBe('ParseError');
  });
  it('rejects CRLF line endings on sample lines (as Prometheus does) and says why', () => {
    const err = parseFailure('# HELP a b\r\na 1\r\n', 'text');
    expect([err.line, err.column]).toEqual([2, 3]);
    expect(err.message).toMatch(/invalid value "1\\r"/);
    const err2 = parseFailure('a 1 100\r\n', 'text');
    expect(err2.message).toMatch(/\\r\\n/);
  });
  it('adds lineOffset to every line number', () => {
    expect(collect('a 1\nb 2\n', 'text', { lineOffset: 100 }).map((s) => s.line)).toEqual([101, 102]);
    expect(parseFailure('a 1\nb\n', 'text', { lineOffset: 100 }).line).toBe(102);
  });
  it('rejects label values that are not UTF-8', () => {
    const bytes = new Uint8Array([...new TextEncoder().encode('a{b="'), 0xff, ...new TextEncoder().encode('"} 1\n')]);
    const err = parseFailure(bytes, 'text');
    expect(err.message).toMatch(/invalid UTF-8 label value/);
    expect([err.line, err.column]).toEqual([1, 5]);
  });
  it('accepts UTF-8 help text and rejects help text that is not UTF-8', () => {
    const enc = new TextEncoder();
    expect(collect('# HELP a Temperatur in °C, “grob”\n', 'text')).toEqual([{ kind: 'help', line: 1, family: 'a', help: 'Temperatur in °C, “grob”' }]);
    const bad = (pre: string, post: string): Uint8Array => new Uint8Array([...enc.encode(pre), 0xff, ...enc.encode(post)]);
    expect(parseFailure(bad('# HELP a x', 'y\n'), 'text').message).toMatch(/help text is not valid UTF-8/);
    // The byte right after the name is taken as the separator; a multi-byte character there leaves a broken rest.
    const glued = new Uint8Array([...enc.encode('# HELP a'), 0xc3, 0xa9, ...enc.encode(' text\n')]);
    expect(parseFailure(glued, 'text').message).toMatch(/help text is not valid UTF-8/);
  });
  it('reports an unterminated label value at its opening quote, even after raw line breaks', () => {
    const err = parseFailure('ok 1\nsomething_weird{problem="\nmore\n', 'text');
    expect([err.line, err.column]).toEqual([2, 25]);
    expect(err.message).toMatch(/closing quote/);
  });
  it('counts columns in characters, not bytes', () => {
    const err = parseFailure('a{b="ü€"} x\n', 'text');
    expect(err.column).toBe('a{b="ü€"} '.length + 1);
  });
});
