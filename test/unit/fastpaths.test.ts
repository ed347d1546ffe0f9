/**
 * The hot-path shortcuts (issue 7) give exactly what the plain code gives:
 * ISO formatting with a cached minute, ISO parsing with a cached date, JSON
 * lines parsed a chunk at a time, ASCII read as latin1, and the serializer's
 * in-place `time` swap. Each is checked against the plain path as an oracle
 * and on hand-worked values.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fastParseIso, isoString } from '../../src/runtime/time.js';
import { jsonl, stringifyPoint } from '../../src/adapters/formats/jsonl.js';
import { RecordDecoder, commonReadOptions } from '../../src/adapters/common.js';
import type { Point } from '../../src/runtime/point.js';

/** 2016-01-01T00:00:00Z */
const Y2016 = 1451606400000;

describe('isoString', () => {
  it('formats hand-worked instants', () => {
    assert.equal(isoString(Y2016), '2016-01-01T00:00:00.000Z');
    assert.equal(isoString(Y2016 + 59_999), '2016-01-01T00:00:59.999Z');
    assert.equal(isoString(Y2016 + 60_000), '2016-01-01T00:01:00.000Z');
    assert.equal(isoString(Y2016 - 1), '2015-12-31T23:59:59.999Z');
    assert.equal(isoString(0), '1970-01-01T00:00:00.000Z');
    assert.equal(isoString(-1), '1969-12-31T23:59:59.999Z');
    assert.equal(isoString(-61_001), '1969-12-31T23:58:58.999Z');
  });

  it('equals toISOString across minutes, in any order, at the range edges and off the fast path', () => {
    const cases: number[] = [];
    // Runs within a minute and across minute, day and year boundaries (the cached prefix must follow).
    for (let t = Y2016 - 125_000; t < Y2016 + 125_000; t += 997) cases.push(t);
    for (let t = -125_000; t < 125_000; t += 1009) cases.push(t);
    // Jumps back and forth, so the cache is both hit and replaced.
    cases.push(Y2016 + 5, Y2016 - 5, Y2016 + 6, 951782400000, 951868799999, 4102444800000);
    // Year 0000 to 9999 is toISOString's four-digit range; beyond it the six-digit form.
    cases.push(-62167219200000, -62167219200001, 253402300799999, 253402300800000, 8.64e15, -8.64e15);
    // Non-integers and -0 take the plain path.
    cases.push(1.5, -1.5, Y2016 + 0.25, -0);
    for (const t of cases) assert.equal(isoString(t), new Date(t).toISOString(), String(t));
  });
});

describe('fastParseIso date cache', () => {
  it('an impossible date right after a valid one of the same month is still NaN', () => {
    assert.equal(fastParseIso('2016-02-29T00:00:00Z'), Y2016 + 59 * 86400000);
    assert.ok(Number.isNaN(fastParseIso('2015-02-29T00:00:00Z')));
    assert.ok(Number.isNaN(fastParseIso('2016-02-30T00:00:00Z')));
    assert.equal(fastParseIso('2016-02-29T12:00:00Z'), Y2016 + 59 * 86400000 + 12 * 3600000);
  });

  it('a bad time of day after a valid one of the same date is still NaN, and the date still parses after it', () => {
    assert.equal(fastParseIso('2016-01-01T00:00:01Z'), Y2016 + 1000);
    assert.ok(Number.isNaN(fastParseIso('2016-01-01T25:00:00Z')));
    assert.ok(Number.isNaN(fastParseIso('2016-01-01Tab:00:00Z')));
    assert.equal(fastParseIso('2016-01-01'), Y2016);
    assert.equal(fastParseIso('2016-01-02T00:00:00.001Z'), Y2016 + 86400000 + 1);
  });

  it('agrees with Date.parse on a run of consecutive and interleaved times', () => {
    for (let t = Y2016 - 3 * 86400000; t < Y2016 + 3 * 86400000; t += 3_600_001) {
      const s = new Date(t).toISOString();
      assert.equal(fastParseIso(s), Date.parse(s), s);
      const back = new Date(t - 86400000 * 400).toISOString();
      assert.equal(fastParseIso(back), Date.parse(back), back);
    }
  });
});

