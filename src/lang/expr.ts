/**
 * The expression compiler: AST → closures. Never eval. Comparisons across
 * kinds are false (`!=` true), arithmetic on null or missing gives null.
 */
import type { CallExpr, Expr } from './ast.js';
import { compileError, didYouMean } from './diagnostics.js';
import { builtinFunctions, display, functionsByName, truthyValue } from './functions.js';
import { getPath, TimeValue, type Point } from '../runtime/point.js';

export type CompiledFn = (p: Point) => unknown;

export interface ExprEnv {
  /** :now: in epoch ms. */
  now: number;
  /** Consulted first for every call (put/reduce substitute reducers here). */
  onCall?: (call: CallExpr) => CompiledFn | undefined;
}

export const truthy = truthyValue;

type Kind = 'null' | 'number' | 'string' | 'boolean' | 'time' | 'list' | 'object' | 'regex';

function kindOf(v: unknown): Kind {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'number':
      return 'number';
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
  }
  if (v instanceof TimeValue) return 'time';
  if (v instanceof RegExp) return 'regex';
  return Array.isArray(v) ? 'list' : 'object';
}

/** Ordering within one kind (numbers, strings by code unit, times, booleans); undefined across kinds. */
export function compareValues(a: unknown, b: unknown): number | undefined {
  const ka = kindOf(a);
  if (ka !== kindOf(b)) return undefined;
  switch (ka) {
    case 'number': {
      const d = (a as number) - (b as number);
      return Number.isNaN(d) ? undefined : Math.sign(d);
    }
    case 'string':
      return a === b ? 0 : (a as string) < (b as string) ? -1 : 1;
    case 'time':
      return Math.sign((a as TimeValue).ms - (b as TimeValue).ms);
    case 'boolean':
      return Number(a) - Number(b);
    default:
      return undefined;
  }
}

/** Deep equality; values of different kinds are never equal; null equals missing. */
export function valuesEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const ka = kindOf(a);
  if (ka !== kindOf(b)) return false;
  switch (ka) {
    case 'null':
      return true;
    case 'time':
      return (a as TimeValue).ms === (b as TimeValue).ms;
    case 'list': {
      const x = a as unknown[];
      const y = b as unknown[];
      return x.length === y.length && x.every((v, i) => valuesEqual(v, y[i]));
    }
    case 'object': {
      const x = a as Record<string, unknown>;
      const y = b as Record<string, unknown>;
      const kx = Object.keys(x);
      return kx.length === Object.keys(y).length && kx.every((k) => k in y && valuesEqual(x[k], y[k]));
    }
    case 'regex':
      return String(a) === String(b);
    default:
      return false;
  }
}

function inValue(a: unknown, b: unknown): boolean {
  if (typeof b === 'string') return typeof a === 'string' && b.includes(a);
  if (Array.isArray(b)) return b.some((x) => valuesEqual(a, x));
  if (b !== null && typeof b === 'object' && !(b instanceof TimeValue) && !(b instanceof RegExp)) return typeof a === 'string' && Object.prototype.hasOwnProperty.call(b, a);
  return false;
}

function arith(op: string, a: unknown, b: unknown): unknown {
  if (typeof a === 'number' && typeof b === 'number') {
    switch (op) {
      case '+':
        return a + b;
      case '-':
        return a - b;
      case '*':
        return a * b;
      case '/':
        return b === 0 ? null : a / b;
      case '%':
        return b === 0 ? null : a % b;
    }
  }
  if (op === '+' && typeof a === 'string' && typeof b === 'string') return a + b;
  // Times: time ± ms → time; time − time → ms.
  if (a instanceof TimeValue) {
    if (typeof b === 'number' && (op === '+' || op === '-')) return new TimeValue(op === '+' ? a.ms + b : a.ms - b);
    if (b instanceof TimeValue && op === '-') return a.ms - b.ms;
  }
  if (b instanceof TimeValue && typeof a === 'number' && op === '+') return new TimeValue(a + b.ms);
  return null;
}

const regexCache = new Map<string, RegExp | null>();
function toRegex(v: unknown): RegExp | null {
  if (v instanceof RegExp) return v;
  if (typeof v !== 'string') return null;
  let re = regexCache.get(v);
  if (re === undefined) {
    try {
      re = new RegExp(v);
    } catch {
      re = null;
    }
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(v, re);
  }
  return re;
}

