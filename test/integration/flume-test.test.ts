/** `flume test <files…>` (SPEC §17.2) as a user runs it: markdown test files, rc aliases, exit codes. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

const root = resolve(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'flume.js');
const tmp = mkdtempSync(join(tmpdir(), 'flume-test-cmd-'));

function flumeTest(args: string[]) {
  const r = spawnSync(process.execPath, [bin, 'test', ...args], { cwd: tmp, env: { ...process.env, HOME: tmp }, encoding: 'utf8', timeout: 60_000 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

const FENCE = '```';
const block = (kind: string, body: string) => `${FENCE}${kind}\n${body}\n${FENCE}\n`;

describe('flume test', () => {
  it('passes a file whose cases hold: output, input on stdin, an error the message contains', () => {
    const file = join(tmp, 'pass.md');
    writeFileSync(
      file,
      '# My pipelines\n\n' +
        '## doubles v\n' +
        block('flume', 'put(v2=v*2)') +
        block('input', '{"v":1}\n{"v":21}') +
        block('output', '{"v":1,"v2":2}\n{"v":21,"v2":42}') +
        '\n## a misspelt processor is refused\n' +
        block('flume', 'emit(limit=1) | redcue(n=count())') +
        block('error', 'unknown processor `redcue`'),
    );
    const r = flumeTest([file]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal(r.stdout, `ok   ${file}:3 doubles v\nok   ${file}:16 a misspelt processor is refused\n2 passed, 0 failed\n`);
  });

  it('fails with a diff and exit 1 when an output differs, and still runs the other cases', () => {
    const file = join(tmp, 'fail.md');
    writeFileSync(
      file,
      '## counts\n' +
        block('flume', "emit(points=[{k:'a'},{k:'b'},{k:'a'}]) | reduce(n=count(), by=[k])") +
        block('output', '{"k":"a","n":2}\n{"k":"b","n":2}') +
        '## passes\n' +
        block('flume', 'emit(points=[{a:1}])') +
        block('output', '{"a":1}'),
    );
    const r = flumeTest([file]);
    assert.equal(r.status, 1);
    assert.equal(
      r.stdout,
      `FAIL ${file}:1 counts\n    output:\n        {"k":"a","n":2}\n      - {"k":"b","n":2}\n      + {"k":"b","n":1}\nok   ${file}:9 passes\n1 passed, 1 failed\n`,
    );
  });

  it('fails a case whose expected error does not happen, or is another one', () => {
    const file = join(tmp, 'errors.md');
    writeFileSync(
      file,
      '## should fail but runs\n' + block('flume', 'emit(points=[{a:1}])') + block('error', 'unknown') + '## another error\n' + block('flume', 'emit(limt=1)') + block('error', 'unknown processor'),
    );
    const r = flumeTest([file]);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /FAIL .*:1 should fail but runs\n {4}expected an error, the run succeeded:\n {8}\{"a":1\}\n/);
    assert.match(r.stdout, /FAIL .*:8 another error\n {4}the error does not contain:\n {8}unknown processor\n {4}it was:\n {8}error\[unknown-option\]: unknown option `limt` for `emit`/);
    assert.match(r.stdout, /\n0 passed, 2 failed\n$/);
  });

  it("resolves the rc file's aliases as a run does", () => {
    writeFileSync(join(tmp, 'aliases.ts'), `export const big = "filter(v > 10)";\n`);
    const file = join(tmp, 'alias.md');
    writeFileSync(file, '## an alias from the rc file\n' + block('flume', 'emit(points=[{v:5},{v:50}]) | big') + block('output', '{"v":50}'));
    const r = flumeTest(['--rc', join(tmp, 'aliases.ts'), file]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal(r.stdout, `ok   ${file}:1 an alias from the rc file\n1 passed, 0 failed\n`);
    // Without the rc file the alias is unknown and the case fails.
    assert.equal(flumeTest(['--no-rc', file]).status, 1);
  });

  it('a missing file or one without cases fails; no file at all is a usage error (exit 2)', () => {
    const empty = join(tmp, 'empty.md');
    writeFileSync(empty, '# nothing here\n');
    const r = flumeTest([join(tmp, 'missing.md'), empty]);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /FAIL .*missing\.md: cannot read it \(ENOENT\)/);
    assert.match(r.stdout, /FAIL .*empty\.md: no test cases/);
    const u = flumeTest([]);
    assert.equal(u.status, 2);
    assert.match(u.stderr, /flume test: name the test files/);
  });
});
