/**
 * Stage 3: CST → AST. All semantics of the surface syntax live here:
 * field paths, literals, unescaping, operator names, spans.
 */
import type { CstNode, IToken } from 'chevrotain';
import type { Arg, BinaryOp, Expr, Group, Pipeline, Span, Stage, StageCall } from './ast.js';
import { compileError } from './diagnostics.js';

type Children = Record<string, (CstNode | IToken)[] | undefined>;

function kids(n: CstNode): Children {
  return n.children as Children;
}
function nodes(n: CstNode, key: string): CstNode[] {
  return (kids(n)[key] ?? []) as CstNode[];
}
function tokens(n: CstNode, key: string): IToken[] {
  return (kids(n)[key] ?? []) as IToken[];
}
function node(n: CstNode, key: string): CstNode | undefined {
  return nodes(n, key)[0];
}
function token(n: CstNode, key: string): IToken | undefined {
  return tokens(n, key)[0];
}
function spanOf(n: CstNode): Span {
  const loc = n.location!;
  return { start: loc.startOffset, end: (loc.endOffset ?? loc.startOffset) + 1 };
}
function tokSpan(t: IToken): Span {
  return { start: t.startOffset, end: (t.endOffset ?? t.startOffset) + 1 };
}
function join(a: Span, b: Span): Span {
  return { start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) };
}

export function toPipelines(program: CstNode): Pipeline[] {
  return nodes(program, 'pipeline').map(toPipeline);
}

export function toPipeline(n: CstNode): Pipeline {
  return { stages: nodes(n, 'stage').map(toStage), span: spanOf(n) };
}

function toStage(n: CstNode): Stage {
  const g = node(n, 'group');
  if (g) return toGroup(g);
  return toCall(node(n, 'call')!);
}

function toGroup(n: CstNode): Group {
  return { kind: 'group', pipelines: nodes(n, 'pipeline').map(toPipeline), span: spanOf(n) };
}

function toCall(n: CstNode): StageCall {
  const names = tokens(n, 'name');
  const argList = node(n, 'argList');
  return {
    kind: 'call',
    name: names.map((t) => t.image).join('.'),
    args: argList ? toArgs(argList) : [],
    span: spanOf(n),
    nameSpan: join(tokSpan(names[0]!), tokSpan(names[names.length - 1]!)),
  };
}

function toArgs(n: CstNode): Arg[] {
  return nodes(n, 'arg').map(toArg);
}

function toArg(n: CstNode): Arg {
  const key = token(n, 'key');
  let value = toExpr(node(n, 'expression')!);
  const stages = nodes(n, 'stage');
  if (stages.length > 0) {
    const first = stageFromExpr(value);
    if (!first) throw compileError('syntax', 'a pipeline argument must start with a stage', value.span, ['e.g. seq(emit(limit=1) | put(a=1), emit(limit=2))']);
    const span = join(value.span, spanOf(stages[stages.length - 1]!));
    value = { kind: 'pipeline', pipeline: { stages: [first, ...stages.map(toStage)], span }, span };
  }
  const span = key ? join(tokSpan(key), value.span) : value.span;
  return key ? { name: key.image, nameSpan: tokSpan(key), value, span } : { value, span };
}

/**
 * An argument is parsed as an expression before a following `|` shows it is
 * a pipeline, so its first stage comes back as a call (`emit(limit=1)`,
 * `my.alias(1)`) or as a name chain without parentheses (`emit`, `my.alias`).
 */
function stageFromExpr(e: Expr): StageCall | undefined {
  if (e.kind === 'call') return { kind: 'call', name: e.name, args: e.args, span: e.span, nameSpan: e.nameSpan };
  if (e.kind === 'field' && nameChains.has(e)) return { kind: 'call', name: e.path.join('.'), args: [], span: e.span, nameSpan: e.span };
  return undefined;
}

/** Field references written as plain `a.b.c` (no brackets, no parentheses): they can also name a stage. */
const nameChains = new WeakSet<Expr>();

// ---------------------------------------------------------------------------
// Expressions

