/**
 * `grok`: Logstash grok patterns, compiled to JavaScript regular expressions.
 *
 * grok-js and friends need the native Oniguruma engine, so patterns are
 * expanded here (`%{NAME:field:type}`, recursively, against the Logstash
 * legacy library shipped in `patterns/grok/`) and the Oniguruma-only syntax
 * they use is translated to what V8 accepts: atomic groups, possessive and
 * nested quantifiers, `\A \Z \z \h`, POSIX and nested bracket classes, inline
 * flags, named groups whose names are not JS identifiers.
 */
import { packageRoot } from '../../runtime/package-root.js';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineFormat, type MalformedSink, type Parser, type RecordParser } from './types.js';
import type { Point } from '../../runtime/point.js';
import { compileError, didYouMean, type FlumeError } from '../../lang/diagnostics.js';
import { RecordLineParser } from './text.js';

export const DEFAULT_GROK_PATTERN = '%{GREEDYDATA:message}';

// ---------------------------------------------------------------------------
// The pattern library

let library: Map<string, string> | undefined;

/** Where the pattern files live: shipped at the package root. */
function libraryDir(): string {
  return join(packageRoot(), 'patterns', 'grok') + '/';
}

/** Parse a grok pattern file: `NAME pattern` per line, `#` comments. Later definitions win. */
export function parsePatternFile(text: string, into: Map<string, string>): void {
  for (const rawLine of text.split('\n')) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line.length === 0 || line.startsWith('#')) continue;
    const m = /^(\w+)\s+(.*)$/.exec(line);
    if (m === null) continue;
    into.set(m[1]!, m[2]!);
  }
}

/** The built-in library, read once per process (files in name order, as Logstash loads a patterns dir). */
export function grokLibrary(): ReadonlyMap<string, string> {
  if (library !== undefined) return library;
  const lib = new Map<string, string>();
  const dir = libraryDir();
  const files = readdirSync(dir)
    .filter((f) => !f.startsWith('.') && !f.endsWith('.md'))
    .sort();
  // grok-patterns holds the base names everything else builds on; load it first.
  files.sort((a, b) => (a === 'grok-patterns' ? -1 : b === 'grok-patterns' ? 1 : 0));
  for (const f of files) parsePatternFile(readFileSync(dir + f, 'utf8'), lib);
  library = lib;
  return lib;
}

// ---------------------------------------------------------------------------
// Compilation

type CaptureType = 'int' | 'float' | 'string' | 'bool';

interface Capture {
  /** The JS group name (`_g3`). */
  group: string;
  /** Field path the value is stored at. */
  path: string[];
  type?: CaptureType;
}

export interface CompiledGrok {
  regex: RegExp;
  captures: Capture[];
}

const TYPES: Record<string, CaptureType> = {
  int: 'int',
  integer: 'int',
  long: 'int',
  float: 'float',
  double: 'float',
  number: 'float',
  string: 'string',
  str: 'string',
  bool: 'bool',
  boolean: 'bool',
};

/** `[a][b]` and `a.b` both name the nested field a → b. */
export function fieldPath(name: string): string[] {
  if (name.startsWith('[')) {
    const parts = [...name.matchAll(/\[([^\]]*)\]/g)].map((m) => m[1]!);
    if (parts.length > 0) return parts;
  }
  return name.split('.').filter((s) => s.length > 0);
}

const REF = /%\{(\w+)(?::([^:}=]+))?(?::(\w+))?(?:=((?:[^{}\\]|\\.)+))?\}/g;

interface Expansion {
  fields: Map<string, { field: string; type?: CaptureType }>;
  next: number;
}

function grokError(message: string, hints: string[] = []): FlumeError {
  return compileError('bad-option', 'grok: ' + message, undefined, hints);
}

function expand(
  text: string,
  lookup: (name: string) => string | undefined,
  names: () => Iterable<string>,
  stack: string[],
  st: Expansion,
): string {
  return text.replace(REF, (_all, name: string, field: string | undefined, type: string | undefined, def: string | undefined) => {
    let body = def ?? lookup(name);
    if (body === undefined) throw grokError(`unknown pattern %{${name}}`, didYouMean(name, names()));
    if (stack.includes(name)) throw grokError(`pattern %{${name}} refers to itself (${[...stack, name].join(' → ')})`);
    if (stack.length > 100) throw grokError('patterns nest too deeply');
    body = expand(body, lookup, names, [...stack, name], st);
    if (field === undefined) return '(?:' + body + ')';
    let t: CaptureType | undefined;
    if (type !== undefined) {
      t = TYPES[type.toLowerCase()];
      if (t === undefined) throw grokError(`unknown capture type :${type} in %{${name}:${field}:${type}}`, [`types: int, float, string, bool`]);
    }
    const g = `_g${st.next++}`;
    st.fields.set(g, { field, type: t });
    return `(?<${g}>` + body + ')';
  });
}

