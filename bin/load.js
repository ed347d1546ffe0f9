// Loads the CLI bundle (dist/flume.cjs) through vm.Script with V8's code cache
// (dist/flume.cjs.cache, written by `make build`). Compiling the 1.4 MB bundle,
// and then the functions a run needs one by one, is a third of start-up; a
// cached compile skips most of it. Node 20 has no module.enableCompileCache,
// hence a CommonJS bundle run by hand. A cache that is missing, from another
// build, or refused by V8 (another Node, other V8 flags) means a normal compile.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import vm from 'node:vm';

export const bundlePath = fileURLToPath(new URL('../dist/flume.cjs', import.meta.url));
export const cachePath = `${bundlePath}.cache`;

/** The bundle's first line names its build: `// flume-build <64 hex digits>` (scripts/bundle.mjs). */
const ID_PREFIX = '// flume-build ';
const ID_LENGTH = 64;

/**
 * Compile and run the bundle's top level. `meta` stands in for `import.meta`,
 * which a CommonJS bundle lacks. Returns undefined when there is no bundle.
 * `bundle` is for tests; its cache is the file next to it with `.cache` added.
 */
export function compileCli({ useCache = true, bundle = bundlePath } = {}) {
  let source;
  try {
    // ASCII by construction (scripts/bundle.mjs): latin1 is the cheapest exact decoding.
    source = readFileSync(bundle, 'latin1');
  } catch (e) {
    if (e?.code === 'ENOENT') return undefined;
    throw e;
  }
  const id = source.startsWith(ID_PREFIX) ? source.slice(ID_PREFIX.length, ID_PREFIX.length + ID_LENGTH) : undefined;
  let cachedData;
  if (useCache && id !== undefined) {
    try {
      const cache = readFileSync(`${bundle}.cache`);
      if (cache.toString('latin1', 0, ID_LENGTH) === id) cachedData = cache.subarray(ID_LENGTH);
    } catch {
      // No cache: compile as usual.
    }
  }
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname, __flumeMeta) {${source}\n})`, { filename: bundle, cachedData });
  const module = { exports: {} };
  // The bundle's import() calls come here (scripts/bundle.mjs): this file's own import() resolves the same packages.
  const meta = { url: pathToFileURL(bundle).href, resolve: (specifier) => import.meta.resolve(specifier), import: (specifier) => import(specifier) };
  script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, dirname(bundle), meta);
  return { cli: module.exports, script, id };
}

/** The CLI's exports: from the CommonJS bundle, or the ES module bundle when there is none. */
export async function loadCli() {
  return compileCli()?.cli ?? (await import('../dist/flume.mjs'));
}
