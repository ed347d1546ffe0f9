/**
 * Language behaviour from the spec files in test/spec (readable as
 * documentation), run by the same code as `flume test`, with whole rendered
 * errors compared exactly.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseSpec, runCase } from '../../src/cli/spec.js';
import { Registry } from '../../src/registry.js';

const registry = Registry.builtin();
const dir = new URL('../spec/', import.meta.url);
for (const name of readdirSync(dir).filter((f) => f.endsWith('.md')).sort()) {
  const cases = parseSpec(readFileSync(new URL(name, dir), 'utf8'), name);
  describe(name, () => {
    for (const c of cases) {
      it(c.title, async () => {
        const o = await runCase(c, registry, { exactErrors: true });
        assert.ok(o.ok, `${name}:${c.line}\n${o.failures.join('\n')}`);
      });
    }
  });
}
