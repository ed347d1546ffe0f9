/**
 * Seeded, time-bounded fuzzing (issue 13): random and mutated programs through
 * the parser, random and mutated bytes through every format reader. Nothing may
 * throw but a diagnostic (FlumeError), nothing may crash.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseProgram } from '../../src/lang/parse.js';
import { FlumeError } from '../../src/lang/diagnostics.js';
import { runProgram, seededRandom } from '../helpers.js';

const BUDGET_MS = 4000;

function mutate(text: string, rnd: () => number, alphabet: string): string {
  let s = text;
  const edits = 1 + Math.floor(rnd() * 6);
  for (let k = 0; k < edits; k++) {
    const at = Math.floor(rnd() * (s.length + 1));
    const ch = alphabet[Math.floor(rnd() * alphabet.length)]!;
    const op = rnd();
    if (op < 0.4) s = s.slice(0, at) + ch + s.slice(at);
    else if (op < 0.7) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rnd() * 4));
    else if (op < 0.85) s = s.slice(0, at) + ch.repeat(1 + Math.floor(rnd() * 50)) + s.slice(at);
    else s = s.slice(0, at) + s.slice(Math.floor(rnd() * s.length));
  }
  return s;
}

const PROGRAMS = [
  "emit(limit=3, start=0) | put(a=count(), b='{x:.2f}') | filter(a > 1 and not b == 'x') | reduce(n=count(), by=[a], every='1s')",
  "read('stdio', format='csv', headers=['a','b']) | sort(-a, limit=10) | head(2) | write('stdio', format='json')",
  "(emit(points=[{a:1,b:[1,2,{c:3}]}]), emit(limit=1)) | join(a, within='1s') | keep(a, 'b.c') | tail(1, by=a)",
  "emit(limit=1) | put(x=len('a\\'b') + -(1 * 2) % 3 / 4, y=a in [1, 2], z=/re+/ ~ 'ree') | remove(x); emit(limit=2) | uniq(a)",
];
const PROGRAM_CHARS = "()[]{}|,;=:'\"/\\-+*%<>!~. \n\tabcxyz019_";

const INPUTS: Record<string, string> = {
  jsonl: '{"time":"2016-01-01T00:00:00Z","a":1,"b":"x"}\n{"a":[1,{"c":2}],"s":"q\\"uo\\u00e9"}\n\n{"a":1e5,"b":null}\n',
  json: '[{"time":1451606400,"a":1},\n {"a":[1,2,{"b":"]"}]},\n {"s":"a,b"}]\n',
  csv: 'time,a,b.c,d\n2016-01-01,1,"x, ""y""",true\n,2.5,"multi\nline",\n3,,007,-1e3\n',
  logfmt: 'time=2016-01-01T00:00:00Z a=1 b="two words" c= flag d.e=x\nlevel=info msg="say \\"hi\\""\n',
  text: 'hello\r\nworld\n\n\u00e9t\u00e9\n',
  grok: '127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /a.gif?x=1 HTTP/1.0" 200 2326\n',
};
const DATA_CHARS = '{}[]",:\\\n\r =.-+e0123456789abcxyz\u00e9\u0000\ufffd';

describe('fuzz', () => {
  it('the program parser gives a program or a diagnostic, nothing else', () => {
    const rnd = seededRandom(13);
    const until = Date.now() + BUDGET_MS;
    let runs = 0;
    while (Date.now() < until && runs < 20_000) {
      const base = PROGRAMS[runs % PROGRAMS.length]!;
      const text = rnd() < 0.1 ? Array.from({ length: Math.floor(rnd() * 80) }, () => PROGRAM_CHARS[Math.floor(rnd() * PROGRAM_CHARS.length)]).join('') : mutate(base, rnd, PROGRAM_CHARS);
      try {
        parseProgram(text);
      } catch (e) {
        if (!(e instanceof FlumeError)) assert.fail(`parser threw ${(e as Error).stack} on ${JSON.stringify(text)}`);
      }
      runs++;
    }
    assert.ok(runs > 100, `${runs} programs`);
  });

  for (const [format, input] of Object.entries(INPUTS)) {
    it(`the ${format} reader counts or reads mutated input, never crashes`, async () => {
      const rnd = seededRandom(format.length * 7919);
      const until = Date.now() + BUDGET_MS / 2;
      let runs = 0;
      const pattern = format === 'grok' ? ", pattern='%{COMMONAPACHELOG}'" : '';
      while (Date.now() < until && runs < 2000) {
        const text = mutate(input.repeat(1 + Math.floor(rnd() * 3)), rnd, DATA_CHARS);
        for (const onError of ['skip', 'keep']) {
          const r = await runProgram(`read('stdio', format='${format}', on_error='${onError}'${pattern}) | write('stdio', format='jsonl')`, { input: text });
          assert.equal(r.error, undefined, `${format} on ${JSON.stringify(text)}: ${r.error}`);
        }
        runs++;
      }
      assert.ok(runs > 10, `${runs} inputs`);
    });
  }
});
