/**
 * Text reuse (issue 7): JSON lines read and written again through stages that
 * only set fields are written from the record's text. The output must be
 * byte for byte what serialising the point gives, so each piece is checked
 * against the plain path as an oracle: the scanner against JSON.parse, the
 * number text against String(), the writer against stringifyPoint, and whole
 * pipelines against JSON.parse/JSON.stringify done by hand in the test.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CanonicalJsonScanner, numberText } from '../../src/adapters/formats/canonical-json.js';
import { jsonl, stringifyPoint } from '../../src/adapters/formats/jsonl.js';
import { SOURCE_TEXT, TimeValue, type Point } from '../../src/runtime/point.js';
import { fastParseIso } from '../../src/runtime/time.js';
import { compile } from '../../src/compile.js';
import { Registry } from '../../src/registry.js';
import { runProgram, seededRandom } from '../helpers.js';

const rng = seededRandom;

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

/** Number texts, canonical or not: every way a number can be written differently from toString. */
const NUMBERS = [
  '0', '1', '-1', '42', '1.5', '-0.25', '512.37', '0.000001', '0.0000001', '1.50', '1.0', '-0', '-0.0', '0.0',
  '01', '1e3', '1E3', '1.5e-7', '123456789012345', '1234567890123456', '0.1234567890123', '12345678.901234',
  '9007199254740993', '3.14159', '100', '-100.01', '.5', '5.', '+1', '0.30000000000000004', '1e21',
];
/** String contents: plain, escaped, spaced, unicode, control characters, lone and paired surrogates. */
const STRINGS = [
  'a', '', 'n3', 'hello world', 'tab\\there', 'quote \\" in', 'back\\\\slash', 'é', '\\u00e9', 'emoji 😀',
  '\\ud800', '\ud800', 'slash \\/', 'ctl \u0001', 'line\\nbreak', '2016-01-01T00:00:00.000Z',
];
const KEYS = ['time', 'name', 'v', 'host', 'a b', 'é', '1', '10', '__proto__', 'constructor', '', 'x\\"y', 'v2'];
const TIMES = [
  '"2016-01-01T00:00:00.000Z"', '"2016-01-01T00:00:00Z"', '"2016-02-30T00:00:00.000Z"', '"2016-01-01T00:00:00.000+01:00"',
  '"2016-01-01 00:00:00.000Z"', '1451606400', '"yesterday"', 'null', '"2016-13-01T00:00:00.000Z"', '"0000-01-01T00:00:00.000Z"',
];

function randomValue(r: () => number, depth = 0): string {
  const x = r();
  if (x < 0.35) return pick(r, NUMBERS);
  if (x < 0.7) return '"' + pick(r, STRINGS) + '"';
  if (x < 0.8) return pick(r, ['true', 'false', 'null', 'tru', 'nul']);
  if (depth < 1 && x < 0.9) return '{' + randomMembers(r, depth + 1, false) + '}';
  if (depth < 1) return '[' + pick(r, NUMBERS) + ',' + pick(r, NUMBERS) + ']';
  return '1';
}

function randomMembers(r: () => number, depth: number, top: boolean): string {
  const n = Math.floor(r() * 4);
  const parts: string[] = [];
  if (top && r() < 0.7) parts.push('"time":' + pick(r, TIMES));
  for (let i = 0; i < n; i++) parts.push('"' + pick(r, KEYS) + '":' + randomValue(r, depth));
  return parts.join(',');
}

/** A line: mostly canonical flat objects, with spacing and broken syntax mixed in. */
function randomLine(r: () => number): string {
  let line = '{' + randomMembers(r, 0, true) + '}';
  const x = r();
  if (x < 0.05) line = line.replace(':', ': ');
  else if (x < 0.08) line = ' ' + line;
  else if (x < 0.1) line = line + ' ';
  else if (x < 0.12) line = line.slice(0, -1);
  else if (x < 0.13) line = '[' + line + ']';
  return line;
}

