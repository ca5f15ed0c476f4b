import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Entry, ExpositionParser, type ExpositionFormat } from './parse/index.js';
import { MetadataLines } from './metadata-lines.js';

const enc = new TextEncoder();

interface Noted {
  kind: Entry;
  family: string;
  text: string;
}

/**
 * Feeds every metadata line of `body` through `lines` as the scrape loop does; returns what it reported per line and
 * how many lines it decoded (calls of family()).
 */
function scrape(lines: MetadataLines, body: string, format: ExpositionFormat = 'text'): { noted: Noted[]; decoded: number } {
  const b = enc.encode(body);
  const p = new ExpositionParser(b, format);
  let decoded = 0;
  const family = p.family.bind(p);
  p.family = () => {
    decoded++;
    return family();
  };
  const noted: Noted[] = [];
  lines.begin();
  for (let e = p.next(); e !== Entry.EOF; e = p.next()) {
    if (e !== Entry.Help && e !== Entry.Type && e !== Entry.Unit) continue;
    const pos = lines.note(p, b, e, format === 'openmetrics');
    noted.push({ kind: e, family: lines.family[pos]!, text: lines.text[pos]! });
  }
  return { noted, decoded };
}

/** The same lines decoded directly by the parser: what `scrape` must report. */
function decodeAll(body: string, format: ExpositionFormat = 'text'): Noted[] {
  const p = new ExpositionParser(enc.encode(body), format);
  const out: Noted[] = [];
  for (let e = p.next(); e !== Entry.EOF; e = p.next()) {
    if (e === Entry.Help) out.push({ kind: e, family: p.family(), text: p.help() });
    else if (e === Entry.Unit) out.push({ kind: e, family: p.family(), text: p.unit() });
    else if (e === Entry.Type) out.push({ kind: e, family: p.family(), text: '' });
  }
  return out;
}

const BODY = '# HELP a_total Requests\\nserved.\n# TYPE a_total counter\na_total 1\n# HELP b Temp.\n# TYPE b gauge\nb 2\n';

describe('MetadataLines', () => {
  it('decodes a body the first time and nothing the next time its lines are the same', () => {
    const lines = new MetadataLines();
    const first = scrape(lines, BODY);
    expect(first.noted).toEqual(decodeAll(BODY));
    expect(first.noted[0]).toEqual({ kind: Entry.Help, family: 'a_total', text: 'Requests\nserved.' });
    expect(first.decoded).toBe(4);
    // Values change, metadata does not.
    const again = BODY.replace('a_total 1', 'a_total 7').replace('b 2', 'b 3.25');
    const second = scrape(lines, again);
    expect(second.noted).toEqual(decodeAll(again));
    expect(second.decoded).toBe(0);
  });

  it('decodes only the lines that differ from the line at the same position last time', () => {
    const lines = new MetadataLines();
    scrape(lines, BODY);
    const changed = BODY.replace('Temp.', 'Temperature.');
    const r = scrape(lines, changed);
    expect(r.noted).toEqual(decodeAll(changed));
    expect(r.decoded).toBe(1);
    // A line moved to another position is compared with what was there: decoded.
    const swapped = '# HELP b Temperature.\n# TYPE b gauge\nb 2\n# HELP a_total Requests\\nserved.\n# TYPE a_total counter\na_total 1\n';
    const s = scrape(lines, swapped);
    expect(s.noted).toEqual(decodeAll(swapped));
    expect(s.decoded).toBe(4);
  });

  it('tells kinds and formats apart even when the bytes after the keyword are the same', () => {
    const lines = new MetadataLines();
    scrape(lines, '# HELP m counter\n');
    const t = scrape(lines, '# TYPE m counter\n');
    expect(t).toEqual({ noted: [{ kind: Entry.Type, family: 'm', text: '' }], decoded: 1 });
    // Text and OpenMetrics resolve \" differently in HELP.
    const text = scrape(lines, '# HELP m say \\"hi\\"\n');
    expect(text.noted[0]!.text).toBe('say \\"hi\\"');
    const om = scrape(lines, '# HELP m say \\"hi\\"\n# EOF\n', 'openmetrics');
    expect(om).toEqual({ noted: [{ kind: Entry.Help, family: 'm', text: 'say "hi"' }], decoded: 1 });
  });

  it('handles more lines and longer lines than its first buffers hold, and bodies that shrink', () => {
    const lines = new MetadataLines();
    const big = Array.from({ length: 300 }, (_, i) => `# HELP fam_${i} ${'x'.repeat(i)}\n# TYPE fam_${i} gauge\n`).join('');
    expect(scrape(lines, big)).toEqual({ noted: decodeAll(big), decoded: 600 });
    expect(scrape(lines, big)).toEqual({ noted: decodeAll(big), decoded: 0 });
    const small = '# TYPE fam_0 gauge\n';
    expect(scrape(lines, small)).toEqual({ noted: decodeAll(small), decoded: 1 });
    // Compared with the small body only: its one line (position 0) differs from big's first, the rest are new.
    expect(scrape(lines, big).decoded).toBe(600);
  });

  it('always reports what decoding the line would give, over any sequence of bodies', () => {
    const line = fc.constantFrom('# HELP a x\n', '# HELP a y\n', '# HELP a  x\n', '# TYPE a gauge\n', '# TYPE a counter\n',
      '# HELP b x\n', '# TYPE b gauge\n', '# HELP ab x\n', '# HELP a x\\\\n\n', '# HELP a\n', 'a 1\n');
    const bodies = fc.array(fc.array(line, { maxLength: 8 }).map((ls) => ls.join('')), { minLength: 1, maxLength: 6 });
    fc.assert(fc.property(bodies, (bs) => {
      const lines = new MetadataLines();
      for (const body of bs) expect(scrape(lines, body).noted).toEqual(decodeAll(body));
    }), { numRuns: 500 });
  });
});
