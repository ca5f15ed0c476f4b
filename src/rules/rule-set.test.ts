import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../model/clock.js';
import { parseExpr } from '../promql/index.js';
import type { Appender } from '../tsdb/types.js';
import { RuleSet } from './rule-set.js';

const nullAppender = (): Appender => ({ ref: () => 1, append: () => 0, commit: () => {}, rollback: () => {} });

describe('RuleSet intervals', () => {
  it("gives groups without `interval` the loaded config's evaluation_interval, and keeps it on a failed reload", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-ruleset-'));
    try {
      const file = join(dir, 'rules.yml');
      writeFileSync(file, 'groups:\n  - name: plain\n    rules:\n      - record: one\n        expr: vector(1)\n'
        + '  - name: own\n    interval: 5s\n    rules: []\n');
      const set = new RuleSet({
        query: async () => [], externalLabels: {}, externalURL: '', appender: nullAppender, clock: new ManualClock(0), sendAlerts: () => {},
        validate: (e) => void parseExpr(e),
      });
      await set.load([file]);
      // No interval from the config: Prometheus's default of one minute.
      expect(set.list().map((g) => g.intervalMs)).toEqual([60_000, 5_000]);
      await set.load([file], 15_000);
      expect(set.list().map((g) => g.intervalMs)).toEqual([15_000, 5_000]);
      writeFileSync(join(dir, 'bad.yml'), 'groups:\n  - name: x\n    rules:\n      - record: two\n        expr: sum(\n');
      await expect(set.load([file, join(dir, 'bad.yml')], 200)).rejects.toThrow(/bad\.yml:5:\d+/);
      // The rejected config's interval must not leak into later loads that name none.
      await set.load([file]);
      expect(set.list().map((g) => g.intervalMs)).toEqual([15_000, 5_000]);
      await set.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
