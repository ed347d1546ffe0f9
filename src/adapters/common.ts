/**
 * Pieces every byte-oriented adapter (stdio, http, kafka) shares: the common
 * read options, malformed-record handling per `on_error`, moving and parsing
 * the time field, `from`/`to` filtering, and a decoder that turns byte chunks
 * into finished batches through a format.
 */
import { isAscii } from 'node:buffer';
import stripAnsi from 'strip-ansi';
import { DEFAULT_MAX_LINE, type FormatDef, type MalformedSink, type Parser, type Serializer } from './formats/types.js';
import type { TracksLines } from './formats/text.js';
import { SOURCE_TEXT, type Point } from '../runtime/point.js';
import type { RunContext, SourceOutput } from '../runtime/component.js';
import type { CompileServices } from '../runtime/defs.js';
import { compileError, didYouMean, runtimeError } from '../lang/diagnostics.js';
import { parseTimeValue, type TimeUnit } from '../runtime/record-time.js';

export type OnError = 'skip' | 'fail' | 'keep';
export { parseHttpDate, parseTimeValue, type TimeUnit } from '../runtime/record-time.js';

/** The read options the resolver adds for every `bytes` adapter (SPEC §3). */
export interface CommonReadOptions {
  format: string | undefined;
  on_error: OnError;
  /** Field holding the timestamp (dotted name or path); null keeps points timeless. */
  time: string | readonly string[] | null;
  time_unit: TimeUnit;
  from: number | undefined;
  to: number | undefined;
  /** Longest line (characters): a longer one is malformed and skipped unread. */
  max_line: number;
}

const EPOCH_UNITS: readonly unknown[] = ['auto', 's', 'ms', 'us', 'ns'];

function isEpochUnit(u: unknown): u is TimeUnit {
  return EPOCH_UNITS.includes(u);
}

export function commonReadOptions(opts: Record<string, unknown>): CommonReadOptions {
  const onError = opts.on_error;
  return {
    format: typeof opts.format === 'string' ? opts.format : undefined,
    on_error: onError === 'fail' || onError === 'keep' ? onError : 'skip',
    time:
      opts.time === null
        ? null
        : typeof opts.time === 'string' || (Array.isArray(opts.time) && opts.time.length > 0 && opts.time.every((k) => typeof k === 'string'))
          ? (opts.time as string | string[])
          : 'time',
    time_unit: isEpochUnit(opts.time_unit) ? opts.time_unit : 'auto',
    from: typeof opts.from === 'number' ? opts.from : undefined,
    to: typeof opts.to === 'number' ? opts.to : undefined,
    max_line: typeof opts.max_line === 'number' && opts.max_line > 0 ? opts.max_line : DEFAULT_MAX_LINE,
  };
}

/** Look a format up through the services (never the registry), as a compile error when unknown. */
export function lookupFormat(services: CompileServices, name: string, need: 'read' | 'write'): FormatDef {
  const f = services.format(name) as FormatDef | undefined;
  if (f === undefined) {
    const names = services.formatNames();
    throw compileError('unknown-format', `unknown format \`${name}\``, undefined, [
      ...didYouMean(name, names),
      `formats: ${names.join(', ')}`,
    ]);
  }
  if (need === 'read' && f.createParser === undefined) throw compileError('bad-option', `format \`${name}\` cannot be read`);
  if (need === 'write' && f.createSerializer === undefined) throw compileError('bad-option', `format \`${name}\` cannot be written`);
  return f;
}

/**
 * Bytes are decoded at most this many at a time: V8 makes a longer string in
 * its large-object space, several times slower to allocate and collect than
 * young strings (reads of 256 KB decode 4–8× faster in 64 KB pieces).
 */
const PIECE = 64 * 1024;

/** Bytes as latin1 text (for ASCII bytes, the same as UTF-8). */
function latin1(b: Uint8Array): string {
  return (Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength)).toString('latin1');
}

const EXAMPLE_MAX = 200;

function clip(s: string): string {
  return s.length > EXAMPLE_MAX ? s.slice(0, EXAMPLE_MAX) + '…' : s;
}

/**
 * What a parser does with a bad record, per `on_error`: skip counts it as a
 * `malformed` drop (with the first example), fail stops the run naming the
 * line, keep emits `{_raw, _error, _line}` so it can be routed. `where` names
 * the input (a file name) for messages.
 */
