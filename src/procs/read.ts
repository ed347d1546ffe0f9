/** read: points from an adapter (stdio, http, docker-*, host, kafka, elastic). */
import { defineSource } from '../runtime/defs.js';
import type { AdapterDef } from '../runtime/defs.js';
import { adapterPlaces, adapterSchema, byteReadOptions, commonReadOptions } from './adapter-options.js';

export const read = defineSource({
  name: 'read',
  summary: "read points from an adapter: read('stdio', file='x.csv')",
  description:
    'The first argument names the adapter; its options, and for byte adapters the format options, follow. `flume help <adapter>` lists them. ' +
    'Every reading adapter takes `time`, `time_unit`, `from` and `to`; those reading bytes (stdio, and any whose help lists `format`) also ' +
    'take `format` and `on_error`, listed below.',
  positional: ['adapter'],
  options: {
    adapter: { type: 'string', required: true, doc: 'the adapter to read from' },
    ...commonReadOptions,
    format: {
      type: 'string',
      doc: 'record format of adapters reading bytes: jsonl, json, csv, grok, text, logfmt (default from the file extension, else jsonl); `flume help <format>` lists its options',
    },
    ...byteReadOptions,
  },
  optionsFor: (first, services) => adapterSchema('read', first, services),
  places: (opts, services) => adapterPlaces('read', opts, services),
  examples: [{ title: 'JSON lines from stdin', program: "read('stdio')", input: '{"a":1}\n{"a":2}', output: '{"a":1}\n{"a":2}' }],
  create(opts, ctx) {
    const adapter = ctx.services.adapter(opts['adapter'] as string) as AdapterDef;
    return adapter.read!.create(opts, ctx);
  },
});
