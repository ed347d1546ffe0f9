/**
 * `flume help`, `--help`, the REPL's `.help` and docs/reference.md are all
 * rendered from the component schemas here, so they never drift.
 */
import type { Registry } from '../registry.js';
import type { ComponentDoc, OptionSchema } from '../runtime/component.js';
import type { AdapterDef } from '../runtime/defs.js';
import { envNamesFor } from '../procs/adapter-options.js';
import { builtinFunctions } from '../lang/functions.js';
import { closest } from '../lang/diagnostics.js';

function fmtDefault(v: unknown): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return ` (default '${v}')`;
  return ` (default ${JSON.stringify(v)})`;
}

function optionLines(options: OptionSchema, adapter?: { name: string; side: 'read' | 'write' }): string[] {
  const lines: string[] = [];
  for (const [name, spec] of Object.entries(options)) {
    if (name === 'adapter') continue;
    const choices = spec.choices ? ` one of: ${spec.choices.join(', ')}.` : '';
    // The shared variable (or, for a written destination, the only one); ENV_RULE says how the per-side forms go first.
    const env = adapter ? `  [env ${envNamesFor(adapter.side, adapter.name, name, spec).at(-1)!}]` : '';
    const aliases = spec.aliases?.length ? ` Also accepted as: ${spec.aliases.join(', ')}.` : '';
    lines.push(`  ${name}: ${spec.type}${spec.required ? ', required' : ''}${fmtDefault(spec.default)} — ${spec.doc}${choices}${aliases}${env}`);
  }
  return lines;
}

/** How environment variables give adapter option defaults (SPEC §7), said once in every adapter's help. */
const ENV_RULE =
  'Environment: an option not given in the program defaults from FLUME_READ_<ADAPTER>_<OPTION> (reading only), ' +
  'FLUME_WRITE_<ADAPTER>_<OPTION> (writing only), else the shared FLUME_<ADAPTER>_<OPTION>. The shared form never sets ' +
  'a destination (stdio file, kafka topic, elastic index) for writing: only FLUME_WRITE_... chooses where data is written. ' +
  'A program that writes to the file, topic or index it reads is a compile error. Values are checked like program options.';

function examples(doc: Pick<ComponentDoc, 'examples'>): string[] {
  if (doc.examples.length === 0) return [];
  return ['', 'Examples:', ...doc.examples.map((e) => `  # ${e.title}\n  flume "${e.program}"`)];
}

export function overview(reg: Registry): string {
  const col = (rows: [string, string][]): string[] => {
    const w = Math.max(...rows.map((r) => r[0].length));
    return rows.map(([a, b]) => `  ${a.padEnd(w)}  ${b}`);
  };
  const stages = reg.listStages();
  const out = [
    'Sources:',
    ...col(stages.filter((s) => s.kind === 'source').map((s) => [s.name, s.summary])),
    '',
    'Processors:',
    ...col(stages.filter((s) => s.kind === 'proc').map((s) => [s.name, s.summary])),
    '',
    'Sinks:',
    ...col(stages.filter((s) => s.kind === 'sink').map((s) => [s.name, s.summary])),
    '',
    'Reducers:',
    ...col(reg.listReducers().map((r) => [`${r.name}(${r.params.map((p) => (p.optional ? p.name + '?' : p.name)).join(', ')})`, r.summary])),
    '',
    'Adapters:',
    ...col(reg.listAdapters().map((a) => [a.name, `${[a.read ? 'read' : '', a.write ? 'write' : ''].filter(Boolean).join('/')}: ${a.summary}`])),
    '',
    'Formats:',
    ...col(reg.listFormats().map((f) => [f.name, f.summary])),
    '',
    'Functions (in expressions):',
    '  ' + builtinFunctions.map((f) => f.name).join(' '),
  ];
  if (reg.listAliases().length > 0) out.push('', 'Aliases (from .flumerc.ts):', '  ' + reg.listAliases().join(' '));
  out.push('', ENV_RULE, '', 'flume help <name> documents one of them.');
  return out.join('\n');
}

/** The parameter names of a function, as written (`(file, n = 3) => ...` gives file, n = 3). */
function paramsOf(fn: (...args: unknown[]) => unknown): string[] {
  const src = fn.toString();
  const m = /^(?:async\s*)?(?:function\b[^(]*)?\(([^)]*)\)/.exec(src) ?? /^(?:async\s+)?([A-Za-z_$][\w$]*)\s*=>/.exec(src);
  const list = m?.[1]?.trim() ?? '';
  return list === '' ? [] : list.split(',').map((p) => p.trim().replace(/\s*:\s*[^=]+/, ''));
}

/** An rc-defined name: how to call it, and what it expands to when it takes no arguments. */
function aliasHelp(name: string, fn: (...args: unknown[]) => unknown): string[] {
  const params = paramsOf(fn);
  const out = [`${name} — alias defined in an rc file (.flumerc.ts or --rc)`, '', `Usage: ${name}(${params.join(', ')})`];
  if (fn.length === 0) {
    try {
      const v = fn();
      if (typeof v === 'string') out.push('', 'Expands to:', `  ${v}`);
      else if (v !== null && typeof v === 'object' && (v as { kind?: unknown }).kind === 'fragment') out.push('', 'Expands to a pipeline fragment built with the module API.');
    } catch {
      // Documenting must not fail because the alias needs its arguments.
    }
  }
  return out;
}

