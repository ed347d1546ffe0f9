/**
 * bin/load.js runs the CLI bundle from V8's code cache (issue 7, start-up).
 * A cache that is missing, belongs to another build or is refused by V8 must
 * fall back to a plain compile, silently. Checked on a small stand-in bundle
 * (the real one exists only after `make build`); each case uses its own
 * directory, since V8 reuses a script compiled in the same process under the
 * same name without looking at the cache.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compileCli } from '../../bin/load.js';

const root = mkdtempSync(join(tmpdir(), 'flume-load-'));
after(() => rmSync(root, { recursive: true, force: true }));

const ID = 'ab'.repeat(32);
const BODY = [
  '"use strict";',
  'exports.main = async () => {};',
  'exports.url = __flumeMeta.url;',
  'exports.file = __filename;',
  'exports.sep = require("node:path").sep;',
  'exports.load = () => __flumeMeta.import("node:path");',
].join('\n');

let n = 0;
function bundle(text = `// flume-build ${ID}\n${BODY}`): string {
  const dir = join(root, String(n++));
  mkdirSync(dir);
  const file = join(dir, 'flume.cjs');
  writeFileSync(file, text);
  return file;
}

/** A cache made the way scripts/code-cache.mjs makes it, written next to `file`. */
function makeCache(file: string, id = ID): void {
  const made = bundle();
  const loaded = compileCli({ useCache: false, bundle: made })!;
  writeFileSync(`${file}.cache`, Buffer.concat([Buffer.from(id, 'latin1'), loaded.script.createCachedData()]));
}

function works(file: string, loaded: ReturnType<typeof compileCli>): void {
  assert.ok(loaded);
  const cli = loaded.cli as unknown as Record<string, unknown>;
  assert.equal(typeof cli['main'], 'function');
  assert.equal(cli['url'], pathToFileURL(file).href);
  assert.equal(cli['file'], file);
  assert.equal(cli['sep'], '/');
}

describe('bin/load.js', () => {
  it('no bundle: undefined (the ES module build is used instead)', () => {
    assert.equal(compileCli({ bundle: join(root, 'none', 'flume.cjs') }), undefined);
  });

  it('no cache: compiles as usual', () => {
    const file = bundle();
    const loaded = compileCli({ bundle: file });
    works(file, loaded);
    assert.equal(loaded!.id, ID);
    assert.equal(loaded!.script.cachedDataRejected, undefined);
  });

  it('a cache of this build is used', () => {
    const file = bundle();
    makeCache(file);
    const loaded = compileCli({ bundle: file });
    works(file, loaded);
    assert.equal(loaded!.script.cachedDataRejected, false);
  });

  it('a cache of another build is not offered to V8', () => {
    const file = bundle();
    makeCache(file, 'cd'.repeat(32));
    const loaded = compileCli({ bundle: file });
    works(file, loaded);
    assert.equal(loaded!.script.cachedDataRejected, undefined);
  });

  it('a cache V8 refuses (damaged, empty, another Node) is ignored', () => {
    for (const payload of [Buffer.from('not a code cache'), Buffer.alloc(0)]) {
      const file = bundle();
      writeFileSync(`${file}.cache`, Buffer.concat([Buffer.from(ID, 'latin1'), payload]));
      const loaded = compileCli({ bundle: file });
      works(file, loaded);
      assert.equal(loaded!.script.cachedDataRejected, true);
    }
  });

  it('a bundle without a build id never uses a cache', () => {
    const file = bundle(BODY);
    const cached = bundle();
    makeCache(cached);
    copyFileSync(`${cached}.cache`, `${file}.cache`);
    const loaded = compileCli({ bundle: file });
    works(file, loaded);
    assert.equal(loaded!.id, undefined);
    assert.equal(loaded!.script.cachedDataRejected, undefined);
  });

  it("the bundle's import() goes through the loader", async () => {
    const file = bundle();
    makeCache(file);
    const cli = compileCli({ bundle: file })!.cli as unknown as { load: () => Promise<{ sep: string }> };
    assert.equal((await cli.load()).sep, '/');
  });
});
