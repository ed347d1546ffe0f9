/**
 * Resolution: AST → a graph plan of source, processor and sink nodes with
 * typed, validated options. Names resolve to aliases first, then built-in
 * stages, all looked up through the registry that is passed in.
 */
import type { Arg, Expr, Pipeline, Program, Span, Stage, StageCall } from './ast.js';
import { compileError, didYouMean, FlumeError, locate } from './diagnostics.js';
import type { CompiledExpr, OptionSchema, OptionSpec, TypeMismatchStat } from '../runtime/component.js';
import type { CompileServices, NamedArg, Place, StageDef } from '../runtime/defs.js';
import { parseDuration, parseMoment } from '../runtime/time.js';
import { constantValue, fieldPathOf, fieldsRead } from './expr.js';
import { parseExpression, parseProgram } from './parse.js';

/** A pipeline fragment made by the builder API or an rc alias. */
export interface Fragment {
  readonly kind: 'fragment';
  readonly stages: Stage[];
}

export function isFragment(v: unknown): v is Fragment {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'fragment' && Array.isArray((v as Fragment).stages);
}

/** What an alias expands to when called with constant arguments. */
export type AliasFn = (...args: unknown[]) => unknown;

/** The lookups the resolver needs; the registry implements it. */
export interface Resolvable {
  stage(name: string): StageDef | undefined;
  stageNames(): string[];
  alias(name: string): AliasFn | StageDef | undefined;
  aliasNames(): string[];
  services: CompileServices;
}

export interface ResolveOptions {
  /** `write('stdio')` by default; null disables it (points are discarded); a sink definition is used as is (collect()). */
  implicitSink?: string | null | StageDef;
  /** :now: in epoch ms. */
  now: number;
  /**
   * Program text of a source put in front of a top-level pipeline that starts
   * with a processor (`cat x | flume "filter(...)"`); unset: that is an error.
   */
  implicitSource?: string;
}

export interface PlanNode {
  id: number;
  def: StageDef;
  opts: Record<string, unknown>;
  span: Span;
  /** Source text the span points into. */
  source: string;
  successors: PlanNode[];
  predecessors: PlanNode[];
  /** A seq() source's sub-pipelines. */
  subPlans?: PlanNode[][];
  /** Set when the source before this stage does its work (pushdown): the stage is out of the graph. */
  absorbedBy?: PlanNode;
  /** Set on a source whose sink writes its records' text again (text reuse): the fields set in between. */
  textReuse?: readonly string[];
  /** Type mismatches its expression options count while running (SPEC §12.1). */
  mismatches: TypeMismatchStat[];
}

export interface Plan {
  nodes: PlanNode[];
  sources: PlanNode[];
  source: string;
  file: string;
}

interface Tail {
  node: PlanNode;
  /** Points after this node have no `time` (after sort): windows are refused. */
  timeDropped: boolean;
}

const MAX_ALIAS_DEPTH = 32;

export function resolveProgram(program: Program, reg: Resolvable, options: ResolveOptions): Plan {
  return new Resolver(program, reg, options).resolve();
}

class Resolver {
  private readonly nodes: PlanNode[] = [];
  private nextId = 0;
  /** The counters of the stage whose options are being bound (its node takes them). */
  private mismatches: TypeMismatchStat[] = [];
  private aliasDepth = 0;

  constructor(
    private readonly program: Program,
    private readonly reg: Resolvable,
    private readonly options: ResolveOptions,
  ) {}

  resolve(): Plan {
    const sources: PlanNode[] = [];
    for (const pipeline of this.program.pipelines) {
      if (pipeline.stages.length === 0) continue;
      const tails = this.buildStages(this.withImplicitSource(pipeline), []);
      this.finishWithImplicitSink(tails, pipeline.span);
    }
    this.refuseWritingWhereRead();
    for (const n of this.nodes) if (n.def.kind === 'source' && n.predecessors.length === 0) sources.push(n);
    if (sources.length === 0) {
      throw compileError('no-source', 'the program has no source', { start: 0, end: Math.max(1, this.program.source.length) }, [
        'start a pipeline with emit(...), read(...) or seq(...)',
      ]);
    }
    return { nodes: this.nodes, sources: sources.filter((s) => !this.isSubPlanNode(s)), source: this.program.source, file: this.program.file };
  }

