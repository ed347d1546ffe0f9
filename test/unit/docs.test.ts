/** docs/reference.md is generated from the schemas: it must match what they say now. */
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from '../../src/registry.js';
import { helpFor, overview, referenceMarkdown } from '../../src/cli/help.js';

it('docs/reference.md is up to date (run `make docs`)', () => {
  const onDisk = readFileSync(new URL('../../docs/reference.md', import.meta.url), 'utf8');
  assert.equal(onDisk, referenceMarkdown(Registry.builtin()));
});

it('flume help documents every option of a stage with its type and default', () => {
  const reg = Registry.builtin();
  const h = helpFor(reg, 'emit');
  assert.ok('text' in h);
  assert.match(h.text, /^emit — source: /);
  assert.match(h.text, /  every: duration \(default '1s'\) — step between points/);
  assert.match(h.text, /  limit: integer — how many points/);
});

it('flume help <adapter> lists each option with its environment variable', () => {
  const h = helpFor(Registry.builtin(), 'stdio');
  assert.ok('text' in h);
  assert.match(h.text, /\[env FLUME_STDIO_FILE\]/);
  assert.match(h.text, /\[env FLUME_STDIO_FOLLOW\]/);
});

it('flume help lists every kind of component', () => {
  const text = overview(Registry.builtin());
  for (const heading of ['Sources:', 'Processors:', 'Sinks:', 'Reducers:', 'Adapters:', 'Formats:', 'Functions (in expressions):']) assert.ok(text.includes(heading), heading);
});

it('unknown names get a suggestion', () => {
  assert.deepEqual(helpFor(Registry.builtin(), 'percentil'), { error: 'no help for `percentil`: did you mean `percentile`?' });
});
