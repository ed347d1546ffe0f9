/** seq: run source pipelines one after another, as one stream. */
import { defineSource } from '../runtime/defs.js';
import type { SourceOutput } from '../runtime/component.js';

interface Chain {
  run(out: SourceOutput): Promise<void>;
}

export const seq = defineSource({
  name: 'seq',
  summary: 'run source pipelines one after another, as one stream',
  description: 'Each argument is a source pipeline (a source and processors, no sinks or groups); the next starts when the previous ends.',
  options: { pipelines: { type: 'pipeline', doc: 'the source pipelines, in order' } },
  rest: 'pipelines',
  examples: [
    {
      title: 'two sources in sequence',
      program: "seq(emit(points=[{a:1}]), emit(points=[{a:2}]) | put(b=true))",
      output: '{"a":1}\n{"a":2,"b":true}',
    },
  ],
  create() {
    const self = {
      // Filled in by the compiler with one runnable chain per sub-pipeline.
      chains: [] as Chain[],
      async run(out: SourceOutput): Promise<void> {
        for (const chain of self.chains) {
          if (out.done) break;
          await chain.run(out);
        }
      },
    };
    return self;
  },
});
