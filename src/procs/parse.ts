/**
 * parse: a string field read with a reading format (json, grok, logfmt, csv,
 * kv), the parsed fields merged into the point (SPEC §13.2). The format's own
 * record parser does the work, the function its `read` uses for each line.
 */
import { didYouMean, runtimeError } from '../lang/diagnostics.js';
import type { OptionSchema } from '../runtime/component.js';
import { defineProc, type CompileServices } from '../runtime/defs.js';
import { deletePath, getPath, pointToJson, setPath, splitPath, type Point } from '../runtime/point.js';
import { parseTimeValue, type TimeUnit } from '../runtime/record-time.js';
import type { FormatDef, RecordParser } from '../adapters/formats/types.js';
import { commonReadOptions } from './adapter-options.js';

const OPTIONS = {
  field: { type: 'field', default: 'message', doc: 'the string field to parse' },
  format: { type: 'string', required: true, doc: "how to read it: 'json'/'jsonl' (one object), 'grok', 'logfmt', 'csv' (with columns=[...]), 'kv'" },
  into: { type: 'field', nullable: true, doc: 'put the parsed fields in this field (an object) instead of merging them into the point' },
  time: { type: 'field', nullable: true, doc: "a parsed field holding the point's time, parsed and moved to `time` as read's time= does" },
  // read's own, so the two convert a time alike.
  time_unit: commonReadOptions.time_unit!,
  keep: { type: 'boolean', default: true, doc: 'keep the source field; false removes it from parsed points' },
  on_error: {
    type: 'string',
    default: 'pass',
    choices: ['pass', 'skip', 'fail'],
    doc: "a value that does not parse: 'pass' lets the point through unchanged, 'skip' drops it (both counted as malformed), 'fail' stops the run",
  },
} as const satisfies OptionSchema;

/** Formats that can read one record from a field. */
function parseableFormats(services: CompileServices): string[] {
  return services.formatNames().filter((n) => (services.format(n) as FormatDef).createRecordParser !== undefined);
}

/** parse's options plus the chosen format's (parse's own win a name clash). */
function schemaFor(format: unknown, services: CompileServices): { options: OptionSchema } | { error: string; hints: string[] } {
  const usable = parseableFormats(services);
  if (typeof format !== 'string') return { error: 'parse needs a format: parse(format=\'json\')', hints: [`formats: ${usable.join(', ')}`] };
  const def = services.format(format) as FormatDef | undefined;
  if (def === undefined) return { error: `unknown format \`${format}\``, hints: [...didYouMean(format, services.formatNames()), `formats: ${usable.join(', ')}`] };
  if (def.createRecordParser === undefined) return { error: `format \`${format}\` cannot parse a field`, hints: [`formats: ${usable.join(', ')}`] };
  const options: OptionSchema = { ...OPTIONS };
  for (const [k, spec] of Object.entries(def.options)) options[k] ??= { ...spec, doc: `(${format}) ${spec.doc}` };
  return { options };
}

const EXAMPLE_MAX = 200;

function clip(s: string): string {
  return s.length > EXAMPLE_MAX ? s.slice(0, EXAMPLE_MAX) + '…' : s;
}

function kindName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