const POSIX: Record<string, string> = {
  alnum: 'a-zA-Z0-9',
  alpha: 'a-zA-Z',
  ascii: '\\x00-\\x7f',
  blank: ' \\t',
  cntrl: '\\x00-\\x1f\\x7f',
  digit: '0-9',
  graph: '\\x21-\\x7e',
  lower: 'a-z',
  print: '\\x20-\\x7e',
  punct: '!-\\/:-@\\[-`{-~',
  space: ' \\t\\r\\n\\v\\f',
  upper: 'A-Z',
  word: '\\w',
  xdigit: '0-9A-Fa-f',
};

/**
 * Translate Oniguruma (Ruby) regex syntax to a JavaScript RegExp source.
 * Returns the source, the flags it needs, and the captures in order.
 */
export function translateOniguruma(src: string, st: Expansion): { source: string; flags: string; captures: Capture[] } {
  let out = '';
  let i = 0;
  const n = src.length;
  const flags = new Set<string>();
  const captures: Capture[] = [];
  const rawNames = new Map<string, string>();
  let extended = false;
  /** Output offset where the last quantifiable atom starts (-1: none). */
  let lastAtom = -1;
  /** Whether the output ends with a quantifier (a following quantifier nests). */
  let afterQuantifier = false;
  /** Open groups: where each starts in the output and the text that closes it. */
  const groups: { start: number; close: string }[] = [];
  let atomicN = 0;
  // `(?>X)` becomes `(?:(?=(?<_aN>X))\k<_aN>)`: the lookahead matches X once, the backreference consumes exactly
  // that text and is never re-entered — an atomic group. Plain non-capturing groups would let V8 backtrack into
  // nested quantifiers (QUOTEDSTRING's `(?>\\.|[^\\"]+)+`) exponentially on lines that do not match.
  const atomicOpen = (): string => `(?:(?=(?<_a${atomicN}>`;
  const atomicClose = (): string => `))\\k<_a${atomicN++}>)`;
  // Plain `(` groups do not capture in Oniguruma once named groups exist; keep
  // them capturing only when a numbered backreference needs them.
  const keepPlainGroups = /\\[1-9]/.test(src);

  const named = (name: string): string => {
    const known = st.fields.get(name);
    const g = known !== undefined ? name : `_g${st.next++}`;
    const info = known ?? { field: name };
    if (known === undefined) rawNames.set(name, g);
    captures.push({ group: g, path: fieldPath(info.field), type: info.type });
    return g;
  };

  const atom = (text: string): void => {
    lastAtom = out.length;
    out += text;
    afterQuantifier = false;
  };

  while (i < n) {
    const c = src[i]!;
    if (extended) {
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
        i++;
        continue;
      }
      if (c === '#') {
        while (i < n && src[i] !== '\n') i++;
        continue;
      }
    }
    if (c === '\\') {
      const e = src[i + 1];
      if (e === undefined) throw grokError('pattern ends with a backslash');
      i += 2;
      switch (e) {
        case 'A':
          out += '(?<![\\s\\S])';
          afterQuantifier = false;
          lastAtom = -1;
          continue;
        case 'z':
          out += '(?![\\s\\S])';
          afterQuantifier = false;
          lastAtom = -1;
          continue;
        case 'Z':
          out += '(?=\\n?(?![\\s\\S]))';
          afterQuantifier = false;
          lastAtom = -1;
          continue;
        case 'h':
          atom('[0-9a-fA-F]');
          continue;
        case 'H':
          atom('[^0-9a-fA-F]');
          continue;
        case 'G':
        case 'K':
          throw grokError(`\\${e} is not supported`);
        case 'k': {
          const m = /^<([^>]+)>/.exec(src.slice(i));
          if (m !== null) {
            const g = rawNames.get(m[1]!) ?? m[1]!;
            atom(`\\k<${g}>`);
            i += m[0].length;
            continue;
          }
          atom('\\k');
          continue;
        }
        case 'b':
        case 'B':
          out += '\\' + e;
          afterQuantifier = false;
          lastAtom = -1;
          continue;
        default:
          atom('\\' + e);
          continue;
      }
    }
    if (c === '[') {
      const r = translateClass(src, i);
      i = r.end;
      atom(r.text);
      continue;
    }
    if (c === '(') {
      if (src.startsWith('(?#', i)) {
        const close = src.indexOf(')', i);
        i = close < 0 ? n : close + 1;
        continue;
      }
      let m: RegExpExecArray | null;
      const rest = src.slice(i, i + 200);
      if ((m = /^\(\?(?:<([A-Za-z_][\w.\-@[\]]*)>|'([A-Za-z_][\w.\-@[\]]*)'|P<([A-Za-z_]\w*)>)/.exec(rest)) !== null) {
        groups.push({ start: out.length, close: ')' });
        out += `(?<${named(m[1] ?? m[2] ?? m[3]!)}>`;
        i += m[0].length;
      } else if (rest.startsWith('(?>')) {
        const open = atomicOpen();
        groups.push({ start: out.length, close: atomicClose() });
        out += open;
        i += 3;
      } else if ((m = /^\(\?([imx]*)(?:-([imx]*))?(:|\))/.exec(rest)) !== null && (m[1] || m[2] || m[3] === ':')) {
        // Inline options. JS (Node 20) has no scoped modifiers, so `i` and Ruby's `m` (dot matches newline)
        // apply to the whole pattern; turning an option off is ignored.
        for (const f of m[1] ?? '') {
          if (f === 'i') flags.add('i');
          else if (f === 'm') flags.add('s');
          else if (f === 'x') extended = true;
        }
        if (m[2]?.includes('x')) extended = false;
        i += m[0].length;
        if (m[3] === ':') {
          groups.push({ start: out.length, close: ')' });
          out += '(?:';
        }
        afterQuantifier = false;
        continue;
      } else if (/^\(\?(?::|=|!|<=|<!)/.test(rest)) {
        const len = rest[2] === '<' ? 4 : 3;
        groups.push({ start: out.length, close: ')' });
        out += rest.slice(0, len);
        i += len;
      } else {
        groups.push({ start: out.length, close: ')' });
        out += keepPlainGroups ? '(' : '(?:';
        i += 1;
      }
      afterQuantifier = false;
      lastAtom = -1;
      continue;
    }
    if (c === ')') {
      const g = groups.pop();
      if (g === undefined) throw grokError('unbalanced parenthesis in pattern');
      out += g.close;
      i++;
      lastAtom = g.start;
      afterQuantifier = false;
      continue;
    }
    if (c === '*' || c === '+' || c === '?' || c === '{') {
      let q = c;
      if (c === '{') {
        const m = /^\{(\d*)(,?)(\d*)\}/.exec(src.slice(i, i + 40));
        if (m === null || (m[1] === '' && m[3] === '') || (m[1] === '' && m[2] === '')) {
          atom('\\{'); // not a quantifier: a literal brace
          i++;
          continue;
        }
        q = `{${m[1] === '' ? '0' : m[1]}${m[2]}${m[3]}}`;
        i += m[0].length;
      } else i++;
      if (afterQuantifier) {
        if (c === '+' && !out.endsWith('}')) {
          // Possessive `X*+`: the atomic group (?>X*).
          if (lastAtom >= 0) out = out.slice(0, lastAtom) + atomicOpen() + out.slice(lastAtom) + atomicClose();
          continue;
        }
        if (c === '?' && q === '?') {
          out += '?'; // lazy
          afterQuantifier = false;
          continue;
        }
        // Nested quantifier (`.?*`, `X{1,3}+`): Ruby applies it to the quantified atom.
        if (lastAtom >= 0) out = out.slice(0, lastAtom) + '(?:' + out.slice(lastAtom) + ')';
        out += q;
        continue;
      }
      if (lastAtom < 0) {
        // Nothing to repeat: Oniguruma reads it literally.
        atom('\\' + (c === '{' ? q : c));
        continue;
      }
      out += q;
      afterQuantifier = true;
      continue;
    }
    if (c === '|' || c === '^' || c === '$') {
      out += c;
      i++;
      lastAtom = -1;
      afterQuantifier = false;
      continue;
    }
    if (c === '/') {
      atom('\\/');
      i++;
      continue;
    }
    atom(c);
    i++;
  }
  flags.add('m');
  return { source: out, flags: [...flags].sort().join(''), captures };
}

/** Translate a bracket class starting at `start` (`[`); returns the JS text and the index after `]`. */
function translateClass(src: string, start: number): { text: string; end: number } {
  let i = start + 1;
  let negate = false;
  if (src[i] === '^') {
    negate = true;
    i++;
  }
  const body = classBody(src, i);
  return { text: '[' + (negate ? '^' : '') + body.text + ']', end: body.end };
}

function classBody(src: string, from: number): { text: string; end: number } {
  let i = from;
  let text = '';
  let first = true;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ']' && !first) return { text, end: i + 1 };
    first = false;
    if (c === ']') {
      text += '\\]'; // `[]...]`: a leading `]` is literal in Oniguruma, an empty class in JS
      i++;
      continue;
    }
    if (c === '\\') {
      const e = src[i + 1];
      if (e === 'h') text += '0-9a-fA-F';
      else if (e === 'H') throw grokError('\\H inside a bracket class is not supported');
      else if (e !== undefined) text += '\\' + e;
      i += 2;
      continue;
    }
    if (c === '[') {
      const posix = /^\[:(\^?)(\w+):\]/.exec(src.slice(i, i + 20));
      if (posix !== null) {
        const set = POSIX[posix[2]!];
        if (set === undefined) throw grokError(`unknown POSIX class [:${posix[2]}:]`);
        if (posix[1] === '^') throw grokError(`negated POSIX class [:^${posix[2]}:] inside a class is not supported`);
        text += set;
        i += posix[0].length;
        continue;
      }
      // A nested class is a union in Oniguruma: splice its members in.
      if (src[i + 1] === '^') throw grokError('a negated class nested in a class is not supported');
      const inner = classBody(src, i + 1);
      text += inner.text;
      i = inner.end;
      continue;
    }
    if (c === '&' && src[i + 1] === '&') throw grokError('class intersection (&&) is not supported');
    if (c === '/') {
      text += '\\/';
      i++;
      continue;
    }
    text += c;
    i++;
  }
  throw grokError('unterminated bracket class');
}

