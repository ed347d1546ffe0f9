/**
 * The last two stages: resolved plan → running graph, and running it.
 * `compile()` is the one entry the CLI, the REPL and the module API share.
 */
import { isStackOverflow, parseProgram } from './lang/parse.js';
import type { Program } from './lang/ast.js';
import type { Registry } from './registry.js';
import { resolveProgram, type Plan, type PlanNode, type Resolvable, type ResolveOptions } from './lang/resolve.js';
import { FlumeError, locate, renderDiagnostic, runtimeError } from './lang/diagnostics.js';
import type { Clock } from './runtime/clock.js';
import { SystemClock } from './runtime/clock.js';
import type { NodeStats, ProcInstance, SinkInstance, SourceInstance, SourceOutput } from './runtime/component.js';
import type { CreateContext, SinkDef, StageDef } from './runtime/defs.js';
import { FanoutNode, MergeNode, nameError, newStats, NullNode, ProcNode, SinkNode, SourceRunner, type Node } from './runtime/graph.js';
import type { Point } from './runtime/point.js';
import { NameWatch } from './runtime/names.js';

export interface CompileOptions {
  /** File name for diagnostics. */
  file?: string;
  /** Program text or null (none), default `write('stdio')`. */
  implicitSink?: string | null;
  /** :now: (epoch ms); default the clock's now. */
  now?: number;
  clock?: Clock;
  env?: Readonly<Record<string, string | undefined>>;
  /** Where human messages go (default stderr). */
  log?: (message: string) => void;
  /** A source for pipelines that start with a processor (the CLI: read('stdio') when stdin is piped). */
  implicitSource?: string;
  /** Standard streams for stdio (default: the process's). */
  io?: { stdin: NodeJS.ReadableStream; stdout: NodeJS.WritableStream };
  /** Replaces the implicit sink (collect(), async iteration). */
  implicitSinkDef?: StageDef;
}

export interface RunSummary {
  /** Counters per node, in program order. */
  nodes: NodeStats[];
  durationMs: number;
  /** Total points dropped, all reasons. */
  dropped: number;
  /** The program reads grok (type-mismatch fixes then suggest typed captures). */
  readsGrok?: boolean;
}

export interface Built {
  runners: SourceRunner[];
  stats: NodeStats[];
  /** Per stage, the field names it expects (SPEC §12.7). */
  watches: { stats: NodeStats; watch: NameWatch }[];
}

/** One warning kind is printed in full this many times, then only counted. */
const WARN_IN_FULL = 3;

export class Pipeline {
  private readonly controller = new AbortController();
  private started = false;
  /** Rejects when a component fails the run from outside a call (RunContext.fail). */
  private failWith: ((e: Error) => void) | undefined;
  private readonly failed = new Promise<never>((_, reject) => (this.failWith = reject));
  private built?: Built;

  constructor(
    readonly plan: Plan,
    private readonly reg: Resolvable,
    private readonly options: Required<Pick<CompileOptions, 'env' | 'log' | 'io'>> & { clock: Clock; now: number },
  ) {
    // Failing after the run ended (or with nobody racing it) is no unhandled rejection.
    this.failed.catch(() => undefined);
  }

