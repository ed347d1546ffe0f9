/**
 * `logfmt`: `key=value key2="quoted value" flag` lines (Heroku/Go style).
 */
import { defineFormat, type MalformedSink, type Parser, type RecordParser, type Serializer } from './types.js';
import { formatIso, TimeValue, type Point, assignDotted } from '../../runtime/point.js';
import { RecordLineParser } from './text.js';
import { inferScalar } from './csv.js';


function unquote(line: string, from: number): { value: string; end: number } | string {
  let s = '';
  let i = from + 1;
  let seg = i;
  while (i < line.length) {
    const c = line.charCodeAt(i);
    if (c === 34) return { value: s + line.slice(seg, i), end: i + 1 };
    if (c === 92 && i + 1 < line.length) {
      s += line.slice(seg, i);
      const e = line[i + 1]!;
      s += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e;
      i += 2;
      seg = i;
      continue;
    }
    i++;
  }
  return 'unterminated quoted value';
}

/** Parse one line; a string result is the error. */
export function parseLogfmt(line: string, infer: boolean): Point | string {
  const p: Point = {};
  let i = 0;
  const n = line.length;
  let any = false;
  while (i < n) {
    let c = line.charCodeAt(i);
    if (c === 32 || c === 9) {
      i++;
      continue;
    }
    const kStart = i;
    while (i < n && (c = line.charCodeAt(i)) !== 61 && c !== 32 && c !== 9 && c !== 34) i++;
    if (i === kStart) return c === 34 ? `quoted text without a key at column ${i + 1}` : `value without a key at column ${i + 1}`;
    if (c === 34) return `quote inside a key at column ${i + 1}`;
    const key = line.slice(kStart, i);
    any = true;
    if (i >= n || c !== 61) {
      assignDotted(p, key, true); // a bare key is a flag
      continue;
    }
    i++; // '='
    if (i < n && line.charCodeAt(i) === 34) {
      const q = unquote(line, i);
      if (typeof q === 'string') return `${q} for key ${key}`;
      assignDotted(p, key, q.value);
      i = q.end;
      continue;
    }
    const vStart = i;
    while (i < n && (c = line.charCodeAt(i)) !== 32 && c !== 9) i++;
    const raw = line.slice(vStart, i);
    assignDotted(p, key, !infer || raw.length === 0 ? raw : raw === 'null' ? null : inferScalar(raw));
  }
  return any ? p : 'no key=value pairs';
}

function logfmtRecordParser(opts: Record<string, unknown>): RecordParser {
  const infer = opts.infer !== false;
  return (text) => {
    const r = parseLogfmt(text, infer);
    return typeof r === 'string' ? 'logfmt: ' + r : r;
  };
}

const SAFE_KEY = /[\s="\\]/g;

/** A key as written: blanks, `=` and quotes become `_`, and so does an empty key (`=5` would not read back). */
function safeKey(k: string): string {
  return k === '' ? '_' : k.replace(SAFE_KEY, '_');
}

function value(v: unknown): string {
  let s: string;
  if (v === null) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof TimeValue) return v.toString();
  if (typeof v === 'string') {
    s = v;
    // Quote what would read back as something else (a number, a boolean, null) or not as one value.
    if (s.length > 0 && !/[\s="\\]/.test(s) && inferScalar(s) === s && s !== 'null') return s;
  } else s = JSON.stringify(v) ?? '';
  return '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t') + '"';
}

function pairs(prefix: string, o: Record<string, unknown>, acc: string[]): void {
  for (const k in o) {
    const v = o[k];
    if (v === undefined) continue;
    const key = prefix + safeKey(k);
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof TimeValue)) pairs(key + '.', v as Record<string, unknown>, acc);
    else acc.push(key + '=' + value(v));
  }
}

class LogfmtSerializer implements Serializer {
  write(batch: Point[]): string {
    let s = '';
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i]!;
      const acc: string[] = [];
      const t = p.time;
      if (typeof t === 'number' && Number.isFinite(t)) acc.push('time=' + formatIso(t));
      else if (t !== undefined) acc.push('time=' + value(t));
      for (const k in p) {
        if (k === 'time') continue;
        const v = p[k];
        if (v === undefined) continue;
        const key = safeKey(k);
        if (v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof TimeValue)) pairs(key + '.', v as Record<string, unknown>, acc);
        else acc.push(key + '=' + value(v));
      }
      s += acc.join(' ') + '\n';
    }
    return s;
  }
  end(): string {
    return '';
  }
}

export const logfmt = defineFormat({
  name: 'logfmt',
  summary: 'logfmt lines: `key=value key2="quoted value" flag`.',
  description:
    'Reading: pairs separated by blanks; values may be double-quoted (with `\\"`, `\\\\`, `\\n`, `\\t` escapes); a ' +
    'bare key is `true`; `key=` is an empty string. With `infer` (default) unquoted numbers, `true`, `false` and ' +
    '`null` get their types; quoted values stay strings. Dotted keys (`http.status=200`) make nested fields. Blank ' +
    'lines are skipped; an unterminated quote or a value without a key is malformed. Writing: `time=` first as ISO ' +
    '8601, nested objects flattened to dotted keys, values quoted when they hold blanks, `=`, quotes, or would read ' +
    'back as another type; blanks, `=` and quotes in keys become `_`, and an empty key is written as `_`.',
  options: {
    infer: {
      type: 'boolean',
      default: true,
      doc: 'Turn unquoted numbers, true/false and null into typed values when reading; false keeps strings.',
    },
  },
  createParser(opts: Record<string, unknown>, errors: MalformedSink): Parser {
    return new RecordLineParser(logfmtRecordParser(opts), errors, true);
  },
  createRecordParser: logfmtRecordParser,
  createSerializer(): Serializer {
    return new LogfmtSerializer();
  },
  examples: [
    {
      title: 'Parse logfmt lines.',
      program: "read('stdio', format='logfmt')",
      input: 'level=info msg="user logged in" took=12.5 admin\n',
      output: '{"level":"info","msg":"user logged in","took":12.5,"admin":true}\n',
    },
    {
      title: 'Write logfmt, time first.',
      program: "emit(points=[{time: '2016-01-01', msg: 'hi there', n: 1}]) | write('stdio', format='logfmt')",
      output: 'time=2016-01-01T00:00:00.000Z msg="hi there" n=1\n',
    },
  ],
});
