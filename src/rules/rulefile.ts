/**
 * Prometheus rule files (`groups:` of `record:`/`alert:` rules), parsed with node positions so every problem is
 * reported as `file:line:column: message`. Validation follows Prometheus's rulefmt: unknown keys, duplicate group
 * names, missing or unparsable `expr`, invalid metric/label/annotation names, fields that do not belong to the
 * rule kind, and template syntax in alert labels and annotations.
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, isMap, isSeq, isScalar, type Node, type Pair, type YAMLMap } from 'yaml';
import { PositionedError } from '../model/errors.js';
import { parseDuration } from '../model/duration.js';
import { compileTemplate } from './template.js';
import type { ParsedTemplate } from './template-parse.js';

/** Throws (ideally a PositionedError or an error whose message carries `line:col`) when `expr` is not valid PromQL. */
export type ExprValidator = (expr: string) => void;

export interface RuleSpec {
  kind: 'recording' | 'alerting';
  /** The `record` or `alert` name. */
  name: string;
  expr: string;
  /** `for`, ms (alerting only). */
  forMs: number;
  keepFiringForMs: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Compiled label and annotation templates (alerting rules only). */
  labelTemplates: Record<string, ParsedTemplate>;
  annotationTemplates: Record<string, ParsedTemplate>;
  line: number;
  column: number;
}

export interface RuleGroupSpec {
  name: string;
  file: string;
  /** Evaluation interval in ms, or undefined to use the global `evaluation_interval`. */
  intervalMs: number | undefined;
  /** Maximum number of series a rule may produce (0 = no limit). */
  limit: number;
  queryOffsetMs: number;
  /** Labels added to every rule of the group (Prometheus 3 `labels:` on a group); rule labels win. */
  labels: Record<string, string>;
  rules: RuleSpec[];
}

export interface RuleFileResult {
  groups: RuleGroupSpec[];
  errors: PositionedError[];
}

