/**
 * Stage 1: text → tokens (chevrotain lexer).
 */
import { createToken, Lexer, type CustomPatternMatcherFunc, type IToken, type TokenType } from 'chevrotain';

export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /\s+/, group: Lexer.SKIPPED });
export const Comment = createToken({ name: 'Comment', pattern: /#[^\n]*/, group: Lexer.SKIPPED });

export const Identifier = createToken({ name: 'Identifier', pattern: /[A-Za-z_$@][\w$@]*/, label: 'a name' });

const keyword = (name: string, pattern: RegExp, label?: string): TokenType =>
  createToken({ name, pattern, longer_alt: Identifier, label: label ?? `\`${name.toLowerCase()}\`` });

// Categories let `or`/`||` (and friends) be one token type to the parser.
export const OrOp = createToken({ name: 'OrOp', pattern: Lexer.NA, label: '`or`' });
export const AndOp = createToken({ name: 'AndOp', pattern: Lexer.NA, label: '`and`' });
export const NotOp = createToken({ name: 'NotOp', pattern: Lexer.NA, label: '`not`' });
export const OrWord = createToken({ name: 'OrWord', pattern: /or/, longer_alt: Identifier, categories: OrOp, label: '`or`' });
export const AndWord = createToken({ name: 'AndWord', pattern: /and/, longer_alt: Identifier, categories: AndOp, label: '`and`' });
export const NotWord = createToken({ name: 'NotWord', pattern: /not/, longer_alt: Identifier, categories: NotOp, label: '`not`' });
export const In = keyword('In', /in/);
export const True = keyword('True', /true|True/, '`true`');
export const False = keyword('False', /false|False/, '`false`');
export const Null = keyword('Null', /null|None/, '`null`');

export const OrSym = createToken({ name: 'OrSym', pattern: /\|\|/, categories: OrOp, label: '`||`' });
export const AndSym = createToken({ name: 'AndSym', pattern: /&&/, categories: AndOp, label: '`&&`' });
export const CompareOp = createToken({ name: 'CompareOp', pattern: Lexer.NA, label: 'a comparison' });
export const EqEq = createToken({ name: 'EqEq', pattern: /==/, categories: CompareOp, label: '`==`' });
export const NotEq = createToken({ name: 'NotEq', pattern: /!=/, categories: CompareOp, label: '`!=`' });
export const Match = createToken({ name: 'Match', pattern: /=~/, categories: CompareOp, label: '`=~`' });
export const NotMatch = createToken({ name: 'NotMatch', pattern: /!~/, categories: CompareOp, label: '`!~`' });
export const LtEq = createToken({ name: 'LtEq', pattern: /<=/, categories: CompareOp, label: '`<=`' });
export const GtEq = createToken({ name: 'GtEq', pattern: />=/, categories: CompareOp, label: '`>=`' });
export const Lt = createToken({ name: 'Lt', pattern: /</, categories: CompareOp, label: '`<`' });
export const Gt = createToken({ name: 'Gt', pattern: />/, categories: CompareOp, label: '`>`' });
export const Bang = createToken({ name: 'Bang', pattern: /!/, categories: NotOp, label: '`!`' });
export const Equals = createToken({ name: 'Equals', pattern: /=/, label: '`=`' });
export const Pipe = createToken({ name: 'Pipe', pattern: /\|/, label: '`|`' });
export const Comma = createToken({ name: 'Comma', pattern: /,/, label: '`,`' });
export const Semicolon = createToken({ name: 'Semicolon', pattern: /;/, label: '`;`' });
export const LParen = createToken({ name: 'LParen', pattern: /\(/, label: '`(`' });
export const RParen = createToken({ name: 'RParen', pattern: /\)/, label: '`)`' });
export const LBracket = createToken({ name: 'LBracket', pattern: /\[/, label: '`[`' });
export const RBracket = createToken({ name: 'RBracket', pattern: /]/, label: '`]`' });
export const LBrace = createToken({ name: 'LBrace', pattern: /{/, label: '`{`' });
export const RBrace = createToken({ name: 'RBrace', pattern: /}/, label: '`}`' });
export const Dot = createToken({ name: 'Dot', pattern: /\./, label: '`.`' });
export const Colon = createToken({ name: 'Colon', pattern: /:/, label: '`:`' });
export const Coalesce = createToken({ name: 'Coalesce', pattern: /\?\?/, label: '`??`' });
export const Question = createToken({ name: 'Question', pattern: /\?/, label: '`?`' });
export const Plus = createToken({ name: 'Plus', pattern: /\+/, label: '`+`' });
export const Minus = createToken({ name: 'Minus', pattern: /-/, label: '`-`' });
export const Star = createToken({ name: 'Star', pattern: /\*/, label: '`*`' });
export const Percent = createToken({ name: 'Percent', pattern: /%/, label: '`%`' });

/**
 * A duration written bare: `5m`, `1h30m`, `250ms`, `1.5s`, `1M`, `2y`. Units
 * must end the word, so `1e6` (no unit letter `e`) stays a number and `5mx`
 * is a number followed by a name (a syntax error) rather than a duration.
 */
export const Duration = createToken({
  name: 'Duration',
  pattern: /(?:\d+(?:\.\d+)?(?:ms|[smhdwMy]))+(?![\w$@])/,
  label: 'a duration',
});
export const NumberLit = createToken({ name: 'NumberLit', pattern: /(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/, label: 'a number' });
export const StringLit = createToken({ name: 'StringLit', pattern: /'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"/, label: 'a string' });

/** Tokens after which `/` divides; anywhere else it starts a regular expression. */
const OPERAND_END = new Set(['Identifier', 'NumberLit', 'StringLit', 'Duration', 'RParen', 'RBracket', 'RBrace', 'Regex', 'True', 'False', 'Null']);

// Sticky, so matching never copies the rest of the text. A class `[/]` or an
// escaped `\/` does not end the literal.
const REGEX_BODY = /\/((?:[^/\\\n[]|\\.|\[(?:[^\]\\\n]|\\.)*\])+)\/([dgimsuy]*)(?![\w$@])/y;

/**
 * `/` starts a regular expression only where an operand is expected (after
 * `(`, `,`, `=`, an operator, ...); after an operand it divides, so `a / b / c`
 * is two divisions.
 */
const regexMatcher: CustomPatternMatcherFunc = (text, offset, tokens) => {
  if (text.charCodeAt(offset) !== 47) return null;
  const prev = tokens[tokens.length - 1];
  if (prev && OPERAND_END.has(prev.tokenType.name)) return null;
  REGEX_BODY.lastIndex = offset;
  return REGEX_BODY.exec(text);
};

export const Regex = createToken({ name: 'Regex', pattern: regexMatcher, line_breaks: false, start_chars_hint: ['/'], label: 'a regular expression' });
export const Slash = createToken({ name: 'Slash', pattern: /\//, label: '`/`' });

export const allTokens: TokenType[] = [
  WhiteSpace,
  Comment,
  Duration,
  NumberLit,
  StringLit,
  Regex,
  OrSym,
  AndSym,
  EqEq,
  NotEq,
  Match,
  NotMatch,
  LtEq,
  GtEq,
  Lt,
  Gt,
  Bang,
  Equals,
  Pipe,
  Comma,
  Semicolon,
  LParen,
  RParen,
  LBracket,
  RBracket,
  LBrace,
  RBrace,
  Dot,
  Colon,
  Coalesce,
  Question,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  OrWord,
  AndWord,
  NotWord,
  In,
  True,
  False,
  Null,
  Identifier,
  OrOp,
  AndOp,
  NotOp,
  CompareOp,
];

/**
 * The lexer; `validate` checks the token definitions as it is built (slow, and
 * they are fixed: the CLI skips it, a unit test builds a lexer with it on).
 */
export function makeLexer(validate = false): Lexer {
  return new Lexer(allTokens, { positionTracking: 'full', ensureOptimizations: false, skipValidations: !validate });
}

export const lexer = makeLexer();

export type Token = IToken;
