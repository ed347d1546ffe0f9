/** Parsers and serializers of every format, fed directly (chunk splits, CRLF, malformed records). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FormatDef, MalformedSink, Parser } from '../../src/adapters/formats/types.js';
import { formats, formatForPath } from '../../src/adapters/formats/index.js';
import { jsonl, stringifyPoint } from '../../src/adapters/formats/jsonl.js';
import { json } from '../../src/adapters/formats/json.js';
import { csv } from '../../src/adapters/formats/csv.js';
import { text } from '../../src/adapters/formats/text.js';
import { logfmt } from '../../src/adapters/formats/logfmt.js';
import { grok, compileGrok, grokLibrary, grokMatch } from '../../src/adapters/formats/grok.js';
import { makeMalformedSink } from '../../src/adapters/common.js';
import { FlumeError } from '../../src/lang/diagnostics.js';
import { TimeValue, type Point } from '../../src/runtime/point.js';

interface Bad {
  line: number;
  raw: string;
  error: string;
}

/** A sink that records malformed reports (and appends nothing). */
function recorder(): MalformedSink & { bad: Bad[] } {
  const bad: Bad[] = [];
  return { bad, malformed: (line, raw, error) => void bad.push({ line, raw, error }) };
}

/** Feed `chunks` (strings) to a new parser of `f`; returns the points and the malformed reports. */
function parse(f: FormatDef, chunks: string[], opts: Record<string, unknown> = {}, sink = recorder()): { points: Point[]; bad: Bad[] } {
  const p: Parser = f.createParser!(opts, sink);
  const points: Point[] = [];
  for (const c of chunks) p.push(c, points);
  p.end(points);
  return { points, bad: sink.bad };
}

/** Every split of `s` into two chunks gives the same result as one chunk. */
function everySplit(f: FormatDef, s: string, opts: Record<string, unknown> = {}): void {
  const whole = parse(f, [s], opts);
  for (let i = 1; i < s.length; i++) {
    const split = parse(f, [s.slice(0, i), s.slice(i)], opts);
    assert.deepEqual(split, whole, `split at ${i}: ${JSON.stringify(s.slice(0, i))} | ${JSON.stringify(s.slice(i))}`);
  }
  // And one character at a time.
  assert.deepEqual(parse(f, [...s], opts), whole, 'one character per chunk');
}

function ser(f: FormatDef, batches: Point[][], opts: Record<string, unknown> = {}): string {
  const s = f.createSerializer!(opts);
  let out = '';
  for (const b of batches) out += s.write(b);
  return out + s.end();
}

const T = Date.parse('2016-07-17T13:59:44Z');

describe('formatForPath', () => {
  it('maps extensions per SPEC §11.7, looking through .gz', () => {
    assert.equal(formatForPath('a.csv'), 'csv');
    assert.equal(formatForPath('dir/a.json'), 'json');
    assert.equal(formatForPath('a.jsonl'), 'jsonl');
    assert.equal(formatForPath('a.ndjson'), 'jsonl');
    assert.equal(formatForPath('/var/log/syslog.log'), 'text');
    assert.equal(formatForPath('notes.TXT'), 'text');
    assert.equal(formatForPath('a.csv.gz'), 'csv');
    assert.equal(formatForPath('app.log.gz'), 'text');
    assert.equal(formatForPath('data'), 'jsonl');
    assert.equal(formatForPath('data.gz'), 'jsonl');
    assert.equal(formatForPath('x.parquet'), 'jsonl');
    assert.equal(formatForPath('.hidden'), 'jsonl');
    assert.equal(formatForPath('logs.d/file'), 'jsonl');
  });

  it('lists the formats, each documented', () => {
    assert.deepEqual(formats.map((f) => f.name), ['jsonl', 'json', 'csv', 'grok', 'text', 'logfmt', 'kv', 'table']);
    for (const f of formats) {
      assert.ok(f.summary.length > 0);
      assert.ok(f.examples.length > 0, f.name);
      for (const [name, spec] of Object.entries(f.options)) assert.ok(spec.doc.length > 0, `${f.name}.${name}`);
    }
  });
});