  /** A sink writing a place a source reads (the file, topic or index) would destroy or loop on its own input. */
  private refuseWritingWhereRead(): void {
    const services = this.reg.services;
    const read: { place: Place; node: PlanNode }[] = [];
    for (const n of this.nodes) {
      if (n.def.kind === 'source' && n.def.places) for (const place of n.def.places(n.opts, services)) read.push({ place, node: n });
    }
    if (read.length === 0) return;
    for (const n of this.nodes) {
      if (n.def.kind !== 'sink' || !n.def.places) continue;
      for (const w of n.def.places(n.opts, services)) {
        const r = read.find(({ place }) => place.key === w.key || place.covers?.(w.key) === true);
        if (r === undefined) continue;
        const at = locate(this.program.source, r.node.span.start);
        throw compileError('writes-input', `this writes to ${w.label}, which the program also reads (${r.place.label}, line ${at.line} column ${at.column})`, n.span, [
          'writing where the program reads would destroy or loop on its input: write somewhere else',
        ]);
      }
    }
  }

  private withImplicitSource(pipeline: Pipeline): Stage[] {
    const first = pipeline.stages[0]!;
    const text = this.options.implicitSource;
    if (text === undefined || first.kind !== 'call' || this.reg.alias(first.name) !== undefined) return pipeline.stages;
    const def = this.reg.stage(first.name);
    if (!def || def.kind === 'source') return pipeline.stages;
    const source = parseProgram(text, 'implicit source').pipelines[0]?.stages ?? [];
    return [...source.map((s) => respan(s, { start: first.span.start, end: first.span.start })), ...pipeline.stages];
  }

  private subPlanNodes = new Set<PlanNode>();
  private isSubPlanNode(n: PlanNode): boolean {
    return this.subPlanNodes.has(n);
  }

  private finishWithImplicitSink(tails: Tail[], span: Span): void {
    if (tails.length === 0) return;
    const sinkText = this.options.implicitSink === undefined ? "write('stdio')" : this.options.implicitSink;
    if (sinkText === null) return;
    if (typeof sinkText !== 'string') {
      const node = this.addNode(sinkText, {}, { start: span.end, end: span.end });
      link(this.joinTails(tails, span).node, node);
      return;
    }
    const sinkProgram = parseProgram(sinkText, '--implicit-sink');
    const stages = sinkProgram.pipelines[0]?.stages ?? [];
    const remapped = stages.map((s) => respan(s, { start: span.end, end: span.end }));
    this.buildStages(remapped, tails);
  }

  private buildStages(stages: Stage[], inputs: Tail[]): Tail[] {
    let tails = inputs;
    for (const stage of stages) tails = this.buildStage(stage, tails);
    return tails;
  }

  private buildStage(stage: Stage, tails: Tail[]): Tail[] {
    if (stage.kind === 'group') return this.buildGroup(stage.pipelines, tails, stage.span);
    const alias = this.reg.alias(stage.name);
    if (alias !== undefined && typeof alias === 'function') return this.expandAlias(stage, alias, tails);
    const def = (alias as StageDef | undefined) ?? this.reg.stage(stage.name);
    if (!def) {
      const names = [...this.reg.stageNames(), ...this.reg.aliasNames()];
      throw compileError('unknown-processor', `unknown processor \`${stage.name}\``, stage.nameSpan, didYouMean(stage.name, names));
    }
    return this.buildCall(stage, def, tails);
  }

  private buildGroup(pipelines: Pipeline[], tails: Tail[], span: Span): Tail[] {
    const out: Tail[] = [];
    if (tails.length === 0) {
      for (const p of pipelines) out.push(...this.buildStages(p.stages, []));
      return out;
    }
    const input = this.joinTails(tails, span);
    for (const p of pipelines) {
      if (p.stages.length === 0) {
        out.push(input);
        continue;
      }
      out.push(...this.buildStages(p.stages, [input]));
    }
    return out;
  }

