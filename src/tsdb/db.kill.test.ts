import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getLabel } from '../model/labels.js';
import { Matcher } from '../model/matcher.js';
import { Db } from './db.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const writer = join(here, 'testdata', 'kill-writer.mjs');
const FIXED = 200;

/** True if some module the child loads (src/tsdb, src/model, src/log) has no compiled output newer than it. */
function distStale(): boolean {
  for (const folder of ['src/tsdb', 'src/model', 'src/log']) {
    for (const rel of fs.readdirSync(join(root, folder), { recursive: true, encoding: 'utf8' })) {
      if (!rel.endsWith('.ts') || rel.endsWith('.test.ts')) continue;
      const src = join(root, folder, rel);
      const out = join(root, 'dist', folder, rel.replace(/\.ts$/, '.js'));
      if (!fs.existsSync(out) || fs.statSync(out).mtimeMs < fs.statSync(src).mtimeMs) return true;
    }
  }
  return false;
}

let dir: string;
beforeAll(() => {
  // The child imports the compiled engine. tsc emits even when other folders have type errors, so only the
  // output is checked.
  if (distStale()) {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json')], { cwd: root, stdio: 'ignore' });
    if (distStale()) throw new Error('build did not bring dist/ up to date with src/tsdb, src/model, src/log');
  }
  dir = fs.mkdtempSync(join(tmpdir(), 'vigil-kill-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs the writer until it has printed `atLeast` batches after its start line, SIGKILLs it, returns what it printed. */
function runAndKill(atLeast: number): Promise<{ start: number; last: number }> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [writer, dir, String(FIXED)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let start = -1;
    let printed = 0;
    let killed = false;
    child.stdout.setEncoding('utf8');
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: string) => {
      out += d;
      const lines = out.split('\n');
      out = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith('start ')) start = Number(line.slice(6));
        else printed = Number(line);
        if (!killed && start >= 0 && printed >= start + atLeast) {
          killed = true;
          child.kill('SIGKILL');
        }
      }
    });
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') rej(new Error(`writer exited with ${code}: ${err}`));
      // A partial last line was cut by the kill: the batch number is not known to have been printed.
      else res({ start, last: printed });
    });
  });
}

/** For each batch number, how many of its FIXED + 1 samples the reopened Db holds. */
async function batchesInDb(): Promise<Map<number, number>> {
  const db = await Db.open(dir);
  const q = db.querier();
  const counts = new Map<number, number>();
  for (const s of q.select([new Matcher('=~', '__name__', 'k|k_new')], -Infinity, Infinity)) {
    const b = s.samples();
    for (let i = 0; i < b.length; i++) {
      const batch = b.t[i]! / 1000;
      expect(b.v[i]).toBe(batch);
      if (getLabel(s.labels, '__name__') === 'k_new') expect(getLabel(s.labels, 'b')).toBe(String(batch));
      counts.set(batch, (counts.get(batch) ?? 0) + 1);
    }
  }
  q.close();
  await db.close();
  return counts;
}

describe('Db under kill -9', () => {
  it('keeps every committed batch and no partial one across repeated SIGKILLs', async () => {
    let expectedFrom = 0;
    for (let round = 0; round < 4; round++) {
      const { start, last } = await runAndKill(1 + Math.floor(Math.random() * 300));
      expect(start).toBe(expectedFrom);
      const counts = await batchesInDb();
      const batches = [...counts.keys()].sort((a, b) => a - b);
      // Every batch printed (its commit returned) is there in full.
      for (let b = 0; b <= last; b++) expect(counts.get(b), `batch ${b} of round ${round}`).toBe(FIXED + 1);
      // At most the one batch committed but not yet printed, and that one in full too.
      const beyond = batches.filter((b) => b > last);
      expect(beyond.length).toBeLessThanOrEqual(1);
      if (beyond.length === 1) {
        expect(beyond[0]).toBe(last + 1);
        expect(counts.get(last + 1)).toBe(FIXED + 1);
      }
      expectedFrom = batches[batches.length - 1]! + 1;
    }
  });
});
