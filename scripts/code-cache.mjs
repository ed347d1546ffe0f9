// Part of `make build` (scripts/bundle.mjs): runs the CLI once on a small
// program that touches the common stages, then saves V8's code cache for the
// bundle, prefixed with the bundle's build id (bin/load.js checks it). The
// cache holds every function compiled by then, so a run needs fewer compiles.
import { writeFileSync } from 'node:fs';
import { cachePath, compileCli } from '../bin/load.js';

const loaded = compileCli({ useCache: false });
if (!loaded?.id) {
  process.stderr.write('code-cache: dist/flume.cjs is missing or has no build id\n');
  process.exit(1);
}
const { cli, script, id } = loaded;
// main() ends the process itself: save the cache on the way out.
process.on('exit', (code) => {
  if (code === 0) writeFileSync(cachePath, Buffer.concat([Buffer.from(id, 'latin1'), script.createCachedData()]));
});
const program =
  "emit(limit=10, start='2016-01-01', every='1ms') | put(name=iterate(['a', 'b']), v=count() * 0.37) " +
  '| (reduce(c=count(), a=avg(v), by=[name]), filter(v > 1) | head(2))';
// --no-rc: the cache is the same whatever rc files the machine building it has.
await cli.main([process.execPath, 'flume', '--no-rc', program]);