export function makeMalformedSink(onError: OnError, ctx: Pick<RunContext, 'drop'>, where?: () => string): MalformedSink {
  const at = (line: number): string => {
    const w = where?.();
    return w !== undefined && w.length > 0 ? `${w}:${line}` : `line ${line}`;
  };
  switch (onError) {
    case 'fail':
      return {
        malformed(line, raw, error) {
          throw runtimeError('malformed', `malformed input at ${at(line)}: ${error}`, [
            `the record: ${clip(raw)}`,
            "on_error='skip' counts and skips malformed records; on_error='keep' emits them as {_raw, _error, _line}",
          ]);
        },
      };
    case 'keep':
      return {
        malformed(line, raw, error, out) {
          out.push({ _raw: raw, _error: error, _line: line });
        },
      };
    default:
      return {
        malformed(line, raw, error) {
          ctx.drop('malformed', `${at(line)}: ${error}: ${clip(raw)}`);
        },
      };
  }
}

/**
 * on_error='fail' met a bad record part way through a batch: the good points
 * before it still go downstream, then the run stops with `cause`.
 */
export class FailedAfter extends Error {
  constructor(
    readonly good: Point[],
    override readonly cause: unknown,
  ) {
    super('failed after some good points');
  }
}

export interface TimeMoverOptions {
  /** Stamp points lacking the field with this (live sources stamp on arrival, SPEC §2). */
  arrival?: () => number;
  /** The parser keeps record texts (Parser.keepText): a point with one has its time read already. */
  keptText?: boolean;
  /** A failing record throws {@link FailedAfter} holding the points before it (RecordDecoder sends them on first). */
  keepGoodOnFail?: boolean;
}

/**
 * Returns a function that, for each point of a batch, moves the configured
 * field to `time` and parses it: strings (ISO fast path, then every moment
 * form), epoch numbers in `unit`, time values. A point without the field (or
 * with null) stays timeless, or is stamped on arrival when `arrival` is given.
 * An unparseable value makes the record malformed: `errors` applies on_error
 * (skipped, kept as `{_raw, _error, _line}`, or the run fails). The batch is
 * compacted in place and returned. `lines`, when it has one entry per point,
 * gives each record's line for those messages.
 */
export function makeTimeMover(
  field: string | readonly string[] | null,
  unit: TimeUnit,
  now: number,
  errors: MalformedSink,
  options: TimeMoverOptions = {},
): (batch: Point[], lines?: readonly number[]) => Point[] {
  const arrival = options.arrival;
  if (field === null) return (batch) => batch;
  const path = typeof field === 'string' ? field.split('.') : [...field];
  const name = path.join('.');
  const key = path[0]!;
  const nested = path.length > 1;
  const isTime = !nested && key === 'time';
  const skipKept = isTime && options.keptText === true;
  return (batch, lines) => {
    const haveLines = lines !== undefined && lines.length === batch.length;
    let w = 0;
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i]!;
      // A parser that kept the record's text has read the time already (Parser.keepText).
      if (skipKept && p[SOURCE_TEXT] !== undefined) {
        batch[w++] = p;
        continue;
      }
      let v: unknown;
      let parent: Record<string, unknown> | undefined = p;
      if (nested) {
        for (let j = 0; j < path.length - 1 && parent !== undefined; j++) {
          const next: unknown = parent[path[j]!];
          parent = next !== null && typeof next === 'object' ? (next as Record<string, unknown>) : undefined;
        }
        v = parent?.[path[path.length - 1]!];
      } else v = p[key];
      if (v === undefined || v === null) {
        if (v === null) delete parent![path[path.length - 1]!];
        if (arrival !== undefined) p.time = arrival();
        batch[w++] = p;
        continue;
      }
      const t = parseTimeValue(v, unit, now);
      if (t === undefined) {
        const line = haveLines ? lines[i]! : typeof p._line === 'number' ? p._line : 0;
        const kept: Point[] = [];
        try {
          errors.malformed(line, JSON.stringify(p), `unparseable time ${clip(JSON.stringify(v) ?? String(v))} in field \`${name}\``, kept);
        } catch (e) {
          if (!options.keepGoodOnFail) throw e;
          batch.length = w;
          throw new FailedAfter(batch, e);
        }
        // keep mode yields at most one record per point, so writing at w (≤ i) never overtakes unread points.
        for (const k of kept) batch[w++] = k;
        continue;
      }
      if (!isTime) delete parent![path[path.length - 1]!];
      p.time = t;
      batch[w++] = p;
    }
    batch.length = w;
    return batch;
  };
}

/** Keep points with from ≤ time < to (timeless points pass); undefined when there are no bounds. */
export function filterRange(from: number | undefined, to: number | undefined): ((batch: Point[]) => Point[]) | undefined {
  if (from === undefined && to === undefined) return undefined;
  const lo = from ?? -Infinity;
  const hi = to ?? Infinity;
  return (batch) => {
    let w = 0;
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i]!;
      const t = p.time;
      if (typeof t !== 'number' || (t >= lo && t < hi)) batch[w++] = p;
    }
    batch.length = w;
    return batch;
  };
}

