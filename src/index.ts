/**
 * The module API: `import { flume, emit, put, count, write } from 'flume'`.
 *
 *     await flume("emit(limit=3, start=0) | put(n=count())").collect();
 *     await emit({ limit: 3, start: 0 }).pipe(put({ n: count() }), write('stdio')).run();
 */
import type { Arg, CallExpr, Expr, Pipeline as PipelineAst, Program, Span, Stage } from './lang/ast.js';
import { compile, compileProgram, Pipeline, type CompileOptions, type RunSummary } from './compile.js';
import { parseExpression } from './lang/parse.js';
import type { Fragment } from './lang/resolve.js';
import { Registry } from './registry.js';
import type { Point } from './runtime/point.js';
import { TimeValue } from './runtime/point.js';
import type { SinkDef } from './runtime/defs.js';

export type { Point, Batch } from './runtime/point.js';
export { TimeValue } from './runtime/point.js';
export type { Diagnostic } from './lang/diagnostics.js';
export { FlumeError, renderDiagnostic } from './lang/diagnostics.js';
export type { RunSummary, CompileOptions } from './compile.js';
export type { OptionSchema, OptionSpec, OptionType, Duration, Example, RunContext, SourceInstance, ProcInstance, SinkInstance, SourceOutput } from './runtime/component.js';
export type { AdapterDef, ProcDef, SourceDef, SinkDef, CreateContext } from './runtime/defs.js';
export { defineProc, defineSource, defineSink, defineAdapter } from './runtime/defs.js';
export { defineReducer } from './procs/reducers/types.js';
export type { ReducerDef, ReducerState } from './procs/reducers/types.js';
export { defineFormat } from './adapters/formats/types.js';
export type { FormatDef, Parser, Serializer } from './adapters/formats/types.js';
export { VirtualClock, SystemClock, type Clock } from './runtime/clock.js';
export { Registry } from './registry.js';

const NO_SPAN: Span = { start: 0, end: 0 };
let defaultRegistry: Registry | undefined;

function registry(options?: FlumeOptions): Registry {
  return options?.registry ?? (defaultRegistry ??= Registry.builtin());
}

export interface FlumeOptions extends CompileOptions {
  /** Components to resolve names against (default: the built-ins). */
  registry?: Registry;
}

/**
 * A compiled program. `run()` sends results to the implicit sink (stdout by
 * default), `collect()` gathers them, async iteration streams them.
 */
export class Flow {
  private running?: Pipeline;

  constructor(
    private readonly make: (options: CompileOptions) => Pipeline,
    private readonly options: FlumeOptions,
  ) {
    // Compile once now so errors surface at once.
    make(options);
  }

  run(): Promise<RunSummary> {
    this.running = this.make(this.options);
    return this.running.run();
  }

  async collect(): Promise<Point[]> {
    const points: Point[] = [];
    this.running = this.make({ ...this.options, implicitSinkDef: Pipeline.collectSink(points) });
    await this.running.run();
    return points;
  }

  stop(): void {
    this.running?.stop();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Point> {
    const queue: Point[] = [];
    let wake: (() => void) | undefined;
    let finished = false;
    let failure: unknown;
    const sink: SinkDef = {
      kind: 'sink',
      name: 'iterate',
      summary: 'hands points to an async iterator',
      options: {},
      examples: [],
      create: () => ({
        write(batch) {
          for (const p of batch) queue.push(p);
          wake?.();
        },
        end() {},
      }),
    };
    this.running = this.make({ ...this.options, implicitSinkDef: sink });
    const done = this.running.run().then(
      () => {
        finished = true;
        wake?.();
      },
      (e: unknown) => {
        failure = e;
        finished = true;
        wake?.();
      },
    );
    try {
      for (;;) {
        while (queue.length > 0) yield queue.shift()!;
        if (finished) break;
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
      }
      if (failure) throw failure;
    } finally {
      if (!finished) this.running.stop();
      await done;
    }
  }
}

/** Compile a program text. */
export function flume(program: string, options: FlumeOptions = {}): Flow {
  return new Flow((o) => compile(program, registry(options), o), options);
}

// ---------------------------------------------------------------------------
// Builders: fragments of pipelines made from JS values.

/** A pipeline fragment; `.pipe()` appends stages, `.run()`/`.collect()` run it. */
export class PipelineFragment implements Fragment {
  readonly kind = 'fragment' as const;
  constructor(readonly stages: Stage[]) {}

  pipe(...next: PipelineFragment[]): PipelineFragment {
    return new PipelineFragment([...this.stages, ...next.flatMap((f) => f.stages)]);
  }

  flow(options: FlumeOptions = {}): Flow {
    const program: Program = { pipelines: [{ stages: this.stages, span: NO_SPAN }], source: '', file: '<builder>' };
    return new Flow((o) => compileProgram(program, registry(options), o), options);
  }

  run(options?: FlumeOptions): Promise<RunSummary> {
    return this.flow(options).run();
  }

