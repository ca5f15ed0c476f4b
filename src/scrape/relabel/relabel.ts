import type { Labels } from '../../model/labels.js';
import { LabelsBuilder } from './builder.js';
import { isValidLabelName, type RelabelConfig } from './config.js';
import { expandTemplate } from './template.js';
import { hashmod } from './hashmod.js';

// Relabeling runs on one thread and never re-enters itself, so one scratch builder serves every call.
const scratch = new LabelsBuilder();
const nameSnapshot: string[] = [];
const valueSnapshot: string[] = [];

/**
 * Applies `configs` in order to `labels`, as Prometheus's `relabel.Process` does. Returns the new label set, the
 * same array when no rule changed anything, or null when a `keep`/`drop`/`keepequal`/`dropequal` rule dropped it.
 * Never mutates `labels`.
 */
export function relabel(labels: Labels, configs: readonly RelabelConfig[]): Labels | null {
  if (configs.length === 0) return labels;
  scratch.reset(labels);
  return relabelBuilder(scratch, configs) ? scratch.labels() : null;
}

/** Like `relabel`, on a caller's builder (mutated in place). Returns false if the set was dropped. */
export function relabelBuilder(b: LabelsBuilder, configs: readonly RelabelConfig[]): boolean {
  for (let i = 0; i < configs.length; i++) {
    if (!applyOne(b, configs[i]!)) return false;
  }
  return true;
}

function sourceValue(b: LabelsBuilder, cfg: RelabelConfig): string {
  const src = cfg.sourceLabels;
  if (src.length === 1) return b.get(src[0]!);
  let val = '';
  for (let i = 0; i < src.length; i++) {
    if (i > 0) val += cfg.separator;
    val += b.get(src[i]!);
  }
  return val;
}

function applyOne(b: LabelsBuilder, cfg: RelabelConfig): boolean {
  switch (cfg.action) {
    case 'drop':
      return !cfg.regex.test(sourceValue(b, cfg));
    case 'keep':
      return cfg.regex.test(sourceValue(b, cfg));
    case 'dropequal':
      return b.get(cfg.targetLabel) !== sourceValue(b, cfg);
    case 'keepequal':
      return b.get(cfg.targetLabel) === sourceValue(b, cfg);
    case 'replace': {
      const m = cfg.regex.exec(sourceValue(b, cfg));
      if (m === null) return true;
      const target = expandTemplate(cfg.targetTemplate, m);
      if (!isValidLabelName(target)) return true;
      b.set(target, expandTemplate(cfg.replacementTemplate, m));
      return true;
    }
    case 'lowercase':
      b.set(cfg.targetLabel, sourceValue(b, cfg).toLowerCase());
      return true;
    case 'uppercase':
      b.set(cfg.targetLabel, sourceValue(b, cfg).toUpperCase());
      return true;
    case 'hashmod':
      b.set(cfg.targetLabel, String(hashmod(sourceValue(b, cfg), cfg.modulus)));
      return true;
    case 'labelmap': {
      // Iterate over a snapshot: new names may sort anywhere among the old ones.
      const n = b.size;
      for (let i = 0; i < n; i++) { nameSnapshot[i] = b.nameAt(i); valueSnapshot[i] = b.valueAt(i); }
      for (let i = 0; i < n; i++) {
        const m = cfg.regex.exec(nameSnapshot[i]!);
        if (m !== null) b.set(expandTemplate(cfg.replacementTemplate, m), valueSnapshot[i]!);
      }
      nameSnapshot.length = 0;
      valueSnapshot.length = 0;
      return true;
    }
    case 'labeldrop':
      for (let i = b.size - 1; i >= 0; i--) {
        const name = b.nameAt(i);
        if (cfg.regex.test(name)) b.del(name);
      }
      return true;
    case 'labelkeep':
      for (let i = b.size - 1; i >= 0; i--) {
        const name = b.nameAt(i);
        if (!cfg.regex.test(name)) b.del(name);
      }
      return true;
  }
}
