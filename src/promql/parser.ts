/**
 * PromQL parser: precedence climbing over the token list, with Prometheus's operator precedence (`^` binds
 * tightest and is right-associative; unary minus binds like `*`), and its type checks and error texts.
 */
import { Matcher, METRIC_NAME, type MatchType } from '../model/index.js';
import { parseDuration } from '../model/duration.js';
import {
  type AggregateExpr, type AggregateOp, type AtModifier, type BinaryExpr, type BinaryOp, type Expr,
  type VectorMatching, type VectorSelector, documentedType, exprType, isComparisonOp, isSetOp, type ValueType,
} from './ast.js';
import { FUNCTIONS } from './function-signatures.js';
import { PromQLParseError, tokenize, type Token } from './lexer.js';

const AGGREGATORS = new Set<string>([
  'sum', 'avg', 'min', 'max', 'count', 'group', 'stddev', 'stdvar', 'quantile', 'topk', 'bottomk', 'count_values',
]);
const NOT_METRIC_NAMES = new Set(['on', 'ignoring', 'group_left', 'group_right', 'bool', 'atan2']);
const PARAM_AGGREGATORS = new Set<string>(['quantile', 'topk', 'bottomk', 'count_values']);

const PRECEDENCE: Record<BinaryOp, number> = {
  or: 1, and: 2, unless: 2,
  '==': 3, '!=': 3, '>': 3, '<': 3, '>=': 3, '<=': 3,
  '+': 4, '-': 4,
  '*': 5, '/': 5, '%': 5, atan2: 5,
  '^': 6,
};
const UNARY_OPERAND_PREC = 6;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Parses and type-checks a PromQL expression.
 * @throws PromQLParseError (a BadDataError) with the position of the first problem.
 * @example parseExpr('sum by (job) (rate(http_requests_total[5m]))')
 */
export function parseExpr(input: string): Expr {
  return new Parser(input).parseTop();
}

class Parser {
  private readonly toks: Token[];
  private i = 0;

  constructor(private readonly src: string) {
    this.toks = tokenize(src);
  }

  parseTop(): Expr {
    if (this.peek().kind === 'eof') this.fail(0, 'no expression found in input');
    const e = this.parseBinary(1);
    const t = this.peek();
    if (t.kind !== 'eof') this.unexpected(t);
    return e;
  }