const METRIC_NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const GROUP_KEYS = new Set(['name', 'interval', 'limit', 'query_offset', 'labels', 'rules']);
const RULE_KEYS = new Set(['record', 'alert', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations']);

/** Parses and validates one rule file's text. Never throws for bad input: problems come back in `errors`. */
export function parseRuleFile(file: string, src: string, validate?: ExprValidator): RuleFileResult {
  const lc = new LineCounter();
  const doc = parseDocument(src, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  const errors: PositionedError[] = [];
  const at = (node: { range?: [number, number, number] | null } | null | undefined, msg: string) => {
    const p = lc.linePos(node?.range?.[0] ?? 0);
    errors.push(new PositionedError(msg, file, p.line, p.col));
  };
  for (const e of doc.errors) {
    const p = lc.linePos(e.pos[0]);
    errors.push(new PositionedError(`yaml: ${e.message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '')}`, file, p.line, p.col));
  }
  if (errors.length) return { groups: [], errors };
  const root = doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) return { groups: [], errors };
  if (!isMap(root)) { at(root, 'rule file must be a mapping with a "groups" key'); return { groups: [], errors }; }
  for (const pair of root.items) {
    const k = keyOf(pair);
    if (k !== 'groups') at(pair.key as Node, `field ${k} not found in rule file (only "groups" is allowed)`);
  }
  const groupsNode = root.get('groups', true) as Node | undefined;
  if (groupsNode === undefined || (isScalar(groupsNode) && groupsNode.value === null)) return { groups: [], errors };
  if (!isSeq(groupsNode)) { at(groupsNode, '"groups" must be a list'); return { groups: [], errors }; }

  const groups: RuleGroupSpec[] = [];
  const seen = new Set<string>();
  for (const gNode of groupsNode.items as Node[]) {
    if (!isMap(gNode)) { at(gNode, 'a group must be a mapping'); continue; }
    for (const pair of gNode.items) {
      const k = keyOf(pair);
      if (!GROUP_KEYS.has(k)) at(pair.key as Node, `field ${k} not found in rule group`);
    }
    const name = scalarString(gNode, 'name');
    if (!name) { at(gNode, 'Groupname must not be empty'); continue; }
    if (seen.has(name)) at(gNode, `groupname: "${name}" is repeated in the same file`);
    seen.add(name);
    const g: RuleGroupSpec = { name, file, intervalMs: undefined, limit: 0, queryOffsetMs: 0, labels: {}, rules: [] };
    const iv = gNode.get('interval', true) as Node | undefined;
    if (iv !== undefined) {
      try {
        g.intervalMs = parseDuration(String(scalarValue(iv)));
        if (g.intervalMs <= 0) at(iv, `group "${name}": interval must be positive`);
      } catch (e) { at(iv, `group "${name}": ${(e as Error).message}`); }
    }
    const lim = gNode.get('limit', true) as Node | undefined;
    if (lim !== undefined) {
      const v = scalarValue(lim);
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) at(lim, `group "${name}": limit must be a non-negative integer`);
      else g.limit = v;
    }
    const qo = gNode.get('query_offset', true) as Node | undefined;
    if (qo !== undefined) {
      try { g.queryOffsetMs = parseDuration(String(scalarValue(qo))); } catch (e) { at(qo, `group "${name}": ${(e as Error).message}`); }
    }
    const gl = gNode.get('labels', true) as Node | undefined;
    if (gl !== undefined) g.labels = stringMap(gl, `group "${name}"`, 'label', at);
    const rulesNode = gNode.get('rules', true) as Node | undefined;
    if (rulesNode !== undefined && !(isScalar(rulesNode) && rulesNode.value === null)) {
      if (!isSeq(rulesNode)) at(rulesNode, `group "${name}": "rules" must be a list`);
      else (rulesNode.items as Node[]).forEach((rNode, i) => {
        const r = parseRule(rNode, name, i + 1, at, lc, errors, validate);
        if (r) g.rules.push(r);
      });
    }
    groups.push(g);
  }
  return { groups, errors };
}

type At = (node: { range?: [number, number, number] | null } | null | undefined, msg: string) => void;

function parseRule(rNode: Node, group: string, idx: number, at: At, lc: LineCounter, errors: readonly unknown[], validate?: ExprValidator): RuleSpec | null {
  if (!isMap(rNode)) { at(rNode, `group "${group}", rule ${idx}: a rule must be a mapping`); return null; }
  const before = errors.length;
  for (const pair of rNode.items) {
    const k = keyOf(pair);
    if (!RULE_KEYS.has(k)) at(pair.key as Node, `group "${group}", rule ${idx}: field ${k} not found in rule`);
  }
  const record = scalarString(rNode, 'record');
  const alert = scalarString(rNode, 'alert');
  const name = record || alert || '';
  const ctx = `group "${group}", rule ${idx}, "${name}"`;
  const fail = (node: Node | undefined, msg: string) => at(node ?? rNode, `${ctx}: ${msg}`);
  if (record && alert) fail(rNode, "only one of 'record' and 'alert' must be set");
  if (!record && !alert) fail(rNode, "one of 'record' or 'alert' must be set");
  const exprNode = rNode.get('expr', true) as Node | undefined;
  const expr = scalarString(rNode, 'expr');
  if (!expr) fail(exprNode, "field 'expr' must be set in rule");
  else if (validate) {
    try { validate(expr); } catch (e) { fail(exprNode, `could not parse expression: ${(e as Error).message}`); }
  }
  if (record) {
    if (!METRIC_NAME_RE.test(record)) fail(rNode.get('record', true) as Node, `invalid recording rule name: ${record}`);
    for (const k of ['annotations', 'for', 'keep_firing_for'] as const) {
      if (rNode.has(k)) fail(rNode.get(k, true) as Node, `invalid field '${k}' in recording rule`);
    }
  }
  const durOf = (key: string): number => {
    const n = rNode.get(key, true) as Node | undefined;
    if (n === undefined) return 0;
    try { return parseDuration(String(scalarValue(n))); } catch (e) { fail(n, `${key}: ${(e as Error).message}`); return 0; }
  };
  const forMs = durOf('for');
  const keepFiringForMs = durOf('keep_firing_for');
  const labelsNode = rNode.get('labels', true) as Node | undefined;
  const annNode = rNode.get('annotations', true) as Node | undefined;
  const labels = labelsNode === undefined ? {} : stringMap(labelsNode, ctx, 'label', at);
  const annotations = annNode === undefined ? {} : stringMap(annNode, ctx, 'annotation', at);
  if (record && labels['__name__'] !== undefined) fail(labelsNode, 'invalid label name: __name__');
  if (alert && (labels['alertname'] !== undefined || labels['__name__'] !== undefined)) fail(labelsNode, `invalid label name: ${labels['alertname'] !== undefined ? 'alertname' : '__name__'}`);
  const labelTemplates: Record<string, ParsedTemplate> = {};
  const annotationTemplates: Record<string, ParsedTemplate> = {};
  if (alert) {
    const compile = (mapNode: Node | undefined, obj: Record<string, string>, out: Record<string, ParsedTemplate>, what: string) => {
      for (const [k, v] of Object.entries(obj)) {
        try { out[k] = compileTemplate(v); } catch (e) {
          const valueNode = isMap(mapNode) ? (mapNode.get(k, true) as Node | undefined) : undefined;
          fail(valueNode, `${what} ${JSON.stringify(k)}: template: ${(e as Error).message}`);
        }
      }
    };
    compile(labelsNode, labels, labelTemplates, 'label');
    compile(annNode, annotations, annotationTemplates, 'annotation');
  }
  if (errors.length !== before) return null;
  const p = lc.linePos(rNode.range?.[0] ?? 0);
  return {
    kind: record ? 'recording' : 'alerting', name, expr, forMs, keepFiringForMs, labels, annotations,
    labelTemplates, annotationTemplates, line: p.line, column: p.col,
  };
}

function keyOf(pair: Pair): string {
  const k = pair.key;
  return isScalar(k) ? String(k.value) : String(k);
}

function scalarValue(n: Node): unknown {
  return isScalar(n) ? n.value : undefined;
}

function scalarString(m: YAMLMap, key: string): string {
  const n = m.get(key, true) as Node | undefined;
  if (n === undefined || !isScalar(n) || n.value === null) return '';
  return String(n.value);
}

function stringMap(n: Node, ctx: string, what: 'label' | 'annotation', at: At): Record<string, string> {
  const out: Record<string, string> = {};
  if (isScalar(n) && n.value === null) return out;
  if (!isMap(n)) { at(n, `${ctx}: ${what}s must be a mapping`); return out; }
  for (const pair of n.items) {
    const k = keyOf(pair);
    if (!LABEL_NAME_RE.test(k)) { at(pair.key as Node, `${ctx}: invalid ${what} name: ${k}`); continue; }
    const v = pair.value as Node | null;
    if (v && !isScalar(v)) { at(v, `${ctx}: ${what} ${k} must be a string`); continue; }
    out[k] = v && v.value !== null ? String(v.value) : '';
  }
  return out;
}

/** Reads and parses a rule file from disk; an unreadable file is one error at 1:1. */
export async function loadRuleFile(file: string, validate?: ExprValidator): Promise<RuleFileResult> {
  let src: string;
  try {
    src = await readFile(file, 'utf8');
  } catch (e) {
    return { groups: [], errors: [new PositionedError(`error reading file: ${(e as Error).message}`, file, 1, 1)] };
  }
  return parseRuleFile(file, src, validate);
}

/** Number of rules across groups. */
export function countRules(groups: readonly RuleGroupSpec[]): number {
  return groups.reduce((n, g) => n + g.rules.length, 0);
}
