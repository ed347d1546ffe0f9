/**
 * The option schema of `read('<adapter>', ...)` and `write('<adapter>', ...)`:
 * common options, the adapter's own, and (for byte adapters) format options.
 * Defaults come from the environment (see {@link envNamesFor}).
 */
import { didYouMean } from '../lang/diagnostics.js';
import type { OptionSchema, OptionSpec } from '../runtime/component.js';
import { realpathSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import type { AdapterDef, CompileServices, Place } from '../runtime/defs.js';
import { DEFAULT_MAX_LINE, type FormatDef } from '../adapters/formats/types.js';
import { parseDuration } from '../runtime/time.js';

export const commonReadOptions: OptionSchema = {
  time: { type: 'field', default: 'time', nullable: true, doc: 'field holding the timestamp, parsed and moved to `time`; null keeps points timeless' },
  time_unit: {
    type: 'string',
    default: 'auto',
    choices: ['auto', 's', 'ms', 'us', 'ns'],
    doc: "unit of numeric (epoch) timestamps: 'auto' (the default) decides by magnitude (below 1e11 seconds, below 1e14 milliseconds, below 1e17 microseconds, else nanoseconds); 's', 'ms', 'us' or 'ns' forces one.",
  },
  from: { type: 'moment', nullable: true, doc: 'drop points before this moment (pushed down where the backend can)' },
  to: { type: 'moment', nullable: true, doc: 'drop points at or after this moment (pushed down where the backend can)' },
};

export const byteReadOptions: OptionSchema = {
  on_error: {
    type: 'string',
    default: 'skip',
    choices: ['skip', 'fail', 'keep'],
    doc: "malformed records: 'skip' (count and report), 'fail' (stop with the line number), 'keep' (emit {_raw, _error, _line})",
  },
  max_line: {
    type: 'integer',
    min: 1,
    default: DEFAULT_MAX_LINE,
    doc: 'longest line read, in characters (64 Mi by default); a longer one is malformed: skipped (never held in memory whole) and counted, and reading goes on. With format=json it bounds one array element.',
  },
};

/** `FLUME_KAFKA_BROKERS` for adapter `kafka`, option `brokers`; dashes become underscores. With a side: `FLUME_WRITE_KAFKA_TOPIC`. */
export function envName(adapter: string, option: string, side?: 'read' | 'write'): string {
  return `FLUME_${side === undefined ? '' : side + '_'}${adapter}_${option}`.toUpperCase().replace(/-/g, '_');
}

/**
 * The variables that may give an option's default on one side, most specific
 * first: FLUME_READ_/FLUME_WRITE_<ADAPTER>_<OPTION>, then the shared
 * FLUME_<ADAPTER>_<OPTION>, except for a destination when writing: an
 * environment meant for reading must never choose where data is written.
 */
export function envNamesFor(side: 'read' | 'write', adapter: string, option: string, spec: OptionSpec): string[] {
  const sided = envName(adapter, option, side);
  return side === 'write' && spec.destination !== undefined ? [sided] : [sided, envName(adapter, option)];
}

/** An environment value as the option's type, or why it is not one (validated like a program's option). */
function fromEnv(spec: OptionSpec, text: string): { value: unknown } | { error: string } {
  switch (spec.type) {
    case 'number':
    case 'integer': {
      const n = text.trim() === '' ? NaN : Number(text);
      if (Number.isNaN(n)) return { error: 'must be a number' };
      if (spec.type === 'integer' && !Number.isInteger(n)) return { error: 'must be a whole number' };
      if (spec.min !== undefined && n < spec.min) return { error: `must be at least ${spec.min}` };
      return { value: n };
    }
    case 'boolean':
      if (/^(1|true|yes|on)$/i.test(text)) return { value: true };
      if (/^(0|false|no|off)$/i.test(text)) return { value: false };
      return { error: 'must be true or false (also 1/0, yes/no, on/off)' };
    case 'list':
    case 'fields':
    case 'object': {
      const json = spec.type === 'object' || text.trim().startsWith('[');
      if (!json) return { value: text.split(',').map((s) => s.trim()) };
      let v: unknown;
      try {
        v = JSON.parse(text) as unknown;
      } catch (e) {
        return { error: `is not valid JSON: ${(e as Error).message}` };
      }
      const ok = spec.type === 'object' ? v !== null && typeof v === 'object' && !Array.isArray(v) : Array.isArray(v);
      return ok ? { value: v } : { error: spec.type === 'object' ? 'must be a JSON object' : 'must be a JSON list' };
    }
    case 'duration':
      return parseDuration(text) === undefined ? { error: "must be a duration such as 5m or '1 hour'" } : { value: text };
    case 'string':
      if (spec.choices !== undefined && !spec.choices.includes(text)) return { error: `must be one of ${spec.choices.map((c) => `'${c}'`).join(', ')}` };
      return { value: text };
    default:
      return { value: text };
  }
}

export function adapterSchema(
  side: 'read' | 'write',
  first: unknown,
  services: CompileServices,
): { options: OptionSchema } | { error: string; hints: string[] } {
  const names = services.adapterNames();
  if (typeof first !== 'string') {
    return { error: `${side} needs an adapter name as its first argument`, hints: [`adapters: ${names.join(', ')}`] };
  }
  const adapter = services.adapter(first) as AdapterDef | undefined;
  const usable = names.filter((n) => (services.adapter(n) as AdapterDef)[side] !== undefined);
  if (!adapter) return { error: `unknown adapter \`${first}\``, hints: [...didYouMean(first, names), `adapters that can ${side}: ${usable.join(', ')}`] };
  const part = adapter[side];
  if (!part) return { error: `adapter \`${first}\` cannot ${side}`, hints: [`adapters that can ${side}: ${usable.join(', ')}`] };
  const options: OptionSchema = { adapter: { type: 'string', required: true, doc: 'the adapter' } };
  if (side === 'read') Object.assign(options, commonReadOptions);
  if (adapter.bytes) {
    const formats = services.formatNames();
    options['format'] = { type: 'string', choices: formats, doc: `record format: ${formats.join(', ')} (default from the file extension, else jsonl)` };
    if (side === 'read') Object.assign(options, byteReadOptions);
    for (const f of formats) {
      const def = services.format(f) as FormatDef;
      for (const [k, spec] of Object.entries(def.options)) options[k] ??= { ...spec, doc: `(${f}) ${spec.doc}` };
    }
  }
  Object.assign(options, part.options);
  for (const [k, spec] of Object.entries(options)) {
    if (k === 'adapter') continue;
    const name = envNamesFor(side, first, k, spec).find((n) => services.env[n] !== undefined);
    if (name === undefined) continue;
    const text = services.env[name]!;
    const r = fromEnv(spec, text);
    if ('error' in r) {
      return { error: `environment variable ${name}=${JSON.stringify(text)} ${r.error} (it sets option \`${k}\` of ${side}('${first}'))`, hints: [`${k}: ${spec.doc}`] };
    }
    options[k] = { ...spec, default: r.value, required: false };
  }
  return { options };
}

/** `*` in a read pattern (an index pattern like `logs-*`) matches any run of characters. */
function wildcard(pattern: string): (key: string) => boolean {
  const re = new RegExp('^' + pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
  return (key) => re.test(key);
}

/** A file name as one key: its real path when it exists, else the absolute path. */
function pathKey(file: string): string {
  const abs = resolvePath(file);
  try {
    return realpathSync(abs);
  } catch {
    return abs;
  }
}

/**
 * The places `read(adapter, ...)` reads or `write(adapter, ...)` writes: one
 * per value of each option the adapter marks `destination`, keyed with the
 * adapter, that option and the `connection` options (another cluster is
 * another place). Comma-separated read values (index lists) and `*` patterns
 * cover what they name. Standard streams ('-', '') are no place.
 */
export function adapterPlaces(side: 'read' | 'write', opts: Record<string, unknown>, services: CompileServices): Place[] {
  const name = opts['adapter'];
  if (typeof name !== 'string') return [];
  const adapter = services.adapter(name) as AdapterDef | undefined;
  const schema = adapter?.[side]?.options;
  if (schema === undefined) return [];
  const entries = Object.entries(schema);
  const where = entries
    .filter(([, spec]) => spec.connection === true)
    .map(([k]) => `${k}=${JSON.stringify(opts[k] ?? null)}`)
    .join(' ');
  const places: Place[] = [];
  for (const [k, spec] of entries) {
    const v = opts[k];
    if (spec.destination === 'path') {
      // stdio reads a list of files too (merged by time).
      const files = Array.isArray(v) ? v : [v];
      for (const f of files) {
        if (typeof f !== 'string' || f === '-' || f === '') continue;
        places.push({ label: `file ${f}`, key: `${name} ${k} ${pathKey(f)}` });
      }
      continue;
    }
    if (spec.destination === undefined || typeof v !== 'string') continue;
    const prefix = `${name} ${where} ${k} `;
    const values = side === 'read' ? v.split(',').map((s) => s.trim()) : [v];
    for (const one of values) {
      const matches = one.includes('*') ? wildcard(one) : undefined;
      places.push({
        label: `${name} ${k} '${one}'`,
        key: prefix + one,
        covers: matches === undefined ? undefined : (key) => key.startsWith(prefix) && matches(key.slice(prefix.length)),
      });
    }
  }
  return places;
}
