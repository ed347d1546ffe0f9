/**
 * The front end: lexer, grammar, CST → AST, syntax diagnostics. Shapes are
 * compared with spans stripped; spans are checked on their own where they
 * matter (diagnostics point with them).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Expr, Pipeline, Program, Stage } from '../../src/lang/ast.js';
import { FlumeError, renderDiagnostic } from '../../src/lang/diagnostics.js';
import { isIncomplete, parseExpression, parseProgram } from '../../src/lang/parse.js';

/** The AST without span/nameSpan keys, for shape comparisons. */
function strip(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(strip);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === 'span' || k === 'nameSpan') continue;
    out[k] = strip(x);
  }
  return out;
}

const expr = (text: string): unknown => strip(parseExpression(text));
const stages = (text: string, i = 0): unknown => strip(parseProgram(text).pipelines[i]!.stages);

const f = (...path: (string | number)[]) => ({ kind: 'field', path });
const lit = (value: unknown) => ({ kind: 'literal', value });
const call = (name: string, ...args: unknown[]) => ({ kind: 'call', name, args });
const pos = (value: unknown) => ({ value });
const kw = (name: string, value: unknown) => ({ name, value });
const bin = (op: string, left: unknown, right: unknown) => ({ kind: 'binary', op, left, right });

/** The rendered diagnostic of a failing parse. */
function syntaxError(text: string, parse: (t: string) => unknown = parseProgram): string {
  try {
    parse(text);
  } catch (e) {
    assert.ok(e instanceof FlumeError, `expected a FlumeError, got ${String(e)}`);
    assert.equal(e.diagnostic.code, 'syntax');
    assert.equal(e.exitCode, 2);
    return renderDiagnostic(e.diagnostic, text);
  }
  assert.fail(`expected ${JSON.stringify(text)} to fail`);
}