describe('jsonl', () => {
  it('parses lines split anywhere, LF and CRLF, skipping blank lines', () => {
    const input = '{"a":1}\r\n\n  \n{"b":"x\\ny"}\n{"c":[1,2]}';
    everySplit(jsonl, input);
    assert.deepEqual(parse(jsonl, [input]).points, [{ a: 1 }, { b: 'x\ny' }, { c: [1, 2] }]);
  });

  it('reports bad JSON and non-objects with 1-based line numbers', () => {
    const r = parse(jsonl, ['{"a":1}\nnope\n\n[1]\n"s"\nnull\n{"ok":true}\n']);
    assert.deepEqual(r.points, [{ a: 1 }, { ok: true }]);
    assert.deepEqual(
      r.bad.map((b) => [b.line, b.raw]),
      [
        [2, 'nope'],
        [4, '[1]'],
        [5, '"s"'],
        [6, 'null'],
      ],
    );
    assert.match(r.bad[0]!.error, /^invalid JSON/);
    assert.equal(r.bad[1]!.error, 'expected a JSON object, got an array');
    assert.equal(r.bad[2]!.error, 'expected a JSON object, got string');
  });

  it('serializes time first as ISO, other fields in insertion order', () => {
    assert.equal(ser(jsonl, [[{ time: T, a: 1 }]]), '{"time":"2016-07-17T13:59:44.000Z","a":1}\n');
    assert.equal(ser(jsonl, [[{ a: 1, time: T, b: 'x' }]]), '{"time":"2016-07-17T13:59:44.000Z","a":1,"b":"x"}\n');
    assert.equal(ser(jsonl, [[{ a: 1 }], [], [{ b: 2 }]]), '{"a":1}\n{"b":2}\n');
    // integer-like keys are hoisted by JS before `time`; time is still written first
    assert.equal(ser(jsonl, [[{ time: T, 1: 'one', z: 0 }]]), '{"time":"2016-07-17T13:59:44.000Z","1":"one","z":0}\n');
    // other time values print as ISO via toJSON; undefined fields are omitted
    assert.equal(
      ser(jsonl, [[{ time: T, seen: new TimeValue(0), gone: undefined, n: null }]]),
      '{"time":"2016-07-17T13:59:44.000Z","seen":"1970-01-01T00:00:00.000Z","n":null}\n',
    );
    // a nested `time` does not fool the splice
    assert.equal(ser(jsonl, [[{ o: { time: 5 }, time: T }]]), '{"time":"2016-07-17T13:59:44.000Z","o":{"time":5}}\n');
    // a non-numeric time (kept as read with time=null) is written as it is
    assert.equal(ser(jsonl, [[{ time: 'yesterday' as unknown as number, a: 1 }]]), '{"time":"yesterday","a":1}\n');
    assert.equal(stringifyPoint({ time: 1.5 }), '{"time":"1970-01-01T00:00:00.001Z"}');
  });

  it('round-trips what it writes', () => {
    const pts = [{ time: T, s: 'a "q"\n', n: -1.5e-7, o: { x: [1, { y: null }] } }];
    const back = parse(jsonl, [ser(jsonl, [pts])]).points;
    assert.deepEqual(back, [{ time: '2016-07-17T13:59:44.000Z', s: 'a "q"\n', n: -1.5e-7, o: { x: [1, { y: null }] } }]);
  });

  it('serializes 200k points quickly (hot path)', () => {
    const batch: Point[] = [];
    for (let i = 0; i < 200_000; i++) batch.push({ time: T + i, host: 'h' + (i % 10), v: i });
    const s = jsonl.createSerializer!({});
    const t0 = performance.now();
    const out = s.write(batch);
    const ms = performance.now() - t0;
    assert.equal(out.split('\n').length, 200_001);
    assert.ok(ms < 2000, `took ${ms} ms`);
  });
});