  private peek(k = 0): Token {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)]!;
  }
  private next(): Token {
    const t = this.peek();
    if (this.i < this.toks.length - 1) this.i++;
    return t;
  }
  private fail(pos: number, msg: string): never {
    throw new PromQLParseError(this.src, pos, msg);
  }
  private unexpected(t: Token, context?: string, expected?: string): never {
    let msg = `unexpected ${describe(t, this.src)}`;
    if (context) msg += ` in ${context}`;
    if (expected) msg += `, expected ${expected}`;
    this.fail(t.start, msg);
  }
  private expect(kind: Token['kind'], context: string): Token {
    const t = this.peek();
    if (t.kind !== kind) this.unexpected(t, context, describeKind(kind));
    return this.next();
  }
  private isKeyword(t: Token, kw: string): boolean {
    return t.kind === 'ident' && t.text.toLowerCase() === kw;
  }

  private peekBinaryOp(): BinaryOp | null {
    const t = this.peek();
    if (t.kind === 'op') {
      if (t.text === '=' || t.text === '=~' || t.text === '!~') return null;
      return t.text as BinaryOp;
    }
    if (t.kind === 'ident') {
      const w = t.text.toLowerCase();
      if (w === 'and' || w === 'or' || w === 'unless' || w === 'atan2') return w;
    }
    return null;
  }

  private parseBinary(minPrec: number): Expr {
    let lhs = this.parseUnary();
    for (;;) {
      const op = this.peekBinaryOp();
      if (!op || PRECEDENCE[op] < minPrec) return lhs;
      const opTok = this.next();
      let returnBool = false;
      if (this.isKeyword(this.peek(), 'bool')) { this.next(); returnBool = true; }
      let on = false;
      let labels: string[] = [];
      let hasMatching = false;
      let card: VectorMatching['card'] = 'one-to-one';
      let include: string[] = [];
      if (this.isKeyword(this.peek(), 'on') || this.isKeyword(this.peek(), 'ignoring')) {
        on = this.next().text.toLowerCase() === 'on';
        labels = this.parseLabelList('grouping opts');
        hasMatching = true;
        const g = this.peek();
        if (this.isKeyword(g, 'group_left') || this.isKeyword(g, 'group_right')) {
          this.next();
          card = g.text.toLowerCase() === 'group_left' ? 'many-to-one' : 'one-to-many';
          if (this.peek().kind === '(') include = this.parseLabelList('grouping opts');
        }
      } else if (this.isKeyword(this.peek(), 'group_left') || this.isKeyword(this.peek(), 'group_right')) {
        this.unexpected(this.peek());
      }
      const rhs = this.parseBinary(op === '^' ? PRECEDENCE[op] : PRECEDENCE[op] + 1);
      lhs = this.makeBinary(op, opTok, lhs, rhs, returnBool, { card, on, labels, include }, hasMatching);
    }
  }

  private makeBinary(
    op: BinaryOp, opTok: Token, lhs: Expr, rhs: Expr, returnBool: boolean, matching: VectorMatching,
    hasMatching: boolean,
  ): BinaryExpr {
    const pos = { start: lhs.pos.start, end: rhs.pos.end };
    const lt = exprType(lhs), rt = exprType(rhs);
    if (returnBool && !isComparisonOp(op)) this.fail(opTok.start, 'bool modifier can only be used on comparison operators');
    if (isComparisonOp(op) && !returnBool && lt === 'scalar' && rt === 'scalar') {
      this.fail(opTok.start, 'comparisons between scalars must use BOOL modifier');
    }
    if (isSetOp(op) && matching.card === 'one-to-one') matching.card = 'many-to-many';
    if (matching.on) {
      for (const l of matching.labels) {
        if (matching.include.includes(l)) {
          this.fail(opTok.start, `label ${JSON.stringify(l)} must not occur in ON and GROUP clause at once`);
        }
      }
    }
    if (lt !== 'scalar' && lt !== 'vector') {
      this.fail(lhs.pos.start, 'binary expression must contain only scalar and instant vector types');
    }
    if (rt !== 'scalar' && rt !== 'vector') {
      this.fail(rhs.pos.start, 'binary expression must contain only scalar and instant vector types');
    }
    let m: VectorMatching | null = matching;
    if (lt !== 'vector' || rt !== 'vector') {
      if (hasMatching && matching.labels.length > 0) {
        this.fail(pos.start, 'vector matching only allowed between instant vectors');
      }
      m = null;
    } else if (isSetOp(op)) {
      if (matching.card === 'one-to-many' || matching.card === 'many-to-one') {
        this.fail(pos.start, `no grouping allowed for ${JSON.stringify(op)} operation`);
      }
    }
    if ((lt === 'scalar' || rt === 'scalar') && isSetOp(op)) {
      this.fail(pos.start, `set operator ${JSON.stringify(op)} not allowed in binary scalar expression`);
    }
    return { type: 'BinaryExpr', op, lhs, rhs, returnBool, matching: m, pos };
  }

  private parseUnary(): Expr {
    const t = this.peek();
    if (t.kind === 'op' && (t.text === '-' || t.text === '+')) {
      this.next();
      const operand = this.parseBinary(UNARY_OPERAND_PREC);
      const ty = exprType(operand);
      if (ty !== 'scalar' && ty !== 'vector') {
        this.fail(t.start, `unary expression only allowed on expressions of type scalar or instant vector, got ${JSON.stringify(documentedType(ty))}`);
      }
      if (operand.type === 'NumberLiteral') {
        return { type: 'NumberLiteral', value: t.text === '-' ? -operand.value : operand.value, pos: { start: t.start, end: operand.pos.end } };
      }
      return { type: 'UnaryExpr', op: t.text, expr: operand, pos: { start: t.start, end: operand.pos.end } };
    }
    return this.parsePostfix(this.parsePrimary());
  }

  private parsePrimary(): Expr {
    const t = this.peek();
    switch (t.kind) {
      case 'number':
        this.next();
        return { type: 'NumberLiteral', value: parseNumber(t.text), pos: { start: t.start, end: t.end } };
      case 'string':
        this.next();
        return { type: 'StringLiteral', value: t.text, pos: { start: t.start, end: t.end } };
      case '(': {
        this.next();
        const inner = this.parseBinary(1);
        const close = this.expect(')', 'paren expression');
        return { type: 'ParenExpr', expr: inner, pos: { start: t.start, end: close.end } };
      }
      case '{':
        return this.parseSelector(null);
      case 'ident': {
        const lower = t.text.toLowerCase();
        if (lower === 'inf' || lower === 'nan') {
          this.next();
          return { type: 'NumberLiteral', value: lower === 'inf' ? Infinity : NaN, pos: { start: t.start, end: t.end } };
        }
        // Prometheus's grammar lets most keywords name a metric, but not these.
        if (NOT_METRIC_NAMES.has(lower)) this.unexpected(t);
        const after = this.peek(1);
        if (AGGREGATORS.has(lower) && (after.kind === '(' || this.isKeyword(after, 'by') || this.isKeyword(after, 'without'))) {
          return this.parseAggregate();
        }
        if (after.kind === '(') return this.parseCall();
        return this.parseSelector(this.next());
      }
      default:
        this.unexpected(t);
    }
  }

  private parseCall(): Expr {
    const nameTok = this.next();
    const sig = FUNCTIONS.get(nameTok.text);
    if (!sig) this.fail(nameTok.start, `unknown function with name ${JSON.stringify(nameTok.text)}`);
    const { args, end } = this.parseArgs('function call arguments');
    const pos = { start: nameTok.start, end };
    const nargs = sig.argTypes.length;
    if (sig.variadic === 0) {
      if (nargs !== args.length) {
        this.fail(pos.start, `expected ${nargs} argument(s) in call to ${JSON.stringify(sig.name)}, got ${args.length}`);
      }
    } else {
      const min = nargs - 1;
      if (min > args.length) {
        this.fail(pos.start, `expected at least ${min} argument(s) in call to ${JSON.stringify(sig.name)}, got ${args.length}`);
      } else if (sig.variadic > 0 && min + sig.variadic < args.length) {
        this.fail(pos.start, `expected at most ${min + sig.variadic} argument(s) in call to ${JSON.stringify(sig.name)}, got ${args.length}`);
      }
    }
    args.forEach((a, i) => {
      const want = sig.argTypes[Math.min(i, nargs - 1)]!;
      if (i >= nargs && sig.variadic === 0) return;
      this.expectType(a, want, `call to function ${JSON.stringify(sig.name)}`);
    });
    return { type: 'Call', func: sig, args, pos };
  }

  private expectType(e: Expr, want: ValueType, context: string): void {
    const got = exprType(e);
    if (got !== want) {
      this.fail(e.pos.start, `expected type ${documentedType(want)} in ${context}, got ${documentedType(got)}`);
    }
  }

  /** `( [expr {, expr} [,]] )` */
  private parseArgs(context: string): { args: Expr[]; end: number } {
    if (this.peek().kind !== '(') this.unexpected(this.peek(), context, context === 'aggregation' ? undefined : '"("');
    this.next();
    const args: Expr[] = [];
    while (this.peek().kind !== ')') {
      args.push(this.parseBinary(1));
      const t = this.peek();
      if (t.kind === ',') { this.next(); continue; }
      if (t.kind !== ')') this.unexpected(t, context, '"," or ")"');
    }
    const close = this.next();
    return { args, end: close.end };
  }

  private parseAggregate(): AggregateExpr {
    const opTok = this.next();
    const op = opTok.text.toLowerCase() as AggregateOp;
    let grouping: string[] = [];
    let without = false;
    let sawGrouping = false;
    const readGrouping = () => {
      without = this.next().text.toLowerCase() === 'without';
      grouping = this.parseLabelList('grouping opts');
      sawGrouping = true;
    };
    if (this.isKeyword(this.peek(), 'by') || this.isKeyword(this.peek(), 'without')) readGrouping();
    const { args, end } = this.parseArgs('aggregation');
    let endPos = end;
    if (!sawGrouping && (this.isKeyword(this.peek(), 'by') || this.isKeyword(this.peek(), 'without'))) {
      readGrouping();
      endPos = this.toks[this.i - 1]!.end;
    }
    const pos = { start: opTok.start, end: endPos };
    const desired = PARAM_AGGREGATORS.has(op) ? 2 : 1;
    if (args.length === 0) this.fail(pos.start, 'no arguments for aggregate expression provided');
    if (args.length !== desired) {
      this.fail(pos.start, `wrong number of arguments for aggregate expression provided, expected ${desired}, got ${args.length}`);
    }
    const expr = args[desired - 1]!;
    const param = desired === 2 ? args[0]! : null;
    this.expectType(expr, 'vector', 'aggregation expression');
    if (param) this.expectType(param, op === 'count_values' ? 'string' : 'scalar', 'aggregation parameter');
    return { type: 'AggregateExpr', op, expr, param, grouping, without, pos };
  }

  /** `( [label {, label} [,]] )` */
  private parseLabelList(context: string): string[] {
    this.expect('(', context);
    const out: string[] = [];
    while (this.peek().kind !== ')') {
      const t = this.next();
      if (t.kind !== 'ident' || !LABEL_NAME.test(t.text)) this.unexpected(t, context, 'label');
      out.push(t.text);
      const s = this.peek();
      if (s.kind === ',') { this.next(); continue; }
      if (s.kind !== ')') this.unexpected(s, context, '"," or ")"');
    }
    this.next();
    return out;
  }

  private parseSelector(nameTok: Token | null): VectorSelector {
    const start = nameTok ? nameTok.start : this.peek().start;
    let end = nameTok ? nameTok.end : start;
    const matchers: Matcher[] = [];
    if (this.peek().kind === '{') {
      this.next();
      while (this.peek().kind !== '}') {
        const lt = this.next();
        if (lt.kind !== 'ident' || !LABEL_NAME.test(lt.text)) this.unexpected(lt, 'label matching', 'label');
        const opTok = this.next();
        if (opTok.kind !== 'op' || !['=', '!=', '=~', '!~'].includes(opTok.text)) {
          this.unexpected(opTok, 'label matching', 'label matching operator');
        }
        const vt = this.next();
        if (vt.kind !== 'string') this.unexpected(vt, 'label matching', 'string');
        try {
          matchers.push(new Matcher(opTok.text as MatchType, lt.text, vt.text));
        } catch (e) {
          this.fail(lt.start, e instanceof Error ? e.message : String(e));
        }
        const s = this.peek();
        if (s.kind === ',') { this.next(); continue; }
        if (s.kind !== '}') this.unexpected(s, 'label matching', '"," or "}"');
      }
      end = this.next().end;
    }
    const name = nameTok ? nameTok.text : '';
    if (name) {
      for (const m of matchers) {
        if (m.name === METRIC_NAME) {
          this.fail(start, `metric name must not be set twice: ${JSON.stringify(name)} or ${JSON.stringify(m.value)}`);
        }
      }
      matchers.push(new Matcher('=', METRIC_NAME, name));
    } else if (!matchers.some((m) => !m.matchesEmpty())) {
      this.fail(start, 'vector selector must contain at least one non-empty matcher');
    }
    return { type: 'VectorSelector', name, matchers, offset: 0, at: null, pos: { start, end } };
  }

  private parseDurationToken(context: string): { ms: number; tok: Token } {
    const t = this.peek();
    if (t.kind !== 'duration') this.unexpected(t, context, 'duration');
    this.next();
    let ms: number;
    try {
      ms = parseDuration(t.text);
    } catch (e) {
      this.fail(t.start, e instanceof Error ? e.message : String(e));
    }
    if (ms === 0) this.fail(t.start, 'duration must be greater than 0');
    return { ms, tok: t };
  }

  /** Range selectors, subqueries, `offset` and `@` — they bind tighter than any binary operator. */
  private parsePostfix(e: Expr): Expr {
    for (;;) {
      const t = this.peek();
      if (t.kind === '[') {
        this.next();
        const range = this.parseDurationToken('range');
        if (this.peek().kind === ':') {
          this.next();
          let stepMs = 0;
          if (this.peek().kind === 'duration') stepMs = this.parseDurationToken('subquery').ms;
          const close = this.expect(']', 'subquery selector');
          const ty = exprType(e);
          if (ty !== 'vector') {
            this.fail(e.pos.start, `subquery is only allowed on instant vector, got ${ty} instead`);
          }
          e = { type: 'SubqueryExpr', expr: e, rangeMs: range.ms, stepMs, offset: 0, at: null, pos: { start: e.pos.start, end: close.end } };
          continue;
        }
        const close = this.expect(']', 'matrix selector');
        if (e.type !== 'VectorSelector') this.fail(t.start, 'ranges only allowed for vector selectors');
        if (e.offset !== 0) this.fail(t.start, 'no offset modifiers allowed before range');
        if (e.at) this.fail(t.start, 'no @ modifiers allowed before range');
        e = { type: 'MatrixSelector', vs: e, rangeMs: range.ms, pos: { start: e.pos.start, end: close.end } };
        continue;
      }
      if (this.isKeyword(t, 'offset')) {
        this.next();
        let sign = 1;
        if (this.peek().kind === 'op' && (this.peek().text === '-' || this.peek().text === '+')) {
          if (this.next().text === '-') sign = -1;
        }
        const d = this.parseDurationToken('offset');
        e = this.withOffset(e, sign * d.ms, d.tok.end);
        continue;
      }
      if (t.kind === '@') {
        this.next();
        const at = this.parseAt(e.pos.start);
        e = this.withAt(e, at.at, at.end);
        continue;
      }
      return e;
    }
  }

  private parseAt(exprStart: number): { at: AtModifier; end: number } {
    const t = this.peek();
    if (t.kind === 'ident' && (t.text === 'start' || t.text === 'end')) {
      this.next();
      if (this.peek().kind !== '(') this.unexpected(this.peek(), '@', 'timestamp');
      this.next();
      const close = this.expect(')', '@');
      return { at: { kind: t.text }, end: close.end };
    }
    let sign = 1;
    if (t.kind === 'op' && (t.text === '-' || t.text === '+')) {
      this.next();
      if (t.text === '-') sign = -1;
    }
    const n = this.peek();
    let v: number;
    if (n.kind === 'number') v = parseNumber(n.text);
    else if (n.kind === 'ident' && (n.text.toLowerCase() === 'inf' || n.text.toLowerCase() === 'nan')) {
      v = n.text.toLowerCase() === 'inf' ? Infinity : NaN;
    } else this.unexpected(n, '@', 'timestamp');
    this.next();
    v *= sign;
    if (!Number.isFinite(v) || Math.abs(v) >= 9.223372036854776e18) {
      this.fail(exprStart, `timestamp out of bounds for @ modifier: ${formatGoFloatF(v)}`);
    }
    return { at: { kind: 'time', t: Math.round(v * 1000) }, end: n.end };
  }

  private withOffset(e: Expr, offset: number, end: number): Expr {
    if (e.type === 'VectorSelector' || e.type === 'SubqueryExpr') {
      if (e.offset !== 0) this.fail(e.pos.start, 'offset may not be set multiple times');
      return { ...e, offset, pos: { start: e.pos.start, end } };
    }
    if (e.type === 'MatrixSelector') {
      if (e.vs.offset !== 0) this.fail(e.pos.start, 'offset may not be set multiple times');
      return { ...e, vs: { ...e.vs, offset }, pos: { start: e.pos.start, end } };
    }
    this.fail(e.pos.start, 'offset modifier must be preceded by an instant vector selector or range vector selector or a subquery');
  }

  private withAt(e: Expr, at: AtModifier, end: number): Expr {
    if (e.type === 'VectorSelector' || e.type === 'SubqueryExpr') {
      if (e.at) this.fail(e.pos.start, '@ <timestamp> may not be set multiple times');
      return { ...e, at, pos: { start: e.pos.start, end } };
    }
    if (e.type === 'MatrixSelector') {
      if (e.vs.at) this.fail(e.pos.start, '@ <timestamp> may not be set multiple times');
      return { ...e, vs: { ...e.vs, at }, pos: { start: e.pos.start, end } };
    }
    this.fail(e.pos.start, '@ modifier must be preceded by an instant vector selector or range vector selector or a subquery');
  }
}