  /** Request a drain: sources stop, what is in flight is flushed. */
  stop(): void {
    this.controller.abort();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  async run(): Promise<RunSummary> {
    if (this.started) throw new Error('a pipeline runs once');
    this.started = true;
    const t0 = Date.now();
    const built = this.prepare();
    try {
      await Promise.race([Promise.all(built.runners.map((r) => r.run())), this.failed]);
    } catch (e) {
      this.controller.abort();
      throw e;
    }
    const dropped = built.stats.reduce((n, s) => n + Object.values(s.drops).reduce((a, b) => a + b, 0), 0);
    for (const { stats, watch } of built.watches) {
      const unseen = watch.unseen();
      if (unseen.length > 0) stats.unseen = unseen;
    }
    const readsGrok = this.plan.nodes.some((n) => n.opts['format'] === 'grok');
    return { nodes: built.stats, durationMs: Date.now() - t0, dropped, readsGrok };
  }

  /** Create every component (compile errors surface here, before anything runs). */
  prepare(): Built {
    this.built ??= this.instantiate();
    return this.built;
  }

  private instantiate(): Built {
    const stats: NodeStats[] = [];
    const instances = new Map<PlanNode, SourceInstance | ProcInstance | SinkInstance>();
    const nodeStats = new Map<PlanNode, NodeStats>();
    const shared = sharedInputs(this.plan);
    for (const n of this.plan.nodes) {
      const at = locate(n.source, n.span.start);
      const st = newStats(n.def.name, `${at.line}:${at.column}`);
      st.mismatches = n.mismatches;
      if (n.def.name !== 'merge') stats.push(st);
      nodeStats.set(n, st);
      const ctx = this.context(n, st, shared.has(n));
      try {
        instances.set(n, n.def.create(n.opts, ctx as CreateContext & { inputs: number }) as SourceInstance);
      } catch (e) {
        throw withSpan(e, n);
      }
    }
    for (const src of this.plan.sources) offerNextStages(src, instances);
    for (const src of this.plan.sources) offerTextReuse(src, instances);
    const built = new Map<PlanNode, Node>();
    const merges = new Map<PlanNode, MergeNode>();
    const watches: Built['watches'] = [];
    const nodeFor = (n: PlanNode): Node => {
      let node = built.get(n);
      if (node) return node;
      const inst = instances.get(n)!;
      const st = nodeStats.get(n)!;
      if (n.def.kind === 'sink') node = new SinkNode(inst as SinkInstance, st);
      else {
        const names = namesUsed(n);
        const watch = names.length > 0 ? new NameWatch(names) : undefined;
        if (watch !== undefined) watches.push({ stats: st, watch });
        node = new ProcNode(inst as ProcInstance, nextOf(n), st, watch);
      }
      built.set(n, node);
      return node;
    };
    const inputFor = (succ: PlanNode, pred: PlanNode): Node => {
      if (succ.predecessors.length <= 1) return nodeFor(succ);
      let merge = merges.get(succ);
      if (!merge) {
        const target = nodeFor(succ);
        const tagged = succ.def.kind === 'proc' && succ.def.multiInput ? (target as ProcNode) : undefined;
        merge = new MergeNode(succ.predecessors.length, target, tagged, !sharesUpstream(succ.predecessors));
        merges.set(succ, merge);
      }
      return merge.input(succ.predecessors.indexOf(pred));
    };
    const nextOf = (n: PlanNode): Node => {
      if (n.successors.length === 0) return new NullNode();
      if (n.successors.length === 1) return inputFor(n.successors[0]!, n);
      return new FanoutNode(n.successors.map((s) => inputFor(s, n)));
    };
    const runners = this.plan.sources.map((src) => {
      const inst = instances.get(src) as SourceInstance;
      if (src.subPlans) attachSubPlans(inst, src.subPlans, instances, nodeStats);
      return new SourceRunner(inst, nextOf(src), nodeStats.get(src)!, this.controller.signal);
    });
    return { runners, stats, watches };
  }

  private context(n: PlanNode, stats: NodeStats, sharedInput: boolean): CreateContext & { inputs: number } {
    const warned: Record<string, number> = {};
    const log = this.options.log;
    return {
      clock: this.options.clock,
      now: this.options.now,
      signal: this.controller.signal,
      stats,
      sharedInput,
      env: this.options.env,
      io: this.options.io,
      services: this.reg.services,
      inputs: Math.max(1, n.predecessors.length),
      log,
      fail: (e: Error) => {
        this.controller.abort();
        this.failWith?.(nameError(e, stats) as Error);
      },
      drop(reason: string, example?: string, count = 1) {
        stats.drops[reason] = (stats.drops[reason] ?? 0) + count;
        if (example !== undefined && stats.dropExamples[reason] === undefined) stats.dropExamples[reason] = example;
      },
      warn(kind: string, message: string) {
        stats.warnings[kind] = (stats.warnings[kind] ?? 0) + 1;
        const seen = (warned[kind] = (warned[kind] ?? 0) + 1);
        if (seen <= WARN_IN_FULL) log(`warning: ${n.def.name} (${stats.where}): ${message}`);
        else if (seen === WARN_IN_FULL + 1) log(`warning: ${n.def.name} (${stats.where}): more \`${kind}\` warnings are counted, not shown`);
      },
    };
  }

  /** Run and gather what reaches the implicit sink. */
  static collectSink(into: Point[]): SinkDef {
    return {
      kind: 'sink',
      name: 'collect',
      summary: 'gathers points in memory (module API)',
      options: {},
      examples: [],
      create: () => ({
        write(batch) {
          for (const p of batch) into.push(p);
        },
        end() {},
      }),
    };
  }
}

/** The field names a processor expects in its input: its own (rename, keep, remove, filter) and its `by`. */
function namesUsed(n: PlanNode): string[] {
  if (n.def.kind !== 'proc') return [];
  const by = n.opts['by'];
  const own = n.def.namesUsed?.(n.opts) ?? [];
  return [...own, ...(Array.isArray(by) ? by.filter((b): b is string => typeof b === 'string') : [])];
}

/**
 * Pushdown: offer the stages that follow a source in a straight line to the
 * source; a stage it absorbs is spliced out of the graph (the source produces
 * that stage's output).
 */
function offerNextStages(src: PlanNode, instances: Map<PlanNode, SourceInstance | ProcInstance | SinkInstance>): void {
  const source = instances.get(src) as SourceInstance;
  if (source.absorb === undefined) return;
  for (;;) {
    if (src.successors.length !== 1) return;
    const next = src.successors[0]!;
    if (next.def.kind !== 'proc' || next.predecessors.length !== 1 || next.def.multiInput) return;
    if (!source.absorb({ name: next.def.name, opts: next.opts, instance: instances.get(next) as ProcInstance })) return;
    next.absorbedBy = src;
    src.successors = next.successors;
    for (const s of next.successors) s.predecessors = s.predecessors.map((p) => (p === next ? src : p));
  }
}

/**
 * Text reuse: on a straight line from a source to a sink through processors
 * that only set declared fields, the sink may write a record's text again
 * instead of serialising the point (when it writes the format the source
 * reads). Asked of the sink first: it says which format it can reuse.
 */
function offerTextReuse(src: PlanNode, instances: Map<PlanNode, SourceInstance | ProcInstance | SinkInstance>): void {
  const source = instances.get(src) as SourceInstance;
  if (source.keepText === undefined) return;
  const sets: string[] = [];
  for (let n = src; ; ) {
    if (n.successors.length !== 1) return;
    const next = n.successors[0]!;
    if (next.predecessors.length !== 1) return;
    if (next.def.kind === 'sink') {
      const format = (instances.get(next) as SinkInstance).reuseText?.(sets);
      if (format !== undefined && source.keepText(format, sets)) src.textReuse = sets;
      return;
    }
    if (next.def.kind !== 'proc' || next.def.multiInput) return;
    const fields = (instances.get(next) as ProcInstance).fieldsSet;
    if (fields === undefined) return;
    for (const f of fields) if (!sets.includes(f)) sets.push(f);
    n = next;
  }
}

/** True when two of these nodes are fed, directly or not, by the same node (a fan-out). */
function sharesUpstream(inputs: readonly PlanNode[]): boolean {
  const seen = new Set<PlanNode>();
  for (const input of inputs) {
    const mine = new Set<PlanNode>();
    const stack = [input];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (mine.has(n)) continue;
      mine.add(n);
      stack.push(...n.predecessors);
    }
    for (const n of mine) if (seen.has(n)) return true;
    for (const n of mine) seen.add(n);
  }
  return false;
}