  collect(options?: FlumeOptions): Promise<Point[]> {
    return this.flow(options).collect();
  }
}

/** An expression node, for options and reducer arguments: `expr('v * 2')`, `count()`. */
export interface ExprNode {
  readonly __expr: Expr;
}

export function expr(text: string): ExprNode {
  return { __expr: parseExpression(text) };
}

function isExprNode(v: unknown): v is ExprNode {
  return typeof v === 'object' && v !== null && '__expr' in v;
}

/** JS value → expression AST. Strings stay strings (an expr-typed option parses them). */
export function toExpr(v: unknown): Expr {
  if (isExprNode(v)) return v.__expr;
  if (v instanceof PipelineFragment) return { kind: 'pipeline', pipeline: { stages: v.stages, span: NO_SPAN } as PipelineAst, span: NO_SPAN };
  if (v === null || v === undefined) return { kind: 'literal', value: null, span: NO_SPAN };
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return { kind: 'literal', value: v, span: NO_SPAN };
  if (v instanceof TimeValue) return { kind: 'literal', value: v.toJSON(), span: NO_SPAN };
  if (v instanceof Date) return { kind: 'literal', value: v.toISOString(), span: NO_SPAN };
  if (v instanceof RegExp) return { kind: 'regex', pattern: v.source, flags: v.flags, span: NO_SPAN };
  if (Array.isArray(v)) return { kind: 'list', items: v.map(toExpr), span: NO_SPAN };
  if (typeof v === 'object') {
    return { kind: 'object', entries: Object.entries(v as Record<string, unknown>).map(([key, value]) => ({ key, value: toExpr(value) })), span: NO_SPAN };
  }
  throw new TypeError(`cannot use ${typeof v} as a flume value`);
}

function isPlainOptions(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !isExprNode(v) && !(v instanceof PipelineFragment) && !(v instanceof RegExp) && !(v instanceof Date) && !(v instanceof TimeValue);
}

/** A stage builder: positional arguments, then an optional object of keyword arguments. */
export function stage(name: string, ...args: unknown[]): PipelineFragment {
  const last = args[args.length - 1];
  const kw = args.length > 0 && isPlainOptions(last) ? (args.pop() as Record<string, unknown>) : {};
  const callArgs: Arg[] = [
    ...args.map((a) => ({ value: toExpr(a), span: NO_SPAN })),
    ...Object.entries(kw).map(([k, v]) => ({ name: k, nameSpan: NO_SPAN, value: toExpr(v), span: NO_SPAN })),
  ];
  return new PipelineFragment([{ kind: 'call', name, args: callArgs, span: NO_SPAN, nameSpan: NO_SPAN }]);
}

const builder =
  (name: string) =>
  (...args: unknown[]): PipelineFragment =>
    stage(name, ...args);

export const emit = builder('emit');
export const read = builder('read');
export const write = builder('write');
export const filter = builder('filter');
export const put = builder('put');
export const parse = builder('parse');
export const keep = builder('keep');
export const remove = builder('remove');
export const rename = builder('rename');
export const head = builder('head');
export const tail = builder('tail');
export const skip = builder('skip');
export const uniq = builder('uniq');
export const sort = builder('sort');
export const reduce = builder('reduce');
export const split = builder('split');
export const join = builder('join');
export const union = builder('union');
export const intersect = builder('intersect');
export const diff = builder('diff');
export const pace = builder('pace');
export const reorder = builder('reorder');

/** `(a, b)`: fan out (or merge sources) and fan back in, in time order. */
export function parallel(...branches: PipelineFragment[]): PipelineFragment {
  return new PipelineFragment([{ kind: 'group', pipelines: branches.map((b) => ({ stages: b.stages, span: NO_SPAN })), span: NO_SPAN }]);
}

/** Source pipelines one after another, as one stream. */
export function seq(...pipelines: PipelineFragment[]): PipelineFragment {
  return stage('seq', ...pipelines);
}

/** A reducer (or function) call inside put/reduce: `reducer('percentile', 'v', 0.95)`. */
export function reducer(name: string, ...args: unknown[]): ExprNode {
  const call: CallExpr = {
    kind: 'call',
    name,
    // A string names a field for reducers (`avg('cpu')`), as in programs.
    args: args.map((a) => ({ value: toExpr(a), span: NO_SPAN })),
    span: NO_SPAN,
    nameSpan: NO_SPAN,
  };
  return { __expr: call };
}

const r =
  (name: string) =>
  (...args: unknown[]): ExprNode =>
    reducer(name, ...args);

export const count = r('count');
export const sum = r('sum');
export const avg = r('avg');
export const mean = r('mean');
export const min = r('min');
export const max = r('max');
export const first = r('first');
export const last = r('last');
export const stddev = r('stddev');
export const variance = r('variance');
export const percentile = r('percentile');
export const median = r('median');
export const count_unique = r('count_unique');
export const values = r('values');
export const rate = r('rate');
export const iterate = r('iterate');
export const top = r('top');