describe('malformed sink', () => {
  const ctx = () => {
    const drops: [string, string | undefined][] = [];
    return { drops, drop: (reason: string, example?: string) => void drops.push([reason, example]) };
  };

  it("skip counts a 'malformed' drop with an example naming the line", () => {
    const c = ctx();
    const r = parse(jsonl, ['{"a":1}\nbad\n'], {}, Object.assign(makeMalformedSink('skip', c, () => 'in.jsonl'), { bad: [] }));
    assert.deepEqual(r.points, [{ a: 1 }]);
    assert.equal(c.drops.length, 1);
    assert.equal(c.drops[0]![0], 'malformed');
    assert.match(c.drops[0]![1]!, /^in\.jsonl:2: invalid JSON.*: bad$/);
  });

  it('keep emits {_raw, _error, _line} in place', () => {
    const r = parse(jsonl, ['{"a":1}\n[2]\n{"b":3}\n'], {}, Object.assign(makeMalformedSink('keep', ctx()), { bad: [] }));
    assert.deepEqual(r.points, [{ a: 1 }, { _raw: '[2]', _error: 'expected a JSON object, got an array', _line: 2 }, { b: 3 }]);
  });

  it('fail throws a runtime error naming the file and line', () => {
    assert.throws(
      () => parse(jsonl, ['{"a":1}\n\nbad\n'], {}, Object.assign(makeMalformedSink('fail', ctx(), () => 'x.jsonl'), { bad: [] })),
      (e: unknown) => e instanceof FlumeError && e.exitCode === 1 && /x\.jsonl:3/.test(e.message),
    );
    assert.throws(
      () => parse(csv, ['a\n1,2\n'], {}, Object.assign(makeMalformedSink('fail', ctx()), { bad: [] })),
      (e: unknown) => e instanceof FlumeError && /line 2: csv: row has 2 values, the header has 1/.test(e.message),
    );
  });
});

describe('json', () => {
  it('streams an array split anywhere, strings with brackets and escapes included', () => {
    const input = '  [ {"a":"x,]}\\"["},\n {"b":[1,{"c":2}]} ,\r\n{"d":{}}]\n';
    everySplit(json, input);
    assert.deepEqual(parse(json, [input]).points, [{ a: 'x,]}"[' }, { b: [1, { c: 2 }] }, { d: {} }]);
  });

  it('reads [] and several arrays in a row', () => {
    assert.deepEqual(parse(json, ['[]\n']).points, []);
    assert.deepEqual(parse(json, ['[{"a":1}]\n[{"a":2}]']).points, [{ a: 1 }, { a: 2 }]);
    assert.deepEqual(parse(json, ['[{"a":1},]']).points, [{ a: 1 }]);
  });

  it('reports bad elements with the line they start on', () => {
    const r = parse(json, ['[\n{"a":1},\n2,\n{"b":\n bad},\n{"c":3}\n]']);
    assert.deepEqual(r.points, [{ a: 1 }, { c: 3 }]);
    assert.deepEqual(
      r.bad.map((b) => [b.line, b.raw, b.error.startsWith('invalid JSON') ? 'invalid' : b.error]),
      [
        [3, '2', 'expected a JSON object, got number'],
        [4, '{"b":\n bad}', 'invalid'],
      ],
    );
  });

  it('reports an unterminated array and text after it', () => {
    assert.deepEqual(parse(json, ['[{"a":1}, {"b"']).bad.map((b) => b.error), ['unterminated JSON array']);
    const r = parse(json, ['[{"a":1}] junk\n']);
    assert.deepEqual(r.points, [{ a: 1 }]);
    assert.deepEqual(r.bad.map((b) => [b.line, b.raw, b.error]), [[1, 'junk', 'unexpected text after the JSON array']]);
  });

  it('reads input not starting with [ as JSON lines', () => {
    const input = '\n {"a":1}\n{"b":2}\nbad\n';
    everySplit(json, input);
    const r = parse(json, [input]);
    assert.deepEqual(r.points, [{ a: 1 }, { b: 2 }]);
    assert.deepEqual(r.bad.map((b) => b.line), [4]);
  });

  it('writes an array, [] when empty', () => {
    assert.equal(ser(json, []), '[]\n');
    assert.equal(ser(json, [[], []]), '[]\n');
    assert.equal(ser(json, [[{ time: T, a: 1 }], [{ b: 2 }]]), '[\n{"time":"2016-07-17T13:59:44.000Z","a":1},\n{"b":2}\n]\n');
    const back = parse(json, [ser(json, [[{ a: 1 }, { b: [2] }]])]).points;
    assert.deepEqual(back, [{ a: 1 }, { b: [2] }]);
  });
});

