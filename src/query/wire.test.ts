import { describe, expect, it } from 'vitest';
import { labelsFromObject } from '../model/labels.js';
import type { Value } from '../promql/index.js';
import { StringPacker, stringTable } from './strings.js';
import { packValue, unpackValue, wireTransfer } from './wire.js';

describe('packed strings', () => {
  it('round-trips repeated and non-ASCII strings, storing each once', () => {
    const input = ['__name__', 'up', 'job', 'ünïcødé ✓', '__name__', '', 'up', 'x'.repeat(5000)];
    const p = new StringPacker();
    for (const s of input) p.push(s);
    const packed = p.finish();
    const table = stringTable(packed);
    expect(Array.from(packed.ids, (id) => table[id])).toEqual(input);
    expect(table.length).toBe(6);
  });
});

describe('packValue / unpackValue', () => {
  const a = labelsFromObject({ __name__: 'm', instance: 'ä' });
  const b = labelsFromObject({ __name__: 'm', instance: 'b' });

  it('round-trips matrices, vectors, scalars and strings', async () => {
    const values: Value[] = [
      {
        type: 'matrix',
        series: [
          { labels: a, t: Float64Array.of(1, 2, 3), v: Float64Array.of(NaN, -0, Infinity) },
          { labels: b, t: Float64Array.of(5), v: Float64Array.of(7) },
          { labels: [], t: Float64Array.of(), v: Float64Array.of() },
        ],
      },
      { type: 'vector', samples: [{ labels: a, t: 10, v: 1.5 }, { labels: b, t: 10, v: -2 }] },
      { type: 'vector', samples: [] },
      { type: 'scalar', t: 3, v: 4 },
      { type: 'string', t: 3, v: 'hi' },
    ];
    for (const v of values) {
      const w = packValue(v);
      // Every typed array of the packed value is transferable (no shared buffers).
      const bufs = wireTransfer(w);
      expect(new Set(bufs).size).toBe(bufs.length);
      expect(await unpackValue(structuredClone(w, { transfer: bufs }))).toEqual(v);
    }
  });

  it('unpacks large results in slices that let other callbacks run', async () => {
    const series = Array.from({ length: 3000 }, (_, i) => ({
      labels: labelsFromObject({ __name__: 'm', i: String(i) }),
      t: Float64Array.of(i),
      v: Float64Array.of(i * 2),
    }));
    const w = packValue({ type: 'matrix', series });
    let ran = false;
    setImmediate(() => (ran = true));
    const back = await unpackValue(w);
    expect(ran).toBe(true);
    expect(back).toEqual({ type: 'matrix', series });
  });
});
