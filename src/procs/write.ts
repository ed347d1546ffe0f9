/** write: send points to an adapter (stdio, http, kafka, elastic, influxdb, prometheus). */
import { defineSink } from '../runtime/defs.js';
import type { AdapterDef } from '../runtime/defs.js';
import { adapterPlaces, adapterSchema } from './adapter-options.js';

export const write = defineSink({
  name: 'write',
  summary: "write points to an adapter: write('stdio', format='csv')",
  description: 'The first argument names the adapter; its options, and for byte adapters the format options, follow. `flume help <adapter>` lists them.',
  positional: ['adapter'],
  options: { adapter: { type: 'string', required: true, doc: 'the adapter to write to' } },
  optionsFor: (first, services) => adapterSchema('write', first, services),
  places: (opts, services) => adapterPlaces('write', opts, services),
  examples: [{ title: 'CSV to stdout', program: "emit(points=[{a:1,b:'x'}]) | write('stdio', format='csv')", output: 'a,b\n1,x' }],
  create(opts, ctx) {
    const adapter = ctx.services.adapter(opts['adapter'] as string) as AdapterDef;
    return adapter.write!.create(opts, ctx);
  },
});
