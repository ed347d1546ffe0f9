/**
 * diff: the keys some branch lacked, their points merged into one (§11.22).
 */
import { defineProc } from '../runtime/defs.js';
import { createSetOp, keyingDoc, setOptions } from './set-ops.js';

export const diff = defineProc({
  name: 'diff',
  summary: 'one merged point for each key (`time`, or the given fields) that some branch lacked',
  description: 'Used after a group: `(a, b) | diff(host)`. Keys every branch had give nothing. ' + keyingDoc,
  multiInput: true,
  options: setOptions,
  rest: 'fields',
  examples: [
    {
      title: 'times not present in both sources',
      program: "(emit(points=[{time:'2016-01-01', a:1},{time:'2016-01-02', a:2}]), emit(points=[{time:'2016-01-02', b:3},{time:'2016-01-03', b:4}])) | diff",
      output: '{"time":"2016-01-01T00:00:00.000Z","a":1}\n{"time":"2016-01-03T00:00:00.000Z","b":4}',
    },
    {
      title: 'hosts only one side has',
      program: "(emit(points=[{h:'x', v:1},{h:'y', v:2}]), emit(points=[{h:'y', w:5},{h:'z', w:6}])) | diff(h)",
      output: '{"h":"x","v":1}\n{"h":"z","w":6}',
    },
  ],
  create: (opts, ctx) => createSetOp('diff', opts, ctx),
});
