/**
 * Number and value formatting the way Go's `fmt` prints them, so rendered annotations read the same as
 * Prometheus's (`1e+06`, `%.4g`, `printf "%.2f"`). Pure functions.
 */

/** Go's `%v` for a float64: shortest representation, exponent form when exp < -4 or exp >= 6 (strconv's 'g' with shortest precision). */
export function formatFloatV(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const [mant, expStr] = v.toExponential().split('e') as [string, string];
  const exp = Number(expStr);
  if (exp < -4 || exp >= 6) return mant + 'e' + expSign(exp);
  return trimFixed(v.toFixed(Math.max(0, mant.replace(/^-/, '').replace('.', '').length - 1 - exp)));
}

/** Go's `%.Ng` (C-like %g: N significant digits, trailing zeros removed, exponent when exp < -4 or exp >= N). */
export function formatFloatG(v: number, prec: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const p = prec === 0 ? 1 : prec;
  if (v === 0) return '0';
  const [mant, expStr] = toExponentialGo(v, p - 1).split('e') as [string, string];
  const exp = Number(expStr);
  if (exp < -4 || exp >= p) return trimFixed(mant) + 'e' + expSign(exp);
  return trimFixed(toFixedGo(v, Math.max(0, p - 1 - exp)));
}

function expSign(exp: number): string {
  const a = Math.abs(exp);
  return (exp < 0 ? '-' : '+') + (a < 10 ? '0' + a : String(a));
}

