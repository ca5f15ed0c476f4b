import { compileAnchored, RegexSyntaxError } from '../../model/matcher.js';
import { MAX_HASHMOD_MODULUS } from './hashmod.js';
import { compileTemplate, type Template } from './template.js';

/** The relabel actions Prometheus knows. */
export type RelabelAction =
  | 'replace' | 'keep' | 'drop' | 'keepequal' | 'dropequal' | 'hashmod'
  | 'labelmap' | 'labeldrop' | 'labelkeep' | 'lowercase' | 'uppercase';

const ACTIONS: ReadonlySet<string> = new Set<RelabelAction>([
  'replace', 'keep', 'drop', 'keepequal', 'dropequal', 'hashmod',
  'labelmap', 'labeldrop', 'labelkeep', 'lowercase', 'uppercase',
]);

/**
 * A relabel rule as written in YAML (`relabel_configs`, `metric_relabel_configs`, `write_relabel_configs`).
 * A field left `undefined` takes Prometheus's default; a field that is present counts as "set" for the rules that
 * forbid fields on some actions (e.g. `labeldrop` with `source_labels`).
 */
export interface RelabelConfigInput {
  source_labels?: readonly string[];
  /** Default `;`. */
  separator?: string;
  /** Default `(.*)`, always anchored at both ends. */
  regex?: string;
  modulus?: number;
  target_label?: string;
  /** Default `$1`. */
  replacement?: string;
  /** Default `replace`; case-insensitive. */
  action?: string;
}

/** A validated, compiled relabel rule, ready for `relabel()`. Build with `compileRelabelConfig`. */
export interface RelabelConfig {
  readonly action: RelabelAction;
  readonly sourceLabels: readonly string[];
  readonly separator: string;
  /** The pattern as written (without the anchors). */
  readonly regexSource: string;
  readonly regex: RegExp;
  readonly modulus: number;
  readonly targetLabel: string;
  readonly replacement: string;
  /** @internal compiled forms of targetLabel / replacement for `replace` and `labelmap`. */
  readonly targetTemplate: Template;
  /** @internal */
  readonly replacementTemplate: Template;
}

/**
 * A relabel rule Prometheus would reject. `field` names the offending YAML key (null: the rule as a whole), so the
 * config loader can point at the right line.
 */
export class RelabelConfigError extends Error {
  constructor(message: string, readonly field: keyof RelabelConfigInput | null) {
    super(message);
    this.name = 'RelabelConfigError';
  }
}

export const DEFAULT_REGEX = '(.*)';
export const DEFAULT_SEPARATOR = ';';
export const DEFAULT_REPLACEMENT = '$1';

const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** Prometheus's check for a target_label / labelmap replacement that contains `$` references. */
const TEMPLATE_TARGET_RE = /^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$/;

/** True for a legacy (pre-UTF-8) Prometheus label name: `[a-zA-Z_][a-zA-Z0-9_]*`. */
export function isValidLabelName(name: string): boolean {
  return LABEL_NAME_RE.test(name);
}

/**
 * Applies defaults, validates with Prometheus's rules and compiles the regex and templates.
 * Throws RelabelConfigError naming the offending field.
 */
export function compileRelabelConfig(input: RelabelConfigInput): RelabelConfig {
  const rawAction = input.action ?? 'replace';
  const lower = rawAction.toLowerCase();
  if (rawAction === '') throw new RelabelConfigError('relabel action cannot be empty', 'action');
  if (!ACTIONS.has(lower)) throw new RelabelConfigError(`unknown relabel action ${JSON.stringify(rawAction)}`, 'action');
  const action = lower as RelabelAction;

  const sourceLabels = input.source_labels ?? [];
  for (const name of sourceLabels) {
    if (!isValidLabelName(name)) throw new RelabelConfigError(`${JSON.stringify(name)} is not a valid label name`, 'source_labels');
  }
  const separator = input.separator ?? DEFAULT_SEPARATOR;
  const regexSource = input.regex ?? DEFAULT_REGEX;
  let regex: RegExp;
  try {
    regex = compileAnchored(regexSource);
  } catch (e) {
    throw new RelabelConfigError(e instanceof RegexSyntaxError ? e.message : String(e), 'regex');
  }
  const modulus = input.modulus ?? 0;
  const targetLabel = input.target_label ?? '';
  const replacement = input.replacement ?? DEFAULT_REPLACEMENT;
  const q = JSON.stringify;

  if (!Number.isInteger(modulus) || modulus < 0) throw new RelabelConfigError(`modulus must be a non-negative integer, got ${modulus}`, 'modulus');
  if (action === 'hashmod' && modulus === 0) {
    throw new RelabelConfigError('relabel configuration for hashmod requires non-zero modulus', input.modulus === undefined ? null : 'modulus');
  }
  if (action === 'hashmod' && modulus > MAX_HASHMOD_MODULUS) {
    throw new RelabelConfigError(`hashmod modulus ${modulus} is larger than vigil supports (2^52)`, 'modulus');
  }
  const needsTarget = action === 'replace' || action === 'hashmod' || action === 'lowercase' || action === 'uppercase' ||
    action === 'keepequal' || action === 'dropequal';
  if (needsTarget && targetLabel === '') {
    throw new RelabelConfigError(`relabel configuration for ${action} action requires 'target_label' value`, null);
  }
  if (action === 'replace') {
    const ok = targetLabel.includes('$') ? TEMPLATE_TARGET_RE.test(targetLabel) : isValidLabelName(targetLabel);
    if (!ok) throw new RelabelConfigError(`${q(targetLabel)} is invalid 'target_label' for ${action} action`, 'target_label');
  }
  const plainTarget = action === 'lowercase' || action === 'uppercase' || action === 'keepequal' || action === 'dropequal';
  if ((plainTarget || action === 'hashmod') && !isValidLabelName(targetLabel)) {
    throw new RelabelConfigError(`${q(targetLabel)} is invalid 'target_label' for ${action} action`, 'target_label');
  }
  if (plainTarget && replacement !== DEFAULT_REPLACEMENT) {
    throw new RelabelConfigError(`'replacement' can not be set for ${action} action`, 'replacement');
  }
  if (action === 'labelmap' && !TEMPLATE_TARGET_RE.test(replacement)) {
    throw new RelabelConfigError(`${q(replacement)} is invalid 'replacement' for ${action} action`, 'replacement');
  }
  if ((action === 'keepequal' || action === 'dropequal') &&
    (input.regex !== undefined || modulus !== 0 || separator !== DEFAULT_SEPARATOR || replacement !== DEFAULT_REPLACEMENT)) {
    throw new RelabelConfigError(`${action} action requires only 'source_labels' and \`target_label\`, and no other fields`, null);
  }
  if ((action === 'labeldrop' || action === 'labelkeep') &&
    (input.source_labels !== undefined || targetLabel !== '' || modulus !== 0 || separator !== DEFAULT_SEPARATOR ||
      replacement !== DEFAULT_REPLACEMENT)) {
    throw new RelabelConfigError(`${action} action requires only 'regex', and no other fields`, null);
  }

  return {
    action, sourceLabels: [...sourceLabels], separator, regexSource, regex, modulus, targetLabel, replacement,
    targetTemplate: compileTemplate(targetLabel),
    replacementTemplate: compileTemplate(replacement),
  };
}