/** Nodes whose input points may also be seen by another branch (copy before modifying). */
function sharedInputs(plan: Plan): Set<PlanNode> {
  const shared = new Set<PlanNode>();
  const visit = (n: PlanNode, inherited: boolean): void => {
    const fan = n.successors.length > 1;
    for (const s of n.successors) {
      const sh = inherited || fan;
      if (sh && !shared.has(s)) {
        shared.add(s);
        visit(s, true);
      } else if (!sh) visit(s, false);
    }
  };
  for (const s of plan.sources) visit(s, false);
  for (const n of plan.nodes) if (n.subPlans) for (const sp of n.subPlans) if (sp[0]) visit(sp[0], false);
  return shared;
}

/** seq(): each sub-pipeline runs its own source through its own processors into seq's output. */
function attachSubPlans(
  seq: SourceInstance,
  subPlans: PlanNode[][],
  instances: Map<PlanNode, unknown>,
  nodeStats: Map<PlanNode, NodeStats>,
): void {
  const chains = subPlans.map((chain) => ({
    run: async (out: SourceOutput): Promise<void> => {
      const sink: Node = {
        get done() {
          return out.done;
        },
        push: (b) => out.push(b),
        mark: () => undefined,
        end: () => undefined,
        flush: () => out.flushed(),
      };
      let next: Node = sink;
      for (let i = chain.length - 1; i >= 1; i--) {
        next = new ProcNode(instances.get(chain[i]!) as ProcInstance, next, nodeStats.get(chain[i]!)!);
      }
      const source = instances.get(chain[0]!) as SourceInstance;
      const runner = new SourceRunner(source, next, nodeStats.get(chain[0]!)!, new AbortController().signal);
      await runner.run();
    },
  }));
  (seq as { chains?: unknown }).chains = chains;
}