function trimFixed(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** Go's `%e` with a precision (default 6): `1.234560e+03`. */
export function formatFloatE(v: number, prec: number): string {
  if (!Number.isFinite(v)) return formatFloatV(v);
  const [mant, expStr] = toExponentialGo(v, prec).split('e') as [string, string];
  return mant + 'e' + expSign(Number(expStr));
}

/** Go's `%v` for the values templates handle: strings, numbers, booleans, arrays, maps, nil (printed empty). */
export function formatValue(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return formatFloatV(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return '[' + v.map(formatValue).join(' ') + ']';
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return 'map[' + Object.keys(o).sort().map((k) => `${k}:${formatValue(o[k])}`).join(' ') + ']';
  }
  return String(v);
}

/**
 * A subset of Go's `fmt.Sprintf`: verbs v s d f F e E g G q x X t %, flags `-+ 0#`, width and precision.
 * A verb without an argument prints `%!v(MISSING)`, extra arguments `%!(EXTRA ...)`, as Go does.
 */
export function sprintf(format: string, args: readonly unknown[]): string {
  let out = '';
  let ai = 0;
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    if (c !== '%') { out += c; continue; }
    const m = /^([-+ 0#]*)(\d+)?(?:\.(\d*))?([a-zA-Z%])/.exec(format.slice(i + 1));
    if (!m) { out += '%!(NOVERB)'; break; }
    i += m[0].length;
    const [, flags = '', widthS, precS, verb = 'v'] = m;
    if (verb === '%') { out += '%'; continue; }
    if (ai >= args.length) { out += `%!${verb}(MISSING)`; continue; }
    const arg = args[ai++];
    const prec = precS === undefined ? undefined : precS === '' ? 0 : Number(precS);
    let s = formatVerb(verb, arg, prec, flags);
    const width = widthS ? Number(widthS) : 0;
    if (s.length < width) {
      if (flags.includes('-')) s = s.padEnd(width);
      else if (flags.includes('0') && /[dfFeEgGxX]/.test(verb) && typeof arg === 'number') {
        const neg = s.startsWith('-') || s.startsWith('+');
        s = neg ? s[0]! + s.slice(1).padStart(width - 1, '0') : s.padStart(width, '0');
      } else s = s.padStart(width);
    }
    out += s;
  }
  if (ai < args.length) out += '%!(EXTRA ' + args.slice(ai).map((a) => `${goType(a)}=${formatValue(a)}`).join(', ') + ')';
  return out;
}

function goType(a: unknown): string {
  if (typeof a === 'number') return Number.isInteger(a) ? 'int' : 'float64';
  if (typeof a === 'string') return 'string';
  if (typeof a === 'boolean') return 'bool';
  return 'interface {}';
}

function formatVerb(verb: string, arg: unknown, prec: number | undefined, flags: string): string {
  const plus = flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '';
  const signed = (n: number, s: string) => (n >= 0 && !s.startsWith('+') && Number.isFinite(n) ? plus + s : s);
  switch (verb) {
    case 'v':
      return formatValue(arg);
    case 's':
      return typeof arg === 'number' && !Number.isInteger(arg) ? `%!s(float64=${formatFloatV(arg)})` : cut(formatValue(arg), prec);
    case 'q':
      return JSON.stringify(formatValue(arg));
    case 't':
      return typeof arg === 'boolean' ? String(arg) : `%!t(${goType(arg)}=${formatValue(arg)})`;
  }
  if (typeof arg !== 'number') {
    if ((verb === 'x' || verb === 'X') && typeof arg === 'string') {
      const hex = Buffer.from(arg, 'utf8').toString('hex');
      return verb === 'X' ? hex.toUpperCase() : hex;
    }
    return `%!${verb}(${goType(arg)}=${formatValue(arg)})`;
  }
  switch (verb) {
    case 'd':
      if (!Number.isInteger(arg)) return `%!d(float64=${formatFloatV(arg)})`;
      return signed(arg, String(arg));
    case 'x':
    case 'X': {
      if (!Number.isInteger(arg)) return `%!${verb}(float64=${formatFloatV(arg)})`;
      const h = (arg < 0 ? '-' : '') + (flags.includes('#') ? '0x' : '') + Math.abs(arg).toString(16);
      return verb === 'X' ? h.toUpperCase() : h;
    }
    case 'f':
    case 'F':
      if (!Number.isFinite(arg)) return signed(arg, formatFloatV(arg));
      return signed(arg, toFixedGo(arg, prec ?? 6));
    case 'e':
    case 'E': {
      const s = signed(arg, formatFloatE(arg, prec ?? 6));
      return verb === 'E' ? s.toUpperCase() : s;
    }
    case 'g':
    case 'G': {
      const s = signed(arg, prec === undefined ? formatFloatV(arg) : formatFloatG(arg, prec));
      return verb === 'G' ? s.toUpperCase() : s;
    }
  }
  return `%!${verb}(${goType(arg)}=${formatValue(arg)})`;
}

/** True if `rest` (the digits after the last kept one) is exactly one half: `5` then only zeros. */
function isHalf(rest: string): boolean {
  return /^50*$/.test(rest);
}

/**
 * `v.toFixed(prec)` with Go's rounding: exact halves go to the even digit (JavaScript rounds them up), and no switch
 * to exponent form at 1e21 (numbers that large are integers in float64, so BigInt renders them exactly).
 */
export function toFixedGo(v: number, prec: number): string {
  if (Math.abs(v) >= 1e21) return BigInt(v).toString() + (prec > 0 ? '.' + '0'.repeat(prec) : '');
  const js = v.toFixed(prec);
  if (prec > 60) return js;
  // A tie needs the next digits to read 5, 0, 0 even at a few extra digits; most values are ruled out cheaply.
  const probe = Math.abs(v).toFixed(prec + 3);
  if (!probe.endsWith('500')) return js;
  // 100 digits show the exact binary value far enough to recognise a tie.
  const long = Math.abs(v).toFixed(Math.min(100, prec + 40));
  const dot = long.indexOf('.');
  const rest = long.slice(dot + 1 + prec);
  if (!isHalf(rest)) return js;
  const kept = prec > 0 ? long.slice(0, dot + 1 + prec) : long.slice(0, dot);
  const lastDigit = Number(kept[kept.length - 1]);
  if (lastDigit % 2 === 1) return js; // odd: rounding up reaches the even digit, as JavaScript did
  return (v < 0 && /[1-9]/.test(kept) ? '-' : v < 0 ? '-' : '') + kept;
}

/** `v.toExponential(fd)` with Go's ties-to-even rounding. */
export function toExponentialGo(v: number, fd: number): string {
  const js = v.toExponential(fd);
  if (fd > 60 || v === 0) return js;
  const probe = Math.abs(v).toExponential(fd + 3).split('e')[0]!;
  if (!probe.endsWith('500')) return js;
  const long = Math.abs(v).toExponential(Math.min(100, fd + 40));
  const [mant, exp] = long.split('e') as [string, string];
  const digits = mant.replace('.', '');
  if (!isHalf(digits.slice(fd + 1))) return js;
  if (Number(digits[fd]) % 2 === 1) return js;
  const kept = digits.slice(0, fd + 1);
  return (v < 0 ? '-' : '') + kept[0] + (fd > 0 ? '.' + kept.slice(1) : '') + 'e' + exp;
}

function cut(s: string, prec: number | undefined): string {
  return prec === undefined ? s : [...s].slice(0, prec).join('');
}