function fieldReader(path: readonly (string | number)[]): CompiledFn {
  if (path.length === 1) {
    const k = path[0]!;
    // Points keep `time` as epoch ms; expressions see a time value.
    if (k === 'time') return (p) => (typeof p.time === 'number' ? new TimeValue(p.time) : p.time);
    return (p) => p[k];
  }
  if (path.length === 2) {
    const [a, b] = path as [string, string | number];
    return (p) => {
      const o = p[a];
      return o !== null && typeof o === 'object' ? (o as Record<string | number, unknown>)[b] : undefined;
    };
  }
  return (p) => getPath(p, path);
}

function indexValue(target: unknown, index: unknown): unknown {
  if (Array.isArray(target) && typeof index === 'number') return target[index < 0 ? target.length + index : index];
  if (typeof target === 'string' && typeof index === 'number') return target[index < 0 ? target.length + index : index] ?? null;
  if (target !== null && typeof target === 'object' && typeof index === 'string') return (target as Record<string, unknown>)[index];
  return null;
}

export function compileExpr(e: Expr, env: ExprEnv): CompiledFn {
  switch (e.kind) {
    case 'literal': {
      const v = e.value;
      return () => v;
    }
    case 'duration': {
      const t = e.text;
      return () => t;
    }
    case 'regex': {
      const re = new RegExp(e.pattern, e.flags);
      return () => re;
    }
    case 'list': {
      const items = e.items.map((i) => compileExpr(i, env));
      return (p) => items.map((f) => f(p));
    }
    case 'object': {
      const entries = e.entries.map(({ key, value }) => [key, compileExpr(value, env)] as const);
      return (p) => {
        const o: Record<string, unknown> = {};
        for (const [k, f] of entries) o[k] = f(p);
        return o;
      };
    }
    case 'field':
      return fieldReader(e.path);
    case 'index': {
      const target = compileExpr(e.target, env);
      const index = compileExpr(e.index, env);
      return (p) => indexValue(target(p), index(p));
    }
    case 'unary': {
      const arg = compileExpr(e.arg, env);
      if (e.op === 'not') return (p) => !truthyValue(arg(p));
      return (p) => {
        const v = arg(p);
        return typeof v === 'number' ? -v : null;
      };
    }
    case 'binary':
      return compileBinary(e, env);
    case 'call':
      return compileCall(e, env);
    case 'pipeline':
      throw compileError('bad-expression', 'a pipeline cannot be used as a value here', e.span);
  }
}

function compileBinary(e: Extract<Expr, { kind: 'binary' }>, env: ExprEnv): CompiledFn {
  const l = compileExpr(e.left, env);
  const r = compileExpr(e.right, env);
  const constRight = e.right.kind === 'literal' ? e.right.value : undefined;
  switch (e.op) {
    case 'or':
      return (p) => truthyValue(l(p)) || truthyValue(r(p));
    case 'and':
      return (p) => truthyValue(l(p)) && truthyValue(r(p));
    case '==':
      if (typeof constRight === 'number' || typeof constRight === 'string') return (p) => l(p) === constRight;
      return (p) => valuesEqual(l(p), r(p));
    case '!=':
      if (typeof constRight === 'number' || typeof constRight === 'string') return (p) => l(p) !== constRight;
      return (p) => !valuesEqual(l(p), r(p));
    case '<':
    case '<=':
    case '>':
    case '>=': {
      const test = { '<': (c: number) => c < 0, '<=': (c: number) => c <= 0, '>': (c: number) => c > 0, '>=': (c: number) => c >= 0 }[e.op];
      if (typeof constRight === 'number') {
        const c = constRight;
        // The common `field > 5`: no generic comparison per point.
        switch (e.op) {
          case '<':
            return (p) => {
              const v = l(p);
              return typeof v === 'number' && v < c;
            };
          case '<=':
            return (p) => {
              const v = l(p);
              return typeof v === 'number' && v <= c;
            };
          case '>':
            return (p) => {
              const v = l(p);
              return typeof v === 'number' && v > c;
            };
          case '>=':
            return (p) => {
              const v = l(p);
              return typeof v === 'number' && v >= c;
            };
        }
      }
      return (p) => {
        const c = compareValues(l(p), r(p));
        return c !== undefined && test(c);
      };
    }
    case 'in':
      return (p) => inValue(l(p), r(p));
    case 'not in':
      return (p) => !inValue(l(p), r(p));
    case '=~':
    case '!~': {
      const negate = e.op === '!~';
      const fixed = e.right.kind === 'regex' ? new RegExp(e.right.pattern, e.right.flags.replace('g', '')) : typeof constRight === 'string' ? toRegex(constRight) : undefined;
      if (fixed === null) throw compileError('bad-expression', `not a valid regular expression: ${String(constRight)}`, e.right.span);
      return (p) => {
        const s = l(p);
        const re = fixed ?? toRegex(r(p));
        if (typeof s !== 'string' || !re) return negate;
        return re.test(s) !== negate;
      };
    }
    default: {
      const op = e.op;
      return (p) => {
        const a = l(p);
        const b = r(p);
        if (typeof a === 'number' && typeof b === 'number' && op !== '/' && op !== '%') return op === '+' ? a + b : op === '-' ? a - b : a * b;
        return arith(op, a, b);
      };
    }
  }
}