function binaryChain(n: CstNode, operand: string, opKey: string, opName: (t: IToken) => BinaryOp): Expr {
  const operands = nodes(n, operand).map(dispatch(operand));
  const ops = tokens(n, opKey);
  let left = operands[0]!;
  for (let i = 0; i < ops.length; i++) {
    const right = operands[i + 1]!;
    left = { kind: 'binary', op: opName(ops[i]!), left, right, span: join(left.span, right.span) };
  }
  return left;
}

function dispatch(rule: string): (n: CstNode) => Expr {
  switch (rule) {
    case 'andExpr':
      return toAnd;
    case 'notExpr':
      return toNot;
    case 'additive':
      return toAdditive;
    case 'multiplicative':
      return toMultiplicative;
    case 'unary':
      return toUnary;
    default:
      throw new Error(`no rule ${rule}`);
  }
}

export function toExpr(n: CstNode): Expr {
  const test = toOr(node(n, 'orExpr')!);
  const then = node(n, 'then');
  const otherwise = node(n, 'otherwise');
  if (!then || !otherwise) return test;
  const e = toExpr(otherwise);
  return { kind: 'conditional', test, then: toExpr(then), otherwise: e, span: join(test.span, e.span) };
}

function toOr(n: CstNode): Expr {
  return binaryChain(n, 'andExpr', 'OrOp', () => 'or');
}

function toAnd(n: CstNode): Expr {
  return binaryChain(n, 'notExpr', 'AndOp', () => 'and');
}

function toNot(n: CstNode): Expr {
  const not = token(n, 'NotOp');
  if (not) {
    const arg = toNot(node(n, 'notExpr')!);
    return { kind: 'unary', op: 'not', arg, span: join(tokSpan(not), arg.span) };
  }
  return toComparison(node(n, 'comparison')!);
}

const COMPARE: Record<string, BinaryOp> = { '==': '==', '!=': '!=', '<': '<', '<=': '<=', '>': '>', '>=': '>=', '=~': '=~', '!~': '!~', in: 'in' };

function toComparison(n: CstNode): Expr {
  const sides = nodes(n, 'coalesce').map(toCoalesce);
  const op = token(n, 'op');
  if (!op) return sides[0]!;
  const name: BinaryOp = token(n, 'notIn') ? 'not in' : COMPARE[op.image]!;
  return { kind: 'binary', op: name, left: sides[0]!, right: sides[1]!, span: join(sides[0]!.span, sides[1]!.span) };
}

function toCoalesce(n: CstNode): Expr {
  const operands = nodes(n, 'additive').map(toAdditive);
  let left = operands[0]!;
  for (let i = 1; i < operands.length; i++) {
    const right = operands[i]!;
    left = { kind: 'coalesce', left, right, span: join(left.span, right.span) };
  }
  return left;
}

function toAdditive(n: CstNode): Expr {
  return binaryChain(n, 'multiplicative', 'op', (t) => t.image as BinaryOp);
}

function toMultiplicative(n: CstNode): Expr {
  return binaryChain(n, 'unary', 'op', (t) => t.image as BinaryOp);
}

function toUnary(n: CstNode): Expr {
  const minus = token(n, 'Minus');
  if (minus) {
    const arg = toUnary(node(n, 'unary')!);
    const span = join(tokSpan(minus), arg.span);
    // Fold negative number literals so `-2.5` is a constant.
    if (arg.kind === 'literal' && typeof arg.value === 'number') return { kind: 'literal', value: -arg.value, span };
    return { kind: 'unary', op: '-', arg, span };
  }
  return toPostfix(node(n, 'postfix')!);
}

type PostfixOp = { offset: number; end: number } & ({ member: IToken } | { index: CstNode } | { call: CstNode });