/**
 * Compile a grok pattern against the library plus `custom` definitions
 * (which win). Throws a compile-time FlumeError for unknown names, bad types
 * or a regex V8 rejects.
 */
export function compileGrok(pattern: string, custom: Record<string, string> = {}): CompiledGrok {
  const lib = grokLibrary();
  const inline = new Map<string, string>();
  const lookup = (name: string): string | undefined =>
    Object.prototype.hasOwnProperty.call(custom, name) ? custom[name] : (inline.get(name) ?? lib.get(name));
  const names = (): Iterable<string> => [...Object.keys(custom), ...lib.keys()];
  const st: Expansion = { fields: new Map(), next: 0 };
  const expanded = expand(pattern, lookup, names, [], st);
  const { source, flags, captures } = translateOniguruma(expanded, st);
  let regex: RegExp;
  try {
    regex = new RegExp(source, flags);
  } catch (e) {
    throw grokError(`invalid pattern ${JSON.stringify(pattern)}: ${(e as Error).message}`);
  }
  return { regex, captures };
}

function convert(v: string, type: CaptureType | undefined): unknown {
  switch (type) {
    case 'int': {
      const n = parseInt(v, 10);
      return Number.isNaN(n) ? v : n;
    }
    case 'float': {
      const n = parseFloat(v);
      return Number.isNaN(n) ? v : n;
    }
    case 'bool':
      return v === 'true' ? true : v === 'false' ? false : v;
    default:
      return v;
  }
}

