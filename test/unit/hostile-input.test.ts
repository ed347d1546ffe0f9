/**
 * Hostile input to the format readers (issue 13): overlong lines, deep
 * nesting, numbers beyond a double, truncated arrays, stray CSV quotes. Each is
 * counted (malformed) and reading goes on; nothing is silently changed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runProgram } from '../helpers.js';

function lines(stdout: string): unknown[] {
  return stdout.trim() === '' ? [] : stdout.trim().split('\n').map((l) => JSON.parse(l) as unknown);
}

describe('max_line (issue 13 item 9)', () => {
  for (const format of ['jsonl', 'text', 'logfmt', 'grok', 'csv']) {
    it(`${format}: a line over max_line is malformed, skipped, and the read goes on`, async () => {
      const head = format === 'csv' ? 'a\n' : '';
      const good = (n: number): string => (format === 'jsonl' ? `{"a":${n}}` : format === 'logfmt' ? `a=${n}` : format === 'csv' ? `${n}` : `${n}`);
      // 300,000 characters: longer than max_line and than a decoded piece (64 K), so it spans several.
      const input = head + good(1) + '\n' + 'x'.repeat(300_000) + '\n' + good(2) + '\n' + 'y'.repeat(150_001) + '\n' + good(3) + '\n';
      const r = await runProgram(`read('stdio', format='${format}', max_line=150000) | write('stdio', format='jsonl')`, { input });
      assert.equal(r.error, undefined, r.error);
      const out = lines(r.stdout);
      assert.equal(out.length, 3, r.stdout.slice(0, 300));
      assert.match(r.stderr, /2 malformed, first: line \d+: line longer than max_line \(150000 characters\)/);
    });
  }

  it('a line of exactly max_line characters is read; the line number after a skipped line is right', async () => {
    const r = await runProgram("read('stdio', max_line=9, on_error='keep')", { input: '{"a":123}\n{"a":1234}\n{"a":1}\n' });
    assert.deepEqual(lines(r.stdout), [{ a: 123 }, { _raw: '{"a":1234}', _error: 'line longer than max_line (9 characters)', _line: 2 }, { a: 1 }]);
  });

  it('an overlong last line without a newline is malformed too', async () => {
    const r = await runProgram("read('stdio', format='text', max_line=5)", { input: 'ab\n' + 'z'.repeat(20) });
    assert.deepEqual(lines(r.stdout), [{ message: 'ab' }]);
    assert.match(r.stderr, /1 malformed/);
  });

  it('json: an array element over max_line is malformed and the next one is read', async () => {
    const r = await runProgram("read('stdio', format='json', max_line=50)", { input: `[{"a":1},{"b":"${'x'.repeat(200)}"},{"a":2}]` });
    assert.deepEqual(lines(r.stdout), [{ a: 1 }, { a: 2 }]);
    assert.match(r.stderr, /array element longer than max_line/);
  });

  it('max_line must be positive (a compile error)', async () => {
    const r = await runProgram("read('stdio', max_line=0)", { input: '' });
    assert.equal(r.exitCode, 2, 'max_line must be positive');
  });
});

describe('deep nesting is bounded where data is read (issue 13 item 12)', () => {
  const deep = (n: number): string => '['.repeat(n) + ']'.repeat(n);
  for (const format of ['jsonl', 'json']) {
    it(`${format}: a value nested 5000 deep is malformed; write and count_unique never overflow the stack`, async () => {
      const doc = `{"a":${deep(5000)}}`;
      const input = format === 'json' ? `[{"a":1},${doc},{"a":2}]` : `{"a":1}\n${doc}\n{"a":2}\n`;
      const r = await runProgram(`read('stdio', format='${format}') | (write('stdio'), reduce(u=count_unique(a)) | write('stdio'))`, { input });
      assert.equal(r.error, undefined, r.error);
      assert.deepEqual(lines(r.stdout), [{ a: 1 }, { a: 2 }, { u: 2 }]);
      assert.match(r.stderr, /1 malformed, first: line \d+: nested deeper than 512 levels/);
    });
  }

  it('parse(format=json) refuses the same depth as read: both go through parseJsonObject', async () => {
    const input = JSON.stringify({ m: '{"b":1}' }) + '\n' + JSON.stringify({ m: `{"a":${deep(5000)}}` }) + '\n';
    const r = await runProgram("read('stdio', time=null) | parse(field='m', format='json') | keep(b)", { input });
    assert.equal(r.error, undefined, r.error);
    assert.deepEqual(lines(r.stdout)[0], { b: 1 });
    assert.match(r.stderr, /1 malformed, first: nested deeper than 512 levels/);
  });

  it('512 levels are read', async () => {
    const r = await runProgram('read(\'stdio\') | put(n=1) | keep(n)', { input: `{"a":${deep(511)}}\n` });
    assert.deepEqual(lines(r.stdout), [{ n: 1 }]);
  });
});

describe('numbers beyond a double are malformed, never Infinity or null (issue 13 item 14)', () => {
  for (const format of ['jsonl', 'json']) {
    it(`${format}: 1e400 is counted and max of the rest is right`, async () => {
      const input = format === 'json' ? '[{"a":1e400},{"a":5},{"a":-1E+999}]' : '{"a":1e400}\n{"a":5}\n{"a":-1E+999}\n';
      const r = await runProgram(`read('stdio', format='${format}') | reduce(m=max(a), n=count())`, { input });
      assert.deepEqual(lines(r.stdout), [{ m: 5, n: 1 }]);
      assert.match(r.stderr, /2 malformed, first: line 1: a number out of range/);
    });
  }
  it('1e300 and a string holding e999 are read as they are', async () => {
    const r = await runProgram("read('stdio')", { input: '{"a":1e300,"s":"e999"}\n' });
    assert.deepEqual(lines(r.stdout), [{ a: 1e300, s: 'e999' }]);
  });
});

describe('a JSON array without its closing ] (issue 13 item 14)', () => {
  it('keeps its last element and reports the truncation', async () => {
    const r = await runProgram("read('stdio', format='json')", { input: '[{"a":1},\n{"a":2}\n' });
    assert.deepEqual(lines(r.stdout), [{ a: 1 }, { a: 2 }]);
    assert.match(r.stderr, /1 malformed, first: line 2: unterminated JSON array \(the closing \] is missing; the last element is kept\)/);
  });
  it('a last element cut in the middle is malformed', async () => {
    const r = await runProgram("read('stdio', format='json')", { input: '[{"a":1},{"a":' });
    assert.deepEqual(lines(r.stdout), [{ a: 1 }]);
    assert.match(r.stderr, /unterminated JSON array.*\{"a":/);
  });
});

describe('smaller ones (issue 13 item 14)', () => {
  it('reduce without every after sort is accepted; a windowed reduce after sort is still refused', async () => {
    const ok = await runProgram("emit(points=[{v:2},{v:1},{v:3}]) | sort(v) | reduce(n=count(), s=sum(v))");
    assert.equal(ok.error, undefined, ok.error);
    assert.deepEqual(lines(ok.stdout), [{ n: 3, s: 6 }]);
    const bad = await runProgram("emit(limit=3, start=0) | put(v=1) | sort(v) | reduce(n=count(), every='1s')");
    assert.equal(bad.exitCode, 2);
    assert.match(bad.error ?? '', /window-after-sort/);
  });

  for (const [program, what] of [
    ['emit(limit=-1)', /option `limit` of `emit` must be at least 0/],
    ['emit(limit=3) | head(-1)', /option `n` of `head` must be at least 0/],
    ['emit(limit=3) | tail(-1)', /option `n` of `tail` must be at least 0/],
    ['emit(limit=3) | sort(limit=-5)', /option `limit` of `sort` must be at least 1/],
    ["emit(limit=3) | reduce(n=count(), every='1s', lateness='-5s')", /option `lateness` of `reduce` must not be negative/],
    ["(emit(limit=1), emit(limit=1)) | join(within='-1s')", /option `within` of `join` must not be negative/],
  ] as const) {
    it(`${program} is a compile error`, async () => {
      const r = await runProgram(program);
      assert.equal(r.exitCode, 2, r.error);
      assert.match(r.error ?? '', what);
    });
  }

  it("put(m='{a:.999f}') is a compile error, not a runtime one", async () => {
    const r = await runProgram("emit(limit=1) | put(a=1.5) | put(m='{a:.999f}')");
    assert.equal(r.exitCode, 2, r.error);
    assert.match(r.error ?? '', /bad-template.*precision \.999 is more than 100/);
    const ok = await runProgram("emit(points=[{a:1.5}]) | put(m='{a:.100f}') | put(n=len(m)) | keep(n)");
    assert.deepEqual(lines(ok.stdout), [{ n: 102 }]);
  });

  it('the CSV writer quotes strings that would read back as numbers or booleans', async () => {
    const r = await runProgram("read('stdio') | write('stdio', format='csv')", { input: '{"a":"123","b":"true","c":"1e5","d":"x","e":5,"f":false}\n' });
    assert.equal(r.stdout, 'a,b,c,d,e,f\n"123","true","1e5",x,5,false\n');
    const back = await runProgram("read('stdio', format='csv')", { input: r.stdout });
    assert.deepEqual(lines(back.stdout), [{ a: '123', b: 'true', c: '1e5', d: 'x', e: 5, f: false }]);
  });

  it('the logfmt writer writes an empty key as _, which reads back', async () => {
    const r = await runProgram("read('stdio') | write('stdio', format='logfmt')", { input: '{"":5,"a":{"":1}}\n' });
    assert.equal(r.stdout, '_=5 a._=1\n');
    const back = await runProgram("read('stdio', format='logfmt')", { input: r.stdout });
    assert.deepEqual(lines(back.stdout), [{ _: 5, a: { _: 1 } }]);
    assert.equal(back.stderr, '');
  });
});

describe('a stray quote in CSV does not swallow the file (issue 13 item 8)', () => {
  const sum = (from: number, to: number): number => ((from + to) * (to - from + 1)) / 2;

  it('the record with the stray quote is malformed; every row after it is read', async () => {
    const rows = ['a,b', '1,x', '2,"oops', ...Array.from({ length: 300 }, (_, i) => `${i + 3},y`)];
    const r = await runProgram("read('stdio', format='csv') | reduce(n=count(), s=sum(a))", { input: rows.join('\n') + '\n' });
    assert.deepEqual(lines(r.stdout), [{ n: 301, s: 1 + sum(3, 302) }]);
    assert.match(r.stderr, /1 malformed, first: line 3: csv: a quoted value runs over 100 lines \(a stray quote\?\): 2,"oops/);
  });

  it('the same when the record spans decoded pieces (64 K), and with CRLF', async () => {
    const pad = 'p'.repeat(1000);
    const rows = ['a,b', ...Array.from({ length: 60 }, (_, i) => `${i + 1},${pad}`), '61,"oops', ...Array.from({ length: 300 }, (_, i) => `${i + 62},${pad}`)];
    for (const eol of ['\n', '\r\n']) {
      const r = await runProgram("read('stdio', format='csv') | reduce(n=count(), s=sum(a))", { input: rows.join(eol) + eol });
      assert.deepEqual(lines(r.stdout), [{ n: 360, s: sum(1, 60) + sum(62, 361) }]);
      assert.match(r.stderr, /1 malformed, first: line 62: csv: a quoted value runs over 100 lines/);
    }
  });

  it('quoted values spanning fewer lines than max_field_lines are read', async () => {
    const r = await runProgram("read('stdio', format='csv', max_field_lines=3)", { input: 'a,b\n1,"multi\nline"\n2,"x\n3,y\n4,z\n' });
    assert.deepEqual(lines(r.stdout), [{ a: 1, b: 'multi\nline' }, { a: 3, b: 'y' }, { a: 4, b: 'z' }]);
    assert.match(r.stderr, /1 malformed, first: line 4: .*: 2,"x/);
  });
});
