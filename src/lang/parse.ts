/**
 * Entry points of the front end: text → tokens → CST → AST, with the first
 * syntax error turned into a diagnostic (span, "unexpected …", "expected …").
 */
import type { IRecognitionException, IToken, TokenType } from 'chevrotain';
import type { Expr, Program } from './ast.js';
import { FlumeError } from './diagnostics.js';
import { parser } from './parser.js';
import * as T from './tokens.js';
import { toExpr, toPipelines } from './visitor.js';

/** What a rule expects, in words, for "expected …" hints. */
const RULE_EXPECTS: Record<string, string> = {
  program: 'a stage name',
  pipeline: 'a stage name',
  stage: 'a stage name or `(`',
  group: 'a pipeline',
  call: 'a stage name',
  argList: 'an argument or `)`',
  arg: 'an argument',
  expression: 'an expression',
  andExpr: 'an expression',
  notExpr: 'an expression',
  comparison: 'an expression',
  additive: 'an expression',
  multiplicative: 'an expression',
  unary: 'an expression',
  postfix: 'an expression',
  primary: 'an expression',
  list: 'a list item or `]`',
  object: 'a `key: value` entry or `}`',
  entry: 'a `key: value` entry',
};

function describe(tok: IToken): string {
  if (tok.tokenType.name === 'EOF') return 'end of input';
  return `\`${tok.image}\``;
}

function lex(text: string, file: string): IToken[] {
  const result = T.lexer.tokenize(text);
  const err = result.errors[0];
  if (err) {
    const ch = text[err.offset] ?? '';
    const unterminated = ch === "'" || ch === '"';
    const regex = ch === '/';
    throw new FlumeError({
      code: 'syntax',
      message: unterminated ? 'unterminated string' : regex ? 'unterminated regular expression' : `unexpected character \`${ch}\``,
      span: { start: err.offset, end: unterminated ? text.length : err.offset + 1 },
      hints: unterminated ? [`close the string with ${ch}`] : [],
      source: text,
      file,
    });
  }
  return result.tokens;
}

function syntaxError(e: IRecognitionException, text: string, file: string): FlumeError {
  const tok = e.token;
  const atEnd = tok.tokenType.name === 'EOF' || Number.isNaN(tok.startOffset);
  const start = atEnd ? text.length : tok.startOffset;
  const end = atEnd ? text.length + 1 : (tok.endOffset ?? tok.startOffset) + 1;
  const rule = e.context.ruleStack[e.context.ruleStack.length - 1] ?? 'program';
  const hints: string[] = [];
  if (e.name === 'NotAllInputParsedException') {
    hints.push(file === '<expression>' ? 'expected an operator or the end of the expression' : 'expected `|`, `;` or the end of the program');
    return new FlumeError({ code: 'syntax', message: `unexpected ${describe(tok)}`, span: { start, end }, hints, source: text, file });
  }
  const expected = /Expecting token of type --> (\w+) <--/.exec(e.message);
  if (expected) {
    const tt = (T.allTokens as TokenType[]).find((t) => t.name === expected[1]);
    hints.push(`expected ${tt?.LABEL ?? expected[1]}`);
  } else if (RULE_EXPECTS[rule]) {
    hints.push(`expected ${RULE_EXPECTS[rule]}`);
  }
  return new FlumeError({ code: 'syntax', message: `unexpected ${atEnd ? 'end of input' : describe(tok)}`, span: { start, end }, hints, source: text, file });
}

export function parseProgram(text: string, file = '<program>'): Program {
  parser.input = lex(text, file);
  const cst = parser.program();
  const err = parser.errors[0];
  if (err) throw syntaxError(err, text, file);
  return { pipelines: toPipelines(cst), source: text, file };
}

/** A string condition (`filter('value > 5')`); spans are offsets into `text`. */
export function parseExpression(text: string): Expr {
  parser.input = lex(text, '<expression>');
  const cst = parser.expression();
  const err = parser.errors[0];
  if (err) throw syntaxError(err, text, '<expression>');
  return toExpr(cst);
}

/** True when the REPL should read another line: open brackets or string, or a trailing `|`. */
export function isIncomplete(text: string): boolean {
  const result = T.lexer.tokenize(text);
  const err = result.errors[0];
  if (err && (text[err.offset] === "'" || text[err.offset] === '"')) return true;
  let depth = 0;
  for (const t of result.tokens) {
    const n = t.tokenType;
    if (n === T.LParen || n === T.LBracket || n === T.LBrace) depth++;
    else if (n === T.RParen || n === T.RBracket || n === T.RBrace) depth--;
  }
  const last = result.tokens[result.tokens.length - 1];
  return depth > 0 || (last !== undefined && (last.tokenType === T.Pipe || last.tokenType === T.Comma));
}
