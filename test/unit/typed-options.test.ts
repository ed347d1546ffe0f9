/**
 * `create` receives options typed from the component's schema. The type
 * assertions are checked by `make typecheck` (tsconfig.test.json covers the
 * tests): each `@ts-expect-error` fails the type check if the line compiles.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineProc } from '../../src/runtime/defs.js';
import type { Duration } from '../../src/runtime/component.js';

test('create receives options typed from the schema', () => {
  let seen: unknown[] = [];
  const def = defineProc({
    name: 'typed',
    summary: 'a component for the type test',
    examples: [],
    options: {
      n: { type: 'integer', default: 1, doc: 'a count' },
      mode: { type: 'string', choices: ['fast', 'exact'], default: 'fast', doc: 'how' },
      over: { type: 'duration', nullable: true, doc: 'a window' },
      by: { type: 'fields', doc: 'groups' },
    },
    create(opts) {
      const n: number = opts.n;
      const mode: 'fast' | 'exact' = opts.mode;
      // @ts-expect-error a nullable option without a default may be null or absent
      const over: Duration = opts.over;
      // @ts-expect-error an option without a default or `required` may be absent
      const by: string[] = opts.by;
      // @ts-expect-error an option the schema does not declare
      void opts.nope;
      // @ts-expect-error a value outside the choices
      const wrong: 'slow' = opts.mode;
      seen = [n, mode, over, by, wrong];
      return { push() {} };
    },
  });
  const opts = { n: 3, mode: 'exact', over: null, by: ['host'] };
  def.create(opts, {} as never);
  assert.deepEqual(seen, [3, 'exact', null, ['host'], 'exact']);
});
