/**
 * validate: check each point against a JSON Schema (SPEC §14.5) with ajv
 * (draft 2020-12 and draft-07, formats by ajv-formats). Schemas are compiled
 * once, when the program compiles; ajv is loaded only by programs that validate.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { defineProc } from '../runtime/defs.js';
import { formatIso, getPath, splitPath, type Point } from '../runtime/point.js';
import { compileError, runtimeError } from '../lang/diagnostics.js';

interface Checker {
  /** Whether the schema looks at `time`: the point is then checked with `time` as its ISO text (as it is written). */
  usesTime: boolean;
  validate: ValidateFunction;
}

export interface PathError {
  path: string;
  message: string;
}

type AjvClass = new (opts: Record<string, unknown>) => {
  compile(schema: unknown): ValidateFunction;
};

/** ajv's two builds (draft-07 and draft 2020-12), each with the formats; loaded once, on first use. */
let ajvs: { draft7: InstanceType<AjvClass>; draft2020: InstanceType<AjvClass> } | undefined;

function loadAjv(): NonNullable<typeof ajvs> {
  if (ajvs !== undefined) return ajvs;
  // Synchronous (create runs at compile time) and outside the CLI bundle: start-up never loads ajv.
  const load = createRequire(import.meta.url);
  const pick = (m: { default?: AjvClass } & AjvClass): AjvClass => m.default ?? m;
  const Ajv = pick(load('ajv') as { default?: AjvClass } & AjvClass);
  const Ajv2020 = pick(load('ajv/dist/2020') as { default?: AjvClass } & AjvClass);
  const addFormats = load('ajv-formats') as { default?: (a: unknown) => void } & ((a: unknown) => void);
  const withFormats = (C: AjvClass): InstanceType<AjvClass> => {
    const a = new C({ allErrors: false, strict: false });
    (addFormats.default ?? addFormats)(a);
    return a;
  };
  ajvs = { draft7: withFormats(Ajv), draft2020: withFormats(Ajv2020) };
  return ajvs;
}

/** One schema file → its checker; a compile error naming the file when it is not a schema. */
function compileSchemaFile(file: string): Checker {
  let schema: unknown;
  try {
    schema = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw compileError('bad-schema', `cannot read the JSON Schema ${file}: ${(e as Error).message}`);
  }
  if (schema === null || typeof schema !== 'object') throw compileError('bad-schema', `${file} is not a JSON Schema (an object)`);
  const s = schema as { $schema?: unknown; properties?: Record<string, unknown>; required?: unknown };
  const dialect = typeof s.$schema === 'string' ? s.$schema : '';
  const a = loadAjv();
  // draft-07 (and older drafts ajv reads alike) by its $schema; everything else as 2020-12.
  const ajv = /draft-0[4-7]/.test(dialect) ? a.draft7 : a.draft2020;
  try {
    const validate = ajv.compile(schema);
    const usesTime = (s.properties !== undefined && 'time' in s.properties) || (Array.isArray(s.required) && s.required.includes('time'));
    return { validate, usesTime };
  } catch (e) {
    throw compileError('bad-schema', `${file}: ${(e as Error).message}`);
  }
}

/** ajv's errors as `{path, message}`, the path naming the offending field (a JSON pointer). */
export function pathErrors(errors: readonly ErrorObject[] | null | undefined): PathError[] {
  return (errors ?? []).map((e) => {
    const p = e.params as { missingProperty?: string; additionalProperty?: string };
    const extra = e.keyword === 'required' ? p.missingProperty : e.keyword === 'additionalProperties' ? p.additionalProperty : undefined;
    const path = extra === undefined ? e.instancePath : `${e.instancePath}/${extra}`;
    return { path: path === '' ? '/' : path, message: e.message ?? e.keyword };
  });
}

function check(c: Checker, p: Point): PathError[] | undefined {
  let ok: boolean;
  if (c.usesTime && typeof p.time === 'number') {
    const t = p.time;
    (p as Record<string, unknown>).time = formatIso(t);
    ok = c.validate(p) as boolean;
    p.time = t;
  } else ok = c.validate(p) as boolean;
  return ok ? undefined : pathErrors(c.validate.errors);
}

function describe(p: Point, errors: readonly PathError[]): string {
  const e = errors[0]!;
  const text = JSON.stringify(p);
  return `${e.path} ${e.message} in ${text.length > 160 ? text.slice(0, 160) + '…' : text}`;
}

