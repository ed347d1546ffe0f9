/**
 * remove: delete fields, nested paths too (§11.9: `remove('o.v')` leaves `o: {}`).
 */
import { compileError } from '../lang/diagnostics.js';
import { defineProc } from '../runtime/defs.js';
import { deletePath, splitPath } from '../runtime/point.js';

export const remove = defineProc({
  name: 'remove',
  summary: 'delete the named fields (nested paths too)',
  description:
    'A dotted name deletes that nested field and leaves its parent object in place (`remove(o.v)` on `{o: {v: 1}}` gives `{o: {}}`). ' +
    'Fields whose value is `null` are removed like any other; missing ones are ignored. `remove(time)` makes points timeless.',
  options: {
    fields: { type: 'fields', default: [], doc: 'the fields to delete (bare or quoted, dotted for nested paths)' },
  },
  rest: 'fields',
  examples: [
    { title: 'drop a field', program: 'emit(points=[{a:1, b:2, c:null}]) | remove(b, c)', output: '{"a":1}' },
    { title: 'a nested field', program: 'emit(points=[{o:{v:1}, w:2}]) | remove(o.v)', output: '{"o":{},"w":2}' },
  ],
  namesUsed: (opts) => opts.fields,
  create(opts, ctx) {
    const fields = opts['fields'] as string[];
    if (fields.length === 0) throw compileError('bad-option', '`remove` needs at least one field name', undefined, ['remove(debug, raw)']);
    const paths = fields.map(splitPath);
    const names = fields;
    const flat = paths.every((p) => p.length === 1);
    const copy = ctx.sharedInput;
    return {
      push(batch, out) {
        for (let n = 0; n < batch.length; n++) {
          // deletePath copies the nested objects it changes, so a shallow copy of the point suffices.
          const p = copy ? { ...batch[n]! } : batch[n]!;
          if (flat) for (let i = 0; i < names.length; i++) delete p[names[i]!];
          else for (let i = 0; i < paths.length; i++) deletePath(p, paths[i]!);
          out.push(p);
        }
      },
    };
  },
});
