// Child process for db.kill.test.ts: appends numbered batches to a Db forever and prints each batch number after
// its commit() returned. Batch b writes t = b*1000, v = b to the fixed series k{i="0".."N-1"} and creates the new
// series k_new{b="<b>"}. It resumes after the highest batch already in the Db. Usage: node kill-writer.mjs DIR N
import { writeSync } from 'node:fs';
import { Db } from '../../../dist/src/tsdb/index.js';
import { Matcher } from '../../../dist/src/model/index.js';

const [dir, nArg] = process.argv.slice(2);
const n = Number(nArg);
const db = await Db.open(dir);
const q = db.querier();
let next = 0;
for (const s of q.select([new Matcher('=', '__name__', 'k')], -Infinity, Infinity)) {
  const b = s.samples();
  if (b.length > 0) next = Math.max(next, b.t[b.length - 1] / 1000 + 1);
}
q.close();
writeSync(1, `start ${next}\n`);
const fixed = Array.from({ length: n }, (_, i) => [{ name: '__name__', value: 'k' }, { name: 'i', value: String(i) }]);
const app = db.appender();
for (let b = next; ; b++) {
  for (const ls of fixed) app.append(app.ref(ls), b * 1000, b);
  app.append(app.ref([{ name: '__name__', value: 'k_new' }, { name: 'b', value: String(b) }]), b * 1000, b);
  app.commit();
  writeSync(1, `${b}\n`);
}