function tryParse(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/** A time value made by the scanner stands in for the ISO text it read. */
function asRead(p: Point): Record<string, unknown> {
  return Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v instanceof TimeValue ? `TV:${v.ms}` : v]));
}

describe('CanonicalJsonScanner', () => {
  it('takes a line only when JSON.parse gives the same point and JSON.stringify gives the line back', () => {
    const r = rng(7);
    let taken = 0;
    let declined = 0;
    // One scanner for all lines, as for one input: its cache of key orders must never carry over wrongly.
    const scanner = new CanonicalJsonScanner(false);
    for (let i = 0; i < 20000; i++) {
      const line = randomLine(r);
      // A prefix and suffix around the line: the scanner reads in place, within [start, end).
      const s = 'x\n' + line + '\ny';
      scanner.begin(s);
      const p = scanner.scan(s, 2, 2 + line.length);
      if (p === undefined) {
        declined++;
        continue;
      }
      taken++;
      const parsed = tryParse(line);
      assert.ok(parsed !== undefined, `taken but invalid JSON: ${line}`);
      assert.equal(JSON.stringify(p), JSON.stringify(parsed), line);
      assert.equal(JSON.stringify(p), line, `taken but not canonical: ${line}`);
      assert.deepEqual(Object.keys(p), Object.keys(parsed as object), line);
      assert.equal(Object.getPrototypeOf(p), Object.prototype);
    }
    // Both sides are exercised (the generator is mostly canonical).
    assert.ok(taken > 3000, `taken ${taken}`);
    assert.ok(declined > 3000, `declined ${declined}`);
  });

  it('declines each non-canonical form on its own', () => {
    const declines = [
      '{"a":1.50}', '{"a":1.0}', '{"a":-0}', '{"a":1e3}', '{"a":01}', '{"a":1234567890123456}', '{"a":0.0000001}',
      '{"a":"\\u00e9"}', '{"a":"x\\/y"}', '{"a": 1}', '{"a":1,"a":2}', '{"1":1}', '{"__proto__":1}', '{"a":{"b":1}}',
      '{"a":[1]}', '{"a":"\ud800"}', '{"a":"😀"}', '{"a":1} ', '{}', '{"a":tru}', '{"a":1,}', '{"a\\"b":1}', '{"a":"\t"}',
    ];
    for (const line of declines) {
      const scanner = new CanonicalJsonScanner(false);
      scanner.begin(line);
      assert.equal(scanner.scan(line, 0, line.length), undefined, line);
    }
    // Surrogates are declined even in pairs (JSON.stringify escapes a lone one; telling them apart is not worth it).
    const takes = ['{"a":0.000001}', '{"a":123456789012345}', '{"a":"é ü ∑"}', '{"a":-512.37,"b":true,"c":null,"d":false}', '{"":""}'];
    for (const line of takes) {
      const scanner = new CanonicalJsonScanner(false);
      scanner.begin(line);
      assert.deepEqual(scanner.scan(line, 0, line.length), JSON.parse(line), line);
    }
  });

  it('keeps the text (without its closing brace) only of lines that start with a string time and have none of the set fields', () => {
    const scanner = new CanonicalJsonScanner(true, ['v2']);
    const keep = (line: string): Point | undefined => {
      scanner.begin(line);
      return scanner.scan(line, 0, line.length);
    };
    const a = keep('{"time":"2016-01-01T00:00:00.000Z","v":1}')!;
    assert.equal(a[SOURCE_TEXT], '{"time":"2016-01-01T00:00:00.000Z","v":1');
    // The ISO time is read in place: with the text kept, as epoch ms (the reader's time handling leaves it).
    assert.equal(a.time, Date.UTC(2016, 0, 1));
    assert.equal(keep('{"v":1,"time":"2016-01-01T00:00:00.000Z"}')![SOURCE_TEXT], undefined);
    assert.equal(keep('{"time":1451606400,"v":1}')![SOURCE_TEXT], undefined);
    // Times read right but written otherwise (no milliseconds, an offset, a space, lower case) keep no text.
    for (const time of ['2016-01-01T00:00:00Z', '2016-01-01T00:00:00.000+00:00', '2016-01-01 00:00:00.000Z', '2016-01-01t00:00:00.000Z', '2016-01-01T00:00:00.000z', '2016-01-01T00:00:00,000Z']) {
      const p = keep(`{"time":"${time}","v":1}`)!;
      assert.deepEqual(p.time, new TimeValue(Date.UTC(2016, 0, 1)), time);
      assert.equal(p[SOURCE_TEXT], undefined, time);
    }
    // Without kept text, a time value for the reader's time handling.
    const b = keep('{"time":"2016-01-01T00:00:00.000Z","v2":1}')!;
    assert.equal(b[SOURCE_TEXT], undefined);
    assert.deepEqual(b.time, new TimeValue(Date.UTC(2016, 0, 1)));
    // A time that is not fast ISO stays text, for the reader's full time parsing.
    assert.equal(keep('{"time":"yesterday","v":1}')!.time, 'yesterday');
    // The same key order again, after another one: the shape cache must not mix them up.
    assert.equal(keep('{"time":"2016-01-01T00:00:00.000Z","v":2}')![SOURCE_TEXT], '{"time":"2016-01-01T00:00:00.000Z","v":2');
    assert.deepEqual(asRead(keep('{"time":"2016-01-01T00:00:00.000Z","v":2,"w":3}')!), { time: 1451606400000, v: 2, w: 3 });
    assert.deepEqual(asRead(keep('{"time":"2016-01-01T00:00:00.000Z","v2":2,"w":3}')!), { time: 'TV:1451606400000', v2: 2, w: 3 });
  });
});

