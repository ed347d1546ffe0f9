/**
 * union: every key of every branch, its points merged into one (§11.22).
 */
import { defineProc } from '../runtime/defs.js';
import { createSetOp, keyingDoc, setOptions } from './set-ops.js';

export const union = defineProc({
  name: 'union',
  summary: "merge the branches' points that share a key (`time`, or the given fields) into one point per key",
  description: 'Used after a group: `(a, b) | union(host)`. Every key seen in any branch gives one point. ' + keyingDoc,
  multiInput: true,
  options: setOptions,
  rest: 'fields',
  examples: [
    {
      title: 'merge two sources on time',
      program: "(emit(points=[{time:'2016-01-01', a:1},{time:'2016-01-02', a:2}]), emit(points=[{time:'2016-01-01', b:3}])) | union",
      output: '{"time":"2016-01-01T00:00:00.000Z","a":1,"b":3}\n{"time":"2016-01-02T00:00:00.000Z","a":2}',
    },
    {
      title: 'merge on a field; the later branch wins',
      program: "(emit(points=[{h:'x', v:1},{h:'y', v:2}]), emit(points=[{h:'x', v:10, w:1}])) | union(h)",
      output: '{"h":"x","v":10,"w":1}\n{"h":"y","v":2}',
    },
  ],
  create: (opts, ctx) => createSetOp('union', opts, ctx),
});
