/**
 * merge: where the branches of a group fan in. The time ordering itself is
 * done by the runtime's MergeNode in front of this stage, so the stage only
 * passes points on; it exists so the compiled graph names the fan-in.
 */
import { defineProc } from '../runtime/defs.js';

export const merge = defineProc({
  name: 'merge',
  summary: "time-ordered fan-in of a group's branches (inserted by the compiler)",
  description:
    'Points from the branches are released in time order up to the smallest watermark of the branches; ties go to the earlier ' +
    'branch and timeless points pass straight through. You never need to write it: `(a, b) | c` inserts it before `c`.',
  options: {},
  examples: [
    {
      title: 'two sources merged in time order',
      program: "(emit(points=[{time:'2016-01-01T00:00:00Z', s:'a'},{time:'2016-01-01T00:00:02Z', s:'a'}]), emit(points=[{time:'2016-01-01T00:00:01Z', s:'b'}]))",
      output:
        '{"time":"2016-01-01T00:00:00.000Z","s":"a"}\n{"time":"2016-01-01T00:00:01.000Z","s":"b"}\n{"time":"2016-01-01T00:00:02.000Z","s":"a"}',
    },
  ],
  create() {
    return {
      push(batch, out) {
        // A loop, not out.push(...batch): spreading a huge batch overflows the argument stack.
        for (let i = 0; i < batch.length; i++) out.push(batch[i]!);
      },
    };
  },
});
