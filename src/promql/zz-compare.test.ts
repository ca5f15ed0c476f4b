// TEMPORARY dev harness: compares against a local Prometheus 2.42 on 127.0.0.1:19099. Not part of the suite.
import { readFileSync } from 'node:fs';
import { it } from 'vitest';
import { Engine } from './index.js';
import { MemoryStorage } from './testing/memory-storage.js';
import { labelsFromObject } from '../model/labels.js';

const num = (s: string) => (s === 'NaN' ? NaN : s === '+Inf' ? Infinity : s === '-Inf' ? -Infinity : Number(s));
function same(a: number, b: number) {
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (a === b) return true;
  return Math.abs(a - b) / (Math.abs(a) + Math.abs(b)) < 1e-12;
}
type PSeries = { metric: Record<string, string>; value?: [number, string]; values?: [number, string][] };
function key(m: Record<string, string>) { return JSON.stringify(Object.entries(m).sort()); }

it('compare', async () => {
  const data = JSON.parse(readFileSync('/tmp/pq/data2.json', 'utf8')) as { labels: Record<string, string>; t: number[]; v: string[] }[];
  const st = new MemoryStorage();
  for (const s of data) { const ls = labelsFromObject(s.labels); s.t.forEach((t, i) => st.append(ls, t, num(s.v[i]!))); }
  const eng = new Engine();
  const queries = readFileSync(process.env.QFILE ?? '/tmp/pq/queries.txt', 'utf8').split('\n').filter((q) => q.trim() && !q.startsWith('#'));
  const problems: string[] = [];
  let n = 0;
  for (const q of queries) {
    for (const t of [0, 137, 600, 1234.5, 1800]) {
      const r = await (await fetch(`http://127.0.0.1:19099/api/v1/query?${new URLSearchParams({ query: q, time: String(t) })}`)).json() as { status: string; error?: string; data: { resultType: string; result: unknown } };
      n++;
      let mine;
      try { mine = eng.instantQuery(st, q, t * 1000); } catch (e) {
        if (r.status !== 'error') problems.push(`${q} @${t}: mine threw ${(e as Error).message}`);
        continue;
      }
      if (r.status === 'error') { problems.push(`${q} @${t}: prom error ${r.error}`); continue; }
      if (r.data.resultType === 'scalar') {
        const [, v] = r.data.result as [number, string];
        if (mine.type !== 'scalar' || !same(mine.v, num(v))) problems.push(`${q} @${t}: scalar ${v} vs ${JSON.stringify(mine)}`);
        continue;
      }
      if (r.data.resultType === 'vector') {
        const pr = r.data.result as PSeries[];
        if (mine.type !== 'vector') { problems.push(`${q} @${t}: type`); continue; }
        const mm = new Map(mine.samples.map((s) => [key(Object.fromEntries(s.labels.map((l) => [l.name, l.value]))), s.v]));
        if (mm.size !== pr.length) problems.push(`${q} @${t}: count prom ${pr.length} mine ${mm.size}: ${JSON.stringify(pr).slice(0, 300)} MINE ${JSON.stringify([...mm]).slice(0, 300)}`);
        for (const p of pr) {
          const mv = mm.get(key(p.metric));
          if (mv === undefined) { problems.push(`${q} @${t}: missing ${JSON.stringify(p.metric)}; mine has ${[...mm.keys()].slice(0, 3).join(' ')}`); continue; }
          if (!same(mv, num(p.value![1]))) problems.push(`${q} @${t}: ${JSON.stringify(p.metric)} prom ${p.value![1]} mine ${mv}`);
        }
        if (/^(sort|topk|bottomk)/.test(q) && mine.samples.length === pr.length) {
          const po = pr.map((p) => p.value![1]).join(',');
          const mo = mine.samples.map((s) => String(s.v)).join(',');
          if (po.replace(/\+Inf/g, 'Infinity').replace(/-Inf/g, '-Infinity') !== mo.replace(/-Infinity/g,'-Infinity')) problems.push(`${q} @${t}: order prom ${po} mine ${mo}`);
        }
        continue;
      }
      if (r.data.resultType === 'matrix') {
        const pr = r.data.result as PSeries[];
        if (mine.type !== 'matrix') { problems.push(`${q} @${t}: type`); continue; }
        const mm = new Map(mine.series.map((s) => [key(Object.fromEntries(s.labels.map((l) => [l.name, l.value]))), s]));
        if (mm.size !== pr.length) problems.push(`${q} @${t}: series count prom ${pr.length} mine ${mm.size}`);
        for (const p of pr) {
          const ms = mm.get(key(p.metric));
          const pv = p.values!.map(([tt, v]) => `${tt}:${v}`).join(' ');
          const mv = ms ? Array.from(ms.t).map((tt, i) => `${tt / 1000}:${ms.v[i]}`).join(' ') : 'none';
          if (pv !== mv) problems.push(`${q} @${t}: matrix prom ${pv.slice(0, 200)} mine ${mv.slice(0, 200)}`);
        }
      }
    }
    // range query
    for (const [s, e, step] of [[0, 1800, 60], [13, 1790, 37]] as const) {
      const r = await (await fetch(`http://127.0.0.1:19099/api/v1/query_range?${new URLSearchParams({ query: q, start: String(s), end: String(e), step: String(step) })}`)).json() as { status: string; error?: string; data: { result: PSeries[] } };
      n++;
      let mine;
      try { mine = eng.rangeQuery(st, q, s * 1000, e * 1000, step * 1000); } catch (err) {
        if (r.status !== 'error') problems.push(`RANGE ${q}: mine threw ${(err as Error).message}`);
        continue;
      }
      if (r.status === 'error') { problems.push(`RANGE ${q}: prom error ${r.error}`); continue; }
      if (mine.type !== 'matrix') continue;
      const mm = new Map(mine.series.map((x) => [key(Object.fromEntries(x.labels.map((l) => [l.name, l.value]))), x]));
      if (mm.size !== r.data.result.length) problems.push(`RANGE ${q} ${step}: series count prom ${r.data.result.length} mine ${mm.size}`);
      for (const p of r.data.result) {
        const ms = mm.get(key(p.metric));
        if (!ms) { problems.push(`RANGE ${q}: missing ${JSON.stringify(p.metric)}`); continue; }
        const bad = p.values!.length !== ms.t.length || p.values!.some(([tt, v], i) => tt * 1000 !== ms.t[i] || !same(num(v), ms.v[i]!));
        if (bad) problems.push(`RANGE ${q} ${step}: ${JSON.stringify(p.metric)} prom ${p.values!.slice(0, 5).map((x) => x.join(':')).join(' ')} (${p.values!.length}) mine ${Array.from(ms.t).slice(0, 5).map((tt, i) => `${tt / 1000}:${ms.v[i]}`).join(' ')} (${ms.t.length})`);
      }
    }
  }
  console.log(`compared ${n} queries; ${problems.length} problems`);
  console.log(problems.slice(0, 80).join('\n'));
}, 300_000);
