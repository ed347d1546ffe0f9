/**
 * `csv`: comma-separated values (RFC 4180 quoting), streamed: quoted fields
 * may span lines and chunks.
 */
import { defineFormat, type MalformedSink, type Parser, type RecordParser, type Serializer } from './types.js';
import { formatIso, TimeValue, type Point, assignDotted } from '../../runtime/point.js';
import { compileError } from '../../lang/diagnostics.js';
import type { TracksLines } from './text.js';

const NUMBER_RE = /^[-+]?(?:(?:0|[1-9]\d*)(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;

/**
 * The value an unquoted text stands for: a number (never one with a leading
 * zero such as `007`, which is an identifier, not a quantity), `true`/`false`,
 * else the text itself. Shared with logfmt.
 */
export function inferScalar(s: string): unknown {
  const c = s.charCodeAt(0);
  // Cheap first-character test: most texts are neither numbers nor booleans.
  if ((c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46) {
    if (NUMBER_RE.test(s)) {
      const n = Number(s);
      if (Number.isFinite(n)) return n;
    }
    return s;
  }
  if (s === 'true') return true;
  if (s === 'false') return false;
  return s;
}

/** `max_field_lines`' default. */
const DEFAULT_MAX_FIELD_LINES = 100;

function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}

/**
 * After a blank line, a row is a new header only in the form the writer makes
 * (SPEC §11.8, §12.5): more columns, the current ones among them in the same
 * order (the writer adds new ones at the end, and `time` first). Otherwise it is data.
 */
function extendsHeader(header: readonly string[], fields: readonly string[]): boolean {
  if (fields.length <= header.length) return false;
  let j = 0;
  for (let i = 0; i < fields.length && j < header.length; i++) if (fields[i] === header[j]) j++;
  return j === header.length;
}


class CsvParser implements Parser, TracksLines {
  lines?: number[];
  private readonly delim: number;
  private header: string[] | undefined;
  private readonly fixedHeader: boolean;
  // Record under construction.
  private fields: string[] = [];
  private quotedFlags: boolean[] = [];
  private field = '';
  private fieldQuoted = false;
  /** 0: start of field, 1: unquoted, 2: in quotes, 3: quote seen in quotes (end or `""`), 4: after closing quote */
  private st = 0;
  private raw = '';
  private line = 1;
  private recLine = 1;

  constructor(
    opts: Record<string, unknown>,
    private readonly errors: MalformedSink,
  ) {
    const d = opts.delimiter === undefined ? ',' : String(opts.delimiter);
    if (d.length !== 1 || d === '"' || d === '\n' || d === '\r')
      throw compileError('bad-option', `csv: delimiter must be one character other than a quote or newline, got ${JSON.stringify(d)}`);
    this.delim = d.charCodeAt(0);
    this.trim = opts.ignore_whitespace !== false;
    this.infer = opts.infer !== false;
    const h = opts.columns ?? opts.headers;
    if (h === false) throw compileError('bad-option', 'csv: headers=false applies to writing; to read rows without a header row, name the columns', undefined, ["headers=['time', 'host', 'value']"]);
    if (Array.isArray(h) && h.length > 0) this.header = h.map(String);
    else if (typeof h === 'string' && h.length > 0) this.header = h.split(',').map((s) => s.trim());
    this.fixedHeader = this.header !== undefined;
    this.maxFieldLines = typeof opts.max_field_lines === 'number' && opts.max_field_lines > 0 ? opts.max_field_lines : DEFAULT_MAX_FIELD_LINES;
  }

  /** Lines a quoted value may span (see `max_field_lines`). */
  private readonly maxFieldLines: number;

  private readonly trim: boolean;
  private readonly infer: boolean;
  /** The last record was a blank line. */
  private afterBlank = false;

  push(text: string, out: Point[]): void {
    let chunk = text;
    const delim = this.delim;
    let segStart = 0; // start of the current unquoted/quoted run to copy into `field`
    let recStart = 0; // start of the record's raw text within this chunk
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      switch (this.st) {
        case 0: // start of a field
          if (c === 34) {
            this.st = 2;
            this.fieldQuoted = true;
            segStart = i + 1;
          } else if (this.trim && (c === 32 || (c === 9 && c !== delim))) {
            // Leading blanks before a (possibly quoted) value are not part of it; a space is skipped even as
            // the delimiter (Python's skipinitialspace), so `  time  foo` has no empty column.
          } else if (c === delim) {
            this.endField();
          } else if (c === 10) {
            this.raw += chunk.slice(recStart, i);
            this.endField();
            this.endRecord(out);
            this.line++;
            this.recLine = this.line;
            recStart = i + 1;
          } else {
            this.st = 1;
            segStart = i;
          }
          break;
        case 1: // unquoted
          if (c === delim) {
            this.field += chunk.slice(segStart, i);
            this.endField();
            this.st = 0;
          } else if (c === 10) {
            this.field += chunk.slice(segStart, i);
            this.raw += chunk.slice(recStart, i);
            this.endField();
            this.endRecord(out);
            this.st = 0;
            this.line++;
            this.recLine = this.line;
            recStart = i + 1;
          }
          break;
        case 2: // inside quotes
          if (c === 34) {
            this.field += chunk.slice(segStart, i);
            this.st = 3;
          } else if (c === 10 && ++this.line - this.recLine >= this.maxFieldLines) {
            // A stray quote would swallow the rest of the input: the record's first line is malformed, and reading
            // starts again on the line after it.
            const record = this.raw + chunk.slice(recStart, i + 1);
            const firstEnd = record.indexOf('\n');
            const first = record.slice(0, firstEnd > 0 && record.charCodeAt(firstEnd - 1) === 13 ? firstEnd - 1 : firstEnd);
            this.errors.malformed(this.recLine, first, `csv: a quoted value runs over ${this.maxFieldLines} lines (a stray quote?)`, out);
            this.track(out);
            const fromHere = this.raw.length === 0;
            this.reset();
            this.line = this.recLine + 1;
            this.recLine = this.line;
            if (fromHere) {
              i = recStart + firstEnd;
              recStart = i + 1;
            } else {
              chunk = record.slice(firstEnd + 1) + chunk.slice(i + 1);
              i = -1;
              recStart = 0;
            }
            segStart = i + 1;
          }
          break;
        case 3: // a quote inside quotes: `""` is a literal quote, anything else closes
          if (c === 34) {
            this.field += '"';
            this.st = 2;
            segStart = i + 1;
          } else {
            this.st = 4;
            i--; // reprocess this character after the closing quote
          }
          break;
        case 4: // after the closing quote
          if (c === delim) {
            this.endField();
            this.st = 0;
          } else if (c === 10) {
            this.raw += chunk.slice(recStart, i);
            this.endField();
            this.endRecord(out);
            this.st = 0;
            this.line++;
            this.recLine = this.line;
            recStart = i + 1;
          } else if (c === 13 || (this.trim && isBlank(c))) {
            // CR of CRLF, or blanks after the quote
          } else {
            // Lenient like most readers: `"a"b` is `ab`.
            this.st = 1;
            segStart = i;
          }
          break;
      }
    }
    if (this.st === 1) {
      this.field += chunk.slice(segStart);
    } else if (this.st === 2) {
      this.field += chunk.slice(segStart);
    }
    this.raw += chunk.slice(recStart);
  }

  /** The reader found a line longer than max_line: the record it is part of is dropped. */
  skipLine(): number {
    const first = this.recLine;
    this.reset();
    this.line++;
    this.recLine = this.line;
    return first;
  }

  end(out: Point[]): void {
    if (this.st === 2 || this.st === 3) {
      if (this.st === 2) {
        this.errors.malformed(this.recLine, this.raw, 'csv: unterminated quoted field', out);
        this.track(out);
        this.reset();
        return;
      }
      this.st = 4;
    }
    if (this.st !== 0 || this.fields.length > 0 || this.raw.length > 0) {
      this.endField();
      this.endRecord(out);
    }
  }

  private endField(): void {
    let f = this.field;
    if (!this.fieldQuoted) {
      // CR of a CRLF line end is not part of the last value.
      if (f.length > 0 && f.charCodeAt(f.length - 1) === 13) f = f.slice(0, -1);
      if (this.trim) f = f.trim();
    }
    this.fields.push(f);
    this.quotedFlags.push(this.fieldQuoted);
    this.field = '';
    this.fieldQuoted = false;
  }

  private reset(): void {
    this.fields = [];
    this.quotedFlags = [];
    this.field = '';
    this.fieldQuoted = false;
    this.raw = '';
    this.st = 0;
  }

  private track(out: Point[]): void {
    const lines = this.lines;
    if (lines !== undefined) while (lines.length < out.length) lines.push(this.recLine);
  }

  private endRecord(out: Point[]): void {
    const fields = this.fields;
    const quoted = this.quotedFlags;
    let raw = this.raw;
    if (raw.length > 0 && raw.charCodeAt(raw.length - 1) === 13) raw = raw.slice(0, -1);
    this.fields = [];
    this.quotedFlags = [];
    this.raw = '';
    const blank = fields.length === 1 && fields[0] === '' && !quoted[0];
    if (blank) {
      // Skipped; the row after it may start a new block (SPEC §12.5).
      this.afterBlank = true;
      return;
    }
    const header = this.header;
    if (header === undefined) {
      this.header = fields;
      return;
    }
    if (this.afterBlank) {
      this.afterBlank = false;
      if (!this.fixedHeader && extendsHeader(header, fields)) {
        this.header = fields;
        return;
      }
    }
    if (fields.length > header.length) {
      this.errors.malformed(this.recLine, raw, `csv: row has ${fields.length} values, the header has ${header.length}`, out);
      this.track(out);
      return;
    }
    const p: Point = {};
    for (let i = 0; i < fields.length; i++) {
      const v = fields[i]!;
      assignDotted(p, header[i]!, this.infer && !quoted[i] && v.length > 0 ? inferScalar(v) : v);
    }
    out.push(p);
    this.track(out);
  }
}

/**
 * One CSV record (a field's value, for `parse`) through the reading parser,
 * with the header fixed to `columns`: quoting, trimming and inference are
 * read's own.
 */
function csvRecordParser(opts: Record<string, unknown>): RecordParser {
  const columns = opts.columns ?? opts.headers;
  if (!(Array.isArray(columns) && columns.length > 0) && !(typeof columns === 'string' && columns.length > 0)) {
    throw compileError('bad-option', 'csv: a single record has no header row: give its names with columns=[...]', undefined, ["parse(format='csv', columns=['host', 'cpu'])"]);
  }
  let error: string | undefined;
  const errors: MalformedSink = {
    malformed(_line, _raw, e) {
      error ??= e;
    },
  };
  // Made once here, so bad options (a delimiter) are compile errors.
  new CsvParser(opts, errors);
  return (text) => {
    error = undefined;
    const out: Point[] = [];
    const parser = new CsvParser(opts, errors);
    parser.push(text, out);
    parser.end(out);
    if (error !== undefined) return error;
    if (out.length === 1) return out[0]!;
    return out.length === 0 ? 'csv: no values' : `csv: ${out.length} records in one value`;
  };
}

/** Text of one CSV cell, quoted when it must be. */
function cell(v: unknown, delim: string): string {
  let s: string;
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') s = v;
  else if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  else if (v instanceof TimeValue) return v.toString();
  else s = JSON.stringify(v);
  // A string that would read back as a number or a boolean (`"123"`, `"true"`) is quoted: quoted values stay strings.
  let needs = s.length > 0 && (s.charCodeAt(0) === 32 || s.charCodeAt(s.length - 1) === 32 || s.charCodeAt(0) === 9 || (typeof v === 'string' && inferScalar(s) !== s));
  if (!needs) {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 34 || c === 10 || c === 13 || s[i] === delim) {
        needs = true;
        break;
      }
    }
  }
  return needs ? '"' + s.replace(/"/g, '""') + '"' : s;
}

