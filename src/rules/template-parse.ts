/**
 * Parser for the subset of Go's text/template that Prometheus rule annotations and notification templates use:
 * text, `{{ pipeline }}` actions with `{{-`/`-}}` trimming, comments, variables (`$x := ...`, `$x = ...`),
 * field chains (`.Labels.x`, `$labels.x`), literals, function calls and `|` pipelines, parentheses, and the
 * `if`/`else if`/`else`/`range`/`with`/`end` control structures. `define`/`template`/`block` are rejected.
 *
 * Every error is a TemplateError carrying the 1-based line and column inside the template text.
 */
import { BadDataError } from '../model/errors.js';

export class TemplateError extends BadDataError {
  constructor(readonly detail: string, readonly line: number, readonly column: number) {
    super(`${line}:${column}: ${detail}`);
    this.name = 'TemplateError';
  }
}

export type Operand =
  | { k: 'field'; fields: string[]; pos: number }
  | { k: 'var'; name: string; fields: string[]; pos: number }
  | { k: 'dot'; pos: number }
  | { k: 'lit'; v: string | number | boolean | null; pos: number }
  | { k: 'func'; name: string; pos: number }
  | { k: 'sub'; pipe: Pipe; fields: string[]; pos: number };

export interface Cmd {
  args: Operand[];
  pos: number;
}

export interface Pipe {
  decl: string[];
  /** `=` (assign to an existing variable) rather than `:=`. */
  assign: boolean;
  cmds: Cmd[];
  pos: number;
}

export type TNode =
  | { k: 'text'; s: string }
  | { k: 'action'; pipe: Pipe; pos: number }
  | { k: 'if' | 'with' | 'range'; pipe: Pipe; list: TNode[]; elseList: TNode[] | null; pos: number };

export interface ParsedTemplate {
  readonly source: string;
  readonly nodes: TNode[];
  /** Names of the functions the template calls (validation checks them against the function table). */
  readonly funcs: ReadonlySet<string>;
}

type Tok =
  | { t: 'ident'; s: string; pos: number }
  | { t: 'var'; s: string; fields: string[]; pos: number }
  | { t: 'field'; fields: string[]; pos: number }
  | { t: 'dot'; pos: number }
  | { t: 'str'; s: string; pos: number }
  | { t: 'num'; n: number; pos: number }
  | { t: '|' | '(' | ')' | ':=' | '=' | ','; pos: number; fields?: string[] }
  | { t: 'eof'; pos: number };

/** Converts an offset in `src` to a 1-based line and column. */
export function positionOf(src: string, offset: number): { line: number; column: number } {
  let line = 1, col = 1;
  for (let i = 0; i < offset && i < src.length; i++) {
    if (src[i] === '\n') { line++; col = 1; } else col++;
  }
  return { line, column: col };
}

/**
 * Parses `src` into a template. `knownFuncs` (if given) makes calls to other functions a parse error, as Go's
 * parser does with its function map.
 */
export function parseTemplate(src: string, knownFuncs?: ReadonlySet<string>): ParsedTemplate {
  return new TemplateParser(src, knownFuncs).parse();
}

interface Action {
  toks: Tok[];
  start: number;
}

class TemplateParser {
  private items: Array<{ text: string } | Action> = [];
  private idx = 0;
  private funcs = new Set<string>();
  constructor(private readonly src: string, private readonly known?: ReadonlySet<string>) {}

  private fail(detail: string, pos: number): never {
    const { line, column } = positionOf(this.src, pos);
    throw new TemplateError(detail, line, column);
  }

  parse(): ParsedTemplate {
    this.split();
    const { list, end } = this.parseList();
    if (end) this.fail(`unexpected {{${end.word}}}`, end.pos);
    return { source: this.src, nodes: list, funcs: this.funcs };
  }