export interface DecoderOptions {
  format: FormatDef;
  /** All options: the format's own are read from here. */
  opts: Record<string, unknown>;
  common: CommonReadOptions;
  ctx: Pick<RunContext, 'drop' | 'now'>;
  /** Names the input in messages (a file name); empty for stdin. */
  where?: string;
  stripAnsi?: boolean;
  arrival?: () => number;
  /** A parser made earlier (at compile time, to surface option errors then) to use instead of a new one. */
  parser?: Parser;
  /** Keep record texts for a sink to reuse (`Parser.keepText`), given the fields the pipeline sets. */
  keepText?: readonly string[];
  /** Where malformed records go instead of `on_error`'s handling (a collector rejecting a whole request body). */
  errors?: MalformedSink;
}

/**
 * One input's bytes → finished batches: UTF-8 decoding across chunk
 * boundaries, optional ANSI stripping, the format's parser, the time mover and
 * the from/to filter. Make a new one per input (file, rotated file, message):
 * line numbers and partial lines belong to one input.
 */
export class RecordDecoder {
  private readonly utf8 = new TextDecoder('utf-8');
  private readonly parser: Parser & TracksLines;
  private readonly lines: number[] = [];
  private readonly move: (batch: Point[], lines?: readonly number[]) => Point[];
  private readonly range: ((batch: Point[]) => Point[]) | undefined;
  private readonly strip: boolean;
  private ansiCarry = '';
  private readonly errors: MalformedSink;
  /** Infinity when the parser has no lines to skip (json arrays bound their elements themselves). */
  private readonly maxLine: number;
  /** Characters of the current line given to the parser so far. */
  private lineLen = 0;
  /** Inside an overlong line: text is dropped up to the next newline. */
  private skipping = false;

  constructor(o: DecoderOptions) {
    const where = o.where;
    const errors = o.errors ?? makeMalformedSink(o.common.on_error, o.ctx, where === undefined ? undefined : () => where);
    this.errors = errors;
    this.parser = (o.parser ?? o.format.createParser!(o.opts, errors)) as Parser & TracksLines;
    if (o.parser !== undefined) rebindErrors(o.parser, errors);
    this.parser.lines = this.lines;
    const time = o.common.time;
    if (typeof time === 'string' && !time.includes('.')) this.parser.timeField?.(time);
    if (o.keepText !== undefined) this.parser.keepText?.(o.keepText);
    this.move = makeTimeMover(o.common.time, o.common.time_unit, o.ctx.now, errors, {
      arrival: o.arrival,
      keptText: o.keepText !== undefined,
      keepGoodOnFail: true,
    });
    this.range = filterRange(o.common.from, o.common.to);
    this.strip = o.stripAnsi === true;
    this.maxLine = this.parser.skipLine === undefined ? Infinity : o.common.max_line;
  }

  /**
   * on_error='fail' stopped at a bad record: thrown by the next feed or end,
   * after the points before it were returned (and so written) first.
   */
  private failure: unknown;

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  /** Decode and parse a chunk (bytes or already-decoded text); returns the finished points. */
  feed(chunk: Uint8Array | string): Point[] {
    this.throwIfFailed();
    const out: Point[] = [];
    try {
      if (typeof chunk === 'string') this.parse(chunk, out);
      else if (chunk.length <= PIECE) this.parse(this.decode(chunk), out);
      else for (let i = 0; i < chunk.length; i += PIECE) this.parse(this.decode(chunk.subarray(i, i + PIECE)), out);
    } catch (e) {
      // Parsers push records in order and throw at the bad one: `out` holds the good ones before it.
      this.failure = e;
    }
    return this.finish(out);
  }

  private parse(text: string, out: Point[]): void {
    if (this.strip) text = this.stripLines(text);
    this.give(text, out);
  }

  private give(text: string, out: Point[]): void {
    if (text.length === 0) return;
    if (this.maxLine === Infinity) this.parser.push(text, out);
    else this.bounded(text, out);
  }

  /**
   * Feed `text` to the parser, except lines longer than max_line: what was
   * given of one is dropped (Parser.skipLine), the rest of it never is, and
   * it counts as malformed. A line within one text is shorter than the text,
   * so when the text is shorter than max_line only the line it continues and
   * the one it leaves open need checking: the common path does two searches.
   */
  private bounded(text: string, out: Point[]): void {
    const max = this.maxLine;
    let from = 0;
    let p = 0;
    for (;;) {
      if (this.skipping) {
        const nl = text.indexOf('\n', p);
        if (nl < 0) return;
        this.skipping = false;
        from = p = nl + 1;
      }
      if (text.length - p <= max - this.lineLen) break;
      const nl = text.indexOf('\n', p);
      const len = this.lineLen + (nl < 0 ? text.length : nl) - p;
      if (len > max) {
        if (p > from) this.parser.push(text.slice(from, p), out);
        this.overlong(text.slice(p, Math.min(nl < 0 ? text.length : nl, p + 200)), out);
        if (nl < 0) {
          this.skipping = true;
          return;
        }
        from = p = nl + 1;
        continue;
      }
      if (nl < 0) break;
      this.lineLen = 0;
      p = nl + 1;
    }
    if (from < text.length) this.parser.push(from === 0 ? text : text.slice(from), out);
    const last = text.lastIndexOf('\n');
    this.lineLen = last < p ? this.lineLen + text.length - p : text.length - last - 1;
  }