describe('csv', () => {
  it('reads a header row, infers numbers and booleans, trims whitespace', () => {
    const r = parse(csv, ['host, cpu ,up,id,neg,exp\n a ,5, true,007,-2.5,1e3\nb,,false,0,.5,x1\n']);
    assert.deepEqual(r.points, [
      { host: 'a', cpu: 5, up: true, id: '007', neg: -2.5, exp: 1000 },
      { host: 'b', cpu: '', up: false, id: 0, neg: 0.5, exp: 'x1' },
    ]);
  });

  it('handles quotes, "" escapes, CRLF and quoted fields spanning lines and chunks', () => {
    const input = 'a,b,c\r\n"x, y","say ""hi""",3\r\n"multi\nline",  "  padded  " ,"42"\r\n';
    everySplit(csv, input);
    assert.deepEqual(parse(csv, [input]).points, [
      { a: 'x, y', b: 'say "hi"', c: 3 },
      { a: 'multi\nline', b: '  padded  ', c: '42' }, // quoted values keep their blanks and stay strings
    ]);
  });

  it('a row with more values than the header is malformed; fewer leaves fields absent', () => {
    const r = parse(csv, ['a,b\n1,2,3\n4\n5,6\n"un\nclosed,7,8,9\n']);
    assert.deepEqual(r.points, [{ a: 4 }, { a: 5, b: 6 }]);
    assert.deepEqual(r.bad.map((b) => [b.line, b.error]), [
      [2, 'csv: row has 3 values, the header has 2'],
      [5, 'csv: unterminated quoted field'],
    ]);
  });

  it('takes headers, delimiter, ignore_whitespace and infer options', () => {
    assert.deepEqual(parse(csv, ['1;2\n3;4\n'], { headers: ['x', 'y'], delimiter: ';' }).points, [
      { x: 1, y: 2 },
      { x: 3, y: 4 },
    ]);
    assert.deepEqual(parse(csv, ['a\tb\n 1\tx \n'], { delimiter: '\t', ignore_whitespace: false, infer: false }).points, [
      { a: ' 1', b: 'x ' },
    ]);
    assert.deepEqual(parse(csv, ['a.b,a.c\n1,2\n']).points, [{ a: { b: 1, c: 2 } }]);
    assert.throws(() => parse(csv, ['a'], { delimiter: '::' }), FlumeError);
  });

  it('a blank line starts a new block with its own header', () => {
    assert.deepEqual(parse(csv, ['a\n1\n\na,b\n2,x\n']).points, [{ a: 1 }, { a: 2, b: 'x' }]);
    // with fixed headers a blank line is just skipped
    assert.deepEqual(parse(csv, ['1\n\n2\n'], { headers: ['n'] }).points, [{ n: 1 }, { n: 2 }]);
  });

  it('writes a header from the first point, time first as ISO, quoting when needed', () => {
    const out = ser(csv, [[{ host: 'a', time: T, msg: 'x, "y"', n: 1.5, ok: true, l: [1, 2], none: null }]]);
    assert.equal(out, 'time,host,msg,n,ok,l,none\n2016-07-17T13:59:44.000Z,a,"x, ""y""",1.5,true,"[1,2]",\n');
    assert.equal(ser(csv, [[{ s: 'two\nlines' }, { s: ' pad' }]]), 's\n"two\nlines"\n" pad"\n');
    assert.equal(ser(csv, [[{ a: 1, b: 2 }]], { delimiter: ';' }), 'a;b\n1;2\n');
    assert.equal(ser(csv, []), '');
  });

  it('new fields start a blank-line-separated block; missing ones are empty; nothing is lost', () => {
    const out = ser(csv, [[{ a: 1 }, { a: 2, b: 'x' }], [{ b: 'y' }, { time: T, c: 3 }]]);
    assert.equal(out, 'a\n1\n\na,b\n2,x\n,y\n\ntime,a,b,c\n2016-07-17T13:59:44.000Z,,,3\n');
    // and it reads back
    assert.deepEqual(parse(csv, [out]).points, [
      { a: 1 },
      { a: 2, b: 'x' },
      { a: '', b: 'y' },
      { time: '2016-07-17T13:59:44.000Z', a: '', b: '', c: 3 },
    ]);
  });
});

