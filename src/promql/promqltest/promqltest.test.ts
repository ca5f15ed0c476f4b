import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runScript } from './runner.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'testdata');
const files = readdirSync(dir).filter((f) => f.endsWith('.test')).sort();

describe('PromQL test scripts', () => {
  it('finds the scripts', () => {
    expect(files.length).toBeGreaterThan(0);
  });
  for (const f of files) {
    it(f, () => {
      const failures = runScript(readFileSync(join(dir, f), 'utf8'), `src/promql/testdata/${f}`);
      expect(failures).toEqual([]);
    });
  }
});