  /** Several tails feeding one non-multi-input stage go through an implicit time-ordered merge: the stage itself. */
  private joinTails(tails: Tail[], span: Span): Tail {
    if (tails.length === 1) return tails[0]!;
    const def = this.reg.stage('merge');
    if (!def) throw compileError('internal', 'no merge stage registered', span);
    const node = this.addNode(def, {}, span);
    for (const t of tails) link(t.node, node);
    return { node, timeDropped: tails.some((t) => t.timeDropped) };
  }

  private expandAlias(stage: StageCall, fn: AliasFn, tails: Tail[]): Tail[] {
    if (++this.aliasDepth > MAX_ALIAS_DEPTH) {
      throw compileError('alias-loop', `alias \`${stage.name}\` expands into itself`, stage.nameSpan);
    }
    try {
      const args = stage.args.map((a) => {
        if (a.name !== undefined) throw compileError('bad-option', `alias \`${stage.name}\` takes positional arguments only`, a.span);
        const c = constantValue(a.value);
        if (!c.ok) throw compileError('bad-option', `alias arguments must be constants`, a.value.span);
        return c.value;
      });
      let result: unknown;
      try {
        result = fn(...args);
      } catch (e) {
        if (e instanceof FlumeError) throw e;
        throw compileError('alias-error', `alias \`${stage.name}\` failed: ${(e as Error).message}`, stage.span);
      }
      let stages: Stage[];
      if (typeof result === 'string') {
        const program = parseProgram(result, `alias ${stage.name}`);
        stages = program.pipelines[0]?.stages ?? [];
      } else if (isFragment(result)) {
        stages = result.stages;
      } else {
        throw compileError('alias-error', `alias \`${stage.name}\` must return a pipeline fragment or a program string`, stage.span);
      }
      return this.buildStages(
        stages.map((s) => respan(s, stage.span)),
        tails,
      );
    } finally {
      this.aliasDepth--;
    }
  }

  private buildCall(stage: StageCall, def: StageDef, tails: Tail[]): Tail[] {
    if (def.kind === 'source') {
      if (tails.length > 0) {
        throw compileError('source-in-middle', `\`${stage.name}\` is a source and cannot follow another stage`, stage.nameSpan, [
          'put sources at the start of a pipeline, or merge them with a group: (a, b) | ...',
        ]);
      }
      const opts = this.bindOptions(stage, def);
      const node = this.addNode(def, opts, stage.span);
      if (def.name === 'seq') node.subPlans = this.buildSubPlans(stage, opts);
      return [{ node, timeDropped: false }];
    }
    if (tails.length === 0) {
      throw compileError('no-source', `pipeline without a source: \`${stage.name}\` has no input`, stage.nameSpan, [
        'start a pipeline with emit(...), read(...) or seq(...)',
      ]);
    }
    const timeDropped = tails.some((t) => t.timeDropped);
    const opts = this.bindOptions(stage, def);
    const windowed = def.kind === 'proc' && (typeof def.windowed === 'function' ? def.windowed(opts) : def.windowed === true);
    if (windowed && timeDropped) {
      throw compileError('window-after-sort', `\`${stage.name}\` needs time-ordered points, but a preceding sort reordered them`, stage.nameSpan, [
        'move the sort after this stage, or sort by time with sort()',
      ]);
    }
    const node = this.addNode(def, opts, stage.span);
    if (def.kind === 'proc' && def.multiInput) {
      for (const t of tails) link(t.node, node);
    } else {
      link(this.joinTails(tails, stage.span).node, node);
    }
    if (def.kind === 'sink') return [];
    const drops = def.kind === 'proc' && def.dropsTime ? def.dropsTime(opts) : false;
    return [{ node, timeDropped: drops || timeDropped }];
  }

  private buildSubPlans(stage: StageCall, opts: Record<string, unknown>): PlanNode[][] {
    const pipelines = (opts['pipelines'] as Pipeline[] | undefined) ?? [];
    return pipelines.map((p) => {
      const before = this.nodes.length;
      const tails = this.buildStages(p.stages, []);
      const created = this.nodes.slice(before);
      for (const n of created) this.subPlanNodes.add(n);
      const chain = created;
      if (tails.length !== 1 || chain.some((n) => n.def.kind === 'sink' || n.successors.length > 1)) {
        throw compileError('bad-option', `each \`${stage.name}\` argument must be one source pipeline without sinks or groups`, stage.span);
      }
      return chain;
    });
  }

