import { METRIC_NAME, type Labels } from '../../model/labels.js';
import type { MetricType } from './types.js';

/**
 * Formats a sample value as Prometheus's text writer (expfmt) does: `NaN`, `+Inf`, `-Inf`, `0` for both zeros,
 * otherwise Go's shortest `%g`: plain digits for decimal exponents -4..5, else `d.ddde±XX`.
 * @example formatValue(1234567) === '1.234567e+06'; formatValue(0.0001) === '0.0001'
 */
export function formatValue(v: number): string {
  if (v !== v) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return '0';
  const sci = v.toExponential(); // shortest round-trip digits, e.g. "-1.5e+21"
  const neg = sci.charCodeAt(0) === 45;
  const ePos = sci.indexOf('e');
  const mant = sci.slice(neg ? 1 : 0, ePos);
  const digits = mant.length > 1 ? mant[0]! + mant.slice(2) : mant;
  const exp = Number(sci.slice(ePos + 1));
  let out: string;
  if (exp < -4 || exp >= 6) {
    const ae = Math.abs(exp);
    out = (digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits) + (exp < 0 ? 'e-' : 'e+') +
      (ae < 10 ? `0${ae}` : String(ae));
  } else if (exp < 0) {
    out = `0.${'0'.repeat(-exp - 1)}${digits}`;
  } else if (digits.length <= exp + 1) {
    out = digits + '0'.repeat(exp + 1 - digits.length);
  } else {
    out = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  }
  return neg ? `-${out}` : out;
}

/** Escapes a label value for the text format: backslash, double quote and line feed. */
export function escapeLabelValue(s: string): string {
  if (!/[\\"\n]/.test(s)) return s;
  return s.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

/** Escapes HELP text for the text format: backslash and line feed (quotes stay as they are). */
export function escapeHelp(s: string): string {
  if (!/[\\\n]/.test(s)) return s;
  return s.replace(/[\\\n]/g, (c) => (c === '\n' ? '\\n' : '\\\\'));
}

/**
 * Writes samples as Prometheus text format 0.0.4 (the `/federate` body). Output accumulates in memory; `flush()`
 * hands it over. Label order is the order of `labels` (vigil's `Labels` are sorted), `__name__` goes in front.
 * @example
 * const w = new TextWriter();
 * w.writeType('up', 'gauge');
 * w.writeSeries([{ name: '__name__', value: 'up' }, { name: 'job', value: 'x' }], 1, 1700000000000);
 * w.flush(); // '# TYPE up gauge\nup{job="x"} 1 1700000000000\n'
 */
export class TextWriter {
  private out = '';

  /** `# HELP name text`, with the help text escaped. */
  writeHelp(name: string, help: string): void {
    this.out += `# HELP ${name} ${escapeHelp(help)}\n`;
  }

  /** `# TYPE name type`; types the text format lacks (OpenMetrics-only ones, `unknown`) are written `untyped`. */
  writeType(name: string, type: MetricType): void {
    const t = type === 'counter' || type === 'gauge' || type === 'histogram' || type === 'summary' ? type : 'untyped';
    this.out += `# TYPE ${name} ${t}\n`;
  }

  /** One sample line: `name{labels} value [timestampMs]`. Empty label values are omitted (they mean "absent"). */
  writeSeries(labels: Labels, value: number, timestamp?: number): void {
    let name = '';
    let body = '';
    for (const l of labels) {
      if (l.name === METRIC_NAME) name = l.value;
      else if (l.value !== '') body += `${body ? ',' : ''}${l.name}="${escapeLabelValue(l.value)}"`;
    }
    let line = body ? `${name}{${body}} ${formatValue(value)}` : `${name} ${formatValue(value)}`;
    if (timestamp !== undefined) line += ` ${Math.trunc(timestamp)}`;
    this.out += line + '\n';
  }

  /** Characters written since the last flush (UTF-16 units; bytes for ASCII text). */
  get length(): number {
    return this.out.length;
  }

  /** Returns everything written since the last flush and starts over. */
  flush(): string {
    const s = this.out;
    this.out = '';
    return s;
  }
}
