/** REPL tab completion (SPEC §8) for what issue 18 added: parse's options follow its format. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { completer } from '../../src/cli/complete.js';
import { Registry } from '../../src/registry.js';

const reg = Registry.builtin();

describe('completion of parse options', () => {
  it("offers the options of the format named by format=", () => {
    assert.deepEqual(completer(reg, "read('stdio', format='text') | parse(format='grok', pat"), [['pattern=', 'patterns='], 'pat']);
    assert.deepEqual(completer(reg, "emit | parse(field='line', format='csv', col"), [['columns='], 'col']);
    assert.deepEqual(completer(reg, "emit | parse(format='kv', pa"), [['pair='], 'pa']);
  });

  it("offers parse's own options before a format is named", () => {
    assert.deepEqual(completer(reg, 'emit | parse(on'), [['on_error='], 'on']);
  });

  it('completes the parse processor name', () => {
    assert.ok(completer(reg, 'emit | pars')[0].includes('parse'));
  });
});
