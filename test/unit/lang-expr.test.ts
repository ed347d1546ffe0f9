/**
 * The expression compiler, builtins and templates. Expected instants are
 * written as literal epoch numbers: 2016-01-15T10:30:05Z is 1452853805000
 * (2016-01-01 = 1451606400000, + 14 days + 10:30:05).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CallExpr } from '../../src/lang/ast.js';
import { FlumeError, renderDiagnostic } from '../../src/lang/diagnostics.js';
import {
  compareValues,
  compileExpr,
  compileTemplate,
  compileValue,
  constantValue,
  fieldPathOf,
  isTemplate,
  truthy,
  valuesEqual,
  type CompiledFn,
  type ExprEnv,
} from '../../src/lang/expr.js';
import { builtinFunctions } from '../../src/lang/functions.js';
import { parseExpression } from '../../src/lang/parse.js';
import { TimeValue, type Point } from '../../src/runtime/point.js';

const T0 = 1452853805000; // 2016-01-15T10:30:05Z, a Friday
const NOW = 1577836800000; // 2020-01-01T00:00:00Z
const HOUR = 3600000;
const DAY = 86400000;

const POINT: Point = {
  time: T0,
  v: 5,
  f: 3.14159,
  s: 'hello',
  empty: '',
  zero: 0,
  n: null,
  yes: true,
  tags: ['a', 'b', 'c'],
  o: { x: 1, 'y z': 2, deep: { k: 'v' } },
  'odd key': 7,
  when: new TimeValue(T0 + HOUR),
};

function ev(text: string, p: Point = POINT, env: Partial<ExprEnv> = {}): unknown {
  return compileExpr(parseExpression(text), { now: NOW, ...env })(p);
}

function compileFails(text: string, env: Partial<ExprEnv> = {}): FlumeError {
  try {
    compileExpr(parseExpression(text), { now: NOW, ...env });
  } catch (e) {
    assert.ok(e instanceof FlumeError, String(e));
    assert.equal(e.exitCode, 2);
    return e;
  }
  assert.fail(`expected ${text} not to compile`);
}

function time(v: unknown): number {
  assert.ok(v instanceof TimeValue, `expected a TimeValue, got ${JSON.stringify(v)}`);
  return v.ms;
}

describe('fields', () => {
  it('reads plain, nested, indexed and odd-named fields', () => {
    assert.equal(ev('v'), 5);
    assert.equal(ev('o.x'), 1);
    assert.equal(ev('o.deep.k'), 'v');
    assert.equal(ev("o['y z']"), 2);
    assert.equal(ev("point['odd key']"), 7);
    assert.equal(ev('tags[0]'), 'a');
    assert.equal(ev('tags[-1]'), 'c');
    assert.equal(ev('missing'), undefined);
    assert.equal(ev('missing.deeper.still'), undefined);
    assert.equal(ev('s.length'), undefined);
  });

  it('reads `time` as a time value', () => {
    assert.equal(time(ev('time')), T0);
    assert.equal(ev('time', {}), undefined);
  });

  it('indexes computed values', () => {
    assert.equal(ev("split('a,b,c', ',')[1]"), 'b');
    assert.equal(ev("split('a,b,c', ',')[-1]"), 'c');
    assert.equal(ev('tags[zero]'), 'a');
    assert.equal(ev("o[lower('X')]"), 1);
    assert.equal(ev('s[1]'), 'e');
    assert.equal(ev('tags[9]'), undefined);
    assert.equal(ev("split('a', ',')[5]"), undefined);
    assert.equal(ev('[1, 2][i]'), undefined);
    assert.equal(ev('[1, 2][0.5]'), undefined);
    assert.equal(ev('v[0]'), undefined);
    assert.equal(ev('o[0]'), undefined);
  });
});

describe('literals', () => {
  it('builds lists and objects per point', () => {
    assert.deepEqual(ev("[v, s, [1]]"), [5, 'hello', [1]]);
    assert.deepEqual(ev("{a: v, 'b c': s}"), { a: 5, 'b c': 'hello' });
    const fn = compileExpr(parseExpression('[1, 2]'), { now: NOW });
    assert.notEqual(fn({}), fn({}), 'a fresh list for every point');
  });

  it('reads durations as milliseconds', () => {
    assert.equal(ev('5m'), 300000);
    assert.equal(ev('1h30m'), 5400000);
    assert.equal(ev('250ms'), 250);
    assert.equal(ev('1.5s'), 1500);
  });

  it('reads regex literals as RegExp values', () => {
    const re = ev('/a+/i');
    assert.ok(re instanceof RegExp);
    assert.equal(re.source, 'a+');
    assert.equal(re.flags, 'i');
  });
});

describe('comparison operators', () => {
  it('compares numbers, strings, booleans and times within their kind', () => {
    assert.equal(ev('v == 5'), true);
    assert.equal(ev('v != 5'), false);
    assert.equal(ev('v < 6'), true);
    assert.equal(ev('v <= 5'), true);
    assert.equal(ev('v > 5'), false);
    assert.equal(ev('v >= 5'), true);
    assert.equal(ev("s < 'help'"), true);
    assert.equal(ev("s > 'Help'"), true);
    assert.equal(ev('false < true'), true);
    assert.equal(ev('yes == true'), true);
    assert.equal(ev('time < when'), true);
    assert.equal(ev('when - 1h == time'), true);
  });

  it('is false across kinds, except != (§11.6)', () => {
    for (const op of ['==', '<', '<=', '>', '>=']) {
      assert.equal(ev(`v ${op} '5'`), false, `5 ${op} '5'`);
      assert.equal(ev(`s ${op} 1`), false, `'hello' ${op} 1`);
      assert.equal(ev(`time ${op} ${T0}`), false, `time ${op} number`);
      assert.equal(ev(`yes ${op} 1`), false, `true ${op} 1`);
      assert.equal(ev(`missing ${op} 0`), false, `missing ${op} 0`);
      assert.equal(ev(`n ${op} 0`), false, `null ${op} 0`);
    }
    assert.equal(ev("v != '5'"), true);
    assert.equal(ev('time != 0'), true);
    assert.equal(ev('missing != 0'), true);
  });

  it('treats null and missing as equal to each other and to null', () => {
    assert.equal(ev('n == null'), true);
    assert.equal(ev('missing == null'), true);
    assert.equal(ev('missing == n'), true);
    assert.equal(ev('n != null'), false);
    assert.equal(ev('zero == null'), false);
  });

  it('compares lists and objects deeply for equality, never for order', () => {
    assert.equal(ev("tags == ['a', 'b', 'c']"), true);
    assert.equal(ev("tags == ['a', 'b']"), false);
    assert.equal(ev("o == {x: 1, 'y z': 2, deep: {k: 'v'}}"), true);
    assert.equal(ev('o.deep != {k: 1}'), true);
    assert.equal(ev('[1] < [2]'), false);
  });

  it('tests membership with in / not in (§11.6)', () => {
    assert.equal(ev("'ell' in s"), true);
    assert.equal(ev("'xyz' in s"), false);
    assert.equal(ev("'b' in tags"), true);
    assert.equal(ev("'z' not in tags"), true);
    assert.equal(ev("[1] in [[1], [2]]"), true);
    assert.equal(ev("'x' in o"), true);
    assert.equal(ev("'deep' not in o"), false);
    assert.equal(ev("'k' in o"), false, 'keys only, not nested');
    assert.equal(ev('1 in s'), false);
    assert.equal(ev("'a' in missing"), false);
    assert.equal(ev("'a' not in missing"), true);
  });

  it('matches regular expressions with =~ and !~', () => {
    assert.equal(ev('s =~ /h.l+o/'), true);
    assert.equal(ev('s =~ /^H/i'), true);
    assert.equal(ev('s !~ /^H/'), true);
    assert.equal(ev("s =~ 'l{2}'"), true);
    assert.equal(ev("s =~ pattern", { ...POINT, pattern: '^he' }), true);
    assert.equal(ev('v =~ /5/'), false, 'a non-string never matches');
    assert.equal(ev('v !~ /5/'), true);
    assert.equal(ev('missing =~ /x/'), false);
  });

  it('does not keep state between matches of a /g regex', () => {
    const fn = compileExpr(parseExpression('s =~ /l/g'), { now: NOW });
    assert.deepEqual([fn(POINT), fn(POINT), fn(POINT)], [true, true, true]);
  });

  it('rejects an invalid constant pattern at compile time', () => {
    const e = compileFails("s =~ '('");
    assert.equal(e.diagnostic.code, 'bad-expression');
    assert.deepEqual(e.diagnostic.span, { start: 5, end: 8 });
  });
});

describe('logical operators and truthiness', () => {
  it('follows the truthiness table (§11.20)', () => {
    const table: [unknown, boolean][] = [
      [null, false],
      [undefined, false],
      [false, false],
      [0, false],
      [-0, false],
      [NaN, false],
      ['', false],
      [true, true],
      [1, true],
      [-1, true],
      ['0', true],
      ['false', true],
      [' ', true],
      [[], true],
      [{}, true],
      [new TimeValue(0), true],
    ];
    for (const [v, want] of table) {
      assert.equal(truthy(v), want, `truthy(${String(v)})`);
      assert.equal(ev('bool(x)', { x: v }), want, `bool(${String(v)})`);
      assert.equal(ev('not x', { x: v }), !want, `not ${String(v)}`);
    }
  });

  it('combines with and/or/not and their symbols, giving booleans', () => {
    assert.equal(ev('v and s'), true);
    assert.equal(ev('v and empty'), false);
    assert.equal(ev('zero or n'), false);
    assert.equal(ev('zero or s'), true);
    assert.equal(ev('v > 1 && s == "hello"'), true);
    assert.equal(ev('v > 9 || !missing'), true);
    assert.equal(ev('not not v'), true);
  });

  it('short-circuits', () => {
    let calls = 0;
    const onCall = (c: CallExpr): CompiledFn | undefined => (c.name === 'boom' ? () => ++calls : undefined);
    ev('false and boom()', POINT, { onCall });
    ev('true or boom()', POINT, { onCall });
    assert.equal(calls, 0);
  });
});

describe('arithmetic', () => {
  it('computes + - * / % and unary minus on numbers', () => {
    assert.equal(ev('v + 2'), 7);
    assert.equal(ev('v - 7'), -2);
    assert.equal(ev('v * 3'), 15);
    assert.equal(ev('v / 2'), 2.5);
    assert.equal(ev('v % 3'), 2);
    assert.equal(ev('-v % 3'), -2, 'the dividend sign, as JavaScript');
    assert.equal(ev('-v'), -5);
    assert.equal(ev('2 + 3 * 4'), 14);
    assert.equal(ev('(2 + 3) * 4'), 20);
  });

  it('joins strings with +', () => {
    assert.equal(ev("s + ' ' + 'world'"), 'hello world');
  });

  it('gives null for null, missing and mismatched operands', () => {
    for (const text of ['n + 1', 'missing * 2', '1 - missing', "'a' + 1", "1 + 'a'", "s * 2", 'tags + tags', 'yes + 1', '-s', '-missing', 'o / 2']) {
      assert.equal(ev(text), null, text);
    }
  });

  it('gives null for division or remainder by zero', () => {
    assert.equal(ev('v / 0'), null);
    assert.equal(ev('v % 0'), null);
    assert.equal(ev('0 / zero'), null);
  });

  it('moves times by milliseconds and durations, and subtracts times', () => {
    assert.equal(time(ev('time + 1000')), T0 + 1000);
    assert.equal(time(ev('1000 + time')), T0 + 1000);
    assert.equal(time(ev('time - 1h')), T0 - HOUR);
    assert.equal(time(ev('time + 1d')), T0 + DAY);
    assert.equal(ev('when - time'), HOUR);
    assert.equal(ev('time + time'), null);
    assert.equal(ev('time * 2'), null);
  });

  it('moves times by calendar months and years', () => {
    assert.equal(time(ev('time + 1M')), Date.UTC(2016, 1, 15, 10, 30, 5));
    assert.equal(time(ev('time - 1y')), Date.UTC(2015, 0, 15, 10, 30, 5));
    assert.equal(time(ev('1M + time')), Date.UTC(2016, 1, 15, 10, 30, 5));
    assert.equal(ev('1M'), 2629746000, 'an average month elsewhere');
  });

  it('folds constant sub-expressions to the same values', () => {
    assert.equal(ev('60 * 60 * 1000'), 3600000);
    assert.equal(ev("'a' + 'b' == 'ab'"), true);
    assert.equal(ev('1 / 0'), null);
  });
});

describe('builtin functions', () => {
  it('does math, following Math (§11.24)', () => {
    assert.equal(ev('abs(-3)'), 3);
    assert.equal(ev('ceil(1.2)'), 2);
    assert.equal(ev('floor(-1.2)'), -2);
    assert.equal(ev('round(2.5)'), 3);
    assert.equal(ev('round(-2.5)'), -2);
    assert.equal(ev('round(f, 2)'), 3.14);
    assert.equal(ev('round(1.005, 2)'), 1.01);
    assert.equal(ev('round(1234, -2)'), 1200);
    assert.equal(ev('sqrt(16)'), 4);
    assert.equal(ev('sqrt(-1)'), null);
    assert.equal(ev('log(1)'), 0);
    assert.equal(ev('log10(1000)'), 3);
    assert.equal(ev('exp(0)'), 1);
    assert.equal(ev('pow(2, 10)'), 1024);
    assert.equal(ev("abs('x')"), null);
    assert.equal(ev('round(missing)'), null);
  });

  it('takes min and max of arguments or of one list', () => {
    assert.equal(ev('min(3, 1, 2)'), 1);
    assert.equal(ev('max(3, 1, 2)'), 3);
    assert.equal(ev('min([4, 2, 9])'), 2);
    assert.equal(ev('max(tags)'), 'c');
    assert.equal(ev("min('b', 'a')"), 'a');
    assert.equal(time(ev('max(time, when)')), T0 + HOUR);
    assert.equal(ev('min(3, missing, 1)'), 1, 'nulls are skipped');
    assert.equal(ev("min(1, 'a')"), null, 'mixed kinds');
    assert.equal(ev('max([])'), null);
  });

  it('works on strings', () => {
    assert.equal(ev('len(s)'), 5);
    assert.equal(ev("len('héllo😀')"), 6);
    assert.equal(ev('len(tags)'), 3);
    assert.equal(ev('len(o)'), 4 - 1);
    assert.equal(ev('len(v)'), null);
    assert.equal(ev("lower('AbC')"), 'abc');
    assert.equal(ev("upper('AbC')"), 'ABC');
    assert.equal(ev("trim('  x ')"), 'x');
    assert.equal(ev("startswith(s, 'he')"), true);
    assert.equal(ev("endswith(s, 'he')"), false);
    assert.equal(ev("contains(s, 'ell')"), true);
    assert.equal(ev("contains(tags, 'b')"), true);
    assert.equal(ev("contains(o, 'x')"), true);
    assert.equal(ev("replace(s, 'l', 'L')"), 'heLLo');
    assert.equal(ev("replace(s, /l+/, '[$&]')"), 'he[ll]o');
    assert.equal(ev("replace('a-b_c', /[-_]/, ' ')"), 'a b c');
    assert.deepEqual(ev("split('a,b,,c', ',')"), ['a', 'b', '', 'c']);
    assert.deepEqual(ev("split('  a  b ')"), ['a', 'b']);
    assert.deepEqual(ev("split('a1b22c', /\\d+/)"), ['a', 'b', 'c']);
    assert.equal(ev('substr(s, 1)'), 'ello');
    assert.equal(ev('substr(s, 1, 3)'), 'ell');
    assert.equal(ev('substr(s, -3, 2)'), 'll');
    assert.equal(ev('upper(v)'), null);
    assert.equal(ev("startswith(missing, 'a')"), null);
  });

  it('converts values', () => {
    assert.equal(ev('str(1.0)'), '1');
    assert.equal(ev('str(2.50)'), '2.5');
    assert.equal(ev('str(time)'), '2016-01-15T10:30:05.000Z');
    assert.equal(ev('str(tags)'), '["a","b","c"]');
    assert.equal(ev('str(yes)'), 'true');
    assert.equal(ev('str(missing)'), null);
    assert.equal(ev("num('42.5')"), 42.5);
    assert.equal(ev("num('x')"), null);
    assert.equal(ev("num('')"), null);
    assert.equal(ev('num(yes)'), 1);
    assert.equal(ev('num(time)'), T0);
    assert.equal(ev("int('3.9')"), 3);
    assert.equal(ev('int(-3.9)'), -3);
    assert.equal(ev('int(tags)'), null);
    assert.equal(ev('bool(s)'), true);
    assert.equal(ev('bool(empty)'), false);
  });

  it('tells null from missing: is_null and exists (§11.9, §11.21)', () => {
    assert.equal(ev('is_null(n)'), true);
    assert.equal(ev('is_null(missing)'), true);
    assert.equal(ev('is_null(zero)'), false);
    assert.equal(ev('exists(n)'), true);
    assert.equal(ev('exists(missing)'), false);
    assert.equal(ev('exists(o.deep.k)'), true);
    assert.equal(ev("exists('o.deep.k')"), true);
    assert.equal(ev("exists(point['odd key'])"), true);
    assert.equal(ev('exists(time)'), true);
    assert.equal(ev('exists(time)', {}), false);
    const e = compileFails('exists(v + 1)');
    assert.equal(e.diagnostic.code, 'bad-arguments');
  });

  it('works with times (§11.12)', () => {
    assert.equal(time(ev('now()')), NOW);
    assert.equal(ev('time < now()'), true);
    assert.equal(ev('time > now() - 1d'), false);
    assert.equal(time(ev("parse_time('2016-01-15T10:30:05Z')")), T0);
    assert.equal(ev("parse_time('2016-01-15 10:30:05') == time"), true);
    assert.equal(time(ev("parse_time('15/01/2016', 'dd/MM/yyyy')")), Date.UTC(2016, 0, 15));
    assert.equal(time(ev("parse_time('2016-01-15', '%Y-%m-%d')")), Date.UTC(2016, 0, 15));
    assert.equal(time(ev('parse_time(1452853805)')), T0, 'a number is epoch seconds');
    assert.equal(ev("parse_time('not a time')"), null);
    assert.equal(ev("time >= parse_time('2016-01-01') and time < parse_time('2016-02-01')"), true);
    assert.equal(ev("format_time(time, 'yyyy-MM-dd HH:mm')"), '2016-01-15 10:30');
    assert.equal(ev("format_time(time, '%Y/%m/%d %H:%M:%S')"), '2016/01/15 10:30:05');
    assert.equal(ev(`format_time(${T0}, 'yyyy')`), '2016');
    assert.equal(ev("format_time('2016-01-15T10:30:05Z', 'HH')"), '10');
    assert.equal(ev("format_time(s, 'yyyy')"), null);
    assert.deepEqual(
      ['year', 'month', 'day', 'hour', 'minute', 'second', 'weekday'].map((fn) => ev(`${fn}(time)`)),
      [2016, 1, 15, 10, 30, 5, 5],
    );
    assert.equal(ev("weekday(parse_time('2016-01-17'))"), 7, 'Sunday is 7');
    assert.equal(ev('year(s)'), null);
  });

  it('lists every builtin with an arity and a signature', () => {
    const names = builtinFunctions.map((b) => b.name);
    for (const n of ['abs', 'ceil', 'floor', 'round', 'sqrt', 'log', 'log10', 'exp', 'pow', 'min', 'max', 'len', 'lower', 'upper', 'trim', 'startswith', 'endswith', 'contains', 'replace', 'split', 'substr', 'str', 'num', 'int', 'bool', 'is_null', 'exists', 'now', 'parse_time', 'format_time', 'year', 'month', 'day', 'hour', 'minute', 'second', 'weekday']) {
      assert.ok(names.includes(n), n);
    }
    for (const b of builtinFunctions) {
      assert.ok(b.signature.startsWith(`${b.name}(`), b.name);
      assert.ok(b.doc.length > 0, b.name);
      assert.ok(b.min <= b.max, b.name);
    }
  });
});

describe('calls: errors and substitution', () => {
  it('reports an unknown function with a did-you-mean hint', () => {
    const text = 'v + rond(f)';
    const e = compileFails(text);
    assert.equal(e.diagnostic.code, 'unknown-function');
    assert.equal(
      renderDiagnostic(e.diagnostic, text),
      ['error[unknown-function]: unknown function `rond`', ' --> <program>:1:5', '  |', '1 | v + rond(f)', '  |     ^^^^', '  = hint: did you mean `round`?'].join('\n'),
    );
    assert.deepEqual(compileFails('zzzzzz()').diagnostic.hints, []);
  });

  it('reports a wrong number of arguments with the signature', () => {
    const text = 'round(1, 2, 3)';
    const e = compileFails(text);
    assert.equal(e.diagnostic.code, 'bad-arguments');
    assert.equal(
      renderDiagnostic(e.diagnostic, text),
      ['error[bad-arguments]: `round` takes 1 or 2 arguments, got 3', ' --> <program>:1:1', '  |', '1 | round(1, 2, 3)', '  | ^^^^^^^^^^^^^^', '  = hint: usage: round(x, digits?)'].join('\n'),
    );
    assert.equal(compileFails('now(1)').diagnostic.message, '`now` takes 0 arguments, got 1');
    assert.equal(compileFails('lower()').diagnostic.message, '`lower` takes 1 argument, got 0');
    assert.equal(compileFails('replace(s)').diagnostic.message, '`replace` takes 3 arguments, got 1');
    assert.equal(compileFails('min()').diagnostic.message, '`min` takes at least 1 argument, got 0');
    assert.equal(compileFails('lower(s=1)').diagnostic.message, '`lower` takes no keyword arguments');
  });

  it('consults onCall first, for every call, even inside larger expressions', () => {
    const seen: string[] = [];
    const onCall = (c: CallExpr): CompiledFn | undefined => {
      seen.push(c.name);
      if (c.name === 'max' && c.args.length === 1) return () => 10;
      if (c.name === 'min' && c.args.length === 1) return () => 4;
      if (c.name === 'count') return () => 3;
      return undefined;
    };
    assert.equal(ev('max(v) - min(v)', POINT, { onCall }), 6);
    assert.equal(ev('count() * 2', POINT, { onCall }), 6);
    assert.equal(ev('max(1, 2)', POINT, { onCall }), 2, 'declined: the scalar builtin');
    assert.deepEqual(seen, ['max', 'min', 'count', 'max']);
  });

  it('compiles a pipeline as a value to an error', () => {
    const e = (() => {
      try {
        compileExpr({ kind: 'pipeline', pipeline: { stages: [], span: { start: 0, end: 1 } }, span: { start: 0, end: 1 } }, { now: NOW });
      } catch (err) {
        return err as FlumeError;
      }
      return undefined;
    })();
    assert.ok(e instanceof FlumeError);
  });
});

describe('compareValues and valuesEqual', () => {
  it('orders within a kind and refuses across kinds', () => {
    assert.equal(compareValues(1, 2), -1);
    assert.equal(compareValues(2, 2), 0);
    assert.equal(compareValues('b', 'a'), 1);
    assert.equal(compareValues(false, true), -1);
    assert.equal(compareValues(new TimeValue(5), new TimeValue(3)), 1);
    assert.equal(compareValues(1, '1'), undefined);
    assert.equal(compareValues(new TimeValue(1), 1), undefined);
    assert.equal(compareValues(null, null), undefined);
    assert.equal(compareValues(NaN, 1), undefined);
    assert.equal(compareValues([1], [1]), undefined);
  });

  it('orders strings by code point', () => {
    // U+FF5E (one UTF-16 unit, 0xFF5E) sorts before U+1F600 (surrogates 0xD83D…): by units it would not.
    assert.equal(compareValues('\uff5e', '😀'), -1);
    assert.equal(compareValues('😀', '\uff5e'), 1);
    assert.equal(compareValues('a', 'ab'), -1);
  });

  it('compares deeply and by kind', () => {
    assert.equal(valuesEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }), true);
    assert.equal(valuesEqual({ a: 1 }, { a: 1, b: 2 }), false);
    assert.equal(valuesEqual([1, 2], [2, 1]), false);
    assert.equal(valuesEqual(1, '1'), false);
    assert.equal(valuesEqual(null, undefined), true);
    assert.equal(valuesEqual(new TimeValue(1), new TimeValue(1)), true);
    assert.equal(valuesEqual(NaN, NaN), false);
  });
});

describe('templates', () => {
  const render = (text: string, p: Point = POINT): unknown => compileTemplate(text)(p);

  it('recognises templates', () => {
    assert.equal(isTemplate('line #{count}'), true);
    assert.equal(isTemplate('{{x}}'), true);
    assert.equal(isTemplate('a }} b'), true);
    assert.equal(isTemplate('plain'), false);
    assert.equal(isTemplate('{}'), false);
    assert.equal(isTemplate('{"a": 1}'), false, 'JSON text is not a template');
    assert.equal(isTemplate('{ x }'), false);
  });

  it('interpolates fields, nested paths and indexes', () => {
    assert.equal(render('{s} has {v}'), 'hello has 5');
    assert.equal(render('{o.x}/{o[y z]}/{o.deep.k}'), '1/2/v');
    assert.equal(render("{tags[0]}{tags[2]}{o['x']}"), 'ac1');
    assert.equal(render('{odd key}'), '7');
  });

  it('renders missing and null as empty (§11.10)', () => {
    assert.equal(render('[{missing}]'), '[]');
    assert.equal(render('[{n}]'), '[]');
    assert.equal(render('[{missing.x}]'), '[]');
    assert.equal(compileTemplate('[{v}]')(undefined as unknown as Point), '[]', 'no point at all');
  });

  it('renders numbers as JSON does, times as ISO, objects as JSON (§11.24)', () => {
    assert.equal(render('{x}', { x: 5.0 }), '5');
    assert.equal(render('{x}', { x: 0.1 }), '0.1');
    assert.equal(render('{x}', { x: 1e21 }), '1e+21');
    assert.equal(render('{time}'), '2016-01-15T10:30:05.000Z');
    assert.equal(render('{when}'), '2016-01-15T11:30:05.000Z');
    assert.equal(render('{tags}'), '["a","b","c"]');
    assert.equal(render('{o.deep}'), '{"k":"v"}');
    assert.equal(render('{yes}'), 'true');
  });

  it('escapes braces by doubling them', () => {
    assert.equal(render('{{x}}'), '{x}');
    assert.equal(render('{{{s}}}'), '{hello}');
    assert.equal(render('a }} b'), 'a } b');
  });

  it('leaves text that is not a placeholder as written', () => {
    assert.equal(render('{"a": {v}}'), '{"a": 5}');
    assert.equal(render('{} {s'), '{} {s');
  });

  it('applies Python format specs', () => {
    assert.equal(render('{f:.2f}'), '3.14');
    assert.equal(render('{v:.2f}'), '5.00');
    assert.equal(render('{v:5}|{s:7}|'), '    5|hello  |');
    assert.equal(render('{s:>7}|{s:^9}|{s:*<7}'), '  hello|  hello  |hello**');
    assert.equal(render('{f:08.3f}'), '0003.142');
    assert.equal(render('{x:08.3f}', { x: -3.14159 }), '-003.142');
    assert.equal(render('{v:+d} {x:+d}', { v: 5, x: -5 }), '+5 -5');
    assert.equal(render('{x:,}', { x: 1234567 }), '1,234,567');
    assert.equal(render('{x:,.2f}', { x: 1234567.891 }), '1,234,567.89');
    assert.equal(render('{x:.1%}', { x: 0.256 }), '25.6%');
    assert.equal(render('{x:x} {x:#x} {x:X} {x:b} {x:o}', { x: 255 }), 'ff 0xff FF 11111111 377');
    assert.equal(render('{x:e}', { x: 1500000 }), '1.500000e+06');
    assert.equal(render('{f:.3}'), '3.14');
    assert.equal(render('{s:.3}'), 'hel');
    assert.equal(render('[{missing:.2f}]'), '[]');
    assert.equal(render('[{missing:>3}]'), '[   ]');
  });

  it('formats times with a time pattern in the spec', () => {
    assert.equal(render('{time:%Y-%m-%d}'), '2016-01-15');
    assert.equal(render('{time:yyyy/MM}'), '2016/01');
  });

  it('is what compileValue gives for a string literal with placeholders', () => {
    const env = { now: NOW };
    assert.equal(compileValue(parseExpression("'n={v}'"), env)(POINT), 'n=5');
    assert.equal(compileValue(parseExpression("'{{v}}'"), env)(POINT), '{v}');
    assert.equal(compileValue(parseExpression("'plain'"), env)(POINT), 'plain');
    assert.equal(compileValue(parseExpression('v + 1'), env)(POINT), 6);
    assert.equal(compileExpr(parseExpression("'n={v}'"), env)(POINT), 'n={v}', 'compileExpr does not interpolate');
  });
});

describe('constantValue and fieldPathOf', () => {
  const c = (text: string) => constantValue(parseExpression(text));

  it('evaluates constant option values', () => {
    assert.deepEqual(c('10'), { ok: true, value: 10 });
    assert.deepEqual(c('-2.5'), { ok: true, value: -2.5 });
    assert.deepEqual(c("'x'"), { ok: true, value: 'x' });
    assert.deepEqual(c('None'), { ok: true, value: null });
    assert.deepEqual(c("[1, 'a', {b: [true]}]"), { ok: true, value: [1, 'a', { b: [true] }] });
    assert.deepEqual(c('60 * 60'), { ok: true, value: 3600 });
    assert.deepEqual(c('-(2)'), { ok: true, value: -2 });
    assert.deepEqual(c('5m'), { ok: true, value: '5m' }, 'a duration stays text for the option parser');
    assert.deepEqual(c('[1h, 2h]'), { ok: true, value: ['1h', '2h'] });
    const re = c('/a/i');
    assert.ok(re.ok && re.value instanceof RegExp);
  });

  it('refuses what depends on a point or the clock', () => {
    assert.deepEqual(c('v'), { ok: false });
    assert.deepEqual(c('[1, v]'), { ok: false });
    assert.deepEqual(c('now()'), { ok: false });
    assert.deepEqual(c('v + 1'), { ok: false });
    assert.deepEqual(c('5m * 2'), { ok: false });
  });

  it('names fields from paths and strings', () => {
    assert.equal(fieldPathOf(parseExpression('container.name')), 'container.name');
    assert.equal(fieldPathOf(parseExpression("'a.b'")), 'a.b');
    assert.equal(fieldPathOf(parseExpression('name')), 'name');
    assert.equal(fieldPathOf(parseExpression('1')), undefined);
    assert.equal(fieldPathOf(parseExpression('a + b')), undefined);
  });
});
