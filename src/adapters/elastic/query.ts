/**
 * A flume filter expression → Elasticsearch query DSL, only where the result
 * is exactly what flume's own evaluation gives; the rest is filtered on the
 * client. The expression is split into its top-level `and` terms: each term
 * that translates goes to the server, the others stay on the client (a
 * conjunction, so the split changes nothing).
 *
 * Exactness depends on the mapping, so translation happens at run time with
 * the field capabilities in hand:
 * - numbers compare with numbers only on `long`/`integer`/`short`/`byte`/`double`
 *   fields mapped with `coerce: false` (float fields round to 32 bits, so `v == 0.1`
 *   would differ; a coercing long field indexes 1.5 as 1 and "5" as 5);
 * - strings only by equality (`==`, `!=`, `in`, `not in`) on `keyword` fields or a
 *   text field's `.keyword` sub-field, and only when the literal is no longer
 *   than its `ignore_above` (longer values are not indexed there);
 * - booleans on `boolean` fields; `== null` / `!= null` as (not) `exists`;
 * - `and`, `or`, `not` of translatable parts.
 * Everything else (regex matches, arithmetic, functions, the `time` field,
 * string ordering) is evaluated on the client.
 */
import type { BinaryExpr, Expr, FieldExpr, LiteralExpr } from '../../lang/ast.js';

export type Dsl = Record<string, unknown>;

/** What the server knows about one field, from field_caps (and ignore_above from the mapping). */
export interface FieldInfo {
  /** The mapped type; undefined when unmapped or mapped differently across indices. */
  type: string | undefined;
  /** For text fields: the keyword sub-field to match on, with its ignore_above. */
  keyword?: { name: string; ignoreAbove: number };
  /** For keyword fields: their ignore_above. */
  ignoreAbove?: number;
  /** Mapped with `coerce: false` everywhere: what is indexed is what _source holds. */
  strict?: boolean;
}

const EXACT_NUMBERS = new Set(['long', 'integer', 'short', 'byte', 'double']);

/** The `and` terms of an expression, left to right. */
export function conjuncts(e: Expr): Expr[] {
  if (e.kind === 'binary' && e.op === 'and') return [...conjuncts(e.left), ...conjuncts(e.right)];
  return [e];
}

/** Dotted field names an expression reads (to ask the server about them). */
export function fieldsOf(e: Expr, into: Set<string> = new Set()): Set<string> {
  switch (e.kind) {
    case 'field':
      if (e.path.every((s) => typeof s === 'string')) into.add(e.path.join('.'));
      break;
    case 'binary':
      fieldsOf(e.left, into);
      fieldsOf(e.right, into);
      break;
    case 'unary':
      fieldsOf(e.arg, into);
      break;
    case 'coalesce':
      fieldsOf(e.left, into);
      fieldsOf(e.right, into);
      break;
    case 'conditional':
      fieldsOf(e.test, into);
      fieldsOf(e.then, into);
      fieldsOf(e.otherwise, into);
      break;
    default:
      break;
  }
  return into;
}

function fieldName(e: Expr): string | undefined {
  if (e.kind !== 'field' || !e.path.every((s) => typeof s === 'string')) return undefined;
  const name = (e as FieldExpr).path.join('.');
  // `time` is the point's time, not a stored field of that name.
  return name === 'time' ? undefined : name;
}

type Scalar = LiteralExpr['value'];

function literal(e: Expr): { value: Scalar } | undefined {
  if (e.kind === 'literal') return { value: e.value };
  if (e.kind === 'unary' && e.op === '-' && e.arg.kind === 'literal' && typeof e.arg.value === 'number') return { value: -e.arg.value };
  return undefined;
}

const FLIP: Record<string, BinaryExpr['op']> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '==': '==', '!=': '!=' };