function withSpan(e: unknown, n: PlanNode): unknown {
  if (e instanceof FlumeError) {
    if (!e.diagnostic.span && e.exitCode === 2) return new FlumeError({ ...e.diagnostic, span: n.span }, e.exitCode);
    return e;
  }
  if (isStackOverflow(e)) return new FlumeError({ code: 'too-deep', message: `${n.def.name}: an expression nests too deeply`, span: n.span, hints: ['split long chains of operators'] }, 2);
  if (e instanceof Error) return new FlumeError({ code: 'bad-option', message: `${n.def.name}: ${e.message}`, span: n.span, hints: [] }, 2);
  return e;
}

/** text → tokens → CST → AST → resolved plan → Pipeline (created, not yet running). */
export function compile(text: string, reg: Registry, options: CompileOptions = {}): Pipeline {
  const file = options.file ?? '<program>';
  const program = parseProgram(text, file);
  try {
    return compileProgram(program, reg, options);
  } catch (e) {
    // An expression of thousands of chained operators recurses that deep when it is compiled.
    if (!isStackOverflow(e)) throw e;
    throw new FlumeError({ code: 'too-deep', message: 'the program nests too deeply', span: { start: 0, end: Math.max(1, text.length) }, hints: ['split long chains of operators or stages'], source: text, file }, 2);
  }
}

/** From an AST (the builder API makes these without text). */
export function compileProgram(program: Program, reg: Registry, options: CompileOptions = {}): Pipeline {
  // A fixed :now: without a clock paces live points from it, as --now does (§11.13).
  const clock = options.clock ?? (options.now !== undefined ? SystemClock.startingAt(options.now) : new SystemClock());
  const now = options.now ?? clock.now();
  const env = options.env ?? process.env;
  const view = reg.forRun(now, env);
  const resolveOptions: ResolveOptions = {
    now,
    implicitSource: options.implicitSource,
    implicitSink: options.implicitSinkDef ?? (options.implicitSink === undefined ? "write('stdio')" : options.implicitSink),
  };
  const plan = resolveProgram(program, view, resolveOptions);
  const pipeline = new Pipeline(plan, view, {
    clock,
    now,
    env,
    io: options.io ?? { stdin: process.stdin, stdout: process.stdout },
    log: options.log ?? ((m) => process.stderr.write(m + '\n')),
  });
  pipeline.prepare();
  return pipeline;
}

export function renderError(e: unknown, source?: string, file?: string): string {
  if (e instanceof FlumeError) return renderDiagnostic(e.diagnostic, source, file);
  if (e instanceof Error) return renderDiagnostic({ code: 'internal', message: e.message, hints: [] });
  return String(e);
}

export { runtimeError };