describe('programs and pipelines', () => {
  it('parses stages separated by |, with and without parentheses', () => {
    assert.deepEqual(stages('emit(limit=10) | head | write()'), [call('emit', kw('limit', lit(10))), call('head'), call('write')]);
  });

  it('joins dotted stage names', () => {
    assert.deepEqual(stages('my.alias.x(1) | b.c'), [call('my.alias.x', pos(lit(1))), call('b.c')]);
  });

  it('takes positional then keyword arguments, with a trailing comma', () => {
    assert.deepEqual(stages("read('stdio', file='x.csv', format=csv,)"), [
      call('read', pos(lit('stdio')), kw('file', lit('x.csv')), kw('format', f('csv'))),
    ]);
  });

  it('splits several pipelines on ; and ignores empty ones', () => {
    const p = parseProgram(';a | b;; c;');
    assert.deepEqual(
      p.pipelines.map((x) => strip(x.stages)),
      [[call('a'), call('b')], [call('c')]],
    );
    assert.deepEqual(parseProgram('').pipelines, []);
    assert.deepEqual(parseProgram('  # only a comment\n').pipelines, []);
  });

  it('keeps the source text and file name', () => {
    const p: Program = parseProgram('emit', 'x.flume');
    assert.equal(p.source, 'emit');
    assert.equal(p.file, 'x.flume');
    assert.equal(parseProgram('emit').file, '<program>');
  });

  it('groups branches with , and ;', () => {
    const s = parseProgram('src | (a, b | c; d) | out').pipelines[0]!.stages;
    assert.equal(s.length, 3);
    const g = s[1]!;
    assert.equal(g.kind, 'group');
    if (g.kind !== 'group') return;
    assert.deepEqual(
      g.pipelines.map((x) => strip(x.stages)),
      [[call('a')], [call('b'), call('c')], [call('d')]],
    );
  });

  it('nests groups and starts pipelines with a group', () => {
    const s = parseProgram('((a, b) | c, d) | e').pipelines[0]!.stages;
    const outer = s[0]!;
    assert.equal(outer.kind, 'group');
    if (outer.kind !== 'group') return;
    const inner = outer.pipelines[0]!.stages[0]!;
    assert.equal(inner.kind, 'group');
    if (inner.kind !== 'group') return;
    assert.deepEqual(
      inner.pipelines.map((x) => strip(x.stages)),
      [[call('a')], [call('b')]],
    );
    assert.deepEqual(strip(outer.pipelines[1]!.stages), [call('d')]);
    assert.deepEqual(strip(s[1]), call('e'));
  });

  it('treats newlines as white space and # as a comment to end of line', () => {
    const text = 'emit(limit=1,   # how many\n     every=1s)\n# a whole line\n| head # done\n';
    assert.deepEqual(stages(text), [call('emit', kw('limit', lit(1)), kw('every', { kind: 'duration', text: '1s' })), call('head')]);
  });

  it('parses a pipeline argument', () => {
    const s = stages('seq(emit(limit=1) | put(a=1), emit(limit=2))');
    assert.deepEqual(s, [
      call(
        'seq',
        pos({
          kind: 'pipeline',
          pipeline: { stages: [call('emit', kw('limit', lit(1))), call('put', kw('a', lit(1)))] },
        }),
        pos(call('emit', kw('limit', lit(2)))),
      ),
    ]);
  });

  it('accepts bare and dotted names as the first stage of a pipeline argument', () => {
    const s = stages('seq(emit | head, my.src(1) | tail, x=a | b)');
    assert.deepEqual(s, [
      call(
        'seq',
        pos({ kind: 'pipeline', pipeline: { stages: [call('emit'), call('head')] } }),
        pos({ kind: 'pipeline', pipeline: { stages: [call('my.src', pos(lit(1))), call('tail')] } }),
        kw('x', { kind: 'pipeline', pipeline: { stages: [call('a'), call('b')] } }),
      ),
    ]);
  });

  it('gives spans as offsets for stages, names, arguments and pipelines', () => {
    const text = 'emit(limit=10) | my.head';
    const pl: Pipeline = parseProgram(text).pipelines[0]!;
    assert.deepEqual(pl.span, { start: 0, end: text.length });
    const [emit, head] = pl.stages as [Stage, Stage];
    assert.deepEqual(emit.span, { start: 0, end: 14 });
    assert.equal(emit.kind, 'call');
    if (emit.kind !== 'call' || head.kind !== 'call') return;
    assert.deepEqual(emit.nameSpan, { start: 0, end: 4 });
    assert.deepEqual(emit.args[0]!.span, { start: 5, end: 13 });
    assert.deepEqual(emit.args[0]!.nameSpan, { start: 5, end: 10 });
    assert.deepEqual(emit.args[0]!.value.span, { start: 11, end: 13 });
    assert.deepEqual(head.nameSpan, { start: 17, end: 24 });
    const g = parseProgram('a | (b, c)').pipelines[0]!.stages[1]!;
    assert.deepEqual(g.span, { start: 4, end: 10 });
  });
});

