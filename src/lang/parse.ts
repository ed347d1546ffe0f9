/**
 * Entry points of the front end: text → tokens → CST → AST, with the first
 * syntax error turned into a diagnostic (span, "unexpected …", "expected …").
 */
import type { CstNode, IRecognitionException, IToken, TokenType } from 'chevrotain';
import type { Expr, Pipeline, Program } from './ast.js';
import { FlumeError, locate, type Diagnostic } from './diagnostics.js';
import { parser } from './parser.js';
import * as T from './tokens.js';
import { toExpr, toPipelines } from './visitor.js';

/** Rules whose "no viable alternative" means an expression was expected. */
const EXPRESSION_RULES = new Set(['expression', 'orExpr', 'coalesce', 'andExpr', 'notExpr', 'comparison', 'additive', 'multiplicative', 'unary', 'postfix', 'primary']);

/**
 * What may follow where a closing bracket was expected: chevrotain only names
 * the bracket, but a user who wrote `emit(limit=1 limit=2)` needs the comma too.
 */
const CLOSERS: Record<string, Partial<Record<string, string>>> = {
  argList: { RParen: '`,` or `)`' },
  group: { RParen: '`,`, `;` or `)`' },
  list: { RBracket: '`,` or `]`' },
  object: { RBrace: '`,` or `}`' },
};

const OPENERS = new Map<TokenType, TokenType>([
  [T.LParen, T.RParen],
  [T.LBracket, T.RBracket],
  [T.LBrace, T.RBrace],
]);

function describe(tok: IToken): string {
  return tok.tokenType.name === 'EOF' ? 'end of input' : `\`${tok.image}\``;
}

function isEof(tok: IToken): boolean {
  return tok.tokenType.name === 'EOF' || Number.isNaN(tok.startOffset);
}

/**
 * Expression diagnostics carry no source: their spans are offsets into the
 * condition string, which the caller (the resolver) shifts into the program.
 */
function error(d: Omit<Diagnostic, 'source' | 'file'>, text: string, file: string | undefined): FlumeError {
  return new FlumeError(file === undefined ? { ...d } : { ...d, source: text, file }, 2);
}

function lex(text: string, file: string | undefined): IToken[] {
  const result = T.lexer.tokenize(text);
  const err = result.errors[0];
  if (err) {
    const ch = text[err.offset] ?? '';
    if (ch === "'" || ch === '"') {
      const lineEnd = text.indexOf('\n', err.offset);
      return fail(
        { code: 'syntax', message: 'unterminated string', span: { start: err.offset, end: lineEnd < 0 ? text.length : lineEnd }, hints: [`close the string with ${ch} on the same line`] },
        text,
        file,
      );
    }
    return fail({ code: 'syntax', message: `unexpected character \`${ch}\``, span: { start: err.offset, end: err.offset + 1 }, hints: [] }, text, file);
  }
  checkNesting(result.tokens, text, file);
  return result.tokens;
}

/** Brackets nest at most this deep: the parser and everything after it recurse once per level (or more). */
export const MAX_NESTING = 64;
/** A program has at most this many stages: the graph is built and fed one stage after another, recursively. */
export const MAX_STAGES = 1000;

function tooDeep(message: string, span: { start: number; end: number }, text: string, file: string | undefined): never {
  return fail({ code: 'too-deep', message, span, hints: [`brackets nest at most ${MAX_NESTING} deep and a program has at most ${MAX_STAGES} stages: split it up`] }, text, file);
}

function checkNesting(tokens: readonly IToken[], text: string, file: string | undefined): void {
  let depth = 0;
  for (const t of tokens) {
    const n = t.tokenType;
    if (n === T.LParen || n === T.LBracket || n === T.LBrace) {
      if (++depth > MAX_NESTING) tooDeep(`brackets nested more than ${MAX_NESTING} deep`, { start: t.startOffset, end: t.startOffset + 1 }, text, file);
    } else if (n === T.RParen || n === T.RBracket || n === T.RBrace) depth--;
  }
}

function countStages(pipelines: readonly Pipeline[], seen: { n: number }, text: string, file: string | undefined): void {
  for (const p of pipelines) {
    for (const st of p.stages) {
      if (++seen.n > MAX_STAGES) tooDeep(`more than ${MAX_STAGES} stages`, st.span, text, file);
      if (st.kind === 'group') countStages(st.pipelines, seen, text, file);
    }
  }
}

/** A stack overflow in what a program's shape drives (a chain of thousands of operators) is that program's fault. */
export function isStackOverflow(e: unknown): boolean {
  return e instanceof RangeError && /call stack/i.test(e.message);
}

function fail(d: Omit<Diagnostic, 'source' | 'file'>, text: string, file: string | undefined): never {
  throw error(d, text, file);
}

/** The innermost bracket still open before `offset`, for "`(` at 1:5 is not closed". */
function unclosedBefore(tokens: readonly IToken[], offset: number): IToken | undefined {
  const stack: IToken[] = [];
  for (const t of tokens) {
    if (t.startOffset >= offset) break;
    if (OPENERS.has(t.tokenType)) stack.push(t);
    else if (stack.length > 0 && OPENERS.get(stack[stack.length - 1]!.tokenType) === t.tokenType) stack.pop();
  }
  return stack[stack.length - 1];
}