/** A plain object (not a list, time or regex): written as dotted columns. */
function isNested(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof TimeValue) && !(v instanceof RegExp);
}

/** `{req: {id: 'r0'}}` → `{'req.id': 'r0'}`, the form the reader turns back into objects (SPEC §12.5). */
function flatten(p: Point): Point {
  let nested = false;
  for (const k in p) {
    if (isNested(p[k])) {
      nested = true;
      break;
    }
  }
  if (!nested) return p;
  const out: Point = {};
  const add = (prefix: string, o: Record<string, unknown>): void => {
    for (const k in o) {
      const v = o[k];
      const key = prefix === '' ? k : `${prefix}.${k}`;
      // An empty object has no column to go to: it stays one cell, `{}`.
      if (isNested(v) && Object.keys(v).length > 0) add(key, v);
      else out[key] = v;
    }
  };
  add('', p);
  return out;
}

class CsvSerializer implements Serializer {
  private columns: string[] | undefined;
  private known = new Set<string>();
  private readonly delim: string;
  /** headers=false: rows only, no header row (Python flume). */
  private readonly headerRow: boolean;

  constructor(opts: Record<string, unknown>) {
    this.delim = opts.delimiter === undefined ? ',' : String(opts.delimiter);
    this.headerRow = opts.headers !== false;
  }