function toPostfix(n: CstNode): Expr {
  let expr = toPrimary(node(n, 'primary')!);
  // The CST groups children by kind; put members, indexes and call argument
  // lists back in source order.
  const ops: PostfixOp[] = [];
  for (const m of tokens(n, 'member')) ops.push({ offset: m.startOffset, end: m.endOffset! + 1, member: m });
  const rb = tokens(n, 'RBracket');
  nodes(n, 'index').forEach((ix, i) => ops.push({ offset: ix.location!.startOffset, end: rb[i]!.endOffset! + 1, index: ix }));
  for (const a of nodes(n, 'memberArgs')) ops.push({ offset: a.location!.startOffset, end: a.location!.endOffset! + 1, call: a });
  ops.sort((a, b) => a.offset - b.offset);
  for (const op of ops) {
    const span = { start: expr.span.start, end: op.end };
    if ('member' in op) {
      const chain = nameChains.has(expr);
      expr =
        expr.kind === 'field'
          ? { kind: 'field', path: [...expr.path, op.member.image], span }
          : { kind: 'index', target: expr, index: { kind: 'literal', value: op.member.image, span: tokSpan(op.member) }, span };
      if (chain) nameChains.add(expr);
    } else if ('call' in op) {
      // Only a dotted name can be called (`my.alias(1)`); `f(x).g(1)` is not a thing.
      if (expr.kind !== 'field' || !nameChains.has(expr)) {
        throw compileError('syntax', 'only a name can be called', { start: op.offset, end: op.end }, ['functions are called by name: lower(s), not s.lower()']);
      }
      expr = { kind: 'call', name: expr.path.join('.'), args: toArgs(op.call), span, nameSpan: expr.span };
    } else {
      const index = toExpr(op.index);
      const constant = index.kind === 'literal' && (typeof index.value === 'string' || typeof index.value === 'number') ? index.value : undefined;
      if (expr.kind === 'field' && constant !== undefined) {
        // `point['odd key']` addresses the point itself.
        const root = nameChains.has(expr) && expr.path.length === 1 && expr.path[0] === 'point';
        expr = { kind: 'field', path: root ? [constant] : [...expr.path, constant], span };
      } else {
        expr = { kind: 'index', target: expr, index, span };
      }
    }
  }
  return expr;
}

function toPrimary(n: CstNode): Expr {
  const span = spanOf(n);
  const c = kids(n);
  if (c['NumberLit']) return { kind: 'literal', value: Number(token(n, 'NumberLit')!.image), span };
  if (c['StringLit']) return { kind: 'literal', value: unquote(token(n, 'StringLit')!.image), span };
  if (c['Duration']) return { kind: 'duration', text: token(n, 'Duration')!.image, span };
  if (c['Regex']) {
    const img = token(n, 'Regex')!.image;
    const last = img.lastIndexOf('/');
    const pattern = img.slice(1, last);
    const flags = img.slice(last + 1);
    try {
      new RegExp(pattern, flags);
    } catch (e) {
      throw compileError('syntax', 'invalid regular expression', span, [(e as Error).message]);
    }
    return { kind: 'regex', pattern, flags, span };
  }
  if (c['True']) return { kind: 'literal', value: true, span };
  if (c['False']) return { kind: 'literal', value: false, span };
  if (c['Null']) return { kind: 'literal', value: null, span };
  const list = node(n, 'list');
  if (list) return { kind: 'list', items: nodes(list, 'expression').map(toExpr), span };
  const obj = node(n, 'object');
  if (obj) {
    return {
      kind: 'object',
      entries: nodes(obj, 'entry').map((e) => {
        const k = token(e, 'key')!;
        return { key: k.tokenType.name === 'StringLit' ? unquote(k.image) : k.image, value: toExpr(node(e, 'expression')!) };
      }),
      span,
    };
  }
  const inner = node(n, 'expression');
  // A copy, so `(point)['x']` or `(emit) | head` is not mistaken for a bare name.
  if (inner) return { ...toExpr(inner), span };
  const id = token(n, 'Identifier')!;
  const args = node(n, 'argList');
  if (args) return { kind: 'call', name: id.image, args: toArgs(args), span, nameSpan: tokSpan(id) };
  const field: Expr = { kind: 'field', path: [id.image], span };
  nameChains.add(field);
  return field;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"' };

/** `\n \t \r \\ \' \" \uXXXX`; any other backslash is kept as written (`'\['` is two characters). */
export function unquote(image: string): string {
  const body = image.slice(1, -1);
  if (!body.includes('\\')) return body;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch !== '\\' || i === body.length - 1) {
      out += ch;
      continue;
    }
    const next = body[i + 1]!;
    if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(body.slice(i + 2, i + 6))) {
      out += String.fromCharCode(parseInt(body.slice(i + 2, i + 6), 16));
      i += 5;
    } else if (Object.hasOwn(ESCAPES, next)) {
      out += ESCAPES[next];
      i++;
    } else {
      out += ch;
    }
  }
  return out;
}
