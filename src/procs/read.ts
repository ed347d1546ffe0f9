/** read: points from an adapter (stdio, http, docker-*, host, kafka, elastic). */
import { defineSource } from '../runtime/defs.js';
import type { AdapterDef } from '../runtime/defs.js';
import { adapterPlaces, adapterSchema, commonReadOptions } from './adapter-options.js';

export const read = defineSource({
  name: 'read',
  summary: "read points from an adapter: read('stdio', file='x.csv')",
  description: 'The first argument names the adapter; its options, and for byte adapters the format options, follow. `flume help <adapter>` lists them.',
  positional: ['adapter'],
  options: { adapter: { type: 'string', required: true, doc: 'the adapter to read from' }, ...commonReadOptions },
  optionsFor: (first, services) => adapterSchema('read', first, services),
  places: (opts, services) => adapterPlaces('read', opts, services),
  examples: [{ title: 'JSON lines from stdin', program: "read('stdio')", input: '{"a":1}\n{"a":2}', output: '{"a":1}\n{"a":2}' }],
  create(opts, ctx) {
    const adapter = ctx.services.adapter(opts['adapter'] as string) as AdapterDef;
    return adapter.read!.create(opts, ctx);
  },
});
