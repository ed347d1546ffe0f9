/**
 * split: turn a wide point into one point per field (`{time, name, value}` plus the rest).
 */
import { compileError } from '../lang/diagnostics.js';
import { defineProc } from '../runtime/defs.js';
import { deletePath, getPath, splitPath, type Point } from '../runtime/point.js';

export const split = defineProc({
  name: 'split',
  summary: 'one point per field: `{time, name: field, value}` plus the other fields',
  description:
    'For every named field a point has, emits `{time, name, value}` followed by the fields that are not being split ' +
    '(the point\'s own `name` and `value` fields, if any, are replaced). A field the point lacks gives no point; a `null` one does. ' +
    'Dotted names split nested fields (the name is the dotted path).',
  options: {
    fields: { type: 'fields', default: [], doc: 'the fields to split into separate points' },
  },
  rest: 'fields',
  examples: [
    {
      title: 'one point per metric',
      program: "emit(points=[{time:'2016-01-01', host:'a', cpu:10, mem:20}]) | split(cpu, mem)",
      output:
        '{"time":"2016-01-01T00:00:00.000Z","name":"cpu","value":10,"host":"a"}\n{"time":"2016-01-01T00:00:00.000Z","name":"mem","value":20,"host":"a"}',
    },
  ],
  create(opts) {
    const fields = opts['fields'] as string[];
    if (fields.length === 0) throw compileError('bad-option', '`split` needs at least one field name', undefined, ['split(cpu, mem)']);
    const paths = fields.map(splitPath);
    const topLevel = new Set(paths.filter((p) => p.length === 1).map((p) => p[0]!));
    const nested = paths.filter((p) => p.length > 1);
    return {
      push(batch, out) {
        for (let b = 0; b < batch.length; b++) {
          const p = batch[b]!;
          // The fields every output point of p shares; computed once per input point.
          let rest: Point | undefined;
          for (let i = 0; i < paths.length; i++) {
            const path = paths[i]!;
            const v = path.length === 1 ? p[path[0]!] : getPath(p, path);
            if (v === undefined) continue;
            rest ??= others(p, topLevel, nested);
            const q: Point = {};
            if (p.time !== undefined) q.time = p.time;
            q['name'] = fields[i]!;
            q['value'] = v;
            for (const k in rest) if (k !== 'name' && k !== 'value') q[k] = rest[k];
            out.push(q);
          }
        }
      },
    };
  },
});

function others(p: Point, topLevel: Set<string>, nested: string[][]): Point {
  const r: Point = {};
  for (const k in p) if (k !== 'time' && !topLevel.has(k)) r[k] = p[k];
  for (const path of nested) deletePath(r, path);
  return r;
}