  private addNode(def: StageDef, opts: Record<string, unknown>, span: Span): PlanNode {
    const node: PlanNode = { id: this.nextId++, def, opts, span, source: this.program.source, successors: [], predecessors: [], mismatches: this.mismatches };
    this.mismatches = [];
    this.nodes.push(node);
    return node;
  }

  // -------------------------------------------------------------------------
  // Options

  private bindOptions(stage: StageCall, def: StageDef): Record<string, unknown> {
    let schema: OptionSchema = def.options;
    const positionalNames = [...(def.positional ?? [])];
    const positional = stage.args.filter((a) => a.name === undefined);
    const keyword = stage.args.filter((a) => a.name !== undefined);
    const firstIdx = stage.args.findIndex((a) => a.name !== undefined);
    if (firstIdx >= 0 && stage.args.slice(firstIdx).some((a) => a.name === undefined)) {
      const bad = stage.args.slice(firstIdx).find((a) => a.name === undefined)!;
      throw compileError('bad-argument', 'positional argument after a keyword argument', bad.span);
    }
    if (def.optionsFor) {
      // The option that picks the schema: the first positional one, unless the stage names another (parse: `format`).
      const firstName = (def.kind === 'proc' ? def.optionsFrom : undefined) ?? positionalNames[0];
      const at = firstName === undefined ? -1 : positionalNames.indexOf(firstName);
      const firstArg = (at >= 0 ? positional[at] : undefined) ?? keyword.find((k) => k.name === firstName);
      const first = firstArg ? constantValue(firstArg.value) : { ok: false as const };
      const r = def.optionsFor(first.ok ? first.value : undefined, this.reg.services);
      if ('error' in r) throw compileError('bad-option', r.error, firstArg?.value.span ?? stage.nameSpan, r.hints);
      schema = r.options;
    }
    const opts: Record<string, unknown> = {};
    const given = new Set<string>();
    const named: NamedArg<Expr>[] = [];
    const rest: unknown[] = [];
    positional.forEach((arg, i) => {
      const name = positionalNames[i];
      if (name !== undefined) {
        opts[name] = this.convert(name, schema[name]!, arg.value, stage);
        given.add(name);
      } else if (def.rest !== undefined) {
        rest.push(this.convertRest(def.rest, schema[def.rest], arg.value, stage));
      } else {
        throw compileError('bad-argument', `\`${stage.name}\` takes at most ${positionalNames.length} positional argument${positionalNames.length === 1 ? '' : 's'}`, arg.span, usageHints(def, schema));
      }
    });
    if (def.rest !== undefined && (rest.length > 0 || !given.has(def.rest))) {
      if (rest.length > 0 || opts[def.rest] === undefined) opts[def.rest] = rest;
    }
    for (const arg of keyword) {
      const name = optionNamed(schema, arg.name!);
      const spec = schema[name];
      if (spec && !(def.rest === name && rest.length > 0)) {
        if (given.has(name)) {
          const how = name === arg.name ? '' : ` (\`${arg.name}\` is another name for it)`;
          throw compileError('duplicate-option', `option \`${name}\` given twice${how}`, arg.nameSpan ?? arg.span);
        }
        opts[name] = this.convert(name, spec, arg.value, stage);
        given.add(name);
      } else if (def.named) {
        named.push({ name, value: arg.value, span: arg.span });
      } else {
        throw compileError('unknown-option', `unknown option \`${name}\` for \`${stage.name}\``, arg.nameSpan ?? arg.span, [
          ...didYouMean(name, Object.keys(schema)),
          `valid options: ${Object.keys(schema).join(', ') || '(none)'}`,
        ]);
      }
    }
    if (def.named) opts['$named'] = named;
    for (const [name, spec] of Object.entries(schema)) {
      if (given.has(name) || opts[name] !== undefined) continue;
      if (spec.required) {
        throw compileError('missing-option', `\`${stage.name}\` needs option \`${name}\``, stage.span, [`${name}: ${spec.doc}`]);
      }
      if (spec.default !== undefined) opts[name] = this.convertDefault(name, spec, stage);
    }
    return opts;
  }

