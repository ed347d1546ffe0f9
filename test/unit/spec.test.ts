/** Language behaviour from the spec files in test/spec (readable as documentation). */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseSpec, runProgram } from '../helpers.js';

const dir = new URL('../spec/', import.meta.url);
for (const name of readdirSync(dir).filter((f) => f.endsWith('.md')).sort()) {
  const cases = parseSpec(readFileSync(new URL(name, dir), 'utf8'), name);
  describe(name, () => {
    for (const c of cases) {
      it(c.title, async () => {
        const r = await runProgram(c.program, { input: c.input, now: c.now ? Date.parse(c.now) : undefined });
        if (c.error !== undefined) {
          assert.equal(r.error?.trim(), c.error.trim(), 'rendered error');
        } else {
          assert.equal(r.error, undefined, `unexpected error:\n${r.error}`);
          assert.equal(r.stdout.trim(), (c.output ?? '').trim(), 'output');
        }
        if (c.stderr !== undefined) assert.equal(r.stderr.trim(), c.stderr.trim(), 'stderr');
      });
    }
  });
}
