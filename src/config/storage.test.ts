import { describe, it, expect } from 'vitest';
import { parseConfig } from './parse.js';
import { configErrorsOf } from './errors.js';
import { parseStorageConfig } from './storage.js';

const storageOf = (yaml: string) => parseStorageConfig(parseConfig(yaml, 'scrape.yaml').storage);

describe('storage: section', () => {
  it('defaults: no per-resolution retention, 5m after 40h, 1h after 10d', () => {
    const s = storageOf('scrape_configs: []\n');
    expect(s.retentionMs.size).toBe(0);
    expect(s.retentionBytes).toBeUndefined();
    expect([...s.downsampleAfterMs]).toEqual([[300_000, 40 * 3_600_000], [3_600_000, 10 * 86_400_000]]);
  });

  it('reads retention per resolution, a size limit and tier ages', () => {
    const s = storageOf(`storage:
  retention:
    raw: 15d
    5m: 90d
    1h: 365d
  retention_size: 1GB
  downsample:
    5m: 2d
    1h: off
`);
    expect([...s.retentionMs]).toEqual([[0, 15 * 86_400_000], [300_000, 90 * 86_400_000], [3_600_000, 365 * 86_400_000]]);
    expect(s.retentionBytes).toBe(1024 ** 3);
    expect(s.downsampleAfterMs.get(300_000)).toBe(2 * 86_400_000);
    expect(s.downsampleAfterMs.get(3_600_000)).toBeUndefined();
  });

  it('one retention duration applies to every resolution', () => {
    expect([...storageOf('storage:\n  retention: 30d\n').retentionMs.values()]).toEqual([30 * 86_400_000, 30 * 86_400_000, 30 * 86_400_000]);
  });

  // Positions are those of the offending values (RawSection.errorAt resolves a key to its value node).
  it('reports bad values at their line and column', () => {
    let err: unknown;
    try {
      storageOf('storage:\n  retention:\n    raw: 15days\n    2h: 1d\n  colour: blue\n');
    } catch (e) {
      err = e;
    }
    const msgs = configErrorsOf(err).map((e) => e.message);
    expect(msgs).toHaveLength(3);
    expect(msgs.find((m) => m.includes('15days'))).toMatch(/^scrape\.yaml:3:10: /);
    expect(msgs.find((m) => m.includes('"2h"'))).toMatch(/^scrape\.yaml:4:9: /);
    expect(msgs.find((m) => m.includes('"colour"'))).toMatch(/^scrape\.yaml:5:11: /);
  });

  describe('cold tier', () => {
    it('resolves a relative dir against the config file directory and keeps an absolute one', () => {
      const rel = parseStorageConfig(parseConfig('storage:\n  cold:\n    dir: ../slow/vigil\n    after: 30d\n', '/etc/vigil/scrape.yaml').storage);
      expect(rel.cold).toEqual({ dir: '/etc/slow/vigil', afterMs: 30 * 86_400_000 });
      const abs = parseStorageConfig(parseConfig('storage:\n  cold: {dir: /mnt/cold, after: 12h}\n', '/etc/vigil/scrape.yaml').storage);
      expect(abs.cold).toEqual({ dir: '/mnt/cold', afterMs: 12 * 3_600_000 });
      expect(storageOf('scrape_configs: []\n').cold).toBeUndefined();
    });

    it('reports bad, unknown and missing fields at their line and column', () => {
      const errs = (yaml: string) => {
        try {
          storageOf(yaml);
        } catch (e) {
          return configErrorsOf(e).map((x) => x.message);
        }
        throw new Error('expected a config error');
      };
      const msgs = errs('storage:\n  cold:\n    dir: 42\n    after: soon\n    speed: fast\n');
      expect(msgs).toHaveLength(3);
      expect(msgs.find((m) => m.includes('cold.dir'))).toMatch(/^scrape\.yaml:3:10: /);
      expect(msgs.find((m) => m.includes('soon'))).toMatch(/^scrape\.yaml:4:12: /);
      expect(msgs.find((m) => m.includes('"speed"'))).toMatch(/^scrape\.yaml:5:12: /);
      const missing = errs('storage:\n  cold: {dir: /mnt/cold}\n');
      expect(missing).toHaveLength(1);
      expect(missing[0]).toMatch(/^scrape\.yaml:2:9: storage\.cold\.after: missing/);
      expect(errs('storage:\n  cold: /mnt/cold\n')[0]).toMatch(/^scrape\.yaml:2:9: storage\.cold: expected a mapping/);
    });
  });
});