function expectedHint(e: IRecognitionException, inExpression: boolean, afterComma: boolean): string | undefined {
  const rule = e.context.ruleStack[e.context.ruleStack.length - 1] ?? '';
  if (e.name === 'NotAllInputParsedException') {
    return inExpression ? 'expected an operator or the end of the expression' : 'expected `|`, `;` or the end of the program';
  }
  if (e.name === 'MismatchedTokenException') {
    // chevrotain words it as "Expecting --> <label> <-- but found ...".
    const label = /Expecting --> (.+?) <--/.exec(e.message)?.[1];
    const tt = T.allTokens.find((t) => t.LABEL === label || t.name === label);
    // After a trailing comma another comma is never the fix: ask for an item (below).
    const closer = tt && !afterComma ? CLOSERS[rule]?.[tt.name] : undefined;
    if (closer) return `expected ${closer}`;
    if (tt === T.Colon && rule === 'expression') return 'expected `:` (a conditional is `cond ? then : otherwise`)';
    if (label !== undefined && !(afterComma && CLOSERS[rule])) return `expected ${label}`;
  }
  if (EXPRESSION_RULES.has(rule)) return 'expected an expression';
  switch (rule) {
    case 'program':
    case 'pipeline':
    case 'stage':
    case 'call':
      return 'expected a stage name or `(`';
    case 'group':
      return 'expected a pipeline';
    case 'argList':
    case 'arg':
      return 'expected an argument or `)`';
    case 'list':
      return 'expected a list item or `]`';
    case 'object':
    case 'entry':
      return 'expected a `key: value` entry or `}`';
  }
  return undefined;
}

function syntaxError(e: IRecognitionException, tokens: readonly IToken[], text: string, file: string | undefined): FlumeError {
  const tok = e.token;
  const atEnd = isEof(tok);
  const start = atEnd ? text.length : tok.startOffset;
  const end = atEnd ? text.length + 1 : (tok.endOffset ?? tok.startOffset) + 1;
  const hints: string[] = [];
  if (!atEnd && tok.tokenType.CATEGORIES?.includes(T.CompareOp)) {
    hints.push('comparisons do not chain: write `a < b and b < c`');
  } else {
    let previous: IToken | undefined;
    for (const t of tokens) if (t.startOffset < start) previous = t;
    const expected = expectedHint(e, file === undefined, previous?.tokenType === T.Comma);
    if (expected) hints.push(expected);
  }
  if (atEnd) {
    const open = unclosedBefore(tokens, start);
    if (open) {
      const at = locate(text, open.startOffset);
      hints.push(`\`${open.image}\` at ${at.line}:${at.column} is not closed`);
    }
  }
  return error({ code: 'syntax', message: `unexpected ${atEnd ? 'end of input' : describe(tok)}`, span: { start, end }, hints }, text, file);
}

export function parseProgram(text: string, file = '<program>'): Program {
  const tokens = lex(text, file);
  parser.input = tokens;
  let cst: CstNode;
  try {
    cst = parser.program();
  } catch (e) {
    // Thousands of prefix operators (`- - - 1`) recurse once each.
    if (isStackOverflow(e)) tooDeep('the program nests too deeply', { start: 0, end: Math.max(1, text.length) }, text, file);
    throw e;
  }
  const err = parser.errors[0];
  if (err) throw syntaxError(err, tokens, text, file);
  let pipelines: Pipeline[];
  try {
    pipelines = toPipelines(cst);
  } catch (e) {
    // The visitor's own checks (a bad regex, a call on a non-name) know spans, not the text.
    if (e instanceof FlumeError && e.diagnostic.source === undefined) throw error(e.diagnostic, text, file);
    if (isStackOverflow(e)) tooDeep('the program nests too deeply', { start: 0, end: Math.max(1, text.length) }, text, file);
    throw e;
  }
  countStages(pipelines, { n: 0 }, text, file);
  return { pipelines, source: text, file };
}

/**
 * A string condition (`filter('value > 5')`). Spans are offsets into `text`;
 * diagnostics carry no source, so the caller renders them against `text` or
 * shifts them into the enclosing program.
 */
export function parseExpression(text: string): Expr {
  const tokens = lex(text, undefined);
  parser.input = tokens;
  const cst = parser.expression();
  const err = parser.errors[0];
  if (err) throw syntaxError(err, tokens, text, undefined);
  return toExpr(cst);
}

/**
 * True when the REPL should read another line: a bracket still open, a string
 * still open on the last line, or a trailing `|`. (Expressions only stand
 * inside brackets, so a `cond ? a :` split over lines continues by the
 * bracket rule.) A string left open on an
 * earlier line can no longer be closed (strings are single-line), so that is
 * an error for the parser to report, not a reason to wait.
 */
export function isIncomplete(text: string): boolean {
  const result = T.lexer.tokenize(text);
  const err = result.errors[0];
  if (err) {
    const ch = text[err.offset];
    return (ch === "'" || ch === '"') && !text.includes('\n', err.offset);
  }
  let depth = 0;
  for (const t of result.tokens) {
    const n = t.tokenType;
    if (n === T.LParen || n === T.LBracket || n === T.LBrace) depth++;
    else if (n === T.RParen || n === T.RBracket || n === T.RBrace) depth--;
    // Too many closers can never be fixed by typing more.
    if (depth < 0) return false;
  }
  const last = result.tokens[result.tokens.length - 1];
  return depth > 0 || (last !== undefined && last.tokenType === T.Pipe);
}
