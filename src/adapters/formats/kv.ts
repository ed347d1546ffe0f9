/**
 * `kv`: `key=value` pairs with configurable separators (`pair`, `kv`), as
 * Logstash's kv filter and Vector's parse_key_value read them.
 */
import { defineFormat, type MalformedSink, type Parser, type RecordParser } from './types.js';
import { assignDotted, type Point } from '../../runtime/point.js';
import { compileError } from '../../lang/diagnostics.js';
import { RecordLineParser } from './text.js';
import { inferScalar } from './csv.js';

interface KvOptions {
  pair: string;
  kv: string;
  infer: boolean;
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}

/** A quoted value from `from` (at the quote) to its closing quote; `\` escapes the next character. */
function quoted(text: string, from: number): { value: string; end: number } | undefined {
  const q = text.charCodeAt(from);
  let s = '';
  let seg = from + 1;
  for (let i = from + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === q) return { value: s + text.slice(seg, i), end: i + 1 };
    if (c === 92 && i + 1 < text.length) {
      s += text.slice(seg, i) + text[i + 1];
      seg = ++i + 1;
    }
  }
  return undefined;
}

/** One record; a string result is the error. */
export function parseKv(text: string, o: KvOptions): Point | string {
  const p: Point = {};
  const n = text.length;
  let any = false;
  let i = 0;
  while (i < n) {
    // Separators and blanks between pairs.
    if (text.startsWith(o.pair, i)) {
      i += o.pair.length;
      continue;
    }
    if (isBlank(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const kvAt = text.indexOf(o.kv, i);
    const pairAt = text.indexOf(o.pair, i);
    const keyEnd = kvAt >= 0 && (pairAt < 0 || kvAt < pairAt) ? kvAt : -1;
    if (keyEnd < 0) {
      // A word without a separator is a flag (as logfmt's bare keys).
      const end = pairAt < 0 ? n : pairAt;
      assignDotted(p, text.slice(i, end).trim(), true);
      any = true;
      i = end;
      continue;
    }
    const key = text.slice(i, keyEnd).trim();
    if (key.length === 0) return `kv: a value without a key at column ${i + 1}`;
    let v = keyEnd + o.kv.length;
    while (v < n && isBlank(text.charCodeAt(v)) && !text.startsWith(o.pair, v)) v++;
    const c = text.charCodeAt(v);
    if (c === 34 || c === 39) {
      const q = quoted(text, v);
      if (q === undefined) return `kv: unterminated quoted value for key ${key}`;
      assignDotted(p, key, q.value);
      i = q.end;
    } else {
      const next = text.indexOf(o.pair, v);
      const end = next < 0 ? n : next;
      const raw = text.slice(v, end).trim();
      assignDotted(p, key, !o.infer || raw.length === 0 ? raw : raw === 'null' ? null : inferScalar(raw));
      i = end;
    }
    any = true;
  }
  return any ? p : 'kv: no key=value pairs';
}

function kvOptions(opts: Record<string, unknown>): KvOptions {
  const pair = typeof opts.pair === 'string' ? opts.pair : ' ';
  const kv = typeof opts.kv === 'string' ? opts.kv : '=';
  if (pair.length === 0 || kv.length === 0) throw compileError('bad-option', 'kv: `pair` and `kv` must not be empty');
  if (pair === kv) throw compileError('bad-option', `kv: \`pair\` and \`kv\` must differ, both are ${JSON.stringify(pair)}`);
  return { pair, kv, infer: opts.infer !== false };
}

function kvRecordParser(opts: Record<string, unknown>): RecordParser {
  const o = kvOptions(opts);
  return (text) => parseKv(text, o);
}

export const kv = defineFormat({
  name: 'kv',
  summary: 'key=value pairs with chosen separators: `pair` between pairs, `kv` between key and value.',
  description:
    "Pairs are separated by `pair` (default a blank; blanks around pairs, keys and values are trimmed), keys from values by the first `kv` " +
    "(default `=`). A value may be quoted with `\"` or `'` (the quotes are removed, `\\\\` escapes the next character; quoted values " +
    'stay strings). With `infer` (default), unquoted numbers, `true`, `false` and `null` get their types. A word without `kv` is a flag ' +
    '(`true`). Dotted keys make nested fields. A record with no pairs, a value without a key or an unterminated quote is malformed. ' +
    'Reading only (one record per line; blank lines are skipped); `parse(format=\'kv\')` reads one from a field.',
  options: {
    pair: { type: 'string', default: ' ', doc: "What separates pairs, e.g. '&' or ', '." },
    kv: { type: 'string', default: '=', doc: "What separates a key from its value, e.g. ':'." },
    infer: {
      type: 'boolean',
      default: true,
      doc: 'Turn unquoted numbers, true/false and null into typed values; false keeps strings.',
    },
  },
  createParser(opts: Record<string, unknown>, errors: MalformedSink): Parser {
    return new RecordLineParser(kvRecordParser(opts), errors, true);
  },
  createRecordParser: kvRecordParser,
  examples: [
    {
      title: 'Read key=value lines; numbers are inferred, quoted values keep their blanks.',
      program: "read('stdio', format='kv')",
      input: 'user=ann action=login took=12 msg="hello there"\n',
      output: '{"user":"ann","action":"login","took":12,"msg":"hello there"}\n',
    },
    {
      title: 'Other separators: a query string.',
      program: "read('stdio', format='kv', pair='&')",
      input: 'q=flume&page=2&lang=en\n',
      output: '{"q":"flume","page":2,"lang":"en"}\n',
    },
  ],
});
