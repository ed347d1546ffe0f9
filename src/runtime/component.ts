/**
 * What every component (source, processor, sink, adapter, format, reducer)
 * declares about itself: name, summary, typed option schema, examples.
 * `--help`, `flume help`, REPL completion and the reference docs are all
 * generated from these declarations.
 */
import type { Batch, Point } from './point.js';
import type { Clock } from './clock.js';

/**
 * Option types. The resolver turns program arguments into these JS values:
 * - number, integer, string, boolean, list, object, any: constants
 * - duration: {@link Duration}
 * - moment: epoch milliseconds (relative phrases resolved against :now:)
 * - expr: {@link CompiledExpr} (a string literal is parsed as an expression)
 * - exprs: a list of {@link LabelledExpr} (each item an expression, or a string parsed as one)
 * - ast: an expression left uncompiled, as its syntax tree (a string is parsed), for a stage that compiles it its own way
 * - field: a dotted field name (bare `name` or quoted `'name'`)
 * - fields: a list of dotted field names (a single one is accepted too)
 * - regex: a RegExp (from `/re/` or a string)
 * - pipeline: a {@link PipelineRef} the component can instantiate
 */
export type OptionType =
  | 'number'
  | 'integer'
  | 'string'
  | 'boolean'
  | 'list'
  | 'object'
  | 'any'
  | 'duration'
  | 'moment'
  | 'expr'
  | 'exprs'
  | 'ast'
  | 'field'
  | 'fields'
  | 'regex'
  | 'pipeline';

export interface OptionSpec {
  type: OptionType;
  /** One or more sentences for `flume help`. Required: a registry test checks it. */
  doc: string;
  default?: unknown;
  required?: boolean;
  /** Allowed values (strings) for enumerated options. */
  choices?: readonly string[];
  /** Also accept null (e.g. `time=null`). */
  nullable?: boolean;
  /** number/integer: the smallest value accepted; duration: the shortest (in ms; 0 refuses negative durations). */
  min?: number;
  /**
   * An adapter option that says where data goes when writing (a file, a topic,
   * an index): never defaulted from the shared FLUME_<ADAPTER>_<OPTION> variable
   * for writing (only FLUME_WRITE_<ADAPTER>_<OPTION>), and a program that reads
   * and writes the same place is a compile error. 'path' compares values as file
   * paths ('-' and '' are the standard streams).
   */
  destination?: true | 'path';
  /** An adapter option naming the system a destination lives in (brokers, url): same place only when these are equal too. */
  connection?: true;
  /** A duration that may be zero (durations must be longer than zero otherwise). */
  allowZero?: boolean;
  /** Older names still accepted for this option (kafka's `linger` for `flush`); giving both is an error. */
  aliases?: readonly string[];
}

export type OptionSchema = Record<string, OptionSpec>;

/** The value type the resolver gives for one option type (see {@link OptionType}). */
export interface OptionValueTypes {
  number: number;
  integer: number;
  string: string;
  boolean: boolean;
  list: unknown[];
  object: Record<string, unknown>;
  any: unknown;
  duration: Duration;
  moment: number;
  expr: CompiledExpr;
  exprs: LabelledExpr[];
  /** The expression's syntax tree (src/lang/ast.ts Expr): opaque to the runtime. */
  ast: unknown;
  field: string;
  fields: string[];
  regex: RegExp;
  /** The pipeline's syntax tree (src/lang/ast.ts Pipeline): opaque to the runtime. */
  pipeline: unknown;
}

/** One option's value: its choices as a union, null when nullable, undefined when it may be absent. */
export type OptionValue<S extends OptionSpec> = (S extends { choices: readonly (infer C extends string)[] }
  ? C
  : OptionValueTypes[S['type']])
  | (S extends { nullable: true } ? null : never)
  | (S extends { required: true } ? never : S extends { default: unknown } ? never : undefined);

/**
 * The options a component's `create` receives, typed from its schema: declare
 * the schema inline in `defineProc({ options: {...}, create(opts) {...} })`
 * and `opts.n` has the type its `type`, `choices`, `nullable` and `default` say.
 */
export type OptionsOf<O extends OptionSchema> = { -readonly [K in keyof O]: OptionValue<O[K]> };

