import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { labelsFromObject, formatLabels } from '../model/labels.js';
import { AppendStatus } from '../tsdb/types.js';
import type { CommittedBatch } from './tap.js';
import { startVigil, type VigilUnderTest } from './test-support.js';

/** What an observer saw: one entry per commit, samples as `labels@t=v`. */
function recordInto(out: string[][]) {
  return {
    onCommit(b: CommittedBatch) {
      const rows: string[] = [];
      for (let i = 0; i < b.length; i++) rows.push(`${formatLabels(b.labelsOf(b.refs[i]!) ?? [])}@${b.t[i]}=${b.v[i]}`);
      out.push(rows);
    },
  };
}

describe('AppenderTap', () => {
  let v: VigilUnderTest;
  beforeEach(async () => { v = await startVigil(); });
  afterEach(async () => { await v.close(); });

  it('offers exactly the accepted samples of each committed batch, after the commit, and nothing of a rollback', () => {
    const seen: string[][] = [];
    const unsubscribe = v.tap.subscribe(recordInto(seen));
    const a = v.tap.appender();
    const up = a.ref(labelsFromObject({ __name__: 'up', job: 'x' }));
    expect(a.append(up, 2000, 1)).toBe(AppendStatus.OK);
    expect(a.append(up, 1000, 1)).toBe(AppendStatus.OutOfOrder);
    expect(seen).toEqual([]);
    a.commit();
    expect(seen).toEqual([['up{job="x"}@2000=1']]);

    // A ref cached from an earlier appender still resolves to its labels.
    const b = v.tap.appender();
    b.append(up, 3000, 2);
    b.rollback();
    b.append(up, 4000, 3);
    b.commit();
    expect(seen).toEqual([['up{job="x"}@2000=1'], ['up{job="x"}@4000=3']]);

    unsubscribe();
    const c = v.tap.appender();
    c.append(up, 5000, 4);
    c.commit();
    expect(seen).toHaveLength(2);
  });

  it('grows its batch buffers past their initial size without losing samples', () => {
    const seen: string[][] = [];
    v.tap.subscribe(recordInto(seen));
    const a = v.tap.appender();
    const refs = Array.from({ length: 300 }, (_, i) => a.ref(labelsFromObject({ __name__: 'm', i: String(i) })));
    refs.forEach((r, i) => a.append(r, 1000, i));
    a.commit();
    expect(seen[0]).toHaveLength(300);
    expect(seen[0]![299]).toBe('m{i="299"}@1000=299');
  });
});