  private convertDefault(name: string, spec: OptionSpec, stage: StageCall): unknown {
    const v = spec.default;
    if (typeof v === 'string' && (spec.type === 'duration' || spec.type === 'moment' || spec.type === 'expr')) {
      return this.convert(name, spec, { kind: 'literal', value: v, span: stage.span }, stage);
    }
    return v;
  }

  private convertRest(name: string, spec: OptionSpec | undefined, value: Expr, stage: StageCall): unknown {
    if (!spec) return constantOrField(value);
    const itemType = spec.type === 'fields' ? 'field' : spec.type === 'list' ? 'any' : spec.type;
    return this.convert(name, { ...spec, type: itemType }, value, stage);
  }

  convert(name: string, spec: OptionSpec, value: Expr, stage: StageCall): unknown {
    const bad = (what: string): FlumeError =>
      compileError('bad-option', `option \`${name}\` of \`${stage.name}\` ${what}`, value.span, [`${name}: ${spec.doc}`]);
    if (value.kind === 'literal' && value.value === null) {
      if (spec.nullable || spec.type === 'any') return null;
      throw bad(`cannot be null`);
    }
    switch (spec.type) {
      case 'expr': {
        const quoted = value.kind === 'literal' && typeof value.value === 'string';
        const expr = quoted ? reparse(value.value as string, value.span) : value;
        const fn: CompiledExpr = this.reg.services.compileExpr(expr, this.mismatches);
        fn.text = quoted ? (value.value as string) : this.program.source.slice(value.span.start, value.span.end);
        fn.fields = fieldsRead(expr);
        return fn;
      }
      case 'ast':
        return value.kind === 'literal' && typeof value.value === 'string' ? reparse(value.value, value.span) : value;
      case 'exprs': {
        const items = value.kind === 'list' ? value.items : [value];
        return items.map((item) => {
          const text = item.kind === 'literal' && typeof item.value === 'string' ? item.value : this.program.source.slice(item.span.start, item.span.end);
          return { eval: this.convert(name, { ...spec, type: 'expr' }, item, stage) as CompiledExpr, text };
        });
      }
      case 'field': {
        const f = fieldPathOf(value);
        if (f === undefined) throw bad('must be a field name');
        return f;
      }
      case 'fields': {
        if (value.kind === 'list') {
          return value.items.map((item) => {
            const f = fieldPathOf(item);
            if (f === undefined) throw compileError('bad-option', `option \`${name}\` of \`${stage.name}\` must list field names`, item.span);
            return f;
          });
        }
        const f = fieldPathOf(value);
        if (f === undefined) throw bad('must be a field name or a list of them');
        return [f];
      }
      case 'duration': {
        const text = value.kind === 'duration' ? value.text : constantOf(value);
        if (typeof text !== 'string' && typeof text !== 'number') throw bad('must be a duration such as 5m or \'1 hour\'');
        const d = parseDuration(text);
        if (!d) throw bad(`is not a valid duration: ${JSON.stringify(text)}`);
        if (name === 'align') return d;
        // How late or how far apart may be zero, never negative; every other duration is a length.
        const zeroOk = spec.allowZero === true || name.startsWith('late') || name === 'within';
        if (d.ms < 0 || d.months < 0) throw bad(`must not be negative: ${JSON.stringify(text)}`);
        if (!zeroOk && d.ms === 0 && d.months === 0) throw bad(`is not a valid duration: ${JSON.stringify(text)}`);
        return d;
      }
      case 'moment': {
        const v = value.kind === 'duration' ? undefined : constantOf(value);
        if (typeof v !== 'string' && typeof v !== 'number') throw bad('must be a moment such as \'2016-01-01\' or \'1 hour ago\'');
        const ms = parseMoment(v, { now: this.options.now });
        if (ms === undefined) throw bad(`is not a valid moment: ${JSON.stringify(v)}`);
        return ms;
      }
      case 'regex': {
        if (value.kind === 'regex') return new RegExp(value.pattern, value.flags);
        const v = constantOf(value);
        if (typeof v !== 'string') throw bad('must be a regular expression');
        try {
          return new RegExp(v);
        } catch (e) {
          throw bad(`is not a valid regular expression: ${(e as Error).message}`);
        }
      }
      case 'pipeline': {
        if (value.kind === 'pipeline') return value.pipeline;
        if (value.kind === 'call') {
          return { stages: [{ kind: 'call', name: value.name, args: value.args, span: value.span, nameSpan: value.nameSpan }], span: value.span } satisfies Pipeline;
        }
        throw bad('must be a pipeline');
      }
      case 'number':
      case 'integer': {
        const v = constantOf(value);
        if (typeof v !== 'number' || Number.isNaN(v)) throw bad('must be a number');
        if (spec.type === 'integer' && !Number.isInteger(v)) throw bad('must be a whole number');
        if (spec.min !== undefined && v < spec.min) throw bad(`must be at least ${spec.min}`);
        return v;
      }
      case 'string': {
        const v = constantOf(value);
        if (typeof v !== 'string') throw bad('must be a string');
        if (spec.choices && !spec.choices.includes(v)) {
          throw compileError('bad-option', `option \`${name}\` of \`${stage.name}\` must be one of ${spec.choices.map((c) => `'${c}'`).join(', ')}`, value.span, didYouMean(v, spec.choices));
        }
        return v;
      }
      case 'boolean': {
        const v = constantOf(value);
        if (typeof v !== 'boolean') throw bad('must be true or false');
        return v;
      }
      case 'list': {
        const v = constantOf(value);
        if (!Array.isArray(v)) throw bad('must be a list');
        return v;
      }
      case 'object': {
        const v = constantOf(value);
        if (v === null || typeof v !== 'object' || Array.isArray(v)) throw bad('must be an object such as {a: 1}');
        return v;
      }
      case 'any':
        return constantOrField(value);
    }
  }
}

