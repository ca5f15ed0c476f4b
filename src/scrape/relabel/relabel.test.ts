import { createHash } from 'node:crypto';
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { labelsFromObject, labelsToObject, type Labels } from '../../model/labels.js';
import {
  compileRelabelConfig, relabel, hashmod, compileTemplate, expandTemplate, RelabelConfigError,
  type RelabelConfigInput,
} from './index.js';

const L = labelsFromObject;
const run = (ls: Record<string, string>, ...rules: RelabelConfigInput[]): Record<string, string> | null => {
  const out = relabel(L(ls), rules.map(compileRelabelConfig));
  return out === null ? null : labelsToObject(out);
};

/** Prometheus's hashmod computed independently with BigInt. */
function expectedHashmod(value: string, modulus: number): string {
  const sum = createHash('md5').update(value).digest();
  return (sum.readBigUInt64BE(8) % BigInt(modulus)).toString();
}

describe('compileRelabelConfig defaults', () => {
  it('fills in Prometheus defaults', () => {
    const c = compileRelabelConfig({ target_label: 'x' });
    expect(c.action).toBe('replace');
    expect(c.separator).toBe(';');
    expect(c.regexSource).toBe('(.*)');
    expect(c.replacement).toBe('$1');
    expect(c.sourceLabels).toEqual([]);
  });
  it('accepts actions case-insensitively', () => {
    expect(compileRelabelConfig({ action: 'LabelDrop', regex: 'x' }).action).toBe('labeldrop');
  });
});

describe('replace', () => {
  it('copies a source label through the default regex and replacement', () => {
    expect(run({ a: 'foo' }, { source_labels: ['a'], target_label: 'b' })).toEqual({ a: 'foo', b: 'foo' });
  });
  it('joins source labels with the separator, missing ones as empty', () => {
    expect(run({ a: 'x', c: 'z' }, { source_labels: ['a', 'b', 'c'], target_label: 'd' })).toEqual({ a: 'x', c: 'z', d: 'x;;z' });
    expect(run({ a: 'x', b: 'y' }, { source_labels: ['a', 'b'], separator: '-', target_label: 'd' })!.d).toBe('x-y');
  });
  it('leaves labels untouched when the regex does not match', () => {
    const input = L({ a: 'foo' });
    const rules = [compileRelabelConfig({ source_labels: ['a'], regex: 'bar', target_label: 'b', replacement: 'z' })];
    expect(relabel(input, rules)).toBe(input);
  });
  it('anchors the regex at both ends', () => {
    expect(run({ a: 'xfoox' }, { source_labels: ['a'], regex: 'foo', target_label: 'b', replacement: 'y' })).toEqual({ a: 'xfoox' });
    expect(run({ a: 'foo' }, { source_labels: ['a'], regex: 'fo|foo', target_label: 'b', replacement: 'y' })).toEqual({ a: 'foo', b: 'y' });
  });
  it('expands $1, ${1}, named groups and $$', () => {
    const src = { addr: 'db1:9100' };
    expect(run(src, { source_labels: ['addr'], regex: '(.*):(\\d+)', target_label: 'h', replacement: '$1' })!.h).toBe('db1');
    expect(run(src, { source_labels: ['addr'], regex: '(.*):(\\d+)', target_label: 'h', replacement: '${1}_x' })!.h).toBe('db1_x');
    expect(run(src, { source_labels: ['addr'], regex: '(?P<host>.*):(?P<port>\\d+)', target_label: 'h', replacement: '${port}/$host' })!.h)
      .toBe('9100/db1');
    expect(run(src, { source_labels: ['addr'], regex: '(.*):(\\d+)', target_label: 'h', replacement: '$$1' })!.h).toBe('$1');
  });
  it('reads $1x as the (missing) group "1x", like Go, so it expands to nothing', () => {
    // Whole replacement empty → the target label is deleted / not set.
    expect(run({ a: 'foo' }, { source_labels: ['a'], regex: '(f)oo', target_label: 'b', replacement: '$1x' })).toEqual({ a: 'foo' });
    expect(run({ a: 'foo' }, { source_labels: ['a'], regex: '(f)oo', target_label: 'b', replacement: '${1}x' })).toEqual({ a: 'foo', b: 'fx' });
  });
  it('deletes the target label when the replacement expands to ""', () => {
    expect(run({ a: 'foo', b: 'old' }, { source_labels: ['c'], target_label: 'b' })).toEqual({ a: 'foo' });
    expect(run({ a: 'foo', b: 'old' }, { source_labels: ['a'], regex: 'foo()', target_label: 'b' })).toEqual({ a: 'foo' });
  });
  it('sets a constant label when the source is empty and the default regex matches ""', () => {
    expect(run({ a: 'foo' }, { target_label: 'env', replacement: 'prod' })).toEqual({ a: 'foo', env: 'prod' });
  });
  it('expands the target label and skips invalid resulting names', () => {
    expect(run({ a: 'some-name-value' }, { source_labels: ['a'], regex: 'some-([^-]+)-([^,]+)', target_label: '${1}', replacement: '${2}' }))
      .toEqual({ a: 'some-name-value', name: 'value' });
    expect(run({ a: 'some-1bad-value' }, { source_labels: ['a'], regex: 'some-([^-]+)-([^,]+)', target_label: '${1}', replacement: 'x' }))
      .toEqual({ a: 'some-1bad-value' });
  });
  it('keeps $ literal when the reference is malformed', () => {
    expect(run({ a: 'v' }, { source_labels: ['a'], target_label: 'b', replacement: 'cost $ ${1' })!.b).toBe('cost $ ${1');
  });
});