function compileCall(e: CallExpr, env: ExprEnv): CompiledFn {
  const substituted = env.onCall?.(e);
  if (substituted) return substituted;
  const fn = functionsByName.get(e.name);
  if (!fn) {
    throw compileError('unknown-function', `unknown function \`${e.name}\``, e.nameSpan, didYouMean(e.name, builtinFunctions.map((f) => f.name)));
  }
  const n = e.args.length;
  if (n < fn.min || n > fn.max) {
    const range = fn.min === fn.max ? `${fn.min}` : fn.max === Infinity ? `at least ${fn.min}` : `${fn.min} to ${fn.max}`;
    throw compileError('bad-arguments', `\`${e.name}\` takes ${range} argument${fn.max === 1 ? '' : 's'}, got ${n}`, e.span, [fn.signature]);
  }
  const named = e.args.find((a) => a.name !== undefined);
  if (named) throw compileError('bad-arguments', `\`${e.name}\` takes no keyword arguments`, named.span, [fn.signature]);
  if (fn.name === 'exists') {
    const arg = e.args[0]!.value;
    if (arg.kind === 'literal' && typeof arg.value === 'string') {
      const read = fieldReader(arg.value.split('.'));
      return (p) => read(p) !== undefined;
    }
    if (arg.kind !== 'field') throw compileError('bad-arguments', '`exists` takes a field path, such as exists(user.name)', arg.span);
    const read = fieldReader(arg.path);
    return (p) => read(p) !== undefined;
  }
  const args = e.args.map((a) => compileExpr(a.value, env));
  const impl = fn.impl;
  const now = env.now;
  if (args.length === 1) {
    const a0 = args[0]!;
    return (p) => impl([a0(p)], now);
  }
  return (p) => impl(args.map((a) => a(p)), now);
}

// ---------------------------------------------------------------------------
// Templates: `'{host} at {v:.2f}'`

/** A string with `{…}` or escaped braces is a template (§11.24). */
export function isTemplate(text: string): boolean {
  return /\{[^{}]*\}|\{\{|\}\}/.test(text);
}

interface TemplatePart {
  text?: string;
  read?: CompiledFn;
  spec?: string;
}