/** Field references stand for their names where a constant is expected (`sort(count)`). */
function constantOrField(value: Expr): unknown {
  const c = constantValue(value);
  if (c.ok) return c.value;
  const f = fieldPathOf(value);
  if (f !== undefined) return f;
  throw compileError('bad-option', 'expected a constant value', value.span);
}

function constantOf(value: Expr): unknown {
  const c = constantValue(value);
  return c.ok ? c.value : undefined;
}

/** Parse a string condition; errors point into the string literal in the program. */
function reparse(text: string, span: Span): Expr {
  try {
    return respanExpr(parseExpression(text), span.start + 1);
  } catch (e) {
    if (e instanceof FlumeError && e.diagnostic.span) {
      const d = e.diagnostic;
      throw new FlumeError({ ...d, span: { start: span.start + 1 + d.span!.start, end: span.start + 1 + d.span!.end } });
    }
    throw e;
  }
}

function link(from: PlanNode, to: PlanNode): void {
  from.successors.push(to);
  to.predecessors.push(from);
}

function usageHints(def: StageDef, schema: OptionSchema): string[] {
  return [`valid options: ${Object.keys(schema).join(', ') || '(none)'}`, ...(def.positional?.length ? [`positional: ${def.positional.join(', ')}`] : [])];
}

/** Stages from an alias or builder point at the call that produced them. */
function respan<T extends Stage>(stage: T, span: Span): T {
  const visit = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(visit);
    if (v === null || typeof v !== 'object' || v instanceof RegExp) return v;
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = k === 'span' || k === 'nameSpan' ? span : visit(x);
    return o;
  };
  return visit(stage) as T;
}

/** Shift spans of an expression parsed from a string literal so they point into the program. */
function respanExpr(e: Expr, offset: number): Expr {
  const visit = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(visit);
    if (v === null || typeof v !== 'object') return v;
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if ((k === 'span' || k === 'nameSpan') && x && typeof x === 'object') {
        const s = x as Span;
        o[k] = { start: s.start + offset, end: s.end + offset };
      } else o[k] = visit(x);
    }
    return o;
  };
  return visit(e) as Expr;
}

export type { Arg };

/** The option a keyword names: itself, or the option listing it among its aliases (an older name). */
function optionNamed(schema: OptionSchema, name: string): string {
  if (schema[name] !== undefined) return name;
  for (const [canonical, spec] of Object.entries(schema)) if (spec.aliases?.includes(name)) return canonical;
  return name;
}
