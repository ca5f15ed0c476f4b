import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerImport } from './import.js';
import { UsageError } from './errors.js';
import { Block, listBlocks } from '../tsdb/block/index.js';
import { ImportError } from '../tsdb/import/index.js';

let dir: string;
let out: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-cli-import-'));
  out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

function program(): Command {
  const p = new Command('vigil').exitOverride();
  registerImport(p);
  return p;
}

const OM = '# TYPE up gauge\nup{job="a"} 1 1700006400\nup{job="a"} 0 1700006415.5\nup{job="b"} 1 1700006400\n# EOF\n';

describe('vigil import openmetrics', () => {
  it('imports a file into the data dir and prints a summary', async () => {
    const file = join(dir, 'in.om');
    writeFileSync(file, OM);
    const data = join(dir, 'data');
    await program().parseAsync(['node', 'vigil', 'import', 'openmetrics', file, '--data-dir', data, '--no-progress']);
    expect(out).toMatch(/^imported 2 series, 3 samples into 1 block\(s\): \d+ bytes/);
    const blocks = listBlocks(data);
    expect(blocks).toHaveLength(1);
    const b = Block.open(blocks[0]!);
    const s = b.select([], 0, 2e12);
    expect(s.map((x) => x.labels.find((l) => l.name === 'job')!.value)).toEqual(['a', 'b']);
    expect(Array.from(s[0]!.samples().t.subarray(0, 2))).toEqual([1700006400000, 1700006415500]);
    b.close();
  });

  it('fails with FILE:LINE on bad input and writes nothing', async () => {
    const file = join(dir, 'bad.om');
    writeFileSync(file, OM.replace('up{job="b"} 1 1700006400', 'up{job="b"} x 1700006400'));
    const data = join(dir, 'data');
    const err = await program().parseAsync(['node', 'vigil', 'import', 'openmetrics', file, '--data-dir', data]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportError);
    expect((err as Error).message.startsWith(`${file}:4: `)).toBe(true);
    // The data dir did not exist before: it does not exist after.
    expect(existsSync(data)).toBe(false);
  });

  it('rejects bad flags as usage errors and a missing file as a runtime error', async () => {
    await expect(program().parseAsync(['node', 'vigil', 'import', 'openmetrics', 'x', '--max-block-duration', '5x']))
      .rejects.toBeInstanceOf(UsageError);
    await expect(program().parseAsync(['node', 'vigil', 'import', 'openmetrics', 'x', '--memory-limit-mib', '-1']))
      .rejects.toBeInstanceOf(UsageError);
    await expect(program().parseAsync(['node', 'vigil', 'import', 'openmetrics', join(dir, 'nope.om'), '--data-dir', dir]))
      .rejects.toThrow(/nope\.om: cannot read/);
  });
});