/** The help text for one name, or undefined with a suggestion. */
export function helpFor(reg: Registry, name: string): { text: string } | { error: string } {
  const stage = reg.stage(name);
  const parts: string[] = [];
  if (stage) {
    const kind = stage.kind === 'proc' ? 'processor' : stage.kind;
    parts.push(`${stage.name} — ${kind}: ${stage.summary}`);
    if (stage.description) parts.push('', stage.description);
    if (stage.positional?.length) parts.push('', `Positional: ${stage.positional.join(', ')}${stage.rest ? `, then ${stage.rest}...` : ''}`);
    else if (stage.rest) parts.push('', `Positional: ${stage.rest}...`);
    if (stage.named) parts.push('', `Named arguments: ${stage.named.doc}`);
    const opts = optionLines(stage.options);
    if (opts.length) parts.push('', 'Options:', ...opts);
    parts.push(...examples(stage));
  }
  const reducer = reg.reducer(name);
  if (reducer) {
    if (parts.length) parts.push('', '---', '');
    parts.push(`${reducer.name}(${reducer.params.map((p) => (p.optional ? p.name + '?' : p.name)).join(', ')}) — reducer: ${reducer.summary}`);
    if (reducer.aliases?.length) parts.push(`Aliases: ${reducer.aliases.join(', ')}`);
    if (reducer.description) parts.push('', reducer.description);
    parts.push('', 'Arguments:', ...reducer.params.map((p) => `  ${p.name}${p.optional ? ' (optional)' : ''}: ${p.doc}`));
    parts.push('', `Empty value: ${JSON.stringify(reducer.empty)}`);
    parts.push(...examples(reducer));
  }
  const adapter: AdapterDef | undefined = reg.adapter(name);
  if (adapter) {
    if (parts.length) parts.push('', '---', '');
    parts.push(`${adapter.name} — adapter: ${adapter.summary}`);
    if (adapter.description) parts.push('', adapter.description);
    if (adapter.read) parts.push('', `read('${adapter.name}', ...) options:`, ...optionLines(adapter.read.options, { name: adapter.name, side: 'read' }));
    if (adapter.write) parts.push('', `write('${adapter.name}', ...) options:`, ...optionLines(adapter.write.options, { name: adapter.name, side: 'write' }));
    parts.push('', ENV_RULE);
    if (adapter.bytes) parts.push('', `Reads/writes bytes: format= (${reg.listFormats().map((f) => f.name).join(', ')}) and the format's options apply; see flume help <format>.`);
    parts.push(...examples(adapter));
  }
  const format = reg.format(name);
  if (format) {
    if (parts.length) parts.push('', '---', '');
    parts.push(`${format.name} — format: ${format.summary}`);
    if (format.description) parts.push('', format.description);
    if (format.extensions?.length) parts.push('', `Chosen by default for: ${format.extensions.map((e) => '.' + e).join(' ')}`);
    const opts = optionLines(format.options);
    if (opts.length) parts.push('', 'Options:', ...opts);
    parts.push(...examples(format));
  }
  const alias = parts.length === 0 ? reg.alias(name) : undefined;
  if (typeof alias === 'function') parts.push(...aliasHelp(name, alias));
  const fn = builtinFunctions.find((f) => f.name === name);
  if (fn && !reducer) {
    if (parts.length) parts.push('', '---', '');
    parts.push(`${fn.signature} — function: ${fn.doc}`);
  }
  if (parts.length === 0) {
    const all = [
      ...reg.listStages().map((s) => s.name),
      ...reg.listReducers().map((r) => r.name),
      ...reg.listAdapters().map((a) => a.name),
      ...reg.listFormats().map((f) => f.name),
      ...builtinFunctions.map((f) => f.name),
    ];
    const c = closest(name, all);
    return { error: `no help for \`${name}\`${c ? `: did you mean \`${c}\`?` : ''}` };
  }
  return { text: parts.join('\n') };
}

/** The reference document (docs/reference.md), generated. */
export function referenceMarkdown(reg: Registry): string {
  const out = ['# flume reference', '', '_Generated from the component schemas by `make docs`; do not edit by hand._', ''];
  const section = (title: string, names: string[]): void => {
    out.push(`## ${title}`, '');
    for (const n of names) {
      const h = helpFor(reg, n);
      if ('text' in h) out.push(`### ${n}`, '', '```', h.text, '```', '');
    }
  };
  const stages = reg.listStages();
  section('Sources', stages.filter((s) => s.kind === 'source').map((s) => s.name));
  section('Processors', stages.filter((s) => s.kind === 'proc').map((s) => s.name));
  section('Sinks', stages.filter((s) => s.kind === 'sink').map((s) => s.name));
  section('Adapters', reg.listAdapters().map((a) => a.name));
  section('Formats', reg.listFormats().map((f) => f.name));
  out.push('## Reducers', '');
  for (const r of reg.listReducers()) {
    const h = helpFor(reg, r.name);
    if ('text' in h) out.push(`### ${r.name}`, '', '```', h.text.split('\n---\n').pop()!.trim(), '```', '');
  }
  out.push('## Functions', '', '| function | what it does |', '|---|---|');
  for (const f of builtinFunctions) out.push(`| \`${f.signature}\` | ${f.doc} |`);
  return out.join('\n') + '\n';
}
