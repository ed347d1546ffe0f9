/**
 * The option schema of `read('<adapter>', ...)` and `write('<adapter>', ...)`:
 * common options, the adapter's own, and (for byte adapters) format options.
 * Defaults come from FLUME_<ADAPTER>_<OPTION> when set.
 */
import { didYouMean } from '../lang/diagnostics.js';
import type { OptionSchema, OptionSpec } from '../runtime/component.js';
import type { AdapterDef, CompileServices } from '../runtime/defs.js';
import type { FormatDef } from '../adapters/formats/types.js';

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
};

/** `FLUME_KAFKA_BROKERS` for adapter `kafka`, option `brokers`; dashes become underscores. */
export function envName(adapter: string, option: string): string {
  return `FLUME_${adapter}_${option}`.toUpperCase().replace(/-/g, '_');
}

function fromEnv(spec: OptionSpec, text: string): unknown {
  switch (spec.type) {
    case 'number':
    case 'integer': {
      const n = Number(text);
      return Number.isNaN(n) ? spec.default : n;
    }
    case 'boolean':
      return /^(1|true|yes|on)$/i.test(text);
    case 'list':
    case 'fields':
      return text.trim().startsWith('[') ? (JSON.parse(text) as unknown) : text.split(',').map((s) => s.trim());
    case 'object':
      return JSON.parse(text) as unknown;
    default:
      return text;
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
    const v = services.env[envName(first, k)];
    if (v !== undefined && k !== 'adapter') options[k] = { ...spec, default: fromEnv(spec, v), required: false };
  }
  return { options };
}
