import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labelsFromObject } from '../../model/labels.js';
import { encodeIndexPayload, encodeIndexPayloadSteps, decodeIndexFile, wrapIndexFile } from './index-format.js';
import { Block, writeBlock } from './index.js';
import { CHUNKS_FILE, INDEX_FILE } from './meta.js';
import { Slicer, runSliced, sortSliced } from './slicer.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-slicer-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('sortSliced', () => {
  it('sorts like a stable Array.prototype.sort and pauses when every poll is due', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.nat()), { maxLength: 3000 }), async (rows) => {
        const items = rows.map(([k, id], i) => ({ k, id, i }));
        const want = [...items].sort((a, b) => a.k - b.k);
        const slicer = new Slicer(0);
        let ticks = 0;
        let on = true;
        const tick = (): void => {
          if (!on) return;
          ticks++;
          setImmediate(tick);
        };
        setImmediate(tick);
        await sortSliced(items, (a, b) => a.k - b.k, slicer);
        on = false;
        expect(items).toEqual(want);
        // One pause per sorted run of 256 at least; the event loop ran in between.
        expect(slicer.yields).toBeGreaterThanOrEqual(Math.ceil(rows.length / 256));
        if (rows.length > 0) expect(ticks).toBeGreaterThan(0);
      }),
      { numRuns: 40 },
    );
  });
});

describe('sliced block writing', () => {
  it('writes the same index and chunks bytes whether it pauses at every point or never', async () => {
    const n = 2000;
    const input = Array.from({ length: n }, (_, i) => ({
      // Reverse order, shared and unique values: sorting, symbols and postings all have work to do.
      labels: labelsFromObject({ __name__: `m_${(n - i) % 7}`, instance: `h-${n - i}`, job: i % 2 ? 'a' : 'b' }),
      samples: { t: Float64Array.from([1000, 2000, 3000]), v: Float64Array.from([i, i + 0.5, -i]), length: 3 },
    }));
    const paused = new Slicer(0);
    const a = await writeBlock(join(dir, 'a'), input, { minTime: 0, maxTime: 10_000, slicer: paused });
    const b = await writeBlock(join(dir, 'b'), input, { minTime: 0, maxTime: 10_000, slicer: new Slicer(1e9) });
    expect(paused.yields).toBeGreaterThan(n / 1024);
    expect(readFileSync(join(a.dir!, INDEX_FILE))).toEqual(readFileSync(join(b.dir!, INDEX_FILE)));
    expect(readFileSync(join(a.dir!, CHUNKS_FILE))).toEqual(readFileSync(join(b.dir!, CHUNKS_FILE)));
    const block = Block.open(a.dir!);
    try {
      expect(block.numSeries).toBe(n);
    } finally {
      block.close();
    }
  });

  it('encodes an index in steps to the same bytes as in one go', async () => {
    const input = Array.from({ length: 3000 }, (_, i) => ({
      labels: labelsFromObject({ __name__: 'x', id: String(i) }),
      samples: { t: Float64Array.from([i]), v: Float64Array.from([1]), length: 1 },
    }));
    const meta = await writeBlock(dir, input, { minTime: 0, maxTime: 10_000, compress: false });
    const file = readFileSync(join(meta.dir!, INDEX_FILE));
    const ix = decodeIndexFile(file, INDEX_FILE, 0);
    const whole = encodeIndexPayload(ix, 0);
    const slicer = new Slicer(0);
    const stepped = await runSliced(encodeIndexPayloadSteps(ix, 0), slicer);
    expect(Buffer.from(stepped)).toEqual(Buffer.from(whole));
    expect(slicer.yields).toBeGreaterThan(1);
    expect(Buffer.from(wrapIndexFile(whole, whole, false))).toEqual(file);
  });
});