describe('literals', () => {
  it('reads numbers, including exponents and leading dots', () => {
    assert.deepEqual(expr('1'), lit(1));
    assert.deepEqual(expr('2.5'), lit(2.5));
    assert.deepEqual(expr('.5'), lit(0.5));
    assert.deepEqual(expr('1e6'), lit(1000000));
    assert.deepEqual(expr('1.5E-3'), lit(0.0015));
  });

  it('folds a minus sign into a number literal, spanning both', () => {
    const e = parseExpression('-2.5');
    assert.deepEqual(strip(e), lit(-2.5));
    assert.deepEqual(e.span, { start: 0, end: 4 });
    assert.deepEqual(expr('- x'), { kind: 'unary', op: '-', arg: f('x') });
  });

  it('tells durations from numbers', () => {
    for (const d of ['5m', '1h30m', '250ms', '1.5s', '1M', '2y', '1w', '3d']) assert.deepEqual(expr(d), { kind: 'duration', text: d }, d);
    assert.deepEqual(expr('1e6'), lit(1e6));
    assert.deepEqual(expr('5 * 1m'), bin('*', lit(5), { kind: 'duration', text: '1m' }));
  });

  it('unescapes strings in either quote', () => {
    assert.deepEqual(expr(`'it\\'s'`), lit("it's"));
    assert.deepEqual(expr(`"say \\"hi\\""`), lit('say "hi"'));
    assert.deepEqual(expr(`'a\\nb\\tc\\rd\\\\e'`), lit('a\nb\tc\rd\\e'));
    assert.deepEqual(expr(`'\\u00e9\\u0041'`), lit('éA'));
    assert.deepEqual(expr(`"it's"`), lit("it's"));
  });

  it('keeps any other backslash as written (§11.15)', () => {
    assert.deepEqual(expr(`'\\['`), lit('\\['));
    assert.equal((parseExpression(`'\\['`) as { value: string }).value.length, 2);
    assert.deepEqual(expr(`'\\d+\\.\\w'`), lit('\\d+\\.\\w'));
    assert.deepEqual(expr(`'\\u12'`), lit('\\u12'));
  });

  it('reads true/false/null and the Python spellings', () => {
    assert.deepEqual(expr('[true, false, null, True, False, None]'), { kind: 'list', items: [lit(true), lit(false), lit(null), lit(true), lit(false), lit(null)] });
    assert.deepEqual(expr('trueish'), f('trueish'));
    assert.deepEqual(expr('none'), f('none'));
  });

  it('reads lists, with a trailing comma', () => {
    assert.deepEqual(expr("[1, 'a', [2],]"), { kind: 'list', items: [lit(1), lit('a'), { kind: 'list', items: [lit(2)] }] });
    assert.deepEqual(expr('[]'), { kind: 'list', items: [] });
  });

  it('reads objects with bare, quoted and keyword keys', () => {
    assert.deepEqual(expr(`{a: 1, 'b c': 2, "d": 3, in: 4, e: {f: x},}`), {
      kind: 'object',
      entries: [
        { key: 'a', value: lit(1) },
        { key: 'b c', value: lit(2) },
        { key: 'd', value: lit(3) },
        { key: 'in', value: lit(4) },
        { key: 'e', value: { kind: 'object', entries: [{ key: 'f', value: f('x') }] } },
      ],
    });
    assert.deepEqual(expr('{}'), { kind: 'object', entries: [] });
  });

  it('reads regular expressions where an operand is expected', () => {
    assert.deepEqual(expr('msg =~ /ab+c/i'), bin('=~', f('msg'), { kind: 'regex', pattern: 'ab+c', flags: 'i' }));
    assert.deepEqual(expr('x !~ /a\\/b[/]/'), bin('!~', f('x'), { kind: 'regex', pattern: 'a\\/b[/]', flags: '' }));
    assert.deepEqual(expr('[/x/, /y/g]'), {
      kind: 'list',
      items: [
        { kind: 'regex', pattern: 'x', flags: '' },
        { kind: 'regex', pattern: 'y', flags: 'g' },
      ],
    });
    assert.deepEqual(stages('f(/a/, p=/b/)'), [call('f', pos({ kind: 'regex', pattern: 'a', flags: '' }), kw('p', { kind: 'regex', pattern: 'b', flags: '' }))]);
  });

  it('reads / after an operand as division', () => {
    assert.deepEqual(expr('a / b / c'), bin('/', bin('/', f('a'), f('b')), f('c')));
    assert.deepEqual(expr('(a)/2/(b)'), bin('/', bin('/', f('a'), lit(2)), f('b')));
    assert.deepEqual(expr('x[0] / 2'), bin('/', f('x', 0), lit(2)));
  });
});

