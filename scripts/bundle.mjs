// The CLI as one file: loading hundreds of small ES modules (lodash-es under
// chevrotain) costs more start-up time than everything else together.
//
// Two builds of it: dist/flume.cjs, which bin/flume.js loads with V8's code
// cache (bin/load.js; the cache is made here, by scripts/code-cache.mjs), and
// dist/flume.mjs, the same as an ES module, used when the CommonJS build is
// missing.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const common = {
  entryPoints: ['src/cli/main.ts'],
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  // Loaded on demand only (rc files; heavy adapter clients).
  external: ['jiti', 'mongodb', 'kafkajs', 'dockerode', 'docker-modem', '@elastic/elasticsearch', 'avsc', 'asciichart', 'vega', 'vega-lite', 'vega-embed', '@resvg/resvg-js'],
  logLevel: 'warning',
};

await build({
  ...common,
  format: 'esm',
  outfile: 'dist/flume.mjs',
  banner: { js: "import { createRequire as __flumeRequire } from 'node:module'; const require = __flumeRequire(import.meta.url);" },
});

// bin/load.js runs this inside a function whose parameters give `require`,
// `__filename` and `__flumeMeta` (import.meta's url and resolve, and import()).
const PLACEHOLDER = '0'.repeat(64);
const cjs = 'dist/flume.cjs';
await build({
  ...common,
  format: 'cjs',
  outfile: cjs,
  define: { 'import.meta.url': '__flumeMeta.url', 'import.meta.resolve': '__flumeMeta.resolve' },
  banner: { js: `// flume-build ${PLACEHOLDER}` },
});
// Node 20 loses a vm.Script's dynamic-import callback when the script comes
// from a code cache, so the bundle's import() calls (the externals above) go
// through bin/load.js's import() instead.
let text = readFileSync(cjs, 'utf8').replace(/\bawait import\(("[^"]+")\)/g, 'await __flumeMeta.import($1)');
const left = text.match(/(?<![.\w])import\([^)]*\)/g);
if (left) throw new Error(`bundle: dynamic import() that bin/load.js cannot serve: ${left.join(', ')}`);
// ASCII only (esbuild leaves a few characters in comments), so bin/load.js can
// read it as latin1: decoding 1.4 MB of UTF-8 costs a few ms of every start-up.
text = text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
// The build id is a hash of the content, so a cache from another build is never used.
const id = createHash('sha256').update(text).digest('hex');
text = text.replace(PLACEHOLDER, id);
writeFileSync(cjs, text);

rmSync(`${cjs}.cache`, { force: true });
const r = spawnSync(process.execPath, ['scripts/code-cache.mjs'], { stdio: ['ignore', 'ignore', 'inherit'] });
if (r.status !== 0) {
  rmSync(`${cjs}.cache`, { force: true });
  process.stderr.write('bundle: making the code cache failed; the CLI works without it, only starts slower\n');
}
