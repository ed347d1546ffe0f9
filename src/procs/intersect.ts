/**
 * intersect: the keys every branch had, their points merged into one (§11.22).
 */
import { defineProc } from '../runtime/defs.js';
import { createSetOp, keyingDoc, setOptions } from './set-ops.js';

export const intersect = defineProc({
  name: 'intersect',
  summary: 'one merged point for each key (`time`, or the given fields) that every branch had',
  description: 'Used after a group: `(a, b) | intersect(host)`. Keys missing from any branch give nothing. ' + keyingDoc,
  multiInput: true,
  options: setOptions,
  rest: 'fields',
  examples: [
    {
      title: 'times present in both sources',
      program: "(emit(points=[{time:'2016-01-01', a:1},{time:'2016-01-02', a:2}]), emit(points=[{time:'2016-01-02', b:3}])) | intersect",
      output: '{"time":"2016-01-02T00:00:00.000Z","a":2,"b":3}',
    },
    {
      title: 'hosts present in both',
      program: "(emit(points=[{h:'x', v:1},{h:'y', v:2}]), emit(points=[{h:'y', w:5}])) | intersect(h)",
      output: '{"h":"y","v":2,"w":5}',
    },
  ],
  create: (opts, ctx) => createSetOp('intersect', opts, ctx),
});