describe('expressions', () => {
  it('orders operators loosest first: or, and, not, comparison, + -, * / %, unary -', () => {
    assert.deepEqual(
      expr('a or b and not c == d + e * -f'),
      bin('or', f('a'), bin('and', f('b'), { kind: 'unary', op: 'not', arg: bin('==', f('c'), bin('+', f('d'), bin('*', f('e'), { kind: 'unary', op: '-', arg: f('f') }))) })),
    );
  });

  it('spells || && ! as or and not', () => {
    assert.deepEqual(expr('!a && b || c'), bin('or', bin('and', { kind: 'unary', op: 'not', arg: f('a') }, f('b')), f('c')));
  });

  it('associates + - * / % to the left', () => {
    assert.deepEqual(expr('a - b + c'), bin('+', bin('-', f('a'), f('b')), f('c')));
    assert.deepEqual(expr('a % b * c'), bin('*', bin('%', f('a'), f('b')), f('c')));
  });

  it('reads every comparison, in and not in', () => {
    for (const op of ['==', '!=', '<', '<=', '>', '>=', '=~', '!~', 'in', 'not in']) {
      assert.deepEqual(expr(`a ${op} b`), bin(op, f('a'), f('b')), op);
    }
    assert.deepEqual(expr('not a in b'), { kind: 'unary', op: 'not', arg: bin('in', f('a'), f('b')) });
  });

  it('overrides precedence with parentheses, spanning them', () => {
    const e = parseExpression('(a + b) * c');
    assert.deepEqual(strip(e), bin('*', bin('+', f('a'), f('b')), f('c')));
    assert.deepEqual(e.span, { start: 0, end: 11 });
    assert.deepEqual((e as { left: Expr }).left.span, { start: 0, end: 7 });
  });

  it('turns name chains and constant indexes into field paths', () => {
    assert.deepEqual(expr('container.name'), f('container', 'name'));
    assert.deepEqual(expr("point['odd key']"), f('odd key'));
    assert.deepEqual(expr('tags[0]'), f('tags', 0));
    assert.deepEqual(expr("a.b['c'].d[1]"), f('a', 'b', 'c', 'd', 1));
    assert.deepEqual(expr('tags[-1]'), f('tags', -1));
    assert.deepEqual(expr('point.x'), f('point', 'x'));
  });

  it('indexes other expressions and computed keys with IndexExpr', () => {
    assert.deepEqual(expr("split(s, ',')[0]"), { kind: 'index', target: call('split', pos(f('s')), pos(lit(','))), index: lit(0) });
    assert.deepEqual(expr('a[b]'), { kind: 'index', target: f('a'), index: f('b') });
    assert.deepEqual(expr('[1, 2][i + 1]'), { kind: 'index', target: { kind: 'list', items: [lit(1), lit(2)] }, index: bin('+', f('i'), lit(1)) });
    assert.deepEqual(expr('lower(s).x'), { kind: 'index', target: call('lower', pos(f('s'))), index: lit('x') });
  });

  it('reads calls with positional and keyword arguments', () => {
    assert.deepEqual(expr('round(x, 2)'), call('round', pos(f('x')), pos(lit(2))));
    assert.deepEqual(expr('now()'), call('now'));
    assert.deepEqual(expr('percentile(v, p=0.9)'), call('percentile', pos(f('v')), kw('p', lit(0.9))));
    assert.deepEqual(expr('max(v) - min(v)'), bin('-', call('max', pos(f('v'))), call('min', pos(f('v')))));
  });

  it('gives calls a name span and fields a span covering the path', () => {
    const e = parseExpression('1 + round(a.b[0], 2)');
    assert.equal(e.kind, 'binary');
    if (e.kind !== 'binary' || e.right.kind !== 'call') return assert.fail('shape');
    assert.deepEqual(e.right.span, { start: 4, end: 20 });
    assert.deepEqual(e.right.nameSpan, { start: 4, end: 9 });
    assert.deepEqual(e.right.args[0]!.value.span, { start: 10, end: 16 });
    assert.deepEqual(e.span, { start: 0, end: 20 });
  });

  it('accepts identifiers with $, @ and digits', () => {
    assert.deepEqual(expr('@timestamp + $x + a1_b'), bin('+', bin('+', f('@timestamp'), f('$x')), f('a1_b')));
  });

  it('reads a string condition as the same expression (filter compatibility)', () => {
    assert.deepEqual(strip(parseProgram("filter('value > 5')").pipelines[0]!.stages[0]), call('filter', pos(lit('value > 5'))));
    assert.deepEqual(expr('value > 5'), strip((parseProgram('filter(value > 5)').pipelines[0]!.stages[0] as { args: { value: Expr }[] }).args[0]!.value));
  });
});

