import { isAlias, isCollection, type Document, type LineCounter, type Node } from 'yaml';
import { ConfigError } from './errors.js';

/**
 * A config section vigil keeps as parsed YAML for its owner to interpret (`storage:`, `notifiers:`, `route:`, …).
 * `value` is the plain JS value; `errorAt` builds a positioned ConfigError for any node inside it, so the owner's
 * validation points at file:line:column like the rest of the config.
 */
export class RawSection {
  constructor(
    /** Plain JS form of the section (objects, arrays, strings, numbers, booleans, null). */
    readonly value: unknown,
    /** The section's YAML node. */
    readonly node: Node,
    /** The config file the section came from (relative paths in it are relative to this file's directory). */
    readonly file: string,
    private readonly lineCounter: LineCounter,
    private readonly doc?: Document,
  ) {}

  /** 1-based line and column of the node at `path` (keys and indexes below this section), or of the closest parent. */
  positionAt(path: readonly (string | number)[] = []): { line: number; column: number } {
    let node: Node = this.node;
    if (isAlias(node) && this.doc) node = (node.resolve(this.doc) as Node | undefined) ?? node;
    for (const key of path) {
      if (!isCollection(node)) break;
      let next: unknown = node.get(key, true);
      if (next !== null && typeof next === 'object' && isAlias(next) && this.doc) next = next.resolve(this.doc);
      if (next === undefined || next === null || typeof next !== 'object') break;
      node = next as Node;
    }
    const offset = node.range?.[0] ?? 0;
    const { line, col } = this.lineCounter.linePos(offset);
    return { line, column: col };
  }

  /** A ConfigError at the node at `path` (see positionAt). */
  errorAt(path: readonly (string | number)[], message: string): ConfigError {
    const { line, column } = this.positionAt(path);
    return new ConfigError(message, this.file, line, column);
  }
}