  /** Splits the source into text and tokenized actions, applying trim markers and dropping comments. */
  private split(): void {
    const src = this.src;
    let i = 0;
    let trimNext = false;
    while (i < src.length) {
      const open = src.indexOf('{{', i);
      let text = open < 0 ? src.slice(i) : src.slice(i, open);
      if (trimNext) text = text.replace(/^\s+/, '');
      trimNext = false;
      if (open < 0) { if (text) this.items.push({ text }); break; }
      let p = open + 2;
      if (src[p] === '-' && /\s/.test(src[p + 1] ?? '')) { text = text.replace(/\s+$/, ''); p += 2; }
      if (text) this.items.push({ text });
      const body = this.scanAction(p, open);
      trimNext = body.trimRight;
      if (!body.comment) this.items.push({ toks: body.toks, start: open });
      i = body.next;
    }
  }

  private scanAction(p: number, open: number): { toks: Tok[]; next: number; trimRight: boolean; comment: boolean } {
    const src = this.src;
    const toks: Tok[] = [];
    const ws = () => { while (p < src.length && /[ \t\r\n]/.test(src[p]!)) p++; };
    ws();
    if (src.startsWith('/*', p)) {
      const endC = src.indexOf('*/', p + 2);
      if (endC < 0) this.fail('unclosed comment', p);
      p = endC + 2;
      ws();
      if (src.startsWith('-}}', p)) return { toks, next: p + 3, trimRight: true, comment: true };
      if (src.startsWith('}}', p)) return { toks, next: p + 2, trimRight: false, comment: true };
      this.fail('comment ends before closing delimiter', p);
    }
    for (;;) {
      ws();
      if (p >= src.length) this.fail('unclosed action', open);
      const c = src[p]!;
      if (c === '-' && src.startsWith('-}}', p) && /\s/.test(src[p - 1] ?? '')) {
        toks.push({ t: 'eof', pos: p });
        return { toks, next: p + 3, trimRight: true, comment: false };
      }
      if (src.startsWith('}}', p)) {
        toks.push({ t: 'eof', pos: p });
        return { toks, next: p + 2, trimRight: false, comment: false };
      }
      const start = p;
      if (c === '|' || c === '(' || c === ')' || c === ',' || c === '=') {
        p++;
        if (c === ')') {
          const fields = this.scanFields(p);
          p = fields.next;
          toks.push({ t: ')', pos: start, fields: fields.fields });
        } else toks.push({ t: c, pos: start });
        continue;
      }
      if (c === ':' && src[p + 1] === '=') { p += 2; toks.push({ t: ':=', pos: start }); continue; }
      if (c === '"') {
        let q = p + 1;
        while (q < src.length && src[q] !== '"') { if (src[q] === '\\') q++; if (src[q] === '\n') this.fail('unterminated quoted string', start); q++; }
        if (q >= src.length) this.fail('unterminated quoted string', start);
        let s: string;
        try { s = JSON.parse(src.slice(p, q + 1)) as string; } catch { this.fail(`invalid syntax in string ${src.slice(p, q + 1)}`, start); }
        toks.push({ t: 'str', s, pos: start });
        p = q + 1;
        continue;
      }
      if (c === '`') {
        const q = src.indexOf('`', p + 1);
        if (q < 0) this.fail('unterminated raw quoted string', start);
        toks.push({ t: 'str', s: src.slice(p + 1, q), pos: start });
        p = q + 1;
        continue;
      }
      if (c === '$') {
        const m = /^\$[A-Za-z0-9_]*/.exec(src.slice(p))!;
        p += m[0].length;
        const f = this.scanFields(p);
        p = f.next;
        toks.push({ t: 'var', s: m[0], fields: f.fields, pos: start });
        continue;
      }
      if (c === '.') {
        const f = this.scanFields(p);
        if (f.fields.length === 0) {
          if (/[0-9]/.test(src[p + 1] ?? '')) { /* number like .5 handled below */ } else { p++; toks.push({ t: 'dot', pos: start }); continue; }
        } else { p = f.next; toks.push({ t: 'field', fields: f.fields, pos: start }); continue; }
      }
      const num = /^[+-]?(?:0[xX][0-9a-fA-F_]+|(?:\d[\d_]*)?\.?\d[\d_]*(?:[eE][+-]?\d+)?)/.exec(src.slice(p));
      if (num && /[0-9.+-]/.test(c)) {
        const n = Number(num[0].replace(/_/g, ''));
        if (Number.isNaN(n)) this.fail(`bad number syntax: "${num[0]}"`, start);
        toks.push({ t: 'num', n, pos: start });
        p += num[0].length;
        continue;
      }
      const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(p));
      if (id) { toks.push({ t: 'ident', s: id[0], pos: start }); p += id[0].length; continue; }
      if (c === "'") {
        const m = /^'(\\.|[^'\\])'/.exec(src.slice(p));
        if (!m) this.fail('unterminated character constant', start);
        toks.push({ t: 'num', n: (JSON.parse('"' + m[1]!.replace(/"/g, '\\"') + '"') as string).codePointAt(0)!, pos: start });
        p += m[0].length;
        continue;
      }
      this.fail(`unexpected "${c}" in command`, start);
    }
  }

  private scanFields(p: number): { fields: string[]; next: number } {
    const fields: string[] = [];
    const re = /^\.([A-Za-z_][A-Za-z0-9_]*)/;
    for (;;) {
      const m = re.exec(this.src.slice(p, p + 256));
      if (!m) break;
      fields.push(m[1]!);
      p += m[0].length;
    }
    return { fields, next: p };
  }

  /** Parses nodes until `{{end}}` or `{{else}}` (returned) or the end of input. */
  private parseList(): { list: TNode[]; end: { word: 'end' | 'else'; pos: number; toks: Tok[] } | null } {
    const list: TNode[] = [];
    while (this.idx < this.items.length) {
      const it = this.items[this.idx++]!;
      if ('text' in it) { list.push({ k: 'text', s: it.text }); continue; }
      const first = it.toks[0]!;
      if (first.t === 'eof') this.fail('missing value for command', first.pos);
      if (first.t === 'ident') {
        switch (first.s) {
          case 'end':
            if (it.toks[1]!.t !== 'eof') this.fail('unexpected token in end', it.toks[1]!.pos);
            return { list, end: { word: 'end', pos: it.start, toks: it.toks } };
          case 'else':
            return { list, end: { word: 'else', pos: it.start, toks: it.toks.slice(1) } };
          case 'if': case 'with': case 'range':
            list.push(this.parseControl(first.s, it.toks.slice(1), it.start));
            continue;
          case 'define': case 'template': case 'block': case 'break': case 'continue':
            this.fail(`"${first.s}" is not supported in vigil templates`, first.pos);
        }
      }
      list.push({ k: 'action', pipe: this.parsePipe(it.toks, 0, true).pipe, pos: it.start });
    }
    return { list, end: null };
  }

  private parseControl(word: 'if' | 'with' | 'range', toks: Tok[], start: number): TNode {
    if (toks[0]!.t === 'eof') this.fail(`missing value for ${word}`, toks[0]!.pos);
    const pipe = this.parsePipe(toks, 0, true).pipe;
    const body = this.parseList();
    if (!body.end) this.fail(`unexpected EOF: {{${word}}} has no matching {{end}}`, start);
    let elseList: TNode[] | null = null;
    if (body.end.word === 'else') {
      const rest = body.end.toks;
      const head = rest[0]!;
      if (head.t === 'ident' && (head.s === 'if' || head.s === 'with') && word !== 'range') {
        // `else if` / `else with` chains nest a control node that shares our {{end}}.
        elseList = [this.parseControlNoEnd(head.s, rest.slice(1), body.end.pos)];
      } else {
        if (head.t !== 'eof') this.fail('unexpected token in else', head.pos);
        const e = this.parseList();
        if (!e.end || e.end.word !== 'end') this.fail(`expected {{end}} for {{${word}}}`, e.end?.pos ?? start);
        elseList = e.list;
      }
    }
    return { k: word, pipe, list: body.list, elseList, pos: start };
  }

  /** Like parseControl, for the `if` of an `else if`: its `{{end}}` closes the outer structure too. */
  private parseControlNoEnd(word: 'if' | 'with', toks: Tok[], start: number): TNode {
    return this.parseControl(word, toks, start);
  }

  private parsePipe(toks: Tok[], i: number, top: boolean, parenPos = 0): { pipe: Pipe; next: number } {
    const pos = toks[i]!.pos;
    const decl: string[] = [];
    let assign = false;
    // Declarations: `$x :=`, `$i, $e :=`, `$x =`.
    let j = i;
    const names: string[] = [];
    while (toks[j]?.t === 'var' && (toks[j] as { fields: string[] }).fields.length === 0) {
      names.push((toks[j] as { s: string }).s);
      if (toks[j + 1]?.t === ',') j += 2;
      else { j++; break; }
    }
    if (names.length && (toks[j]?.t === ':=' || toks[j]?.t === '=')) {
      if (names.length > 2) this.fail('too many declarations in command', pos);
      assign = toks[j]!.t === '=';
      decl.push(...names);
      i = j + 1;
    }
    const cmds: Cmd[] = [];
    for (;;) {
      const cpos = toks[i]!.pos;
      const args: Operand[] = [];
      while (toks[i]!.t !== '|' && toks[i]!.t !== 'eof' && toks[i]!.t !== ')') {
        const r = this.parseOperand(toks, i);
        args.push(r.op);
        i = r.next;
      }
      if (args.length === 0) this.fail('missing value for command', cpos);
      cmds.push({ args, pos: cpos });
      const t = toks[i]!;
      if (t.t === '|') { i++; continue; }
      if (t.t === ')' && top) this.fail('unexpected right paren', t.pos);
      if (t.t === 'eof' && !top) this.fail('unclosed left paren', parenPos);
      break;
    }
    return { pipe: { decl, assign, cmds, pos }, next: i };
  }

  private parseOperand(toks: Tok[], i: number): { op: Operand; next: number } {
    const t = toks[i]!;
    switch (t.t) {
      case 'field': return { op: { k: 'field', fields: t.fields, pos: t.pos }, next: i + 1 };
      case 'var': return { op: { k: 'var', name: t.s, fields: t.fields, pos: t.pos }, next: i + 1 };
      case 'dot': return { op: { k: 'dot', pos: t.pos }, next: i + 1 };
      case 'str': return { op: { k: 'lit', v: t.s, pos: t.pos }, next: i + 1 };
      case 'num': return { op: { k: 'lit', v: t.n, pos: t.pos }, next: i + 1 };
      case 'ident': {
        if (t.s === 'true' || t.s === 'false') return { op: { k: 'lit', v: t.s === 'true', pos: t.pos }, next: i + 1 };
        if (t.s === 'nil') return { op: { k: 'lit', v: null, pos: t.pos }, next: i + 1 };
        if (this.known && !this.known.has(t.s)) this.fail(`function "${t.s}" not defined`, t.pos);
        this.funcs.add(t.s);
        return { op: { k: 'func', name: t.s, pos: t.pos }, next: i + 1 };
      }
      case '(': {
        const r = this.parsePipe(toks, i + 1, false, t.pos);
        const close = toks[r.next]!;
        if (close.t !== ')') this.fail('unclosed left paren', t.pos);
        return { op: { k: 'sub', pipe: r.pipe, fields: close.fields ?? [], pos: t.pos }, next: r.next + 1 };
      }
      default:
        this.fail(`unexpected "${t.t === 'eof' ? '}}' : t.t}" in operand`, t.pos);
    }
  }
}