describe('syntax errors', () => {
  it('points at the end of input when a parenthesis is left open', () => {
    assert.equal(
      syntaxError('emit(limit=10 | head'),
      [
        'error[syntax]: unexpected end of input',
        ' --> <program>:1:21',
        '  |',
        '1 | emit(limit=10 | head',
        '  |                     ^',
        '  = hint: expected `,` or `)`',
        '  = hint: `(` at 1:5 is not closed',
      ].join('\n'),
    );
  });

  it('points at a doubled pipe', () => {
    assert.equal(
      syntaxError('emit() | | head'),
      ['error[syntax]: unexpected `|`', ' --> <program>:1:10', '  |', '1 | emit() | | head', '  |          ^', '  = hint: expected a stage name or `(`'].join('\n'),
    );
  });

  it('points at a missing operand', () => {
    assert.equal(
      syntaxError('filter(a >)'),
      ['error[syntax]: unexpected `)`', ' --> <program>:1:11', '  |', '1 | filter(a >)', '  |           ^', '  = hint: expected an expression'].join('\n'),
    );
  });

  it('underlines an unterminated string to the end of its line', () => {
    assert.equal(
      syntaxError("emit(limit=1) | put(x='abc)\n| head"),
      [
        'error[syntax]: unterminated string',
        ' --> <program>:1:23',
        '  |',
        "1 | emit(limit=1) | put(x='abc)",
        '  |                       ^^^^^',
        "  = hint: close the string with ' on the same line",
      ].join('\n'),
    );
  });

  it('reports the line and column on later lines, underlining the whole token', () => {
    assert.equal(
      syntaxError('emit(limit=1)\n  | head\n  tail'),
      ['error[syntax]: unexpected `tail`', ' --> <program>:3:3', '  |', '3 |   tail', '  |   ^^^^', '  = hint: expected `|`, `;` or the end of the program'].join('\n'),
    );
  });

  it('asks for a comma between arguments', () => {
    assert.equal(
      syntaxError('emit(limit=1 every=1s)'),
      ['error[syntax]: unexpected `every`', ' --> <program>:1:14', '  |', '1 | emit(limit=1 every=1s)', '  |              ^^^^^', '  = hint: expected `,` or `)`'].join('\n'),
    );
  });

  it('reports a bad character', () => {
    assert.equal(
      syntaxError('filter(a & b)'),
      ['error[syntax]: unexpected character `&`', ' --> <program>:1:10', '  |', '1 | filter(a & b)', '  |          ^'].join('\n'),
    );
  });

  it('explains chained comparisons', () => {
    assert.equal(
      syntaxError('a < b < c', parseExpression),
      ['error[syntax]: unexpected `<`', ' --> <program>:1:7', '  |', '1 | a < b < c', '  |       ^', '  = hint: comparisons do not chain: write `a < b and b < c`'].join('\n'),
    );
  });

  it('names the closer of lists, objects and groups', () => {
    const hint = (t: string, parse?: (t: string) => unknown) => syntaxError(t, parse).split('\n').filter((l) => l.includes('hint'));
    assert.deepEqual(hint('[1, 2', parseExpression), ['  = hint: expected `,` or `]`', '  = hint: `[` at 1:1 is not closed']);
    assert.deepEqual(hint('{a: 1 b: 2}', parseExpression), ['  = hint: expected `,` or `}`']);
    assert.deepEqual(hint('{a 1}', parseExpression), ['  = hint: expected `:`']);
    assert.deepEqual(hint('a | (b, c'), ['  = hint: expected `,`, `;` or `)`', '  = hint: `(` at 1:5 is not closed']);
    assert.deepEqual(hint('a |'), ['  = hint: expected a stage name or `(`']);
    assert.deepEqual(hint('a b', parseExpression), ['  = hint: expected an operator or the end of the expression']);
    assert.deepEqual(hint('f(a.)'), ['  = hint: expected a name']);
  });

  it('rejects an invalid regular expression at parse time', () => {
    const text = 'filter(x =~ /(/)';
    const out = syntaxError(text);
    assert.match(out, /^error\[syntax\]: invalid regular expression\n --> <program>:1:13\n/);
  });

  it('rejects calling something that is not a name', () => {
    assert.match(syntaxError('f(x=lower(s).trim())'), /only a name can be called/);
    assert.match(syntaxError('seq(1 | head)'), /a pipeline argument must start with a stage/);
  });

  it('leaves expression diagnostics without a source, spans relative to the text', () => {
    try {
      parseExpression('a >');
      assert.fail('should throw');
    } catch (e) {
      assert.ok(e instanceof FlumeError);
      assert.equal(e.diagnostic.source, undefined);
      assert.deepEqual(e.diagnostic.span, { start: 3, end: 4 });
      assert.equal(e.diagnostic.message, 'unexpected end of input');
    }
  });

  it('attaches the program source and file to program diagnostics', () => {
    try {
      parseProgram('a |', 'f.flume');
      assert.fail('should throw');
    } catch (e) {
      assert.ok(e instanceof FlumeError);
      assert.equal(e.diagnostic.source, 'a |');
      assert.equal(e.diagnostic.file, 'f.flume');
      assert.match(renderDiagnostic(e.diagnostic), /--> f\.flume:1:4/);
    }
  });
});