  private overlong(start: string, out: Point[]): void {
    const line = this.parser.skipLine!();
    this.lineLen = 0;
    this.errors.malformed(line, start, `line longer than max_line (${this.maxLine} characters)`, out);
    const lines = this.lines;
    while (lines.length < out.length) lines.push(line);
  }

  /** End of this input: flush the decoder and a final unterminated record. */
  end(): Point[] {
    this.throwIfFailed();
    let text = this.utf8.decode();
    if (this.strip) {
      text = stripAnsi(this.ansiCarry + text);
      this.ansiCarry = '';
    }
    const out: Point[] = [];
    try {
      this.give(text, out);
      this.parser.end(out);
    } catch (e) {
      this.failure = e;
    }
    return this.finish(out);
  }

  /** End of input: push the last points, then stop the run if on_error='fail' met a bad record. */
  async endInto(out: SourceOutput): Promise<void> {
    await pushBatch(out, this.end());
    this.throwIfFailed();
  }

  /**
   * UTF-8 → text. ASCII is the common case and reads faster as latin1 (the
   * same text), but only once the decoder has seen the first chunk (it strips
   * a byte order mark at the start) and when it holds no partial character
   * (it can only when the last chunk it decoded ended in a non-ASCII byte).
   */
  private decode(chunk: Uint8Array): string {
    if (this.clean && isAscii(chunk)) return latin1(chunk);
    const text = this.utf8.decode(chunk, { stream: true });
    this.clean = chunk.length > 0 && chunk[chunk.length - 1]! < 0x80;
    return text;
  }
  /** The decoder holds no partial character and is past the start of the input. */
  private clean = false;

  private finish(out: Point[]): Point[] {
    const lines = this.lines;
    let batch: Point[];
    try {
      batch = this.move(out, lines);
    } catch (e) {
      if (!(e instanceof FailedAfter)) throw e;
      // A bad time comes before any parse failure in this batch: it is the one to report.
      this.failure = e.cause;
      batch = e.good;
    }
    lines.length = 0;
    if (this.range !== undefined && batch.length > 0) batch = this.range(batch);
    return batch;
  }

  /** Strip whole lines only: an escape sequence split across chunks is still recognised. */
  private stripLines(text: string): string {
    const all = this.ansiCarry + text;
    const nl = all.lastIndexOf('\n');
    if (nl < 0) {
      this.ansiCarry = all;
      return '';
    }
    this.ansiCarry = all.slice(nl + 1);
    return stripAnsi(all.slice(0, nl + 1));
  }
}

/**
 * Parsers capture their MalformedSink at creation. A parser made at compile
 * time (to report bad format options early) is created with a forwarding sink
 * whose target is set here once the run knows its input's name.
 */
const forwarders = new WeakMap<Parser, { target: MalformedSink }>();

export function createParserEarly(format: FormatDef, opts: Record<string, unknown>): Parser {
  const fwd = { target: { malformed() {} } as MalformedSink };
  const sink: MalformedSink = { malformed: (line, raw, error, out) => fwd.target.malformed(line, raw, error, out) };
  const p = format.createParser!(opts, sink);
  forwarders.set(p, fwd);
  return p;
}

function rebindErrors(p: Parser, errors: MalformedSink): void {
  const f = forwarders.get(p);
  if (f !== undefined) f.target = errors;
}

/** Push a non-empty batch and wait when the runtime asks (backpressure). */
export async function pushBatch(out: SourceOutput, batch: Point[]): Promise<void> {
  if (batch.length === 0) return;
  const r = out.push(batch);
  if (r !== undefined) await r;
}

/** A serializer for writing, looked up through the services. */
export function createSerializer(services: CompileServices, name: string, opts: Record<string, unknown>): Serializer {
  return lookupFormat(services, name, 'write').createSerializer!(opts);
}

/** Milliseconds from a `duration` option (resolved `{months, ms}`), a number of ms, or a short string. */
export function durationMs(v: unknown, fallback: number): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (v !== null && typeof v === 'object' && typeof (v as { ms?: unknown }).ms === 'number') return (v as { ms: number }).ms;
  if (typeof v === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/.exec(v);
    if (m !== null) return Number(m[1]) * (m[2] === 's' ? 1000 : m[2] === 'm' ? 60000 : 1);
  }
  return fallback;
}
