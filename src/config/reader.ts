import {
  isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node, type Scalar,
} from 'yaml';
import { parseDuration } from '../model/duration.js';
import { ConfigError } from './errors.js';

/** A mapping's entries by key, each with its key node (for positions) and value node (null when empty). */
export type Fields = Map<string, { key: Node; value: Node | null }>;

/**
 * Walks a parsed YAML document and collects positioned errors instead of stopping at the first one, so one
 * `check config` run reports every problem. Every reader returns undefined (and records an error) on bad input.
 * @internal to src/config
 */
export class Reader {
  readonly errors: ConfigError[] = [];

  constructor(readonly file: string, readonly lineCounter: LineCounter, readonly doc: Document) {}

  error(node: Node | null | undefined, message: string, fallback?: Node | null): void {
    const n = node ?? fallback;
    const offset = n?.range?.[0] ?? 0;
    const { line, col } = this.lineCounter.linePos(offset);
    this.errors.push(new ConfigError(message, this.file, line, col));
  }

  /** Follows aliases; null for absent or YAML-null nodes. */
  resolve(n: unknown): Node | null {
    let node = n as Node | null | undefined;
    for (let i = 0; i < 100 && node && isAlias(node); i++) node = node.resolve(this.doc) as Node | undefined;
    if (!node) return null;
    if (isScalar(node) && node.value === null) return null;
    return node;
  }

  /**
   * Reads a mapping whose keys must all be in `allowed`. Unknown keys are reported (with `hint(key)` if given);
   * `<<` merge keys are honoured.
   */
  fields(n: Node | null, what: string, allowed: readonly string[], hint?: (key: string) => string | undefined): Fields | undefined {
    const node = this.resolve(n);
    if (node === null) return new Map();
    if (!isMap(node)) { this.error(node, `${what} must be a mapping, got ${describe(node)}`); return undefined; }
    const out: Fields = new Map();
    const merged: Fields[] = [];
    for (const pair of node.items) {
      const keyNode = pair.key as Node;
      const rawKey = isScalar(keyNode) ? keyNode.value : undefined;
      // YAML 1.1 parsing turns a merge key into a symbol.
      const key = typeof rawKey === 'symbol' ? String(rawKey.description) : rawKey;
      if (typeof key !== 'string') { this.error(keyNode, `${what} keys must be strings`); continue; }
      if (key === '<<') {
        const sources = this.resolve(pair.value);
        const list = sources && isSeq(sources) ? sources.items : [sources];
        for (const s of list) {
          const m = this.fields(s as Node | null, what, allowed, hint);
          if (m) merged.push(m);
        }
        continue;
      }
      if (!allowed.includes(key)) {
        const extra = hint?.(key);
        this.error(keyNode, `field ${key} not found in ${what}${extra ? ` (${extra})` : ''}`);
        continue;
      }
      out.set(key, { key: keyNode, value: this.resolve(pair.value) });
    }
    for (const m of merged) for (const [k, v] of m) if (!out.has(k)) out.set(k, v);
    return out;
  }

  seq(n: Node | null, what: string): Node[] | undefined {
    if (n === null) return [];
    if (!isSeq(n)) { this.error(n, `${what} must be a list, got ${describe(n)}`); return undefined; }
    return n.items.map((i) => this.resolve(i)).filter((i): i is Node => {
      if (i === null) { this.error(n, `${what} must not contain empty entries`); return false; }
      return true;
    });
  }

  /** A scalar as a string; YAML numbers and booleans read as their source text, as Go's yaml does for string fields. */
  str(n: Node | null, what: string): string | undefined {
    if (n === null) return undefined;
    if (!isScalar(n)) { this.error(n, `${what} must be a string, got ${describe(n)}`); return undefined; }
    const v = (n as Scalar).value;
    if (typeof v === 'string') return v;
    const src = (n as Scalar & { source?: string }).source;
    return typeof src === 'string' ? src : String(v);
  }

  bool(n: Node | null, what: string): boolean | undefined {
    if (n === null) return undefined;
    if (!isScalar(n) || typeof n.value !== 'boolean') { this.error(n, `${what} must be true or false, got ${describe(n)}`); return undefined; }
    return n.value;
  }

  /** A non-negative integer. */
  uint(n: Node | null, what: string): number | undefined {
    if (n === null) return undefined;
    const v = isScalar(n) ? n.value : undefined;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
      this.error(n, `${what} must be a non-negative integer, got ${describe(n)}`);
      return undefined;
    }
    return v;
  }

  /** A Prometheus duration in ms. */
  duration(n: Node | null, what: string): number | undefined {
    const s = this.str(n, what);
    if (s === undefined) return undefined;
    try {
      return parseDuration(s);
    } catch (e) {
      this.error(n, `${what}: ${(e as Error).message}`);
      return undefined;
    }
  }

  strList(n: Node | null, what: string): string[] | undefined {
    const items = this.seq(n, what);
    if (!items) return undefined;
    const out: string[] = [];
    for (const item of items) {
      const s = this.str(item, `${what} entry`);
      if (s !== undefined) out.push(s);
    }
    return out;
  }

  /** A mapping of string to string, keys in document order. */
  strMap(n: Node | null, what: string): { key: Node; name: string; value: string; valueNode: Node | null }[] | undefined {
    if (n === null) return [];
    if (!isMap(n)) { this.error(n, `${what} must be a mapping, got ${describe(n)}`); return undefined; }
    const out: { key: Node; name: string; value: string; valueNode: Node | null }[] = [];
    for (const pair of n.items) {
      const keyNode = pair.key as Node;
      const name = this.str(keyNode, `${what} key`);
      const valueNode = this.resolve(pair.value);
      const value = valueNode === null ? '' : this.str(valueNode, `${what} value`);
      if (name !== undefined && value !== undefined) out.push({ key: keyNode, name, value, valueNode });
    }
    return out;
  }
}

function describe(n: Node): string {
  if (isMap(n)) return 'a mapping';
  if (isSeq(n)) return 'a list';
  if (isScalar(n)) {
    const v = n.value;
    return typeof v === 'string' ? `"${v}"` : String(v);
  }
  return 'an alias';
}