describe('keep / drop', () => {
  it('keep drops a set whose value does not fully match', () => {
    expect(run({ a: 'foo' }, { source_labels: ['a'], regex: 'f.*', action: 'keep' })).toEqual({ a: 'foo' });
    expect(run({ a: 'foo' }, { source_labels: ['a'], regex: 'f', action: 'keep' })).toBeNull();
    // Missing label counts as "", which the default regex matches.
    expect(run({ a: 'foo' }, { source_labels: ['b'], action: 'keep' })).toEqual({ a: 'foo' });
  });
  it('drop drops a set whose value matches', () => {
    expect(run({ a: 'foo' }, { source_labels: ['a'], regex: 'foo|bar', action: 'drop' })).toBeNull();
    expect(run({ a: 'food' }, { source_labels: ['a'], regex: 'foo|bar', action: 'drop' })).toEqual({ a: 'food' });
  });
  it('stops at the first dropping rule', () => {
    expect(run({ a: 'foo' }, { source_labels: ['a'], action: 'drop', regex: 'foo' }, { target_label: 'x', replacement: 'y' })).toBeNull();
  });
});

describe('keepequal / dropequal', () => {
  it('compare the joined source value with the target label', () => {
    expect(run({ a: '1', b: '1' }, { source_labels: ['a'], target_label: 'b', action: 'keepequal' })).toEqual({ a: '1', b: '1' });
    expect(run({ a: '1', b: '2' }, { source_labels: ['a'], target_label: 'b', action: 'keepequal' })).toBeNull();
    expect(run({ a: '1', b: '1' }, { source_labels: ['a'], target_label: 'b', action: 'dropequal' })).toBeNull();
    expect(run({ a: '1', b: '2' }, { source_labels: ['a'], target_label: 'b', action: 'dropequal' })).toEqual({ a: '1', b: '2' });
    // Both absent: "" equals "".
    expect(run({ a: '1' }, { source_labels: ['x'], target_label: 'y', action: 'keepequal' })).toEqual({ a: '1' });
  });
});

describe('hashmod', () => {
  it('matches the value Prometheus computes for "baz" % 1000 (976, from Prometheus\'s relabel tests)', () => {
    expect(run({ c: 'baz' }, { source_labels: ['c'], target_label: 'd', modulus: 1000, action: 'hashmod' })!.d).toBe('976');
    expect(expectedHashmod('baz', 1000)).toBe('976');
  });
  it('agrees with a BigInt computation for random values and moduli, small and large', () => {
    fc.assert(fc.property(fc.string(), fc.integer({ min: 1, max: 2 ** 52 }), (v, m) => {
      expect(String(hashmod(v, m))).toBe(expectedHashmod(v, m));
    }), { numRuns: 500 });
    fc.assert(fc.property(fc.fullUnicodeString(), fc.integer({ min: 1, max: 4096 }), (v, m) => {
      expect(String(hashmod(v, m))).toBe(expectedHashmod(v, m));
    }), { numRuns: 300 });
  });
  it('hashes the joined source labels', () => {
    expect(run({ a: 'foo', b: 'bar' }, { source_labels: ['a', 'b'], target_label: 'shard', modulus: 7, action: 'hashmod' })!.shard)
      .toBe(expectedHashmod('foo;bar', 7));
  });
});

describe('lowercase / uppercase', () => {
  it('writes the case-mapped source value to the target', () => {
    expect(run({ a: 'FoO', b: 'Bar' }, { source_labels: ['a', 'b'], target_label: 'l', action: 'lowercase' })!.l).toBe('foo;bar');
    expect(run({ a: 'FoO' }, { source_labels: ['a'], target_label: 'u', action: 'uppercase' })!.u).toBe('FOO');
  });
  it('deletes the target when the source is empty', () => {
    expect(run({ a: 'x', t: 'old' }, { source_labels: ['missing'], target_label: 't', action: 'lowercase' })).toEqual({ a: 'x' });
  });
});

