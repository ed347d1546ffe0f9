/** Every component documents every option and has examples that run and give their documented output. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from '../../src/registry.js';
import type { Example, OptionSchema } from '../../src/runtime/component.js';
import { compileError, runProgram } from '../helpers.js';

const reg = Registry.builtin();

interface Entry {
  kind: string;
  name: string;
  summary: string;
  options: OptionSchema[];
  examples: readonly Example[];
}

const entries: Entry[] = [
  ...reg.listStages().map((s) => ({ kind: s.kind, name: s.name, summary: s.summary, options: [s.options], examples: s.examples })),
  ...reg.listReducers().map((r) => ({ kind: 'reducer', name: r.name, summary: r.summary, options: [], examples: r.examples })),
  ...reg.listAdapters().map((a) => ({
    kind: 'adapter',
    name: a.name,
    summary: a.summary,
    options: [a.read?.options ?? {}, a.write?.options ?? {}],
    examples: a.examples,
  })),
  ...reg.listFormats().map((f) => ({ kind: 'format', name: f.name, summary: f.summary, options: [f.options], examples: f.examples })),
];

describe('registry', () => {
  it('lists the processors the spec names', () => {
    const names = reg.listStages().map((s) => s.name);
    for (const n of 'emit read seq filter put keep remove rename head tail skip uniq sort reduce split join union intersect diff pace reorder write'.split(' ')) {
      assert.ok(names.includes(n), `missing ${n}`);
    }
  });
  it('lists the reducers the spec names', () => {
    for (const n of 'count sum avg mean min max minimum maximum first last stddev stdev variance percentile median count_unique values rate iterate'.split(' ')) {
      assert.ok(reg.reducer(n), `missing reducer ${n}`);
    }
  });
  it('lists the formats the spec names', () => {
    for (const n of 'jsonl json csv grok text logfmt'.split(' ')) assert.ok(reg.format(n), `missing format ${n}`);
  });
  for (const e of entries) {
    describe(`${e.kind} ${e.name}`, () => {
      it('has a summary and a doc string for every option', () => {
        assert.ok(e.summary.length > 0);
        for (const schema of e.options) for (const [k, spec] of Object.entries(schema)) assert.ok(spec.doc && spec.doc.length > 3, `${e.name}.${k} has no doc`);
      });
      it('has at least one example', () => assert.ok(e.examples.length > 0));
      for (const ex of e.examples) {
        if (ex.service !== undefined) {
          it(`example (compiled only: needs ${ex.service}): ${ex.title}`, () => assert.equal(compileError(ex.program), undefined));
          continue;
        }
        it(`example: ${ex.title}`, async () => {
          const r = await runProgram(ex.program, { input: ex.input });
          assert.equal(r.error, undefined, `example failed:\n${r.error}`);
          if (ex.output !== undefined) assert.equal(r.stdout.trim(), ex.output.trim());
        });
      }
    });
  }
});