/** The server-side field that matches `value` exactly, or undefined. */
function matchField(name: string, value: Scalar, info: FieldInfo | undefined): string | undefined {
  if (info?.type === undefined) return undefined;
  if (typeof value === 'number') return Number.isFinite(value) && EXACT_NUMBERS.has(info.type) && info.strict === true ? name : undefined;
  if (typeof value === 'boolean') return info.type === 'boolean' ? name : undefined;
  if (typeof value === 'string') {
    if (info.type === 'keyword') return value.length <= (info.ignoreAbove ?? Infinity) ? name : undefined;
    if (info.type === 'text' && info.keyword) return value.length <= info.keyword.ignoreAbove ? info.keyword.name : undefined;
  }
  return undefined;
}

function not(q: Dsl): Dsl {
  return { bool: { must_not: [q] } };
}

function compare(op: BinaryExpr['op'], name: string, lit: Scalar, fields: ReadonlyMap<string, FieldInfo>): Dsl | undefined {
  const info = fields.get(name);
  if (lit === null) {
    // null equals missing (§11.6): exists is false for both.
    if (op === '==') return not({ exists: { field: name } });
    if (op === '!=') return { exists: { field: name } };
    return undefined;
  }
  const target = matchField(name, lit, info);
  if (target === undefined) return undefined;
  switch (op) {
    case '==':
      return { term: { [target]: lit } };
    case '!=':
      return not({ term: { [target]: lit } });
    case '<':
    case '<=':
    case '>':
    case '>=':
      if (typeof lit !== 'number') return undefined;
      return { range: { [target]: { [{ '<': 'lt', '<=': 'lte', '>': 'gt', '>=': 'gte' }[op]]: lit } } };
    default:
      return undefined;
  }
}

function membership(e: BinaryExpr, fields: ReadonlyMap<string, FieldInfo>): Dsl | undefined {
  const name = fieldName(e.left);
  if (name === undefined || e.right.kind !== 'list' || e.right.items.length === 0) return undefined;
  const values: Scalar[] = [];
  let target: string | undefined;
  for (const item of e.right.items) {
    const lit = literal(item);
    if (lit === undefined || lit.value === null) return undefined;
    const t = matchField(name, lit.value, fields.get(name));
    if (t === undefined || (target !== undefined && t !== target)) return undefined;
    target = t;
    values.push(lit.value);
  }
  const q = { terms: { [target!]: values } };
  return e.op === 'in' ? q : not(q);
}

/** The query for one expression, or undefined when it cannot be translated exactly. */
export function translate(e: Expr, fields: ReadonlyMap<string, FieldInfo>): Dsl | undefined {
  if (e.kind === 'unary' && e.op === 'not') {
    const q = translate(e.arg, fields);
    return q === undefined ? undefined : not(q);
  }
  if (e.kind !== 'binary') return undefined;
  switch (e.op) {
    case 'and':
    case 'or': {
      const l = translate(e.left, fields);
      const r = translate(e.right, fields);
      if (l === undefined || r === undefined) return undefined;
      return e.op === 'and' ? { bool: { filter: [l, r] } } : { bool: { should: [l, r], minimum_should_match: 1 } };
    }
    case 'in':
    case 'not in':
      return membership(e, fields);
    case '==':
    case '!=':
    case '<':
    case '<=':
    case '>':
    case '>=': {
      const lname = fieldName(e.left);
      const rlit = literal(e.right);
      if (lname !== undefined && rlit !== undefined) return compare(e.op, lname, rlit.value, fields);
      const rname = fieldName(e.right);
      const llit = literal(e.left);
      if (rname !== undefined && llit !== undefined) return compare(FLIP[e.op]!, rname, llit.value, fields);
      return undefined;
    }
    default:
      return undefined;
  }
}

/** Split a filter into the server part (a list of filter clauses) and the client part (terms left over). */
export function splitFilter(e: Expr, fields: ReadonlyMap<string, FieldInfo>): { server: Dsl[]; client: Expr[] } {
  const server: Dsl[] = [];
  const client: Expr[] = [];
  for (const term of conjuncts(e)) {
    const q = translate(term, fields);
    if (q === undefined) client.push(term);
    else server.push(q);
  }
  return { server, client };
}