/** Duration: calendar months (for `M` and `y`) plus exact milliseconds. */
export interface Duration {
  months: number;
  ms: number;
}

export interface CompiledExpr {
  /** Evaluate against one point. */
  (p: Point): unknown;
  /** The expression as written in the program (for --explain), when compiled from program text. */
  text?: string;
  /** The field paths (dotted) it reads, for the end-of-run report of names that never appeared (SPEC §12.7). */
  fields?: readonly string[];
}

/**
 * One operator of a stage's expressions met operands of different types
 * (a string and a number, a time and a non-time) this many times (SPEC §12.1).
 */
export interface TypeMismatchStat {
  what: 'comparison' | 'arithmetic';
  op: string;
  /** Kinds of the operands as met: 'string', 'number', 'time', 'boolean', 'list', 'object'. */
  left: string;
  right: string;
  /** The dotted field an operand reads, when it is a plain field reference. */
  leftField?: string;
  rightField?: string;
  /** What the operator gave: 'false', 'true' or 'null'. */
  result: string;
  count: number;
}

/** A compiled expression with its text as written (for names in output and messages). */
export interface LabelledExpr {
  eval: CompiledExpr;
  text: string;
}

export interface Example {
  /** A complete program (it may read `input` from stdin). */
  program: string;
  /** What it shows, one sentence. */
  title: string;
  /** JSON lines given on stdin, if any. */
  input?: string;
  /** Expected output (JSON lines), checked by the registry test. */
  output?: string;
  /**
   * A real service the example needs, named as its script (`docker`: scripts/services/docker.sh).
   * The registry unit test only compiles it; the service's integration test runs it.
   */
  needs?: string;
}

export interface ComponentDoc {
  name: string;
  summary: string;
  /** Longer prose, markdown. */
  description?: string;
  options: OptionSchema;
  /** Option names that may be given positionally, in order. */
  positional?: readonly string[];
  /** Extra positional arguments, collected as a list under this option name. */
  rest?: string;
  /**
   * Extra `name=value` arguments (put, reduce, rename), passed in order to the
   * component as {@link NamedArg}s with their expression AST untouched.
   */
  named?: { doc: string };
  examples: readonly Example[];
  aliases?: readonly string[];
}

// ---------------------------------------------------------------------------
// Running instances

/** Counters for one node: points in/out and drops by reason. */
export interface NodeStats {
  name: string;
  /** `line:col` of the stage in the program. */
  where: string;
  in: number;
  out: number;
  drops: Record<string, number>;
  /** First example of each drop reason. */
  dropExamples: Record<string, string>;
  warnings: Record<string, number>;
  /** Type mismatches met by the stage's expressions (SPEC §12.1). */
  mismatches?: TypeMismatchStat[];
  /** Field names the stage uses that no point it saw had (SPEC §12.7), filled at end of run. */
  unseen?: string[];
}

export interface RunContext {
  clock: Clock;
  /** :now:, fixed once per run. */
  now: number;
  /** Stop requested (Ctrl-C, stop()): sources end, the pipeline drains. */
  signal: AbortSignal;
  /** Count a dropped point (malformed, late, type-mismatch, ...) with an example. */
  drop(reason: string, example?: string, n?: number): void;
  /** A throttled warning. */
  warn(kind: string, message: string): void;
  /** The node's counters. */
  stats: NodeStats;
  /** True when the input points may also be seen by another branch: copy before modifying. */
  sharedInput: boolean;
  /** Where to write human messages (stderr). */
  log(message: string): void;
  /**
   * Fail the run from outside a call into the component (a sink whose
   * background send gave up while its sources are idle): the run stops with
   * this error. Absent in contexts that run no pipeline.
   */
  fail?(error: Error): void;
  /** Standard streams (tests and the REPL substitute their own). */
  io: { stdin: NodeJS.ReadableStream; stdout: NodeJS.WritableStream };
  /** Environment variables (FLUME_* defaults are already applied to options). */
  env: Readonly<Record<string, string | undefined>>;
}

