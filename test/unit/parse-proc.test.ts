/**
 * `parse` (SPEC §13.2) reads a field as `read` reads a line: for every format
 * that can parse a field, the same text gives the same points both ways, the
 * same malformed count, and the same time conversion.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runProgram } from '../helpers.js';
import { Registry } from '../../src/registry.js';
import type { FormatDef } from '../../src/adapters/formats/types.js';

interface Case {
  format: string;
  /** Format options, as program text (`, pattern='...'`). */
  opts: string;
  /** Lines: some parse, one does not (the malformed count is compared too). */
  text: string;
  /** How many lines are malformed. */
  malformed: number;
}

const CASES: Case[] = [
  {
    format: 'jsonl',
    opts: '',
    text: ['{"ts":"2016-07-17T13:59:44Z","a":1,"o":{"k":[1,2]}}', '{"ts":1468763985,"b":"x"}', 'not json', '[1,2]', '{"c":null}'].join('\n'),
    malformed: 2,
  },
  {
    format: 'json',
    opts: '',
    text: ['{"ts":"2016-07-17T13:59:44Z","a":1}', '{"b":"x y"}', '{"oops"', '{"c":true}'].join('\n'),
    malformed: 1,
  },
  {
    format: 'grok',
    opts: ", pattern='%{REQID:id} %{TIMESTAMP_ISO8601:ts} %{WORD:verb} %{INT:status:int} %{NUMBER:secs:float}', patterns={REQID: 'req-[0-9a-f]+'}",
    text: ['req-1a 2016-07-17T13:59:44Z GET 200 0.25', 'req-2b 2016-07-17T13:59:45Z POST 500 1', 'garbage line', 'req-3c 2016-07-17T13:59:46Z GET 404 0.5'].join('\n'),
    malformed: 1,
  },
  {
    format: 'grok',
    opts: ", pattern=['%{INT:n:int} %{WORD:w}', '%{WORD:w}!']",
    text: ['12 ok', 'hey!', '?', '7 fine'].join('\n'),
    malformed: 1,
  },
  {
    format: 'logfmt',
    opts: '',
    text: ['ts=2016-07-17T13:59:44Z level=info msg="user logged in" took=12.5 admin', 'level=warn http.status=503 empty=', 'x="unterminated', 'n=null b=true'].join('\n'),
    malformed: 1,
  },
  {
    format: 'logfmt',
    opts: ', infer=false',
    text: ['a=1 b=true', 'c=x'].join('\n'),
    malformed: 0,
  },
  {
    format: 'csv',
    opts: ", columns=['host', 'ts', 'load', 'tags']",
    text: ['db1,2016-07-17T13:59:44Z,0.5,"a, b"', ' db2 , 1468763985 , 007 ,"say ""hi"""', 'x,y,z,w,extra', 'db3,,1e3'].join('\n'),
    malformed: 2, // the extra value, and db3's empty (unparseable) ts
  },
  {
    format: 'csv',
    opts: ", columns=['a', 'b'], delimiter=';', infer=false",
    text: ['1;2', 'x;"y;z"'].join('\n'),
    malformed: 0,
  },
  {
    format: 'kv',
    opts: '',
    text: ['ts=2016-07-17T13:59:44Z user=ann took=12 msg="hello there" admin', "a.b=1 c='q d'", '=nokey', 'z=null'].join('\n'),
    malformed: 1,
  },
  {
    format: 'kv',
    opts: ", pair='&', kv=':'",
    text: ['q:flume&page:2& lang : en', 'x:"a&b"&y:1', 'x:"open'].join('\n'),
    malformed: 1,
  },
];

function malformedCount(stderr: string): number {
  const m = /(\d+) malformed/.exec(stderr);
  return m ? Number(m[1]) : 0;
}

describe('parse reads a field as read reads a line', () => {
  for (const c of CASES) {
    it(`${c.format}${c.opts}`, async () => {
      const input = c.text + '\n';
      const read = await runProgram(`read('stdio', format='${c.format}'${c.opts}, time='ts')`, { input });
      const parsed = await runProgram(`read('stdio', format='text') | parse(format='${c.format}'${c.opts}, time='ts', keep=false, on_error='skip')`, { input });
      assert.equal(read.error, undefined, read.error);
      assert.equal(parsed.error, undefined, parsed.error);
      const lines = c.text.split('\n').length;
      const points = read.stdout.trim().split('\n').filter((l) => l.length > 0);
      assert.equal(points.length, lines - c.malformed, read.stdout);
      assert.equal(parsed.stdout, read.stdout);
      assert.equal(malformedCount(read.stderr), c.malformed, read.stderr);
      assert.equal(malformedCount(parsed.stderr), c.malformed, parsed.stderr);
    });
  }

  it('every format that can parse a field is covered above', () => {
    const parseable = Registry.builtin()
      .listFormats()
      .filter((f: FormatDef) => f.createRecordParser !== undefined)
      .map((f) => f.name)
      .sort();
    assert.deepEqual(parseable, [...new Set(CASES.map((c) => c.format))].sort());
  });

  it('the times came through: read and parse both moved ts to time', async () => {
    const input = '{"ts":"2016-07-17T15:59:44+02:00","v":1}\n';
    const parsed = await runProgram("read('stdio', format='text') | parse(format='json', time='ts', keep=false)", { input });
    assert.equal(parsed.stdout, '{"time":"2016-07-17T13:59:44.000Z","v":1}\n');
  });
});

describe('parse compiles its grok patterns once per stage', () => {
  it('the record parser is made at compile time, not per point', async () => {
    const reg = Registry.builtin();
    const grok = reg.format('grok')!;
    let made = 0;
    const counting: FormatDef = {
      ...grok,
      createRecordParser(opts) {
        made++;
        return grok.createRecordParser!(opts);
      },
    };
    const r = Registry.builtin();
    r.addFormat(counting);
    const input = Array.from({ length: 5000 }, (_, i) => `${i} ok`).join('\n') + '\n';
    const res = await runProgram("read('stdio', format='text') | parse(format='grok', pattern='%{INT:n:int} %{WORD:w}') | reduce(n=count())", { input, registry: r });
    assert.equal(res.stdout, '{"n":5000}\n');
    assert.equal(made, 1);
  });
});