describe('labelmap / labeldrop / labelkeep', () => {
  it('labelmap copies matching labels under the expanded name, keeping the originals', () => {
    expect(run({ __meta_kubernetes_pod_label_app: 'web', __meta_kubernetes_pod_label_tier: 'fe', job: 'j' },
      { action: 'labelmap', regex: '__meta_kubernetes_pod_label_(.+)' }))
      .toEqual({ __meta_kubernetes_pod_label_app: 'web', __meta_kubernetes_pod_label_tier: 'fe', job: 'j', app: 'web', tier: 'fe' });
  });
  it('labelmap with a custom replacement', () => {
    expect(run({ a: '1', b: '2' }, { action: 'labelmap', regex: '(a)', replacement: 'x_$1' })).toEqual({ a: '1', b: '2', x_a: '1' });
  });
  it('labeldrop removes every label whose name fully matches', () => {
    expect(run({ abc: '1', ab: '2', b: '3' }, { action: 'labeldrop', regex: 'ab.*' })).toEqual({ b: '3' });
    expect(run({ abc: '1', xab: '2' }, { action: 'labeldrop', regex: 'ab' })).toEqual({ abc: '1', xab: '2' });
  });
  it('labelkeep removes every label whose name does not match', () => {
    expect(run({ abc: '1', ab: '2', b: '3' }, { action: 'labelkeep', regex: 'ab.*' })).toEqual({ abc: '1', ab: '2' });
  });
});

describe('output form', () => {
  it('returns sorted labels however the rules add them', () => {
    const out = relabel(L({ m: '1' }), [
      compileRelabelConfig({ target_label: 'z', replacement: 'z' }),
      compileRelabelConfig({ target_label: 'a', replacement: 'a' }),
      compileRelabelConfig({ target_label: 'n', replacement: 'n' }),
    ])!;
    expect(out.map((l) => l.name)).toEqual(['a', 'm', 'n', 'z']);
  });
  it('never mutates its input (property)', () => {
    const names = fc.constantFrom('a', 'b', 'c', '__x', 'job');
    fc.assert(fc.property(fc.dictionary(names, fc.string({ minLength: 1, maxLength: 3 })), (obj) => {
      const input: Labels = L(obj);
      const before = JSON.stringify(input);
      relabel(input, [
        compileRelabelConfig({ action: 'labelmap', regex: '__(.*)' }),
        compileRelabelConfig({ source_labels: ['a'], target_label: 'b' }),
        compileRelabelConfig({ action: 'labeldrop', regex: 'c' }),
      ]);
      expect(JSON.stringify(input)).toBe(before);
    }));
  });
});

describe('validation (Prometheus rules)', () => {
  const bad = (input: RelabelConfigInput, msg: RegExp, field: string | null) => {
    let err: unknown;
    try { compileRelabelConfig(input); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(RelabelConfigError);
    expect((err as Error).message).toMatch(msg);
    expect((err as RelabelConfigError).field).toBe(field);
  };
  it('rejects bad definitions', () => {
    bad({ action: 'explode' }, /unknown relabel action "explode"/, 'action');
    bad({ action: 'replace' }, /requires 'target_label'/, null);
    bad({ action: 'hashmod', target_label: 'x' }, /requires non-zero modulus/, null);
    bad({ action: 'hashmod', target_label: 'x', modulus: 0 }, /requires non-zero modulus/, 'modulus');
    bad({ target_label: '1abc' }, /"1abc" is invalid 'target_label' for replace/, 'target_label');
    bad({ target_label: 'a-$1' }, /invalid 'target_label'/, 'target_label');
    bad({ action: 'lowercase', target_label: 'x', replacement: 'y' }, /'replacement' can not be set for lowercase/, 'replacement');
    bad({ action: 'labelmap', replacement: 'a-b' }, /"a-b" is invalid 'replacement' for labelmap/, 'replacement');
    bad({ action: 'keepequal', target_label: 'x', regex: '(.*)' }, /keepequal action requires only 'source_labels'/, null);
    bad({ action: 'labeldrop', source_labels: ['a'] }, /labeldrop action requires only 'regex'/, null);
    bad({ action: 'labelkeep', separator: ',' }, /labelkeep action requires only 'regex'/, null);
    bad({ source_labels: ['a-b'], target_label: 'x' }, /"a-b" is not a valid label name/, 'source_labels');
    bad({ regex: '(', target_label: 'x' }, /error parsing regexp/, 'regex');
  });
  it('accepts templated targets Prometheus accepts', () => {
    expect(compileRelabelConfig({ target_label: 'x_${1}', regex: '(a)' }).targetLabel).toBe('x_${1}');
    expect(compileRelabelConfig({ action: 'labeldrop', regex: 'tmp_.*' }).action).toBe('labeldrop');
  });
});

describe('templates', () => {
  it('leaves unmatched optional groups empty', () => {
    const m = /^(a)?(b)$/.exec('b')!;
    expect(expandTemplate(compileTemplate('[$1|$2]'), m)).toBe('[|b]');
  });
  it('does not read leading-zero numbers as group numbers', () => {
    const m = /^(a)(b)$/.exec('ab')!;
    expect(expandTemplate(compileTemplate('$01-${2}'), m)).toBe('-b');
  });
});