/** Number literals as Prometheus reads them: Go's ParseInt with base prefix first (hex, octal), then ParseFloat. */
export function parseNumber(text: string): number {
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) return parseInt(text.slice(2), 16);
  if (/^0[0-7]+$/.test(text)) return parseInt(text.slice(1), 8);
  return Number(text);
}

/** Go's `%f` for the few error messages that print floats that way. */
function formatGoFloatF(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  return v.toFixed(6);
}

const KEYWORDS = new Set([
  'and', 'or', 'unless', 'atan2', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset',
]);

function describe(t: Token, src: string): string {
  switch (t.kind) {
    case 'eof': return 'end of input';
    case 'number': return `number ${JSON.stringify(t.text)}`;
    case 'duration': return `duration ${JSON.stringify(t.text)}`;
    case 'string': return `string ${JSON.stringify(src.slice(t.start, t.end))}`;
    case 'op': return `<op:${t.text}>`;
    case 'ident': {
      const w = t.text.toLowerCase();
      if (AGGREGATORS.has(w)) return `<aggr:${t.text}>`;
      if (w === 'and' || w === 'or' || w === 'unless' || w === 'atan2') return `<op:${t.text}>`;
      if (KEYWORDS.has(w)) return `<${t.text}>`;
      return `identifier ${JSON.stringify(t.text)}`;
    }
    default: return JSON.stringify(t.text);
  }
}

function describeKind(k: Token['kind']): string {
  switch (k) {
    case 'duration': return 'duration';
    case 'string': return 'string';
    case 'ident': return 'identifier';
    default: return JSON.stringify(k);
  }
}