export const validate = defineProc({
  name: 'validate',
  summary: 'check each point against a JSON Schema; drop, tag or fail on invalid ones',
  description:
    '`schema` is a JSON Schema file (draft 2020-12, or draft-07 when its `$schema` says so; `format`s such as ' +
    '`date-time` and `email` are checked), or a directory with `by=field`: each point is checked against ' +
    '`<dir>/<value of field>.json`, and a point whose value has no schema file (or lacks the field) is invalid. Schemas ' +
    'are compiled once, when the program compiles (a bad schema is a compile error). `time` is checked as the ISO 8601 ' +
    'text it is written as. Invalid points: `on_invalid=\'drop\'` drops them, counted as `invalid` with the first error in ' +
    "the end-of-run summary; `'tag'` passes them on with `_errors: [{path, message}]` (path: a JSON pointer to the field) " +
    "so a group can route them, e.g. `validate(schema='schemas/', by=event, on_invalid='tag') | (filter(not _errors) | " +
    "write(...), filter(_errors) | write(...))`; `'fail'` stops the run.",
  positional: ['schema'],
  options: {
    schema: { type: 'string', required: true, doc: 'a JSON Schema file, or a directory of `<value>.json` schema files (with `by`)' },
    by: { type: 'field', nullable: true, doc: 'with a schema directory: the field whose value names the schema file' },
    on_invalid: {
      type: 'string',
      choices: ['drop', 'tag', 'fail'],
      default: 'drop',
      doc: "invalid points: 'drop' (count them), 'tag' (pass them on with `_errors: [{path, message}]`), 'fail' (stop the run)",
    },
  },
  examples: [
    {
      title: 'tag the events a schema refuses (run from the repository root)',
      program:
        "emit(points=[{event:'signup', user:'ann', email:'ann@example.com'}, {event:'signup', user:'bob', email:'bob'}]) | validate(schema='examples/telemetry/schemas/signup.json', on_invalid='tag') | keep(user, _errors)",
      output: '{"user":"ann"}\n{"user":"bob","_errors":[{"path":"/email","message":"must match format \\"email\\""}]}',
    },
  ],
  create(opts, ctx) {
    const onInvalid = opts.on_invalid;
    const byPath = opts.by === undefined || opts.by === null ? undefined : splitPath(opts.by);
    let isDir: boolean;
    try {
      isDir = statSync(opts.schema).isDirectory();
    } catch {
      throw compileError('bad-schema', `no such schema file or directory: ${opts.schema}`);
    }
    let pick: (p: Point) => Checker | PathError[];
    if (isDir) {
      if (byPath === undefined) throw compileError('bad-option', `schema=${opts.schema} is a directory: name the field that picks the schema with by=`);
      const dir = opts.schema;
      const byName = byPath.join('.');
      const checkers = new Map<string, Checker>();
      for (const f of readdirSync(dir).sort()) if (f.endsWith('.json')) checkers.set(basename(f, '.json'), compileSchemaFile(join(dir, f)));
      pick = (p) => {
        const v = getPath(p, byPath);
        const c = typeof v === 'string' || typeof v === 'number' ? checkers.get(String(v)) : undefined;
        if (c !== undefined) return c;
        const path = '/' + byPath.join('/');
        if (v === undefined || v === null) return [{ path, message: `missing ${byName}: cannot pick a schema` }];
        return [{ path, message: `no schema for ${byName}=${JSON.stringify(v)} (no ${join(dir, `${String(v)}.json`)})` }];
      };
    } else {
      if (byPath !== undefined) throw compileError('bad-option', `by= picks a schema file in a directory, but ${opts.schema} is a file`);
      const c = compileSchemaFile(opts.schema);
      pick = () => c;
    }
    const copy = ctx.sharedInput;
    return {
      fieldsSet: onInvalid === 'tag' ? ['_errors'] : [],
      push(batch, out) {
        for (let i = 0; i < batch.length; i++) {
          const p = batch[i]!;
          const c = pick(p);
          const errors = Array.isArray(c) ? c : check(c, p);
          if (errors === undefined) {
            out.push(p);
            continue;
          }
          if (onInvalid === 'fail') throw runtimeError('invalid', `invalid point: ${describe(p, errors)}`, ["on_invalid='drop' or 'tag' lets the run go on"]);
          if (onInvalid === 'drop') {
            ctx.drop('invalid', describe(p, errors));
            continue;
          }
          ctx.warn('invalid', `invalid point (tagged with _errors): ${describe(p, errors)}`);
          const tagged: Point = copy ? { ...p } : p;
          tagged._errors = errors;
          out.push(tagged);
        }
      },
    };
  },
});
