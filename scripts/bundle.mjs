// The CLI as one file: loading hundreds of small ES modules (lodash-es under
// chevrotain) costs more start-up time than everything else together.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/cli/main.ts'],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: 'dist/flume.mjs',
  sourcemap: true,
  // Loaded on demand only (rc files; heavy adapter clients).
  external: ['jiti', 'kafkajs', 'dockerode', '@elastic/elasticsearch', 'avsc', 'asciichart', 'vega', 'vega-lite', 'vega-embed', '@resvg/resvg-js'],
  banner: { js: "import { createRequire as __flumeRequire } from 'node:module'; const require = __flumeRequire(import.meta.url);" },
  logLevel: 'warning',
});
