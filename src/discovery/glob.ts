import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * File globs as Prometheus accepts them in `file_sd_configs.files` and `rule_files`: wildcards (`*`, `?`, `[...]`,
 * `[!...]`/`[^...]`, `\` escapes) only in the last path component; `*` and `?` never match `/`.
 */
export class GlobError extends Error {
  constructor(readonly pattern: string, reason: string) {
    super(`invalid glob ${JSON.stringify(pattern)}: ${reason}`);
    this.name = 'GlobError';
  }
}

const WILD = /[*?[]/;

/** True if the string has glob metacharacters. */
export function hasGlobMeta(s: string): boolean {
  return WILD.test(s);
}

/** Compiles one path component's glob into an anchored RegExp. Throws GlobError for unclosed `[` or trailing `\`. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\') {
      if (i + 1 >= glob.length) throw new GlobError(glob, 'trailing backslash');
      re += escapeRe(glob[++i]!);
    } else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) throw new GlobError(glob, `unclosed [ at offset ${i}`);
      let body = glob.slice(i + 1, end);
      let negate = false;
      if (body[0] === '!' || body[0] === '^') { negate = true; body = body.slice(1); }
      re += `[${negate ? '^' : ''}${body.replace(/[\\\]^[]/g, '\\$&')}]`;
      i = end;
    } else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`);
}

function escapeRe(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}

/** Splits an absolute pattern into its directory (no wildcards allowed) and a matcher for the file name. */
export function splitGlob(pattern: string): { dir: string; base: string; matcher: RegExp | null } {
  const dir = path.dirname(pattern);
  const base = path.basename(pattern);
  if (hasGlobMeta(dir)) throw new GlobError(pattern, 'wildcards are only allowed in the last path component');
  return { dir, base, matcher: hasGlobMeta(base) ? globToRegExp(base) : null };
}

/** Checks every path component's glob syntax (what `rule_files` allows: wildcards in any component). */
export function validateGlob(pattern: string): void {
  for (const part of pattern.split(path.sep)) if (hasGlobMeta(part)) globToRegExp(part);
}

/**
 * The existing regular files matching an absolute pattern, sorted. Wildcards may appear in any path component
 * (as Go's filepath.Glob allows for rule_files); file_sd patterns keep them in the last one (see splitGlob). A pattern
 * without wildcards yields itself if it exists. Missing directories yield nothing (files may appear later).
 */
export async function expandFileGlob(pattern: string): Promise<string[]> {
  const parts = path.resolve(pattern).split(path.sep);
  // Everything before the first wildcard component is a fixed directory.
  let i = 0;
  while (i < parts.length - 1 && !hasGlobMeta(parts[i]!)) i++;
  const root = parts.slice(0, i).join(path.sep) || path.sep;
  const out: string[] = [];
  await walk(root, parts.slice(i), out);
  return out.sort();
}

async function walk(dir: string, rest: readonly string[], out: string[]): Promise<void> {
  const [head, ...tail] = rest;
  if (head === undefined) return;
  const last = tail.length === 0;
  if (!hasGlobMeta(head)) {
    const p = path.join(dir, head);
    if (!last) { await walk(p, tail, out); return; }
    try {
      const st = await stat(p);
      if (st.isFile()) out.push(p);
    } catch (e) {
      if (!isMissing(e)) throw e;
    }
    return;
  }
  const matcher = globToRegExp(head);
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    if (isMissing(e)) return;
    throw e;
  }
  for (const ent of entries) {
    if (!matcher.test(ent.name)) continue;
    const p = path.join(dir, ent.name);
    if (!last) { await walk(p, tail, out); continue; }
    let isFile = ent.isFile();
    if (ent.isSymbolicLink()) isFile = await stat(p).then((st) => st.isFile(), () => false);
    if (isFile) out.push(p);
  }
}

function isMissing(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
