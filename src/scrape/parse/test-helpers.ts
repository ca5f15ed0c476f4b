// Helpers for this folder's tests: parse a whole body into plain data, or capture the ParseError it raises.
import { Entry, ExpositionParser, ParseError, type ExpositionFormat, type ParserOptions } from './index.js';

export type Seen =
  | { kind: 'series'; line: number; key: string; labels: Record<string, string>; value: number; ts?: number;
    exemplar?: { labels: Record<string, string>; value: number; ts?: number } }
  | { kind: 'type'; line: number; family: string; type: string }
  | { kind: 'help'; line: number; family: string; help: string }
  | { kind: 'unit'; line: number; family: string; unit: string }
  | { kind: 'comment'; line: number; text: string };

const enc = new TextEncoder();

/** Parses `body` to the end and describes every entry as plain data (with `reuse`, reset to the body, if given). */
export function collect(body: string | Uint8Array, format: ExpositionFormat, opts?: ParserOptions, reuse?: ExpositionParser): Seen[] {
  const b = typeof body === 'string' ? enc.encode(body) : body;
  const p = reuse ?? new ExpositionParser(b, format, opts);
  reuse?.reset(b, format, opts);
  const out: Seen[] = [];
  for (let e = p.next(); e !== Entry.EOF; e = p.next()) {
    const line = p.line();
    switch (e) {
      case Entry.Series: {
        const s: Seen = { kind: 'series', line, key: p.seriesKey(), labels: obj(p.labels()), value: p.value() };
        const ts = p.timestamp();
        if (ts !== undefined) s.ts = ts;
        const ex = p.exemplar();
        if (ex) {
          s.exemplar = { labels: obj(ex.labels), value: ex.value };
          if (ex.timestamp !== undefined) s.exemplar.ts = ex.timestamp;
        }
        out.push(s);
        break;
      }
      case Entry.Type: out.push({ kind: 'type', line, family: p.family(), type: p.type() }); break;
      case Entry.Help: out.push({ kind: 'help', line, family: p.family(), help: p.help() }); break;
      case Entry.Unit: out.push({ kind: 'unit', line, family: p.family(), unit: p.unit() }); break;
      case Entry.Comment: out.push({ kind: 'comment', line, text: p.comment() }); break;
    }
  }
  expectEofSticks(p);
  return out;
}

function expectEofSticks(p: ExpositionParser): void {
  if (p.next() !== Entry.EOF) throw new Error('next() after EOF did not return EOF');
}

function obj(ls: readonly { name: string; value: string }[]): Record<string, string> {
  const o: Record<string, string> = {};
  for (const l of ls) o[l.name] = l.value;
  return o;
}

/** Parses to the end and returns the ParseError thrown, or fails if none was. */
export function parseFailure(body: string | Uint8Array, format: ExpositionFormat, opts?: ParserOptions): ParseError {
  try {
    collect(body, format, opts);
  } catch (e) {
    if (e instanceof ParseError) return e;
    throw e;
  }
  throw new Error(`no error for ${JSON.stringify(typeof body === 'string' ? body : '<bytes>')}`);
}

/** Only the series, as `[key, value, ts]` triples. */
export function samples(body: string, format: ExpositionFormat): [string, number, number | undefined][] {
  return collect(body, format).flatMap((s) => (s.kind === 'series' ? [[s.key, s.value, s.ts] as [string, number, number | undefined]] : []));
}
