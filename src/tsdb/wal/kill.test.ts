/**
 * kill -9: a child process logs numbered records and prints each number once `log()`/`logBatch()` returned; it is
 * SIGKILLed while writing. Every printed record must replay, in order, with nothing partial or garbled after it.
 * The child runs the compiled module from dist/ (transpiled here first if dist is missing or older than src).
 */
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { Wal } from './index.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const walDist = join(root, 'dist/src/tsdb/wal/index.js');

/** Transpiles this module (and the logger it imports) into dist/ unless dist already has an up-to-date build. */
function ensureDist(): void {
  const sources = fs
    .readdirSync(here)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => join(here, f));
  sources.push(join(root, 'src/log/index.ts'));
  for (const src of sources) {
    const out = join(root, 'dist', src.slice(root.length + 1).replace(/\.ts$/, '.js'));
    if (fs.existsSync(out) && fs.statSync(out).mtimeMs >= fs.statSync(src).mtimeMs) continue;
    const js = ts.transpileModule(fs.readFileSync(src, 'utf8'), {
      fileName: src,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    fs.mkdirSync(dirname(out), { recursive: true });
    fs.writeFileSync(out, js);
  }
}

const CHILD = `
import * as fs from 'node:fs';
const { Wal } = await import(process.argv[2]);
const dir = process.argv[3];
const wal = Wal.open(dir, { segmentBytes: 256 * 1024, syncIntervalMs: 1000 });
let next = 0;
wal.replay((r) => { next = new DataView(r.buffer, r.byteOffset, r.byteLength).getUint32(0, true) + 1; });
function record(n, pos, len) {
  const size = n % 50 === 0 ? 100000 : 10 + ((n * 37) % 2000);
  const r = new Uint8Array(size);
  for (let i = 10; i < size; i++) r[i] = (n + i) & 0xff;
  const v = new DataView(r.buffer);
  v.setUint32(0, n, true); v.setUint32(4, size, true); r[8] = pos; r[9] = len;
  return r;
}
function say(n) {
  const s = n + '\\n';
  for (;;) {
    try { fs.writeSync(1, s); return; } catch (e) { if (e.code !== 'EAGAIN') throw e; }
  }
}
for (;;) {
  if (next % 7 === 0) {
    wal.logBatch([record(next, 0, 3), record(next + 1, 1, 3), record(next + 2, 2, 3)]);
    next += 3;
  } else {
    wal.log(record(next, 0, 1));
    next += 1;
  }
  say(next - 1);
}
`;

let work: string;
let childPath: string;
const children: ChildProcess[] = [];

beforeAll(() => {
  ensureDist();
  work = fs.mkdtempSync(join(os.tmpdir(), 'vigil-wal-kill-'));
  childPath = join(work, 'child.mjs');
  fs.writeFileSync(childPath, CHILD);
}, 30_000);

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

/** Runs the child until it has printed at least `atLeast` numbers, SIGKILLs it, returns the highest number printed. */
function runAndKill(dir: string, atLeast: number): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [childPath, pathToFileURL(walDist).href, dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let seen = 0;
    let max = -1;
    let partial = '';
    let stderr = '';
    let killed = false;
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop()!;
      for (const l of lines) {
        max = Math.max(max, Number(l));
        seen++;
      }
      if (!killed && seen >= atLeast) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`child exited with ${code}/${signal} before the kill: ${stderr}`));
      else resolvePromise(max);
    });
  });
}

/** Replays `dir` and checks the records are 0..n-1, whole, with no batch cut short; returns n. */
function verify(dir: string): number {
  const wal = Wal.open(dir, { segmentBytes: 256 * 1024 });
  let n = 0;
  let lastPos = 0;
  let lastLen = 1;
  let bad = '';
  wal.replay((r) => {
    if (bad) return;
    const v = new DataView(r.buffer, r.byteOffset, r.byteLength);
    const id = v.getUint32(0, true);
    const size = v.getUint32(4, true);
    if (id !== n) bad = `record ${n} has id ${id}`;
    else if (size !== r.length) bad = `record ${n}: size field ${size}, length ${r.length}`;
    else {
      for (let i = 10; i < size; i++) if (r[i] !== ((id + i) & 0xff)) bad = `record ${n}: byte ${i} garbled`;
    }
    lastPos = r[8]!;
    lastLen = r[9]!;
    n++;
  });
  wal.close();
  expect(bad).toBe('');
  expect(lastPos).toBe(lastLen - 1); // never the first part of a batch without its end
  return n;
}

describe('kill -9', () => {
  it('loses nothing that log() returned for, leaves nothing partial, and carries on after each kill', async () => {
    const dir = join(work, 'wal');
    let total = 0;
    for (const atLeast of [1, 300, 40, 2500, 900]) {
      const maxPrinted = await runAndKill(dir, atLeast);
      expect(maxPrinted).toBeGreaterThanOrEqual(total + atLeast - 1);
      const n = verify(dir);
      // Every printed record is there; at most the unit being written when the kill came is extra.
      expect(n).toBeGreaterThanOrEqual(maxPrinted + 1);
      expect(n).toBeLessThanOrEqual(maxPrinted + 1 + 3);
      total = n;
    }
    expect(fs.readdirSync(dir).filter((f) => /^\d{8}$/.test(f)).length).toBeGreaterThan(1);
  }, 60_000);
});
