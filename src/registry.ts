/**
 * The one registry: every built-in component, plus what `.flumerc.ts` adds.
 * It sits above the language, runtime, processors and adapters, and is passed
 * to the resolver; nothing below imports it.
 */
import type { Expr } from './lang/ast.js';
import { compileExpr } from './lang/expr.js';
import type { AliasFn, Resolvable } from './lang/resolve.js';
import type { AdapterDef, CompileServices, StageDef } from './runtime/defs.js';
import type { CompiledExpr } from './runtime/component.js';
import type { FormatDef } from './adapters/formats/types.js';
import type { ReducerDef } from './procs/reducers/types.js';
import { reducers as builtinReducers } from './procs/reducers/index.js';
import { formats as builtinFormats } from './adapters/formats/index.js';
import { adapters as builtinAdapters } from './adapters/index.js';
import { procs as builtinStages } from './procs/index.js';

export type ComponentKind = 'stage' | 'reducer' | 'adapter' | 'format' | 'alias';

export class Registry {
  private readonly stages = new Map<string, StageDef>();
  private readonly reducerMap = new Map<string, ReducerDef>();
  private readonly adapterMap = new Map<string, AdapterDef>();
  private readonly formatMap = new Map<string, FormatDef>();
  private readonly aliases = new Map<string, AliasFn | StageDef>();
  /** Names as listed (aliases of reducers excluded), for help. */
  private readonly reducerList: ReducerDef[] = [];

  static builtin(): Registry {
    const r = new Registry();
    for (const s of builtinStages) r.addStage(s);
    for (const d of builtinReducers) r.addReducer(d);
    for (const a of builtinAdapters) r.addAdapter(a);
    for (const f of builtinFormats) r.addFormat(f);
    return r;
  }

  /** A copy, so rc reloads start from the built-ins. */
  clone(): Registry {
    const r = new Registry();
    for (const s of this.stages.values()) r.addStage(s);
    for (const d of this.reducerList) r.addReducer(d);
    for (const a of this.adapterMap.values()) r.addAdapter(a);
    for (const f of this.formatMap.values()) r.addFormat(f);
    for (const [k, v] of this.aliases) r.aliases.set(k, v);
    return r;
  }

  addStage(def: StageDef): void {
    this.stages.set(def.name, def);
    for (const a of def.aliases ?? []) this.stages.set(a, def);
  }

  addReducer(def: ReducerDef): void {
    this.reducerList.push(def);
    this.reducerMap.set(def.name, def);
    for (const a of def.aliases ?? []) this.reducerMap.set(a, def);
  }

  addAdapter(def: AdapterDef): void {
    this.adapterMap.set(def.name, def);
  }

  addFormat(def: FormatDef): void {
    this.formatMap.set(def.name, def);
  }

  addAlias(name: string, value: AliasFn | StageDef): void {
    this.aliases.set(name, value);
  }

  /** Everything a user can type, by kind (help, REPL completion, docs). */
  listStages(): StageDef[] {
    return [...new Set(this.stages.values())].filter((s) => s.name !== 'merge');
  }
  listReducers(): ReducerDef[] {
    return [...this.reducerList];
  }
  listAdapters(): AdapterDef[] {
    return [...this.adapterMap.values()];
  }
  listFormats(): FormatDef[] {
    return [...this.formatMap.values()];
  }
  listAliases(): string[] {
    return [...this.aliases.keys()];
  }

  stage(name: string): StageDef | undefined {
    return this.stages.get(name);
  }
  /** A name defined by an rc file (a function, program text or fragment; stages made with define* are stages). */
  alias(name: string): AliasFn | StageDef | undefined {
    return this.aliases.get(name);
  }
  reducer(name: string): ReducerDef | undefined {
    return this.reducerMap.get(name);
  }
  adapter(name: string): AdapterDef | undefined {
    return this.adapterMap.get(name);
  }
  format(name: string): FormatDef | undefined {
    return this.formatMap.get(name);
  }

  /** The view the resolver uses for one compile (expressions need :now:). */
  forRun(now: number, env: Readonly<Record<string, string | undefined>>): Resolvable {
    const services: CompileServices = {
      reducer: (n) => this.reducerMap.get(n),
      reducerNames: () => [...this.reducerMap.keys()],
      format: (n) => this.formatMap.get(n),
      formatNames: () => [...this.formatMap.keys()],
      adapter: (n) => this.adapterMap.get(n),
      adapterNames: () => [...this.adapterMap.keys()],
      compileExpr: (e, mismatches) => compileExpr(e as Expr, { now, mismatches }) as CompiledExpr,
      env,
    };
    return {
      stage: (n) => this.stages.get(n),
      stageNames: () => [...this.stages.keys()].filter((n) => n !== 'merge'),
      alias: (n) => this.aliases.get(n),
      aliasNames: () => [...this.aliases.keys()],
      services,
    };
  }
}