describe('the scanner reads ISO times in place', () => {
  it('as fastParseIso does, across minutes and on bad seconds, as ms with kept text and as a time value without', () => {
    const r = rng(9);
    const scanner = new CanonicalJsonScanner(true, []);
    const base = Date.UTC(2016, 0, 1, 23, 58);
    for (let i = 0; i < 20000; i++) {
      let text = new Date(base + Math.floor(r() * 240_000)).toISOString();
      const x = r();
      if (x < 0.05) text = text.slice(0, 17) + '60' + text.slice(19);
      else if (x < 0.1) text = text.slice(0, 20) + 'x' + text.slice(21);
      else if (x < 0.15) text = text.slice(0, 23) + 'z';
      else if (x < 0.2) text = text.slice(0, 19) + 'Z';
      const line = `{"time":"${text}","v":1}`;
      scanner.begin(line);
      const p = scanner.scan(line, 0, line.length)!;
      const want = fastParseIso(text);
      if (Number.isNaN(want)) assert.equal(p.time, text, line);
      else if (p[SOURCE_TEXT] !== undefined) assert.equal(p.time, want, line);
      else assert.deepEqual(p.time, new TimeValue(want), line);
    }
  });
});

describe('the scanner reads the time field in place for the reader', () => {
  it('gives a first-field ISO time under the named key as a time value, and leaves anything else as JSON.parse does', () => {
    const scanner = new CanonicalJsonScanner(false);
    scanner.readsTime('ts');
    const read = (line: string): Point | undefined => {
      scanner.begin(line);
      return scanner.scan(line, 0, line.length);
    };
    assert.deepEqual(read('{"ts":"2016-01-01T00:00:00Z","v":1}'), { ts: new TimeValue(Date.UTC(2016, 0, 1)), v: 1 });
    assert.deepEqual(read('{"ts":"soon","v":1}'), { ts: 'soon', v: 1 });
    assert.deepEqual(read('{"v":1,"ts":"2016-01-01T00:00:00Z"}'), { v: 1, ts: '2016-01-01T00:00:00Z' });
    assert.deepEqual(read('{"time":"2016-01-01T00:00:00Z"}'), { time: '2016-01-01T00:00:00Z' });
  });

  it('through a read with time=, the points are those of the plain path', async () => {
    const lines = ['{"ts":"2016-01-01T00:00:01.5Z","v":1}', '{"ts":"2016-01-01 00:00:02","v":2}', '{"ts":"yesterday","v":3}', '{"ts":"x","v":4}', '{"v":5}'];
    const program = "read('stdio', time='ts') | put(w=v)";
    const scanned = await runProgram(program, { input: lines.join('\n') + '\n', now: Date.UTC(2016, 0, 3) });
    // A space after each colon: the scanner declines every line, JSON.parse reads them.
    const parsed = await runProgram(program, { input: lines.map((l) => l.replaceAll('":', '": ')).join('\n') + '\n', now: Date.UTC(2016, 0, 3) });
    assert.equal(scanned.stdout, parsed.stdout);
    assert.equal(scanned.stderr, parsed.stderr.replaceAll('": ', '":'));
    assert.match(scanned.stdout, /^\{"time":"2016-01-01T00:00:01\.500Z","v":1,"w":1\}\n/);
  });
});

