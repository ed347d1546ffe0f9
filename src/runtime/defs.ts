/**
 * Component definitions: one file per component exports one of these.
 * The registry lists them; the resolver validates options against `options`
 * and calls `create` at compile time (so errors raised there are compile errors).
 */
import type { ComponentDoc, OptionSchema, OptionsOf, ProcInstance, RunContext, SinkInstance, SourceInstance } from './component.js';
import type { CompiledExpr, TypeMismatchStat } from './component.js';

/** An argument given as `name=value` to a component declaring `named` (put, reduce, rename). */
export interface NamedArg<E = unknown> {
  name: string;
  /** The expression AST (src/lang/ast.ts Expr), untouched. */
  value: E;
  /** Offsets of the argument in the program, for diagnostics. */
  span: { start: number; end: number };
}

/** Services a component may need at compile time, passed in (components never import the registry). */
export interface CompileServices<R = unknown, F = unknown> {
  /** A reducer by name or alias (user-defined ones included). */
  reducer(name: string): R | undefined;
  reducerNames(): string[];
  /** A format by name. */
  format(name: string): F | undefined;
  formatNames(): string[];
  /**
   * Compile an expression AST (strings are parsed as expressions). Operators
   * meeting operands of different types count into `mismatches` (SPEC §12.1).
   */
  compileExpr(expr: unknown, mismatches?: TypeMismatchStat[]): CompiledExpr;
  /** An adapter by name (read/write resolve their options through it). */
  adapter(name: string): AdapterDef | undefined;
  adapterNames(): string[];
  /** Environment, for FLUME_<ADAPTER>_<OPTION> defaults. */
  env: Readonly<Record<string, string | undefined>>;
}

/**
 * A stage whose options depend on its first positional argument (read and
 * write: the adapter name picks the schema). Returns the full schema, or a
 * diagnostic message and hints when the first argument is not acceptable.
 */
export type OptionsFor = (
  first: unknown,
  services: CompileServices,
) => { options: OptionSchema } | { error: string; hints: string[] };

/**
 * A place a stage reads from or writes to (a file, a topic, an index), so the
 * resolver can refuse a program that writes where it reads (it would destroy
 * its own input). `key` identifies the place; a read place with `covers`
 * (a pattern, a list) also takes in other keys.
 */
export interface Place {
  /** For messages: "file /tmp/a.jsonl". */
  label: string;
  key: string;
  covers?: (key: string) => boolean;
}

/** The places a stage with these (resolved) options reads or writes. */
export type PlacesOf = (opts: Record<string, unknown>, services: CompileServices) => Place[];

export interface CreateContext extends RunContext {
  services: CompileServices;
}

export interface SourceDef extends ComponentDoc {
  optionsFor?: OptionsFor;
  /** Where it reads (see {@link Place}). */
  places?: PlacesOf;
  kind: 'source';
  create(opts: Record<string, unknown>, ctx: CreateContext): SourceInstance;
}

export interface ProcDef extends ComponentDoc {
  optionsFor?: OptionsFor;
  /** The option whose value `optionsFor` receives (default: the first positional one). */
  optionsFrom?: string;
  kind: 'proc';
  /** Has windows or time semantics: a compile error after `sort`. */
  windowed?: boolean | ((opts: Record<string, unknown>) => boolean);
  /** Removes `time` from its output (sort): later windowed processors are rejected. */
  dropsTime?: (opts: Record<string, unknown>) => boolean;
  /** Takes the branches of a preceding group separately (join, union, intersect, diff). */
  multiInput?: boolean;
  /**
   * Field names the stage expects in its input (besides `by`): those no input
   * point had are reported at end of run (SPEC §12.7).
   */
  namesUsed?: (opts: Record<string, unknown>) => readonly string[];
  create(opts: Record<string, unknown>, ctx: CreateContext & { inputs: number }): ProcInstance;
}

export interface SinkDef extends ComponentDoc {
  optionsFor?: OptionsFor;
  /** Where it writes: a program reading one of them is a compile error. */
  places?: PlacesOf;
  kind: 'sink';
  create(opts: Record<string, unknown>, ctx: CreateContext): SinkInstance;
}

export type StageDef = SourceDef | ProcDef | SinkDef;

/** An external system usable by `read('<name>', ...)` and/or `write('<name>', ...)`. */
export interface AdapterDef {
  name: string;
  summary: string;
  description?: string;
  /** Reads or writes bytes through a format (`format=` and the format's options apply). */
  bytes?: boolean;
  read?: {
    options: OptionSchema;
    create(opts: Record<string, unknown>, ctx: CreateContext): SourceInstance;
  };
  write?: {
    options: OptionSchema;
    create(opts: Record<string, unknown>, ctx: CreateContext): SinkInstance;
  };
  examples: ComponentDoc['examples'];
}

/** A definition as written in its file: `create` receives options typed from `options`. */
type Typed<D extends { options: OptionSchema }, O extends OptionSchema, C, I> = Omit<D, 'kind' | 'options' | 'create'> & {
  options: O;
  create(opts: TypedOptions<O>, ctx: C): I;
};

/** What `create` receives: the schema's options, and the `name=value` arguments of a component declaring `named`. */
export type TypedOptions<O extends OptionSchema> = OptionsOf<O> & { $named?: NamedArg[] };

/*
 * The registry holds definitions with their option types erased (it lists
 * components of every shape); the resolver validates options against the
 * schema before `create` runs, which is what makes the erasure sound.
 */
export function defineSource<const O extends OptionSchema>(def: Typed<SourceDef, O, CreateContext, SourceInstance>): SourceDef {
  return { kind: 'source', ...def } as unknown as SourceDef;
}
export function defineProc<const O extends OptionSchema>(
  def: Omit<Typed<ProcDef, O, CreateContext & { inputs: number }, ProcInstance>, 'dropsTime' | 'namesUsed'> & {
    dropsTime?: (opts: TypedOptions<O>) => boolean;
    namesUsed?: (opts: TypedOptions<O>) => readonly string[];
  },
): ProcDef {
  return { kind: 'proc', ...def } as unknown as ProcDef;
}
export function defineSink<const O extends OptionSchema>(def: Typed<SinkDef, O, CreateContext, SinkInstance>): SinkDef {
  return { kind: 'sink', ...def } as unknown as SinkDef;
}

/** One direction of an adapter as written: `create` receives options typed from `options`. */
export interface AdapterSide<O extends OptionSchema, I> {
  options: O;
  create(opts: TypedOptions<O>, ctx: CreateContext): I;
}

export function defineAdapter<const R extends OptionSchema, const W extends OptionSchema>(
  def: Omit<AdapterDef, 'read' | 'write'> & { read?: AdapterSide<R, SourceInstance>; write?: AdapterSide<W, SinkInstance> },
): AdapterDef {
  return def as unknown as AdapterDef;
}