function parseTemplate(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let lit = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if ((ch === '{' || ch === '}') && text[i + 1] === ch) {
      lit += ch;
      i++;
      continue;
    }
    if (ch === '{') {
      const close = text.indexOf('}', i);
      if (close < 0) {
        lit += text.slice(i);
        break;
      }
      if (lit) parts.push({ text: lit });
      lit = '';
      const inner = text.slice(i + 1, close);
      const colon = inner.indexOf(':');
      const name = colon >= 0 ? inner.slice(0, colon) : inner;
      const spec = colon >= 0 ? inner.slice(colon + 1) : undefined;
      const path = name
        .replace(/\[([^\]]*)\]/g, '.$1')
        .split('.')
        .filter((s) => s.length > 0)
        .map((s) => (/^\d+$/.test(s) ? Number(s) : s.replace(/^['"]|['"]$/g, '')));
      parts.push({ read: fieldReader(path), spec });
      i = close;
      continue;
    }
    lit += ch;
  }
  if (lit) parts.push({ text: lit });
  return parts;
}

/** Python format-spec subset: [[fill]align][width][,][.precision][type] with types f, d, s, %. */
function formatSpec(v: unknown, spec: string): string {
  const m = /^(?:(.)?([<>^]))?(\d+)?(,)?(?:\.(\d+))?([fdse%])?$/.exec(spec);
  if (!m) return display(v);
  const [, fill = ' ', align, width, comma, precision, type] = m;
  let s: string;
  if (typeof v === 'number') {
    if (type === '%') s = (v * 100).toFixed(precision === undefined ? 6 : Number(precision)) + '%';
    else if (type === 'e') s = v.toExponential(precision === undefined ? 6 : Number(precision));
    else if (type === 'f' || precision !== undefined) s = v.toFixed(precision === undefined ? 6 : Number(precision));
    else if (type === 'd') s = String(Math.trunc(v));
    else s = String(v);
    if (comma) {
      const [int, frac] = s.split('.');
      s = int!.replace(/\B(?=(\d{3})+(?!\d))/g, ',') + (frac !== undefined ? '.' + frac : '');
    }
  } else {
    s = v === undefined || v === null ? '' : display(v);
    if (precision !== undefined && type !== 'f') s = s.slice(0, Number(precision));
  }
  const w = width === undefined ? 0 : Number(width);
  if (s.length >= w) return s;
  const pad = fill.repeat(w - s.length);
  const a = align ?? (typeof v === 'number' ? '>' : '<');
  if (a === '<') return s + pad;
  if (a === '>') return pad + s;
  const left = Math.floor((w - s.length) / 2);
  return fill.repeat(left) + s + fill.repeat(w - s.length - left);
}

export function compileTemplate(text: string): CompiledFn {
  const parts = parseTemplate(text);
  return (p) => {
    let out = '';
    for (const part of parts) {
      if (part.text !== undefined) out += part.text;
      else {
        const v = part.read!(p);
        out += part.spec !== undefined ? formatSpec(v, part.spec) : v === undefined || v === null ? '' : display(v);
      }
    }
    return out;
  };
}

/** Like compileExpr, but a string literal holding a template renders it. */
export function compileValue(e: Expr, env: ExprEnv): CompiledFn {
  if (e.kind === 'literal' && typeof e.value === 'string' && isTemplate(e.value)) return compileTemplate(e.value);
  return compileExpr(e, env);
}

/** Evaluate a constant expression at compile time (literals, lists, objects, negation). */
export function constantValue(e: Expr): { ok: true; value: unknown } | { ok: false } {
  switch (e.kind) {
    case 'literal':
      return { ok: true, value: e.value };
    case 'duration':
      return { ok: true, value: e.text };
    case 'regex':
      return { ok: true, value: new RegExp(e.pattern, e.flags) };
    case 'list': {
      const out: unknown[] = [];
      for (const i of e.items) {
        const c = constantValue(i);
        if (!c.ok) return c;
        out.push(c.value);
      }
      return { ok: true, value: out };
    }
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const { key, value } of e.entries) {
        const c = constantValue(value);
        if (!c.ok) return c;
        out[key] = c.value;
      }
      return { ok: true, value: out };
    }
    case 'unary': {
      const c = constantValue(e.arg);
      if (c.ok && e.op === '-' && typeof c.value === 'number') return { ok: true, value: -c.value };
      if (c.ok && e.op === 'not') return { ok: true, value: !truthyValue(c.value) };
      return { ok: false };
    }
    default:
      return { ok: false };
  }
}

/** A field name from `a.b` or `'a.b'`, or undefined. */
export function fieldPathOf(e: Expr): string | undefined {
  if (e.kind === 'field') return e.path.join('.');
  // `sort(-v)`: a descending field, written bare.
  if (e.kind === 'unary' && e.op === '-' && e.arg.kind === 'field') return '-' + e.arg.path.join('.');
  if (e.kind === 'literal' && typeof e.value === 'string') return e.value;
  return undefined;
}
