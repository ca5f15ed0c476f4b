/**
 * Block index: compact binary file (what src/tsdb/block writes) vs an SQLite database (better-sqlite3) holding the
 * same symbols, series, postings and chunk refs. Measures bytes on disk, time to open, and select latency (label sets
 * plus chunk refs of the matching series) on Prometheus-like label sets at 2 k and 100 k series.
 *
 *   npm run build && node dist/bench/index-choice.js [--series 2000,100000] [--reps 20]
 *
 * Reports medians over `reps` repetitions per query; both sides answer the same matcher sets and the bench checks
 * that they return the same series.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { labelsFromObject, type Labels } from '../src/model/labels.js';
import { Matcher } from '../src/model/matcher.js';
import { Block, writeBlock } from '../src/tsdb/block/index.js';

const MODES = ['idle', 'user', 'system', 'iowait', 'irq', 'softirq', 'steal', 'nice'];

/** Deterministic label sets shaped like node_exporter + app metrics: 50 names, 500 series per host, two jobs. */
function makeSeries(n: number): Labels[] {
  const out: Labels[] = [];
  for (let i = 0; i < n; i++) {
    const host = Math.floor(i / 500);
    const name = i % 50 < 10 ? 'node_cpu_seconds_total' : `metric_family_${i % 50}_total`;
    const obj: Record<string, string> = {
      __name__: name,
      instance: `host-${host}.example.internal:9100`,
      job: host % 2 === 0 ? 'bench-a' : 'bench-b',
      series: String(Math.floor(i / 50) % 10),
    };
    if (name === 'node_cpu_seconds_total') { obj.mode = MODES[i % MODES.length]!; obj.cpu = String(i % 10); }
    else obj.path = `/api/v1/endpoint/${i % 17}`;
    out.push(labelsFromObject(obj));
  }
  return out;
}

const QUERIES: Record<string, Matcher[]> = {
  'name=': [new Matcher('=', '__name__', 'node_cpu_seconds_total')],
  'name= mode!=': [new Matcher('=', '__name__', 'node_cpu_seconds_total'), new Matcher('!=', 'mode', 'idle')],
  'job= name=~': [new Matcher('=', 'job', 'bench-a'), new Matcher('=~', '__name__', 'metric_family_1.*')],
  'instance= (one host)': [new Matcher('=', 'instance', 'host-3.example.internal:9100')],
  'path=~ instance!~': [new Matcher('=~', 'path', '/api/v1/endpoint/1.*'), new Matcher('!~', 'instance', 'host-1.*')],
};

interface ChunkRef { minT: number; maxT: number; frame: number; off: number; len: number }

/** The SQLite alternative: one row per label pair (the postings) and one per chunk ref. */
function buildSqlite(file: string, series: Labels[], t0: number): void {
  const db = new Database(file);
  db.pragma('journal_mode = OFF');
  db.pragma('page_size = 4096');
  db.exec(`
    CREATE TABLE symbols(id INTEGER PRIMARY KEY, s TEXT NOT NULL UNIQUE);
    CREATE TABLE postings(name INTEGER NOT NULL, value INTEGER NOT NULL, series INTEGER NOT NULL,
                          PRIMARY KEY(name, value, series)) WITHOUT ROWID;
    CREATE TABLE series_labels(series INTEGER NOT NULL, name INTEGER NOT NULL, value INTEGER NOT NULL,
                               PRIMARY KEY(series, name)) WITHOUT ROWID;
    CREATE TABLE chunks(series INTEGER NOT NULL, min_t INTEGER NOT NULL, max_t INTEGER NOT NULL, frame INTEGER NOT NULL,
                        off INTEGER NOT NULL, len INTEGER NOT NULL, PRIMARY KEY(series, min_t)) WITHOUT ROWID;`);
  const syms = new Map<string, number>();
  const sym = db.prepare('INSERT INTO symbols(id, s) VALUES (?, ?)');
  const post = db.prepare('INSERT INTO postings VALUES (?, ?, ?)');
  const sl = db.prepare('INSERT INTO series_labels VALUES (?, ?, ?)');
  const ch = db.prepare('INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?)');
  const id = (s: string) => {
    let x = syms.get(s);
    if (x === undefined) { x = syms.size; syms.set(s, x); sym.run(x, s); }
    return x;
  };
  db.transaction(() => {
    series.forEach((ls, i) => {
      for (const l of ls) { const n = id(l.name), v = id(l.value); post.run(n, v, i); sl.run(i, n, v); }
      ch.run(i, t0, t0 + 15_000, Math.floor(i / 300), (i % 300) * 40, 40);
    });
  })();
  db.exec('VACUUM');
  db.close();
}

/** Resolves matchers in SQL (regexes through a registered function) and reads labels and chunk refs. */
class SqliteIndex {
  private readonly db: Database.Database;
  private readonly symbols: string[];
  private readonly labelsOf: Database.Statement;
  private readonly chunksOf: Database.Statement;

