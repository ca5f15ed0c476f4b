import { readFileSync } from 'node:fs';
import { it } from 'vitest';
import { Engine } from './index.js';
import { MemoryStorage } from './testing/memory-storage.js';
it('errs', async () => {
  const eng = new Engine(); const st = new MemoryStorage();
  for (const q of readFileSync('/tmp/pq/errs.txt', 'utf8').split('\n').filter(Boolean)) {
    const r = await (await fetch(`http://127.0.0.1:19099/api/v1/query?${new URLSearchParams({ query: q, time: '100' })}`)).json() as { status: string; error?: string; errorType?: string };
    let mine = 'OK';
    try { eng.instantQuery(st, q, 100000); } catch (e) { mine = `${(e as Error).name}: ${(e as Error).message}`; }
    const p = r.status === 'error' ? `${r.errorType}: ${r.error}` : 'OK';
    const same = p.replace(/^\w+: /, '').replace('invalid parameter "query": ', '') === mine.replace(/^\w+: /, '');
    console.log(`${same ? '==' : '!!'} ${q}\n   prom: ${p}\n   mine: ${mine}`);
  }
}, 60000);