describe('numberText', () => {
  it('is String(x) on short decimals, integers, tiny, huge and random doubles', () => {
    const r = rng(11);
    const xs = [0, -0, 1, -1, 0.1, 0.2, 0.3, 0.1 + 0.2, 1660.18, 1e-6, 1.5e-6, 1e-7, 999999999.999999, 1e9 + 0.5, 1e21, 1e300, 5e-324, 0.07, 123.456];
    for (let i = 0; i < 200000; i++) {
      const e = Math.floor(r() * 24) - 10;
      const x = (r() - 0.5) * 10 ** e;
      xs.push(x, Math.round(x * 100) / 100, Math.round(x * 1e6) / 1e6, Math.floor(r() * 100000) / 100, (Math.floor(r() * 100000) / 100) * 2);
    }
    for (const x of xs) assert.equal(numberText(x), String(x), String(x));
  });
});

describe('the jsonl writer with text reuse', () => {
  const writer = (sets: string[]) => {
    const w = jsonl.createSerializer!({});
    assert.equal(w.reuseText!(sets), true);
    return w;
  };
  const withText = (text: string, fields: Point): Point => {
    const p: Point = { ...fields };
    p[SOURCE_TEXT] = text;
    return p;
  };

  it('writes the kept text and the set fields, as JSON.stringify writes them', () => {
    const t = Date.UTC(2016, 0, 1);
    // The text says b:1 while the point says b:2: only the text can give b:1, so this shows it was used.
    const p = withText('{"time":"2016-01-01T00:00:00.000Z","b":1', { time: t, b: 2, n: 1.5, s: 'q"\n', o: { x: [1] }, u: undefined, nan: NaN, tv: new TimeValue(t) });
    assert.equal(
      writer(['n', 's', 'o', 'u', 'nan', 'tv']).write([p]),
      '{"time":"2016-01-01T00:00:00.000Z","b":1,"n":1.5,"s":"q\\"\\n","o":{"x":[1]},"nan":null,"tv":"2016-01-01T00:00:00.000Z"}\n',
    );
  });

  it('serialises a point without text, or without a numeric time', () => {
    const t = Date.UTC(2016, 0, 1);
    const w = writer(['v2']);
    const plain: Point = { time: t, b: 2, v2: 3 };
    const timeless = withText('{"time":"2016-01-01T00:00:00.000Z","b":1', { b: 2, v2: 3 });
    assert.equal(w.write([plain, timeless]), [stringifyPoint(plain), stringifyPoint(timeless)].join('\n') + '\n');
  });

  it('refuses fields it could not append in place', () => {
    assert.equal(jsonl.createSerializer!({}).reuseText!(['1']), false);
    assert.equal(jsonl.createSerializer!({}).reuseText!(['__proto__']), false);
  });
});