describe('text', () => {
  it('one point per line; blank lines kept; CRLF; final line without newline', () => {
    const input = 'one\r\n\ntwo\nthree';
    everySplit(text, input);
    assert.deepEqual(parse(text, [input]).points, [{ message: 'one' }, { message: '' }, { message: 'two' }, { message: 'three' }]);
    assert.deepEqual(parse(text, ['a\n'], { field: 'line' }).points, [{ line: 'a' }]);
  });

  it('writes the message, or the JSON of a point without one', () => {
    assert.equal(ser(text, [[{ message: 'hi', x: 1 }, { message: 5 }, { time: T, x: 1 }]]), 'hi\n5\n{"time":"2016-07-17T13:59:44.000Z","x":1}\n');
  });
});

describe('logfmt', () => {
  it('parses pairs, quotes with escapes, flags, nested keys, typed values', () => {
    const input = 'level=info msg="a \\"quoted\\" value" n=12 f=-1.5 ok=true nil=null empty= debug http.status=200 s="7"\n';
    everySplit(logfmt, input);
    assert.deepEqual(parse(logfmt, [input]).points, [
      { level: 'info', msg: 'a "quoted" value', n: 12, f: -1.5, ok: true, nil: null, empty: '', debug: true, http: { status: 200 }, s: '7' },
    ]);
    assert.deepEqual(parse(logfmt, ['n=12\n'], { infer: false }).points, [{ n: '12' }]);
  });

  it('skips blank lines; an unterminated quote or a value without key is malformed', () => {
    const r = parse(logfmt, ['a=1\n\nb="open\n=x\nc=3\n']);
    assert.deepEqual(r.points, [{ a: 1 }, { c: 3 }]);
    assert.deepEqual(r.bad.map((b) => [b.line, b.raw]), [
      [3, 'b="open'],
      [4, '=x'],
    ]);
  });

  it('writes time first, quotes when needed, flattens nested objects, and round-trips', () => {
    const p = { msg: 'hi there', time: T, n: 1, s: '42', b: false, z: null, o: { k: 'v' }, l: [1, 2], q: 'say "x"\n' };
    const out = ser(logfmt, [[p]]);
    assert.equal(out, 'time=2016-07-17T13:59:44.000Z msg="hi there" n=1 s="42" b=false z=null o.k=v l="[1,2]" q="say \\"x\\"\\n"\n');
    const back = parse(logfmt, [out]).points[0]!;
    assert.deepEqual(back, { time: '2016-07-17T13:59:44.000Z', msg: 'hi there', n: 1, s: '42', b: false, z: null, o: { k: 'v' }, l: '[1,2]', q: 'say "x"\n' });
  });
});