export const parse = defineProc({
  name: 'parse',
  summary: 'parse a string field (a log line, a message) with a reading format and merge the fields into the point',
  description:
    "`parse(format='grok', pattern='%{COMBINEDAPACHELOG}')` reads the `message` field of each point as `read` would read a line: the " +
    "format's options (pattern, patterns, columns, delimiter, infer, pair, kv, ...) apply. The parsed fields are merged into the point " +
    '(a parsed field replaces a field of the same name), or set as one object in `into`. `keep=false` removes the source field; `time=` ' +
    "names a parsed field whose value becomes the point's time (strings in every moment form, epoch numbers in `time_unit`). The point's " +
    "time is never replaced otherwise: a parsed field named `time` is left out (with a warning) unless `time='time'` or `into` is given. " +
    "A value that does not parse (a grok miss, bad JSON, a missing or non-string field, an unparseable time) follows `on_error`: 'pass' " +
    "(default) lets the point through unchanged and 'skip' drops it, both counting it as `malformed` with the first example in the " +
    "end-of-run summary; 'fail' stops the run. Grok patterns compile once, when the program compiles. Each format's options: " +
    '`flume help <format>` (csv needs `columns=[...]`: one value has no header row).',
  positional: ['field', 'format'],
  optionsFrom: 'format',
  optionsFor: schemaFor,
  options: OPTIONS,
  examples: [
    {
      title: 'JSON held in a field',
      program: "emit(points=[{id: 1, message: '{\"user\":\"ann\",\"ms\":12}'}]) | parse(format='json', keep=false)",
      output: '{"id":1,"user":"ann","ms":12}',
    },
    {
      title: 'an access log line with grok; the time moves to the point',
      program:
        "emit(points=[{message: '10.0.0.1 - - [17/Jul/2016:13:59:44 +0000] \"GET /a HTTP/1.1\" 200 512'}]) | parse(format='grok', pattern='%{COMMONAPACHELOG}', time='timestamp', keep=false) | keep(clientip, verb, response, bytes)",
      output: '{"time":"2016-07-17T13:59:44.000Z","clientip":"10.0.0.1","verb":"GET","response":"200","bytes":"512"}',
    },
    {
      title: 'key=value text into its own field; a value that does not parse passes unchanged (and is counted)',
      program: "emit(points=[{msg: 'user=ann took=12'}, {msg: '=oops'}]) | parse(msg, 'kv', into='kv')",
      output: '{"msg":"user=ann took=12","kv":{"user":"ann","took":12}}\n{"msg":"=oops"}',
    },
    {
      title: 'a CSV row with its column names',
      program: "emit(points=[{line: 'db1,0.5,\"a, b\"'}]) | parse(field='line', format='csv', columns=['host', 'load', 'tags'], keep=false)",
      output: '{"host":"db1","load":0.5,"tags":"a, b"}',
    },
  ],
  create(opts, ctx) {
    const def = ctx.services.format(opts.format) as FormatDef;
    const record: RecordParser = def.createRecordParser!(opts);
    const field = opts.field;
    const path = splitPath(field);
    const key = path.length === 1 ? path[0]! : undefined;
    const into = opts.into === null || opts.into === undefined ? undefined : splitPath(opts.into);
    const time = opts.time === null || opts.time === undefined ? undefined : splitPath(opts.time);
    const timeName = opts.time ?? '';
    const unit = opts.time_unit as TimeUnit;
    const keep = opts.keep;
    const onError = opts.on_error;
    const copy = ctx.sharedInput;
    const now = ctx.now;

    /** The time `time=` found in the last record parsed (undefined: none), so no pair is allocated per point. */
    let parsedTime: number | undefined;
    /** The parsed record, or why the value does not parse. */
    const parseValue = (v: unknown): Point | string => {
      parsedTime = undefined;
      if (typeof v !== 'string') return v === undefined ? `no field \`${field}\`` : `field \`${field}\` is ${kindName(v)}, not text`;
      const r = record(v);
      if (typeof r === 'string' || time === undefined) return r;
      const tv = time.length === 1 ? r[time[0]!] : getPath(r, time);
      if (tv === undefined || tv === null) return r;
      const t = parseTimeValue(tv, unit, now);
      if (t === undefined) return `unparseable time ${clip(JSON.stringify(tv) ?? String(tv))} in field \`${timeName}\``;
      deletePath(r, time);
      parsedTime = t;
      return r;
    };

    const bad = (p: Point, v: unknown, error: string, out: Point[]): void => {
      // The value, or the whole point when the value is not text.
      const example = `${error}: ${clip(typeof v === 'string' ? v : pointToJson(p))}`;
      if (onError === 'fail') {
        throw runtimeError('malformed', `field \`${field}\` does not parse: ${example}`, [
          "on_error='pass' lets such points through unchanged, on_error='skip' drops them (both are counted)",
        ]);
      }
      ctx.drop('malformed', example);
      if (onError === 'pass') out.push(p);
    };

    let timeWarned = false;
    const merge = (q: Point, r: Point): void => {
      for (const k in r) {
        if (k === 'time') {
          if (!timeWarned) {
            timeWarned = true;
            ctx.warn('time-field', `parsed field \`time\` left out (the point keeps its time): give time='time' to use it, or into= to keep it`);
          }
          continue;
        }
        q[k] = r[k];
      }
    };

    return {
      push(batch, out) {
        for (let i = 0; i < batch.length; i++) {
          const p = batch[i]!;
          const v = key !== undefined ? p[key] : getPath(p, path);
          const res = parseValue(v);
          if (typeof res === 'string') {
            bad(p, v, res, out);
            continue;
          }
          const q = copy ? { ...p } : p;
          if (!keep) {
            if (key !== undefined) delete q[key];
            else deletePath(q, path);
          }
          if (into === undefined) merge(q, res);
          else setPath(q, into, res);
          if (parsedTime !== undefined) q.time = parsedTime;
          out.push(q);
        }
      },
    };
  },
});