/** What a source writes to. */
export interface SourceOutput {
  /**
   * Send a batch downstream (non-decreasing time, or timeless). `watermark`
   * defaults to the last point's time. Await the result: it is backpressure.
   */
  push(batch: Batch, watermark?: number): void | Promise<void>;
  /** Advance the watermark without points (idle live sources). */
  mark(watermark: number): void | Promise<void>;
  /** Downstream wants nothing more (head satisfied, or stop requested). */
  readonly done: boolean;
  /**
   * Resolves once every sink has flushed to its destination what it was given
   * so far (call it after awaiting `push`): the moment to commit offsets or
   * write a checkpoint. Points a processor still holds (an open reduce window,
   * a sort, a merge waiting for a slower branch) are not covered.
   */
  flushed(): Promise<void>;
}

/** The stage right after a source, offered to it by {@link SourceInstance.absorb}. */
export interface NextStage {
  /** The processor's name (`head`, `reduce`, ...). */
  name: string;
  /** Its resolved options (as its `create` received them). */
  opts: Readonly<Record<string, unknown>>;
  /** Its instance, for a source that finds at run time that it cannot do the work itself. */
  instance: ProcInstance;
}

export interface SourceInstance {
  /** Produce everything; resolve at end of stream. Check `out.done` and `ctx.signal` between batches. */
  run(out: SourceOutput): Promise<void>;
  /**
   * Pushdown: a source that can do the next stage's work itself (a query limit,
   * a server-side aggregation) returns true and is then responsible for that
   * stage's output, which must be identical to running the stage; the stage is
   * taken out of the graph. Offered again for the stage after, until it returns false.
   */
  absorb?(next: NextStage): boolean;
  /**
   * Text reuse: the sink writes `format`, and every stage between only sets
   * the top-level fields `sets` (in that order of first appearance). A source
   * reading that format may keep each record's text on its point as
   * `SOURCE_TEXT` (runtime/point.ts), when the text is exactly what the sink would write
   * for the record's fields and the record has none of the `sets` fields.
   * Returns whether it will.
   */
  keepText?(format: string, sets: readonly string[]): boolean;
}

/**
 * A processor. Outputs are appended to `out`; the runtime forwards them.
 * `mark` is called when the input watermark advances; it may emit (closing
 * windows) and returns the output watermark (default: the input's).
 */
export interface ProcInstance {
  push(batch: Batch, out: Point[]): void;
  mark?(watermark: number, out: Point[]): number | void;
  end?(out: Point[]): void;
  /** True once the processor wants no more input (head): upstream may stop. */
  readonly done?: boolean;
  /** For processors after a group (join, union, ...): points from branch `input`. */
  pushFrom?(input: number, batch: Batch, out: Point[]): void;
  /** For processors after a group: branch `input` has ended (before the points its end releases from the others arrive). */
  endFrom?(input: number, out: Point[]): void;
  /** Processors that must wait (pace) implement this instead of `push`. */
  pushAsync?(batch: Batch, emit: (points: Point[]) => void | Promise<void>): Promise<void>;
  /**
   * Output too long to give in one call (a run of empty windows across a
   * long gap): after each push, mark and end, called until it returns false,
   * each call adding a bounded part to `out`; the event loop runs in between.
   */
  more?(out: Point[]): boolean;
  /**
   * The only change this processor makes to the points it passes on is setting
   * these top-level fields (`[]`: none; it never copies a point). Absent: it
   * may change anything. Lets a sink reuse a source's record text.
   */
  readonly fieldsSet?: readonly string[];
}

export interface SinkInstance {
  write(batch: Batch): void | Promise<void>;
  /** True once the destination takes no more (a closed stdout): only the branches feeding this sink stop. */
  readonly done?: boolean;
  /**
   * Text reuse (see {@link SourceInstance.keepText}): points may arrive with
   * their record's text, changed since only by setting the fields `sets`.
   * Returns the format whose text this sink can write again (and from now on
   * does, for points that carry it), or undefined.
   */
  reuseText?(sets: readonly string[]): string | undefined;
  mark?(watermark: number): void | Promise<void>;
  /** Make what was written so far durable at the destination (acknowledged, on disk, handed to the OS). */
  flush?(): void | Promise<void>;
  /** Flush and close. */
  end(): void | Promise<void>;
}