describe('grok', () => {
  const g = (pattern: string, line: string, custom?: Record<string, string>) => grokMatch(compileGrok(pattern, custom), line);

  it('ships the full legacy library, and every pattern compiles to a JS RegExp', () => {
    const lib = grokLibrary();
    for (const name of ['SYSLOGLINE', 'COMBINEDAPACHELOG', 'HTTPD_ERRORLOG', 'JAVASTACKTRACEPART', 'HAPROXYHTTP', 'NAGIOSLOGLINE', 'CISCOFW106001', 'BRO_CONN', 'MONGO3_LOG', 'RUBY_LOGGER', 'RAILS3', 'REDISLOG', 'POSTGRESQL', 'SQUID3', 'BACULA_LOGLINE', 'ELB_ACCESS_LOG', 'EXIM', 'BIND9', 'RT_FLOW1', 'MCOLLECTIVE', 'MAVEN_VERSION', 'S3_ACCESS_LOG'])
      assert.ok(lib.has(name), name);
    assert.ok(lib.size > 300);
    for (const name of lib.keys()) compileGrok(`%{${name}}`);
  });

  it('SYSLOGLINE', () => {
    assert.deepEqual(g('%{SYSLOGLINE}', 'Jul 17 13:59:44 web-1 sshd[4123]: Accepted publickey for bob from 10.1.2.3 port 52144 ssh2'), {
      timestamp: 'Jul 17 13:59:44',
      logsource: 'web-1',
      program: 'sshd',
      pid: '4123',
      message: 'Accepted publickey for bob from 10.1.2.3 port 52144 ssh2',
    });
    // the optional pid did not participate: absent, not undefined or ''
    const p = g('%{SYSLOGLINE}', 'Jan  2 03:04:05 host CRON: job done')!;
    assert.deepEqual(p, { timestamp: 'Jan  2 03:04:05', logsource: 'host', program: 'CRON', message: 'job done' });
    assert.ok(!('pid' in p));
  });

  it('COMBINEDAPACHELOG and COMMONAPACHELOG', () => {
    const line =
      '203.0.113.9 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif?x=1 HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"';
    assert.deepEqual(g('%{COMBINEDAPACHELOG}', line), {
      clientip: '203.0.113.9',
      ident: '-',
      auth: 'frank',
      timestamp: '10/Oct/2000:13:55:36 -0700',
      verb: 'GET',
      request: '/apache_pb.gif?x=1',
      httpversion: '1.0',
      response: '200',
      bytes: '2326',
      referrer: '"http://www.example.com/start.html"',
      agent: '"Mozilla/4.08 [en] (Win98; I ;Nav)"',
    });
    assert.deepEqual(g('%{COMMONAPACHELOG}', '::1 - - [10/Oct/2000:13:55:36 +0000] "POST /api HTTP/1.1" 204 -'), {
      clientip: '::1',
      ident: '-',
      auth: '-',
      timestamp: '10/Oct/2000:13:55:36 +0000',
      verb: 'POST',
      request: '/api',
      httpversion: '1.1',
      response: '204',
    });
    // a request line that is not a method/path: rawrequest instead
    assert.equal(g('%{COMMONAPACHELOG}', '1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "-" 408 0')!.rawrequest, '-');
  });

  it('other library patterns against real-looking lines', () => {
    // java defines JAVASTACKTRACEPART twice; as in Logstash the later definition wins (method is a WORD)
    assert.deepEqual(g('%{JAVASTACKTRACEPART}', 'at org.example.Foo.bar(Foo.java:42)'), {
      class: 'org.example.Foo',
      method: 'bar',
      file: 'Foo.java',
      line: '42',
    });
    assert.deepEqual(g('%{HTTPD_ERRORLOG}', '[Wed Oct 11 14:32:52 2000] [error] [client 127.0.0.1] client denied by server configuration'), {
      timestamp: 'Wed Oct 11 14:32:52 2000',
      loglevel: 'error',
      clientip: '127.0.0.1',
      message: 'client denied by server configuration',
    });
    assert.deepEqual(g('%{RUBY_LOGGER}', 'E, [2014-01-09T20:03:28.269447 #9812] ERROR -- worker: boom'), {
      timestamp: '2014-01-09T20:03:28.269447',
      pid: '9812',
      loglevel: 'ERROR',
      progname: 'worker',
      message: 'boom',
    });
    assert.equal(g('%{SYSLOG5424LINE}', '<165>1 2003-10-11T22:14:15.003Z host.example.com evntslog - ID47 [exampleSDID@32473 iut="3"] An application event')!.syslog5424_msg, 'An application event');
    assert.deepEqual(g('%{UNIXPATH:path} %{MAC:mac} %{UUID:id}', '/var/log/app-1.log 00:1b:63:84:45:e6 123e4567-e89b-12d3-a456-426614174000'), {
      path: '/var/log/app-1.log',
      mac: '00:1b:63:84:45:e6',
      id: '123e4567-e89b-12d3-a456-426614174000',
    });
    assert.equal(g('%{RUUID:u}', 'req 0123456789abcdefABCDEF0123456789 done')!.u, '0123456789abcdefABCDEF0123456789');
    assert.deepEqual(g('%{QS:q} %{WORD:w}', 'x "a \\"b\\" c" end'), { q: '"a \\"b\\" c"', w: 'end' });
    assert.equal(g('%{YEAR:y}', '2016')!.y, '2016');
  });

  it('typed captures :int and :float; unconvertible values stay strings', () => {
    assert.deepEqual(g('%{NUMBER:bytes:int} %{NUMBER:secs:float} %{WORD:w:int}', '1500 0.25 abc'), { bytes: 1500, secs: 0.25, w: 'abc' });
    assert.deepEqual(g('%{NUMBER:n:int}', '-12.9'), { n: -12 });
    assert.throws(() => compileGrok('%{NUMBER:n:complex}'), FlumeError);
  });

  it('nested field names, raw named groups, custom patterns, inline flags', () => {
    assert.deepEqual(g('%{WORD:[http][verb]} %{INT:http.status:int}', 'GET 200'), { http: { verb: 'GET', status: 200 } });
    assert.deepEqual(g('(?<user>\\w+)@(?<domain>[\\w.]+)', 'mail bob@example.org now'), { user: 'bob', domain: 'example.org' });
    assert.deepEqual(g('%{ORDER:id} %{WORD:w}', 'order ab-123 ok', { ORDER: '[a-z]{2}-%{INT}' }), { id: 'ab-123', w: 'ok' });
    assert.deepEqual(g('(?i)level=%{WORD:lvl}', 'LEVEL=warn'), { lvl: 'warn' });
    assert.deepEqual(g('[[:alpha:]]+=(?<v>[[:digit:]]+)', 'abc=123'), { v: '123' });
    assert.deepEqual(g('\\Aa%{INT:n}\\z', 'a12'), { n: '12' });
    assert.equal(g('\\Aa%{INT:n}\\z', 'xa12'), undefined);
    assert.deepEqual(g('(?>a+)b|(?<x>a)', 'aab'), {});
    assert.deepEqual(g('x++y %{WORD:w}', 'xxy z'), { w: 'z' });
    // Ruby's nested quantifier `.?*` (used by SHOREWALL) compiles
    assert.deepEqual(g('a.?*(?<r>z)', 'abcz'), { r: 'z' });
  });

  it('unknown patterns are compile errors with a hint', () => {
    assert.throws(
      () => compileGrok('%{SYSLOGLIEN}'),
      (e: unknown) => e instanceof FlumeError && e.exitCode === 2 && /unknown pattern %\{SYSLOGLIEN\}/.test(e.message) && e.diagnostic.hints.some((h) => h.includes('SYSLOGLINE')),
    );
    assert.throws(() => compileGrok('%{A}', { A: '%{B}', B: '%{A}' }), /refers to itself/);
  });

  it('as a format: default pattern, no match is malformed, pattern lists, blank lines skipped', () => {
    assert.deepEqual(parse(grok, ['hello world\r\n']).points, [{ message: 'hello world' }]);
    const r = parse(grok, ['GET 200\n\nnope\nPOST x\n'], { pattern: ['%{WORD:verb} %{INT:status:int}', '%{WORD:verb} %{WORD:other}'] });
    assert.deepEqual(r.points, [{ verb: 'GET', status: 200 }, { verb: 'POST', other: 'x' }]);
    assert.deepEqual(r.bad, [{ line: 3, raw: 'nope', error: 'grok: no match' }]);
    assert.throws(() => grok.createParser!({ pattern: '%{NOPE_NOT_THERE}' }, recorder()), FlumeError);
  });

  it('does not backtrack catastrophically on near-misses (atomic groups are emulated)', () => {
    const c = compileGrok('%{QS:q} end');
    const t0 = performance.now();
    assert.equal(grokMatch(c, '"' + 'ab\\'.repeat(3000) + ' no closing quote'), undefined);
    assert.ok(performance.now() - t0 < 1000);
  });
});