describe('isIncomplete', () => {
  it('continues after an open bracket, an open string or a trailing |', () => {
    assert.equal(isIncomplete('emit(limit=1'), true);
    assert.equal(isIncomplete('emit(points=[{a: 1}'), true);
    assert.equal(isIncomplete('emit() |'), true);
    assert.equal(isIncomplete('emit() | # then\n'), true);
    assert.equal(isIncomplete("put(msg='abc"), true);
    assert.equal(isIncomplete('a | (b,\n c'), true);
  });

  it('stops when the text is complete or can never be completed', () => {
    assert.equal(isIncomplete('emit(limit=1) | head'), false);
    assert.equal(isIncomplete(''), false);
    assert.equal(isIncomplete('emit())'), false);
    assert.equal(isIncomplete("put(msg='abc)\n| head"), false);
    assert.equal(isIncomplete("put(msg='(')"), false);
    assert.equal(isIncomplete('a || b'), false);
  });
});

describe('grammar validation (skipped at start-up)', () => {
  it('the token definitions pass chevrotain validation, and the validated lexer tokenizes as the fast one does', async () => {
    const T = await import('../../src/lang/tokens.js');
    const checked = T.makeLexer(true);
    const text = "emit(limit=3, start='2016-01-01') | put(x = a.b['c d'] * -2.5e3, r=/ab+c/i) # note\n| reduce(n=count(), every=1h30m, by=[name]); read('stdio')";
    const shape = (r: ReturnType<typeof checked.tokenize>) => ({
      tokens: r.tokens.map((t) => [t.tokenType.name, t.image, t.startOffset, t.startLine, t.startColumn]),
      errors: r.errors.length,
    });
    const a = shape(checked.tokenize(text));
    assert.equal(a.errors, 0);
    assert.ok(a.tokens.length > 40);
    assert.deepEqual(shape(T.lexer.tokenize(text)), a);
  });

  it('the grammar passes chevrotain validation', async () => {
    const { FlumeParser } = await import('../../src/lang/parser.js');
    // Validation throws on an ambiguous or left-recursive grammar.
    assert.doesNotThrow(() => new FlumeParser(true));
  });
});