/** Build the point for a match; the first capture of a field that participated wins. */
export function grokMatch(g: CompiledGrok, line: string): Point | undefined {
  const m = g.regex.exec(line);
  if (m === null) return undefined;
  const groups = m.groups ?? {};
  const p: Point = {};
  for (const cap of g.captures) {
    const v = groups[cap.group];
    if (v === undefined) continue;
    const path = cap.path;
    if (path.length === 0) continue;
    let cur: Record<string, unknown> = p;
    for (let i = 0; i < path.length - 1; i++) {
      const k = path[i]!;
      const next = cur[k];
      if (next === null || typeof next !== 'object') cur[k] = {};
      cur = cur[k] as Record<string, unknown>;
    }
    const last = path[path.length - 1]!;
    if (cur[last] === undefined) cur[last] = convert(v, cap.type);
  }
  return p;
}

/** A line or field value through the patterns in order; the first that matches gives the point. */
function grokRecordParser(grok: readonly CompiledGrok[]): RecordParser {
  if (grok.length === 1) {
    const g = grok[0]!;
    return (text) => grokMatch(g, text) ?? 'grok: no match';
  }
  return (text) => {
    for (let i = 0; i < grok.length; i++) {
      const p = grokMatch(grok[i]!, text);
      if (p !== undefined) return p;
    }
    return 'grok: no match';
  };
}

