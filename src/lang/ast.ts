/**
 * The abstract syntax tree. Every node carries a span (offsets into the
 * program text) so diagnostics can point at it.
 */

export interface Span {
  /** Offset of the first character. */
  start: number;
  /** Offset just past the last character. */
  end: number;
}

export type Expr =
  | LiteralExpr
  | DurationExpr
  | RegexExpr
  | ListExpr
  | ObjectExpr
  | FieldExpr
  | UnaryExpr
  | BinaryExpr
  | ConditionalExpr
  | CoalesceExpr
  | CallExpr
  | IndexExpr
  | PipelineExpr;

/** Numbers, strings, true/false/null (and True/False/None). */
export interface LiteralExpr {
  kind: 'literal';
  value: number | string | boolean | null;
  span: Span;
}

/** A bare duration literal: `5m`, `1h30m`, `250ms`. `text` is as written. */
export interface DurationExpr {
  kind: 'duration';
  text: string;
  span: Span;
}

export interface RegexExpr {
  kind: 'regex';
  pattern: string;
  flags: string;
  span: Span;
}

export interface ListExpr {
  kind: 'list';
  items: Expr[];
  span: Span;
}

export interface ObjectExpr {
  kind: 'object';
  entries: { key: string; value: Expr }[];
  span: Span;
}

/**
 * A field reference: `cpu`, `container.name`, `point['odd key']`, `tags[0]`.
 * Path segments are strings (keys) or numbers (list indexes); `point[...]`
 * addresses the point itself, so `point['odd key']` has path ['odd key'].
 */
export interface FieldExpr {
  kind: 'field';
  path: (string | number)[];
  span: Span;
}

export interface UnaryExpr {
  kind: 'unary';
  op: '-' | 'not';
  arg: Expr;
  span: Span;
}

export type BinaryOp =
  | 'or'
  | 'and'
  | '=='
  | '!='
  | '<'
  | '<='
  | '>'
  | '>='
  | 'in'
  | 'not in'
  | '=~'
  | '!~'
  | '+'
  | '-'
  | '*'
  | '/'
  | '%';

export interface BinaryExpr {
  kind: 'binary';
  op: BinaryOp;
  left: Expr;
  right: Expr;
  span: Span;
}

/** `test ? then : otherwise`: only the taken branch is evaluated. */
export interface ConditionalExpr {
  kind: 'conditional';
  test: Expr;
  then: Expr;
  otherwise: Expr;
  span: Span;
}

/** `left ?? right`: `left` unless it is null or missing (then `right`, evaluated only then). */
export interface CoalesceExpr {
  kind: 'coalesce';
  left: Expr;
  right: Expr;
  span: Span;
}

/** A function or reducer call inside an expression (`count()`, `round(x, 2)`, `a.b(1)` is not allowed). */
export interface CallExpr {
  kind: 'call';
  name: string;
  args: Arg[];
  span: Span;
  nameSpan: Span;
}

/** Indexing a non-field expression: `split(s, ',')[0]`. */
export interface IndexExpr {
  kind: 'index';
  target: Expr;
  index: Expr;
  span: Span;
}

/** An argument that is itself a pipeline: `seq(emit(limit=1) | put(a=1), emit(limit=2))`. */
export interface PipelineExpr {
  kind: 'pipeline';
  pipeline: Pipeline;
  span: Span;
}

export interface Arg {
  /** Keyword name, absent for positional arguments. */
  name?: string;
  nameSpan?: Span;
  value: Expr;
  span: Span;
}

/** `name(args)` or `name` as a pipeline stage; `name` may be dotted (`my.alias`). */
export interface StageCall {
  kind: 'call';
  name: string;
  args: Arg[];
  span: Span;
  nameSpan: Span;
}

/** `( pipeline , pipeline ; pipeline )`: fan-out / fan-in. */
export interface Group {
  kind: 'group';
  pipelines: Pipeline[];
  span: Span;
}

export type Stage = StageCall | Group;

export interface Pipeline {
  stages: Stage[];
  span: Span;
}

export interface Program {
  pipelines: Pipeline[];
  /** The program text the spans point into. */
  source: string;
  /** File name for diagnostics, or `<program>`. */
  file: string;
}