  write(batch: Point[]): string {
    let s = '';
    for (let i = 0; i < batch.length; i++) {
      const p = flatten(batch[i]!);
      let fresh: string[] | undefined;
      for (const k in p) {
        if (p[k] === undefined) continue;
        if (!this.known.has(k)) (fresh ??= []).push(k);
      }
      if (fresh !== undefined) {
        const hadBlock = this.columns !== undefined;
        const cols = this.columns ?? [];
        // time stays the first column whenever some point had it.
        const withTime = cols.includes('time') || fresh.includes('time');
        const rest = [...cols.filter((c) => c !== 'time'), ...fresh.filter((c) => c !== 'time')];
        this.columns = withTime ? ['time', ...rest] : rest;
        this.known = new Set(this.columns);
        if (this.headerRow) {
          if (hadBlock) s += '\n';
          s += this.columns.map((c) => cell(c, this.delim)).join(this.delim) + '\n';
        }
      }
      const cols = this.columns!;
      let row = '';
      for (let j = 0; j < cols.length; j++) {
        const c = cols[j]!;
        const v = p[c];
        if (j > 0) row += this.delim;
        row += c === 'time' && typeof v === 'number' && Number.isFinite(v) ? formatIso(v) : cell(v, this.delim);
      }
      s += row + '\n';
    }
    return s;
  }

