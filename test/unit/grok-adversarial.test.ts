/**
 * Every pattern of the grok library, composites included, against adversarial
 * lines (issue 13 item 3): long runs of a pattern's own characters that end in
 * a character it cannot take. A nested quantifier (`([a-z]+)+`) backtracks
 * exponentially on such lines (URI took 2.6 s for 28 characters); the bound
 * below is far above any linear or quadratic search of these lines and far
 * below an exponential one, which never ends.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileGrok, grokLibrary, grokMatch } from '../../src/adapters/formats/grok.js';

const LENGTH = 1024;
const BUDGET_MS = 1000;
const UNITS = [
  'a', '1', '.', '-', ':', '/', ' ', '_', '%', '@', '=', ',', '"', '\\',
  'a.', 'a1', '1.', '1:', 'a:', 'a/', 'a-', 'a ', '1 ', 'a@', 'a=', '/a', 'a_', '1-', '-1', '.1', ':a', '%a', '"a', 'a.b:', '1.1.', 'a=b ',
];
const PREFIXES = ['', '"', '['];

function adversarialLines(): string[] {
  const lines: string[] = [];
  for (const u of UNITS) {
    const run = u.repeat(Math.ceil(LENGTH / u.length)).slice(0, LENGTH);
    for (const p of PREFIXES) lines.push(p + run + '\u0001');
  }
  return lines;
}

describe('grok library patterns do not backtrack catastrophically', () => {
  it('URI, ELB_URI and ELB_ACCESS_LOG on repeated `a.` (the reported lines)', () => {
    for (const name of ['URI', 'ELB_URI', 'ELB_ACCESS_LOG', 'URIPROTO']) {
      const g = compileGrok(`%{${name}}`);
      for (const n of [18, 36, 5000]) {
        const t0 = performance.now();
        g.regex.exec('a.'.repeat(n));
        assert.ok(performance.now() - t0 < BUDGET_MS, `${name} on 'a.' x ${n}`);
      }
    }
  });

  it('URIPROTO and URI match what they matched before the rewrite', () => {
    const proto = compileGrok('^%{URIPROTO:p}$');
    for (const ok of ['http', 'https', 'svn+ssh', 'a.b-c', 'ab']) assert.deepEqual(grokMatch(proto, ok), { p: ok });
    for (const bad of ['a', '1http', '+a', '']) assert.equal(grokMatch(proto, bad), undefined, bad);
    const uri = compileGrok('%{URI:u}');
    assert.deepEqual(grokMatch(uri, 'GET https://user:pw@example.com:8080/a/b?x=1 HTTP/1.1'), { u: 'https://user:pw@example.com:8080/a/b?x=1', port: '8080' });
    const elb = compileGrok('%{ELB_URI}');
    assert.deepEqual(grokMatch(elb, 'x http://example.com:80/index.html?q=1 y'), { proto: 'http', urihost: 'example.com:80', port: '80', path: '/index.html', params: '?q=1' });
  });

  it(`every pattern (and every composite) takes under ${BUDGET_MS} ms on each ${LENGTH}-character adversarial line`, () => {
    const lines = adversarialLines();
    const slow: string[] = [];
    let checked = 0;
    for (const name of grokLibrary().keys()) {
      const g = compileGrok(`%{${name}}`);
      g.regex.exec('warm up: a.b 1:2 "x"'); // the first exec compiles the regex
      for (const line of lines) {
        const t0 = performance.now();
        g.regex.exec(line);
        const ms = performance.now() - t0;
        if (ms >= BUDGET_MS) slow.push(`${name} on ${JSON.stringify(line.slice(0, 8))}… ${ms.toFixed(0)} ms`);
      }
      checked++;
    }
    assert.ok(checked > 300, `the library has ${checked} patterns`);
    assert.deepEqual(slow, []);
  });
});