/** What the pipeline must write for `line` after setting `set` (by hand: JSON.parse, time moved and formatted, JSON.stringify). */
function expected(line: string, set: (p: Record<string, unknown>) => void): string | undefined {
  const v = tryParse(line);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const p = v as Record<string, unknown>;
  const time = p.time;
  let ms: number | undefined;
  if (typeof time === 'string') ms = Date.parse(time);
  else if (typeof time === 'number') ms = time * 1000;
  if (time !== undefined && time !== null && (ms === undefined || !(Math.abs(ms) <= 8.64e15))) return undefined;
  set(p);
  delete p.time;
  if (ms === undefined) return JSON.stringify(p);
  // time first, even before integer-like keys (which an object would put first).
  const rest = JSON.stringify(p);
  return '{"time":' + JSON.stringify(new Date(ms).toISOString()) + (rest === '{}' ? '}' : ',' + rest.slice(1));
}

describe('pipelines that reuse the text', () => {
  it('write exactly what serialising gives, on random lines', async () => {
    const r = rng(5);
    // Only times Date.parse reads the same way (the oracle): ISO with Z or an offset, epoch seconds, or none.
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) {
      // (Date.parse also takes February 30th, which flume calls malformed.)
      const line = randomLine(r).replace(/"time": ?("yesterday"|"2016-01-01 00:00:00.000Z"|"2016-02-30T00:00:00.000Z")/g, '"time":"2016-01-01T00:00:00Z"');
      // A lone surrogate cannot travel as UTF-8 (it arrives as U+FFFD): the input is bytes.
      if (expected(line, () => {}) !== undefined) lines.push(line.replaceAll('\ud800', '?'));
    }
    const program = "read('stdio') | put(v2=v*2, s='x') | filter(true) | head(100000) | write('stdio')";
    const res = await runProgram(program, { input: lines.join('\n') + '\n' });
    assert.equal(res.error, undefined);
    const want = lines.map((l) =>
      expected(l, (p) => {
        p.v2 = typeof p.v === 'number' ? p.v * 2 : null;
        p.s = 'x';
      }),
    );
    const got = res.stdout.split('\n').slice(0, -1);
    assert.equal(got.length, want.length, res.stderr);
    for (let i = 0; i < want.length; i++) assert.equal(got[i], want[i], lines[i]);
  });

  it('a line that already has the set field is written with it in its place, not twice', async () => {
    const res = await runProgram("read('stdio') | put(v=2)", { input: '{"time":"2016-01-01T00:00:00.000Z","v":1,"w":0}\n' });
    assert.equal(res.stdout, '{"time":"2016-01-01T00:00:00.000Z","v":2,"w":0}\n');
  });

  it('a stage that sets time writes the new time', async () => {
    const res = await runProgram("read('stdio') | put(time=0, v=2)", { input: '{"time":"2016-01-01T00:00:00.000Z","v":1}\n' });
    assert.equal(res.stdout, '{"time":"1970-01-01T00:00:00.000Z","v":2}\n');
  });

  it('is planned only on a straight line through stages that declare what they set, to a sink of the same format', () => {
    const reg = Registry.builtin();
    const reuse = (program: string): readonly string[] | undefined => compile(program, reg, { env: {} }).plan.sources[0]!.textReuse;
    assert.deepEqual(reuse("read('stdio') | put(a=1, b=2) | filter(a > 0) | put(a=3, c=4) | head(5)"), ['a', 'b', 'c']);
    assert.deepEqual(reuse("read('stdio') | write('stdio')"), []);
    assert.equal(reuse("read('stdio') | put(v2=v*2) | remove(v)"), undefined);
    assert.equal(reuse("read('stdio') | put(v2=v*2) | write('stdio', format='csv')"), undefined);
    assert.equal(reuse("read('stdio', format='csv') | write('stdio')"), undefined);
    assert.equal(reuse("read('stdio', time='ts') | write('stdio')"), undefined);
    assert.equal(reuse("read('stdio') | (put(a=1); put(b=2)) | write('stdio')"), undefined);
    assert.equal(reuse("read('stdio') | put(a=1) | sort(a)"), undefined);
  });
});
