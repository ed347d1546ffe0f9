/**
 * keep: only the named fields (and `time`), nested paths included (§11.9).
 */
import { compileError } from '../lang/diagnostics.js';
import { defineProc } from '../runtime/defs.js';
import { getPath, splitPath, type Point } from '../runtime/point.js';

export const keep = defineProc({
  name: 'keep',
  summary: 'keep only the named fields (and `time`)',
  description:
    'Output fields come in the order the names are given, after `time`. A dotted name keeps that nested path ' +
    "(`keep(container.name)` gives `{container: {name: ...}}`). Fields whose value is `null` are kept; missing ones are not added. " +
    '`keep_time=false` drops `time` too (unless it is named).',
  options: {
    fields: { type: 'fields', default: [], doc: 'the fields to keep (bare or quoted, dotted for nested paths)' },
    keep_time: { type: 'boolean', default: true, doc: 'also keep `time`' },
  },
  rest: 'fields',
  examples: [
    { title: 'keep two fields', program: 'emit(points=[{a:1, b:2, c:3}]) | keep(c, a)', output: '{"c":3,"a":1}' },
    {
      title: 'nested paths and time',
      program: "emit(points=[{time:'2016-01-01', o:{x:1, y:2}, n:null, z:0}]) | keep(o.y, n)",
      output: '{"time":"2016-01-01T00:00:00.000Z","o":{"y":2},"n":null}',
    },
  ],
  namesUsed: (opts) => opts.fields,
  create(opts) {
    const fields = opts['fields'] as string[];
    if (fields.length === 0) throw compileError('bad-option', '`keep` needs at least one field name', undefined, ['keep(host, cpu)']);
    const keepTime = (opts['keep_time'] as boolean) && !fields.includes('time');
    const paths = fields.map(splitPath);
    const flat = paths.every((p) => p.length === 1);
    const names = fields;
    return {
      push(batch, out) {
        for (let n = 0; n < batch.length; n++) {
          const p = batch[n]!;
          const q: Point = {};
          if (keepTime && p.time !== undefined) q.time = p.time;
          if (flat) {
            for (let i = 0; i < names.length; i++) {
              const v = p[names[i]!];
              if (v !== undefined) q[names[i]!] = v;
            }
          } else {
            for (let i = 0; i < paths.length; i++) put(q, paths[i]!, getPath(p, paths[i]!));
          }
          out.push(q);
        }
      },
    };
  },
});

function put(q: Point, path: readonly string[], v: unknown): void {
  if (v === undefined) return;
  let cur: Record<string, unknown> = q;
  for (let i = 0; i < path.length - 1; i++) {
    const k = path[i]!;
    const next = cur[k];
    // An existing object may be the input's own (`keep(o, o.x)` kept `o` whole): copy before adding to it.
    const obj = next !== null && typeof next === 'object' && !Array.isArray(next) ? { ...(next as object) } : {};
    cur[k] = obj;
    cur = obj as Record<string, unknown>;
  }
  cur[path[path.length - 1]!] = v;
}