/** What reading each line on its own gives: the points, and the malformed lines with their numbers. */
function perLine(text: string): { points: unknown[]; bad: number[] } {
  const points: unknown[] = [];
  const bad: number[] = [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  lines.forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    try {
      const v: unknown = JSON.parse(line);
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) points.push(v);
      else bad.push(i + 1);
    } catch {
      bad.push(i + 1);
    }
  });
  return { points, bad };
}

/** The jsonl parser fed `chunks`: points and malformed line numbers. */
function jsonlParse(chunks: string[]): { points: unknown[]; bad: number[] } {
  const bad: number[] = [];
  const p = jsonl.createParser!({}, { malformed: (line) => void bad.push(line) });
  const points: Point[] = [];
  for (const c of chunks) p.push(c, points);
  p.end(points);
  return { points, bad };
}

describe('jsonl parses a chunk at a time exactly as line by line', () => {
  // Lines that could fool joining the lines into one array: commas, brackets and braces in
  // strings, two objects on a line, an object across two lines, non-objects, blanks, CRLF.
  const tricky = [
    '{"a":1}',
    '{"s":"},{"}',
    '{"s":"a\\"},{\\"b"}',
    '{"a":1},{"b":2}',
    '{"a":1} {"b":2}',
    '{"o":{"p":{}}}',
    '{"a":',
    '1}',
    '{"x":[1,{"y":2}]}',
    '[1,2]',
    '"str"',
    '',
    '   ',
    '{"a":1}\r',
    '{"a":1}  ',
    '{}',
    '{"a":"x',
    'y"}',
    'nope',
    '{"n":-1.5e-7,"t":true,"z":null}',
  ];

  it('on hand-picked inputs', () => {
    const input = '{"a":1}\n{"s":"},{"}\n{"a":1},{"b":2}\n{"b":2}\n';
    const r = jsonlParse([input]);
    assert.deepEqual(r.points, [{ a: 1 }, { s: '},{' }, { b: 2 }]);
    assert.deepEqual(r.bad, [3]);
    // All clean: the whole-chunk path; line numbers continue across chunks.
    const clean = jsonlParse(['{"a":1}\n{"a":2}\n', '{"a":3}\r\n{"a":4}\n', 'nope\n']);
    assert.deepEqual(clean.points, [{ a: 1 }, { a: 2 }, { a: 3 }, { a: 4 }]);
    assert.deepEqual(clean.bad, [5]);
  });

  it('on random mixes of tricky lines, in random chunks', () => {
    let seed = 7;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let round = 0; round < 300; round++) {
      const lines: string[] = [];
      // Mostly clean runs (the batch path) with a tricky line now and then.
      const n = 1 + rand(30);
      for (let i = 0; i < n; i++) lines.push(rand(4) === 0 ? tricky[rand(tricky.length)]! : `{"i":${i},"s":"v${rand(100)}"}`);
      const text = lines.join('\n') + (rand(2) === 0 ? '\n' : '');
      const chunks: string[] = [];
      for (let i = 0; i < text.length; ) {
        const k = 1 + rand(60);
        chunks.push(text.slice(i, i + k));
        i += k;
      }
      assert.deepEqual(jsonlParse(chunks), perLine(text), JSON.stringify(text));
    }
  });
});