function compilePatterns(opts: Record<string, unknown>): CompiledGrok[] {
  const custom = customPatterns(opts.patterns);
  return patternList(opts.pattern).map((p) => compileGrok(p, custom));
}

function patternList(v: unknown): string[] {
  if (v === undefined || v === null) return [DEFAULT_GROK_PATTERN];
  if (typeof v === 'string') return [v];
  if (v instanceof RegExp) return [v.source];
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' || x instanceof RegExp))
    return v.map((x) => (x instanceof RegExp ? x.source : (x as string)));
  throw grokError('`pattern` must be a string or a list of strings');
}

function customPatterns(v: unknown): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw grokError('`patterns` must be an object of NAME: pattern');
  const out: Record<string, string> = {};
  for (const [k, p] of Object.entries(v as Record<string, unknown>)) {
    if (!/^\w+$/.test(k)) throw grokError(`pattern name ${JSON.stringify(k)} must be letters, digits and _`);
    out[k] = p instanceof RegExp ? p.source : String(p);
  }
  return out;
}

export const grok = defineFormat({
  name: 'grok',
  summary: 'Parse text lines with Logstash grok patterns (the full legacy pattern library is built in).',
  description:
    'Each non-blank line is matched (unanchored) against `pattern`; `%{NAME:field}` captures become fields, ' +
    '`%{NUMBER:bytes:int}` and `:float` convert (a value that does not convert stays a string), `(?<field>...)` ' +
    'named groups capture too. Field names `a.b` and `[a][b]` make nested fields. Captures that did not ' +
    'participate are absent; an empty capture is an empty string; when a field is captured twice, the first ' +
    'value wins. A line that matches no pattern is malformed (`grok: no match`). `pattern` may be a list, tried ' +
    'in order. The library is logstash-patterns-core `legacy` (SYSLOGLINE, COMBINEDAPACHELOG, HAPROXYHTTP, ...); ' +
    'Oniguruma syntax is translated to JavaScript (atomic groups and possessive quantifiers are emulated with ' +
    'lookahead; inline `(?i)`/`(?m)` apply to the whole pattern).',
  options: {
    pattern: {
      type: 'any',
      default: DEFAULT_GROK_PATTERN,
      doc: "The grok pattern, e.g. '%{SYSLOGLINE}', or a list of patterns tried in order.",
    },
    patterns: {
      type: 'object',
      doc: "Extra named patterns, {NAME: 'regex with %{OTHER} references'}; they override library patterns of the same name.",
    },
  },
  extensions: [],
  createParser(opts: Record<string, unknown>, errors: MalformedSink): Parser {
    return new RecordLineParser(grokRecordParser(compilePatterns(opts)), errors, false);
  },
  createRecordParser(opts: Record<string, unknown>): RecordParser {
    return grokRecordParser(compilePatterns(opts));
  },
  examples: [
    {
      title: 'Parse an Apache access log line; `:int` converts the captures.',
      program:
        "read('stdio', format='grok', pattern='%{IPORHOST:client} %{WORD:method} %{URIPATHPARAM:path} %{NUMBER:bytes:int}')",
      input: '55.3.244.1 GET /index.html 15824\n',
      output: '{"client":"55.3.244.1","method":"GET","path":"/index.html","bytes":15824}\n',
    },
    {
      title: 'The default pattern keeps the whole line as `message`.',
      program: "read('stdio', format='grok')",
      input: 'anything at all\n',
      output: '{"message":"anything at all"}\n',
    },
  ],
});
