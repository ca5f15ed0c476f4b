import { describe, it, expect } from 'vitest';
import { compileTemplate, expandAlertTemplate, executeTemplate, humanize, humanizeDuration, humanizeTimestamp, TemplateError } from './template.js';
import { formatFloatV, sprintf } from './gofmt.js';
import { labelsFromObject } from '../model/labels.js';

const data = { labels: { instance: 'web-1:9100', job: 'node', severity: 'page' }, externalLabels: { cluster: 'eu1' }, externalURL: 'http://vigil.example:9190', value: 0.9731 };
const render = (src: string, value = data.value, ctx = {}) => expandAlertTemplate(compileTemplate(src), { ...data, value }, ctx);

describe('alert templates (Prometheus data and variables)', () => {
  it('expands labels, value, external labels and URL both as variables and fields', async () => {
    expect(await render('{{ $labels.instance }} of {{ .Labels.job }} = {{ $value }} / {{ .Value }}')).toBe('web-1:9100 of node = 0.9731 / 0.9731');
    expect(await render('{{ $externalLabels.cluster }} {{ .ExternalLabels.cluster }} {{ $externalURL }}')).toBe('eu1 eu1 http://vigil.example:9190');
    expect(await render('[{{ $labels.missing }}]')).toBe('[]');
  });

  it('prints floats as Go does (%v uses exponent from 1e6)', async () => {
    expect(await render('{{ $value }}', 1234567)).toBe('1.234567e+06');
    expect(await render('{{ $value }}', 100000)).toBe('100000');
    expect(await render('{{ $value }}', 0.00001)).toBe('1e-05');
    expect(await render('{{ $value }}', Infinity)).toBe('+Inf');
    expect(formatFloatV(NaN)).toBe('NaN');
  });

  it('runs pipelines and the humanize family', async () => {
    expect(await render('{{ $value | humanize }}', 1234567)).toBe('1.235M');
    expect(await render('{{ humanize $value }}', 0.001234)).toBe('1.234m');
    expect(await render('{{ $value | humanize1024 }}', 1048576)).toBe('1Mi');
    expect(await render('{{ $value | humanizePercentage }}', 0.1234)).toBe('12.34%');
    expect(await render('{{ $value | humanizeDuration }}', 3661)).toBe('1h 1m 1s');
    expect(humanizeDuration(90061)).toBe('1d 1h 1m 1s');
    expect(humanizeDuration(1.5)).toBe('1.5s');
    expect(humanizeDuration(0.25)).toBe('250ms');
    expect(humanize(0)).toBe('0');
    // The example from Prometheus's template documentation tests.
    expect(humanizeTimestamp(1435065584.128)).toBe('2015-06-23 13:19:44.128 +0000 UTC');
  });

  it('supports printf, string functions and regexes', async () => {
    expect(await render('{{ printf "%.2f" $value }}')).toBe('0.97');
    expect(await render('{{ printf "%s is %d%%" "cpu" 42 }}')).toBe('cpu is 42%');
    expect(await render('{{ printf "%d" $value }}', 1.5)).toBe('%!d(float64=1.5)');
    expect(await render('{{ "hello world" | title }} {{ toUpper "a" }}{{ toLower "B" }}')).toBe('Hello World Ab');
    expect(await render('{{ reReplaceAll "(a+)" "x$1" "baaac" }}')).toBe('bxaaac');
    expect(await render('{{ reReplaceAll ":.*" "" $labels.instance }}')).toBe('web-1');
    expect(await render('{{ if match "^web-" .Labels.instance }}web{{ else }}other{{ end }}')).toBe('web');
    expect(sprintf('%5.1f|%-4s|%x', [3.14159, 'ab', 255])).toBe('  3.1|ab  |ff');
  });

  it('handles if / else if / else, with, range and variables', async () => {
    const t = '{{ if gt $value 0.95 }}crit{{ else if gt $value 0.5 }}warn{{ else }}ok{{ end }}';
    expect(await render(t, 0.97)).toBe('crit');
    expect(await render(t, 0.6)).toBe('warn');
    expect(await render(t, 0.1)).toBe('ok');
    expect(await render('{{ with $labels.severity }}sev={{ . }}{{ end }}{{ with $labels.nope }}x{{ else }}none{{ end }}')).toBe('sev=pagenone');
    expect(await render('{{ range $k, $v := $labels }}{{ $k }}={{ $v }};{{ end }}')).toBe('instance=web-1:9100;job=node;severity=page;');
    expect(await render('{{ $x := "a" }}{{ $x = "b" }}{{ $x }}')).toBe('b');
    expect(await render('a  {{- " b " -}}  c')).toBe('a b c');
    expect(await render('{{/* a comment */}}x')).toBe('x');
    expect(await render('{{ (args 1 "two").arg1 }}')).toBe('two');
    expect(await render('{{ safeHtml "<b>" }} {{ len "abc" }} {{ index $labels "job" }}')).toBe('<b> 3 node');
  });

  it('runs query and the sample helpers at the evaluation time', async () => {
    const seen: Array<[string, number]> = [];
    const query = async (expr: string, t: number) => {
      seen.push([expr, t]);
      return [
        { labels: labelsFromObject({ __name__: 'up', instance: 'b' }), t, v: 0 },
        { labels: labelsFromObject({ __name__: 'up', instance: 'a' }), t, v: 1 },
      ];
    };
    const out = await render(
      '{{ range query "up" | sortByLabel "instance" }}{{ .Labels.instance }}={{ .Value }} {{ end }}|{{ with query "up" }}{{ . | first | label "instance" }} {{ . | first | value }}{{ end }}',
      1, { query, timeMs: 42_000 },
    );
    expect(out).toBe('a=1 b=0 |b 0');
    expect(seen).toEqual([['up', 42_000], ['up', 42_000]]);
    await expect(render('{{ query "up" | first }}', 1, { query: async () => [] })).rejects.toThrow(/first\(\) called on vector with no elements/);
  });

  it('reports parse errors with line and column', () => {
    const cases: Array<[string, number, number, RegExp]> = [
      ['{{ $labels.x ', 1, 1, /unclosed action/],
      ['ok\n  {{ nosuchfn 1 }}', 2, 6, /function "nosuchfn" not defined/],
      ['{{ if true }}x', 1, 1, /no matching \{\{end\}\}/],
      ['a{{ end }}', 1, 2, /unexpected \{\{end\}\}/],
      ['{{ "abc }}', 1, 4, /unterminated quoted string/],
      ['{{ (humanize 1 }}', 1, 4, /unclosed left paren/],
    ];
    for (const [src, line, col, re] of cases) {
      let err: unknown;
      try { compileTemplate(src); } catch (e) { err = e; }
      expect(err, src).toBeInstanceOf(TemplateError);
      expect((err as TemplateError).message, src).toMatch(re);
      expect([(err as TemplateError).line, (err as TemplateError).column], src).toEqual([line, col]);
    }
  });

  it('reports execution errors with positions', async () => {
    await expect(executeTemplate(compileTemplate('x {{ $nope }}'), {}, {})).rejects.toThrow(/1:6: undefined variable "\$nope"/);
    await expect(executeTemplate(compileTemplate('{{ humanize "abc" }}'), {}, {})).rejects.toThrow(/can't convert abc to float/);
  });
});

describe("Go's rounding of exact halves (to even; JavaScript rounds them up)", () => {
  it('applies to %f, %e and %g', () => {
    expect(sprintf('%.1f %.1f %.0f %.0f %.0f %.1f %.2f', [0.25, 0.35, 0.5, 2.5, 3.5, -0.25, 0.125])).toBe('0.2 0.3 0 2 4 -0.2 0.12');
    expect(sprintf('%.3e %.3e %.4g %.4g', [1.0625, 12355, 1.0625, 1234.5])).toBe('1.062e+00 1.236e+04 1.062 1234');
    expect(humanize(1062.5)).toBe('1.062k');
    expect(sprintf('%.2f', [1e21])).toBe('1000000000000000000000.00');
  });
});

describe('Go number formatting properties', () => {
  it('%v is the shortest round-tripping representation', async () => {
    const fc = await import('fast-check');
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
      const s = formatFloatV(x);
      expect(Object.is(Number(s), x)).toBe(true); // -0 prints as "-0", as in Go
      // Exponent form exactly when Go's %v uses it: decimal exponent < -4 or >= 6 (strconv 'g', shortest).
      const exp = Number(x.toExponential().split('e')[1]);
      if (x !== 0 && (exp < -4 || exp >= 6)) expect(s).toMatch(/e[+-]\d\d+$/);
      else expect(s).not.toMatch(/e/);
    }));
  });
});