  end(): string {
    return '';
  }
}

export const csv = defineFormat({
  name: 'csv',
  summary: 'Comma-separated values with a header row.',
  description:
    'Reading: the first row names the columns unless `headers` is given; `"` quotes values (`""` is a quote inside ' +
    'one) and quoted values may span lines; LF and CRLF line ends. A row with more values than the header is ' +
    'malformed; a row with fewer leaves the missing fields absent. Empty values are empty strings. With `infer` ' +
    '(default), unquoted values that are numbers become numbers (not ones with a leading zero like `007`), and ' +
    '`true`/`false` become booleans; quoted values always stay strings. Dotted column names (`a.b`) make nested ' +
    'fields. A blank line ends a block: the next row is a new header (unless `headers` is given). ' +
    'A blank line is skipped; the row after it is a new header only when it repeats the current columns in order and ' +
    'adds more (the form the writer produces), otherwise it is data. A space is never an empty column with ' +
    '`ignore_whitespace` (also with a space as the delimiter). ' +
    'Writing: a header row from the first point (time first, as ISO 8601), LF line ends, values quoted when needed ' +
    '(lists as JSON; strings that would read back as numbers or booleans, like `"123"`, are quoted); nested objects become dotted columns (`req.id`), which reading turns back into objects. When a ' +
    'later point brings new fields, a blank line and a new header with the added columns start a new block, so ' +
    'nothing is lost. `headers=false` writes no header rows.',
  options: {
    headers: {
      type: 'any',
      doc:
        'Reading: column names (a list); when given, the first row is data, not a header. Writing: `false` writes no ' +
        'header row (rows only).',
    },
    columns: {
      type: 'list',
      doc: "Column names, as `headers` (the name `parse` uses: parse(format='csv', columns=[...]) needs them).",
    },
    delimiter: {
      type: 'string',
      default: ',',
      doc: "The one character separating values, e.g. ';' or '\\t'.",
    },
    ignore_whitespace: {
      type: 'boolean',
      default: true,
      doc: 'Trim blanks around values (and outside quotes) when reading.',
    },
    max_field_lines: {
      type: 'integer',
      min: 1,
      default: DEFAULT_MAX_FIELD_LINES,
      doc: 'Most lines one quoted value may span when reading. A quote still open after that many lines (a stray `"`) makes its record malformed (counted), and reading starts again on the line after the record began, so one bad quote cannot swallow the rest of the file.',
    },
    infer: {
      type: 'boolean',
      default: true,
      doc: 'Turn unquoted numbers into numbers and true/false into booleans when reading; false keeps every value a string.',
    },
  },
  extensions: ['csv'],
  createParser(opts: Record<string, unknown>, errors: MalformedSink): Parser {
    return new CsvParser(opts, errors);
  },
  createRecordParser: csvRecordParser,
  createSerializer(opts: Record<string, unknown>): Serializer {
    return new CsvSerializer(opts);
  },
  examples: [
    {
      title: 'Read CSV; numbers are inferred.',
      program: "read('stdio', format='csv')",
      input: 'host,cpu\na,5\n"b, c",7.5\n',
      output: '{"host":"a","cpu":5}\n{"host":"b, c","cpu":7.5}\n',
    },
    {
      title: 'A later point with new fields starts a new header block.',
      program: "emit(points=[{a: 1}, {a: 2, b: 'x'}]) | write('stdio', format='csv')",
      output: 'a\n1\n\na,b\n2,x\n',
    },
  ],
});
