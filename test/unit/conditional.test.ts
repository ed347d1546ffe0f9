/** `? :` and `??` (SPEC §13.1) at the expression level: the tree the parser builds and what runs. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseExpression } from '../../src/lang/parse.js';
import { compileExpr } from '../../src/lang/expr.js';
import type { CallExpr, Expr } from '../../src/lang/ast.js';
import type { Point } from '../../src/runtime/point.js';

/** The tree as a compact string: (test ? then : else), (a ?? b), binary ops in brackets. */
function shape(e: Expr): string {
  switch (e.kind) {
    case 'conditional':
      return `(${shape(e.test)} ? ${shape(e.then)} : ${shape(e.otherwise)})`;
    case 'coalesce':
      return `(${shape(e.left)} ?? ${shape(e.right)})`;
    case 'binary':
      return `[${shape(e.left)} ${e.op} ${shape(e.right)}]`;
    case 'unary':
      return `[${e.op} ${shape(e.arg)}]`;
    case 'field':
      return e.path.join('.');
    case 'literal':
      return JSON.stringify(e.value);
    case 'call':
      return `${e.name}()`;
    default:
      return e.kind;
  }
}

describe('where ? : and ?? bind', () => {
  const cases: [string, string][] = [
    ['a or b ? c : d', '([a or b] ? c : d)'],
    ['a and b ? c : d', '([a and b] ? c : d)'],
    ['not a ? b : c', '([not a] ? b : c)'],
    ['a ? b : c ? d : e', '(a ? b : (c ? d : e))'],
    ['a ? b ? c : d : e', '(a ? (b ? c : d) : e)'],
    ['a ? b or c : d and e', '(a ? [b or c] : [d and e])'],
    ['a ?? b > 1', '[(a ?? b) > 1]'],
    ['a ?? b == c ?? d', '[(a ?? b) == (c ?? d)]'],
    ['a ?? b + 1', '(a ?? [b + 1])'],
    ['a * 2 ?? b', '([a * 2] ?? b)'],
    ['a ?? b ?? c', '((a ?? b) ?? c)'],
    ['a ?? b ? c : d', '((a ?? b) ? c : d)'],
    ['x in y ?? z', '[x in (y ?? z)]'],
  ];
  for (const [text, tree] of cases) {
    it(text, () => assert.equal(shape(parseExpression(text)), tree));
  }
});

describe('only the taken branch runs', () => {
  /** Compile with f() and g() counting their calls. */
  function counting(text: string): { fn: (p: Point) => unknown; calls: Record<string, number> } {
    const calls: Record<string, number> = { f: 0, g: 0 };
    const onCall = (c: CallExpr) =>
      c.name === 'f' || c.name === 'g'
        ? () => {
            calls[c.name]!++;
            return c.name;
          }
        : undefined;
    return { fn: compileExpr(parseExpression(text), { now: 0, onCall }), calls };
  }

  it('?: evaluates the test and one branch', () => {
    const { fn, calls } = counting('x ? f() : g()');
    assert.equal(fn({ x: 1 }), 'f');
    assert.equal(fn({ x: 0 }), 'g');
    assert.equal(fn({}), 'g');
    assert.deepEqual(calls, { f: 1, g: 2 });
  });

  it('?? evaluates its right side only for null or missing', () => {
    const { fn, calls } = counting('x ?? f()');
    assert.equal(fn({ x: false }), false);
    assert.equal(fn({ x: 0 }), 0);
    assert.equal(fn({ x: null }), 'f');
    assert.equal(fn({}), 'f');
    assert.deepEqual(calls, { f: 2, g: 0 });
  });

  it('a constant test is folded: the same value for every point', () => {
    const fn = compileExpr(parseExpression("1 > 2 ? 'a' : 'b' + 'c'"), { now: 0 });
    assert.equal(fn({}), 'bc');
  });
});