  constructor(file: string) {
    this.db = new Database(file, { readonly: true });
    this.symbols = [];
    for (const r of this.db.prepare('SELECT id, s FROM symbols').all() as { id: number; s: string }[]) this.symbols[r.id] = r.s;
    this.db.function('rx', { deterministic: true }, (re: unknown, v: unknown) => (new Matcher('=~', '', String(re)).matches(String(v)) ? 1 : 0));
    this.labelsOf = this.db.prepare('SELECT name, value FROM series_labels WHERE series = ? ORDER BY name');
    this.chunksOf = this.db.prepare('SELECT min_t AS minT, max_t AS maxT, frame, off, len FROM chunks WHERE series = ? AND max_t >= ? AND min_t <= ?');
  }

  select(ms: Matcher[], mint: number, maxt: number): { labels: Labels; chunks: ChunkRef[] }[] {
    const where: string[] = [];
    const args: unknown[] = [];
    const valueCond = (m: Matcher, negate: boolean): string => {
      const op = m.type === '=' || m.type === '!=' ? 'sv.s = ?' : 'rx(?, sv.s)';
      const positive = m.type === '=' || m.type === '=~';
      return (positive !== negate) ? op : `NOT ${op}`;
    };
    for (const m of ms) {
      const sub = `SELECT p.series FROM postings p JOIN symbols sn ON sn.id = p.name JOIN symbols sv ON sv.id = p.value WHERE sn.s = ? AND `;
      if (m.matchesEmpty()) {
        where.push(`s.series NOT IN (${sub}${valueCond(m, true)})`);
      } else {
        where.push(`s.series IN (${sub}${valueCond(m, false)})`);
      }
      args.push(m.name, m.value);
    }
    const sql = `SELECT DISTINCT s.series FROM series_labels s ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY s.series`;
    const out: { labels: Labels; chunks: ChunkRef[] }[] = [];
    for (const r of this.db.prepare(sql).all(...args) as { series: number }[]) {
      const chunks = this.chunksOf.all(r.series, mint, maxt) as ChunkRef[];
      if (!chunks.length) continue;
      const labels = (this.labelsOf.all(r.series) as { name: number; value: number }[])
        .map((x) => ({ name: this.symbols[x.name]!, value: this.symbols[x.value]! }))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      out.push({ labels, chunks });
    }
    return out;
  }

  close(): void {
    this.db.close();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function benchIndexChoice(opts: { sizes?: number[]; reps?: number } = {}): Promise<Record<string, number>> {
  const sizes = opts.sizes ?? [2000, 100_000];
  const reps = opts.reps ?? 20;
  const results: Record<string, number> = {};
  const t0 = 1_700_006_400_000;
  for (const n of sizes) {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-index-choice-'));
    try {
      const series = makeSeries(n);
      const meta = await writeBlock(dir, series.map((labels) => ({
        labels, samples: { t: Float64Array.of(t0, t0 + 15_000), v: Float64Array.of(1, 2), length: 2 },
      })), { minTime: t0, maxTime: t0 + 15_001 });
      const sqliteFile = join(dir, 'index.sqlite');
      buildSqlite(sqliteFile, [...series].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)), t0);
      results[`${n}.binary_bytes`] = statSync(join(meta.dir, 'index')).size;
      results[`${n}.sqlite_bytes`] = statSync(sqliteFile).size;

      let s = performance.now();
      const block = Block.open(meta.dir);
      results[`${n}.binary_open_ms`] = performance.now() - s;
      s = performance.now();
      const sq = new SqliteIndex(sqliteFile);
      results[`${n}.sqlite_open_ms`] = performance.now() - s;

      for (const [name, ms] of Object.entries(QUERIES)) {
        const tb: number[] = [], ts: number[] = [];
        let nb = 0, ns = 0;
        for (let r = 0; r < reps; r++) {
          let a = performance.now();
          nb = block.select(ms, t0, t0 + 60_000, { labelsOnly: true }).length;
          tb.push(performance.now() - a);
          a = performance.now();
          ns = sq.select(ms, t0, t0 + 60_000).length;
          ts.push(performance.now() - a);
        }
        if (nb !== ns) throw new Error(`BUG: ${name} at ${n} series: binary index found ${nb} series, sqlite ${ns}`);
        results[`${n}.${name}.series`] = nb;
        results[`${n}.${name}.binary_ms`] = median(tb);
        results[`${n}.${name}.sqlite_ms`] = median(ts);
      }
      block.close();
      sq.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return results;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const arg = (k: string) => { const i = process.argv.indexOf(k); return i > 0 ? process.argv[i + 1] : undefined; };
  const sizes = arg('--series')?.split(',').map(Number);
  const reps = arg('--reps') ? Number(arg('--reps')) : undefined;
  const r = await benchIndexChoice({ sizes, reps });
  for (const [k, v] of Object.entries(r)) console.log(`${k.padEnd(48)} ${Number.isInteger(v) ? v : v.toFixed(3)}`);
}