describe('RecordDecoder reads ASCII as latin1 only where that is the same text', () => {
  const decode = (chunks: Uint8Array[]): { points: Point[]; drops: string[] } => {
    const drops: string[] = [];
    const d = new RecordDecoder({
      format: jsonl,
      opts: {},
      common: commonReadOptions({ time: null }),
      ctx: { drop: (_reason: string, example?: string) => void drops.push(example ?? ''), now: 0 } as never,
    });
    const points: Point[] = [];
    for (const c of chunks) points.push(...d.feed(c));
    points.push(...d.end());
    return { points, drops };
  };

  it('multi-byte characters split across chunks and across 64 KB pieces', () => {
    const line = (i: number): string => JSON.stringify({ i, s: i % 7 === 0 ? 'héllo → 😀' : 'plain' }) + '\n';
    let text = '';
    for (let i = 0; text.length < 200_000; i++) text += line(i);
    const bytes = Buffer.from(text, 'utf8');
    const expected = text.trimEnd().split('\n').map((l) => JSON.parse(l) as Point);
    // One big chunk (cut into 64 KB pieces inside), and chunks cut at every offset of a 4-byte character.
    assert.deepEqual(decode([bytes]).points, expected);
    const emoji = bytes.indexOf(Buffer.from('😀'));
    for (let k = 0; k <= 4; k++) assert.deepEqual(decode([bytes.subarray(0, emoji + k), bytes.subarray(emoji + k)]).points, expected, `cut at +${k}`);
    // Odd-sized chunks: ASCII-only chunks after non-ASCII ones, and the reverse.
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i += 1021) chunks.push(bytes.subarray(i, i + 1021));
    assert.deepEqual(decode(chunks).points, expected);
  });

  it('strips a byte order mark at the start only, even when the rest is ASCII', () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const body = Buffer.from('{"a":1}\n{"a":2}\n');
    assert.deepEqual(decode([Buffer.concat([bom, body])]).points, [{ a: 1 }, { a: 2 }]);
    assert.deepEqual(decode([bom.subarray(0, 1), bom.subarray(1), body]).points, [{ a: 1 }, { a: 2 }]);
    // A BOM later in the input is text (here it breaks the JSON of its line).
    const r = decode([body, Buffer.concat([bom, Buffer.from('{"a":3}\n')])]);
    assert.deepEqual(r.points, [{ a: 1 }, { a: 2 }]);
    assert.equal(r.drops.length, 1);
  });

  it('invalid UTF-8 becomes U+FFFD as before, and the next ASCII chunk is read right', () => {
    const r = decode([Buffer.from('{"s":"a'), Buffer.from([0xff]), Buffer.from('b"}\n{"s":"c"}\n')]);
    assert.deepEqual(r.points, [{ s: 'a\ufffdb' }, { s: 'c' }]);
    // A truncated sequence the decoder holds, then an ASCII chunk: it is replaced where it stood.
    const held = decode([Buffer.from('{"s":"a'), Buffer.from([0xe2, 0x82]), Buffer.from('b"}\n')]);
    assert.deepEqual(held.points, [{ s: 'a\ufffdb' }]);
  });
});

describe('stringifyPoint swaps time in place only when that is safe', () => {
  const T = Y2016 + 1234;
  const ISO = '2016-01-01T00:00:01.234Z';

  it('restores the point, and writes time first, in the common case', () => {
    const p: Point = { time: T, a: 1, s: 'x' };
    assert.equal(stringifyPoint(p), `{"time":"${ISO}","a":1,"s":"x"}`);
    assert.deepEqual(p, { time: T, a: 1, s: 'x' });
  });

  it('a frozen point or a read-only time is written right and left as it was', () => {
    const frozen = Object.freeze({ time: T, a: 1 }) as Point;
    assert.equal(stringifyPoint(frozen), `{"time":"${ISO}","a":1}`);
    assert.equal(frozen.time, T);
    const ro = { a: 1 } as Point;
    Object.defineProperty(ro, 'time', { value: T, enumerable: true, writable: false });
    assert.equal(stringifyPoint(ro), `{"time":"${ISO}","a":1}`);
  });

  it('time not first, and a point with toJSON, take the slow path', () => {
    assert.equal(stringifyPoint({ a: 1, time: T }), `{"time":"${ISO}","a":1}`);
    const withToJson = { time: T, a: 1, toJSON: () => ({ replaced: true }) } as unknown as Point;
    assert.equal(stringifyPoint(withToJson), `{"time":"${ISO}","a":1}`);
  });

  it('a value JSON cannot write throws, with the time put back', () => {
    const p = { time: T, big: 1n } as unknown as Point;
    assert.throws(() => stringifyPoint(p), TypeError);
    assert.equal(p.time, T);
  });
});

describe('reduce without every looks a group up only when the key changes', () => {
  it('runs of keys, keys coming back, a missing key (null) and equal-looking keys of other types stay apart', async () => {
    const { flume } = await import('../../src/index.js');
    const program =
      "emit(points=[{k:'a',v:1},{k:'a',v:2},{k:'b',v:10},{k:'a',v:3},{v:100},{k:null,v:200},{k:1,v:5},{k:'1',v:7},{k:'b',v:20}])" +
      ' | reduce(n=count(), s=sum(v), by=[k])';
    const out = await flume(program).collect();
    assert.deepEqual(
      out.map((p) => [p.k, p.n, p.s]),
      [
        ['a', 3, 6],
        ['b', 2, 30],
        [null, 2, 300],
        [1, 1, 5],
        ['1', 1, 7],
      ],
    );
  });
});
