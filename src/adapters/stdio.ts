/**
 * `stdio`: standard input/output and files. Reads stdin, a file, or several
 * (a glob or a list: merged by time, or one after another with
 * `order='files'`), gzip by extension, `follow` like `tail -F`; writes stdout
 * or a file, batched with backpressure.
 */
import { createWriteStream, openSync, statSync, type Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createGunzip, createGzip, type Gzip } from 'node:zlib';
import type { Readable, Writable } from 'node:stream';
import { defineAdapter, type CreateContext } from '../runtime/defs.js';
import type { SinkInstance, SourceInstance, SourceOutput } from '../runtime/component.js';
import type { Batch, Point } from '../runtime/point.js';
import type { FormatDef, Parser, Serializer } from './formats/types.js';
import { formatForPath } from './formats/index.js';
import { readProgress, type ReadProgress } from './progress.js';
import { compileError, FlumeError, runtimeError } from '../lang/diagnostics.js';
import {
  commonReadOptions,
  createParserEarly,
  durationMs,
  lookupFormat,
  pushBatch,
  RecordDecoder,
  type CommonReadOptions,
} from './common.js';
import { mergeFilesByTime } from './file-merge.js';

/**
 * The chunks of `source` until `signal` aborts. A pipe with no data coming
 * (`sleep 100 | flume ...`) never yields again, so Ctrl-C/SIGTERM must not wait
 * for the next chunk: the read ends at once and the pipeline drains.
 */
async function* untilAborted<T>(source: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  if (signal.aborted) return;
  const it = source[Symbol.asyncIterator]();
  let onAbort!: () => void;
  const aborted = new Promise<typeof ABORTED>((resolve) => {
    onAbort = () => resolve(ABORTED);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  let finished = false;
  try {
    for (;;) {
      const r = await Promise.race([it.next(), aborted]);
      if (r === ABORTED) return;
      if (r.done === true) {
        finished = true;
        return;
      }
      yield r.value;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    // The pending read is abandoned; its later result (or error) is of no interest.
    if (!finished) it.return?.()?.catch(() => undefined);
  }
}
const ABORTED = Symbol('aborted');

/** Large reads: fewer syscalls and batches of thousands of points. */
const CHUNK = 256 * 1024;
const DEFAULT_POLL_MS = 250;

function isStd(file: unknown): boolean {
  return file === undefined || file === null || file === '-' || file === '';
}

/** `file=` when reading: stdin (undefined), a name or glob, or a list of them. */
function readFileOption(file: unknown): string | string[] | undefined {
  if (isStd(file)) return undefined;
  if (typeof file === 'string') return file;
  if (Array.isArray(file) && file.length > 0 && file.every((f) => typeof f === 'string' && f !== '')) return file.length === 1 ? file[0] : file;
  throw compileError('bad-option', 'option `file` of `read` must be a file name, a glob, or a list of them', undefined, ["file='logs/*.jsonl' or file=['a.jsonl', 'b.jsonl']"]);
}

function wantsGzip(compression: unknown, file: string | undefined): boolean {
  if (compression === 'gzip') return true;
  if (compression === 'none') return false;
  return file !== undefined && file.toLowerCase().endsWith('.gz');
}

function errnoMessage(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err?.message ?? String(e);
}

/**
 * Read buffer per file when several are merged (SPEC §12.4): the buffers of
 * all files together stay near this, each between 4 KB and {@link CHUNK}.
 */
const MERGE_BUFFERS = 8 * 1024 * 1024;
/** Beyond this many merged files, each read opens and closes its file (no descriptor is held). */
const MAX_OPEN_MERGED = 128;

/** The files of a `file=` option: a name or glob, or a list of them (each expanded, duplicates once). */
export async function resolveFileList(file: string | readonly string[]): Promise<string[]> {
  if (typeof file === 'string') return resolveFiles(file);
  const all: string[] = [];
  for (const f of file) for (const m of await resolveFiles(f)) if (!all.includes(m)) all.push(m);
  return all;
}

/** The files a `file=` option names: itself when it exists, else the sorted glob matches. */
export async function resolveFiles(pattern: string): Promise<string[]> {
  let st: Stats | undefined;
  try {
    st = statSync(pattern);
  } catch {
    st = undefined;
  }
  if (st !== undefined) {
    if (st.isDirectory()) throw runtimeError('no-such-file', `not a file: ${pattern} is a directory`);
    return [pattern];
  }
  // Loaded only for a name that is not a file: it pulls in picomatch, a cost at every start-up otherwise.
  const { glob, isDynamicPattern } = await import('tinyglobby');
  if (isDynamicPattern(pattern)) {
    const abs = pattern.startsWith('/');
    const found = await glob(pattern, { onlyFiles: true, absolute: abs, expandDirectories: false, dot: false });
    if (found.length > 0) return found.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    throw runtimeError('no-such-file', `no such file: ${pattern} (the pattern matches nothing)`);
  }
  throw runtimeError('no-such-file', `no such file: ${pattern}`);
}

// ---------------------------------------------------------------------------
// read

interface ReadPlan {
  /** A file or glob, or a list of them; undefined for stdin. */
  file: string | readonly string[] | undefined;
  /** Several files: merged by time ('time') or read one after another ('files'). */
  order: 'time' | 'files';
  format: FormatDef;
  opts: Record<string, unknown>;
  common: CommonReadOptions;
  follow: boolean;
  startAtEnd: boolean;
  pollMs: number;
  compression: unknown;
  stripAnsi: boolean;
  /** Made at compile time so bad format options are compile errors; used for the first input. */
  firstParser: Parser | undefined;
}

class StdioSource implements SourceInstance {
  private firstParser: Parser | undefined;
  /** Text reuse is on: the fields the pipeline sets. */
  private keep: readonly string[] | undefined;

  constructor(
    private readonly plan: ReadPlan,
    private readonly ctx: CreateContext,
  ) {
    this.firstParser = plan.firstParser;
  }

  keepText(format: string, sets: readonly string[]): boolean {
    const p = this.plan;
    // Moving another field to `time` changes the record, so its text is not what the sink would write.
    if (format !== p.format.name || p.common.time !== 'time' || p.firstParser?.keepText?.(sets) !== true) return false;
    this.keep = sets;
    return true;
  }

  private stopped(out: SourceOutput): boolean {
    return out.done || this.ctx.signal.aborted;
  }

  private decoder(where: string): RecordDecoder {
    const p = this.plan;
    const parser = this.firstParser;
    this.firstParser = undefined;
    return new RecordDecoder({
      format: p.format,
      opts: p.opts,
      common: p.common,
      ctx: this.ctx,
      where,
      stripAnsi: p.stripAnsi,
      parser,
      keepText: this.keep,
      // Live data without a time field is stamped on arrival (SPEC §2); time=null keeps it timeless.
      arrival: p.follow && p.common.time !== null ? () => this.ctx.clock.now() : undefined,
    });
  }

  async run(out: SourceOutput): Promise<void> {
    const p = this.plan;
    if (p.file === undefined) {
      await this.readStream(this.ctx.io.stdin as unknown as Readable, '', out, wantsGzip(p.compression, undefined));
      return;
    }
    const files = await resolveFileList(p.file);
    if (p.follow && files.length > 1) {
      // Every match is followed (SPEC §12.4); live points arrive in arrival order.
      await Promise.all(files.map((f) => this.follow(f, out)));
      return;
    }
    if (files.length > 1 && p.order === 'time') {
      const chunk = Math.max(4 * 1024, Math.min(CHUNK, Math.floor(MERGE_BUFFERS / files.length)));
      const reopen = files.length > MAX_OPEN_MERGED;
      await mergeFilesByTime(files, (f, o) => this.readFile(f, o, { chunk, reopen }), out, this.ctx.signal);
      return;
    }
    for (let k = 0; k < files.length; k++) {
      if (this.stopped(out)) return;
      const f = files[k]!;
      if (p.follow && k === files.length - 1) await this.follow(f, out);
      else await this.readFile(f, out);
    }
  }

  /** `merged`: one of several files read at once (no progress line, a smaller buffer, maybe no held descriptor). */
  private async readFile(file: string, out: SourceOutput, merged?: { chunk: number; reopen: boolean }): Promise<void> {
    const gzip = wantsGzip(this.plan.compression, file);
    let fh: FileHandle;
    let progress: ReadProgress | undefined;
    try {
      // Opening first turns a file that vanished after the glob into a clear error.
      fh = await open(file, 'r');
      if (merged === undefined) progress = readProgress(basename(file), (await fh.stat()).size, this.ctx.env);
    } catch (e) {
      throw cannotOpen(file, e);
    }
    try {
      if (gzip) await this.readStream(fh.createReadStream({ highWaterMark: merged?.chunk ?? CHUNK }), file, out, true, progress);
      else if (merged?.reopen === true) {
        await fh.close();
        await this.readPlain(new ReopeningFile(file), file, out, undefined, merged.chunk);
      } else await this.readPlain(fh, file, out, progress, merged?.chunk);
    } finally {
      progress?.done();
      await fh.close().catch(() => undefined);
    }
  }

  /**
   * A plain file, read into one buffer over and over: the decoder copies what
   * it needs, and a new buffer per chunk would leave tens of megabytes of dead
   * buffers waiting for the garbage collector (peak memory grows with the file).
   */
  private async readPlain(fh: SequentialFile, file: string, out: SourceOutput, progress: ReadProgress | undefined, chunk = CHUNK): Promise<void> {
    const dec = this.decoder(file);
    const buf = Buffer.allocUnsafe(chunk);
    let bytes = 0;
    let points = 0;
    while (!this.stopped(out)) {
      let n: number;
      try {
        n = (await fh.read(buf, 0, chunk, null)).bytesRead;
      } catch (e) {
        throw runtimeError('read-error', `cannot read ${file}: ${errnoMessage(e)}`);
      }
      if (n === 0) {
        await dec.endInto(out);
        return;
      }
      const batch = dec.feed(buf.subarray(0, n));
      if (progress !== undefined) {
        bytes += n;
        points += batch.length;
        progress.update(bytes, points);
      }
      await pushBatch(out, batch);
    }
  }

  /** Read a byte stream to its end (or until downstream is done), one batch per chunk. */
  private async readStream(src: Readable, where: string, out: SourceOutput, gzip: boolean, progress?: ReadProgress): Promise<void> {
    const dec = this.decoder(where);
    let input: Readable = src;
    let gunzip: ReturnType<typeof createGunzip> | undefined;
    if (gzip) {
      gunzip = createGunzip({ chunkSize: CHUNK });
      src.on('error', (e) => gunzip!.destroy(e));
      input = src.pipe(gunzip);
    }
    const name = where === '' ? 'stdin' : where;
    // Stopping early must not destroy stdin: it belongs to the process (or the REPL), not to this read.
    const iterable: AsyncIterable<unknown> =
      where === '' && gunzip === undefined && typeof (src as Readable).iterator === 'function'
        ? (src as Readable).iterator({ destroyOnReturn: false })
        : input;
    const chunks = untilAborted(iterable, this.ctx.signal);
    try {
      let points = 0;
      for await (const chunk of chunks) {
        const batch = dec.feed(chunk as Buffer | string);
        if (progress !== undefined) {
          points += batch.length;
          // Bytes of the file itself (compressed ones for gzip), to compare with its size.
          progress.update((src as Readable & { bytesRead: number }).bytesRead, points);
        }
        await pushBatch(out, batch);
        if (this.stopped(out)) return;
      }
    } catch (e) {
      if (e instanceof FlumeError) throw e;
      const err = e as NodeJS.ErrnoException;
      const what = gzip && (err.code?.startsWith('Z_') || err.errno !== undefined) ? 'gzip: ' : '';
      throw runtimeError('read-error', `cannot read ${name}: ${what}${errnoMessage(e)}`);
    } finally {
      // Early stop (head): close the file rather than reading it to the end. stdin is left to its owner.
      if (where !== '') src.destroy();
      gunzip?.destroy();
    }
    await dec.endInto(out);
  }

  /**
   * `tail -F`: read to the end, then poll for appended data. A new file at the
   * path (rotation: another inode) is switched to once the old one is drained;
   * a file that shrank (copytruncate) is read again from its start.
   */
  private async follow(file: string, out: SourceOutput): Promise<void> {
    const p = this.plan;
    let fh: FileHandle;
    try {
      fh = await open(file, 'r');
    } catch {
      throw runtimeError('no-such-file', `no such file: ${file}`);
    }
    let st = await fh.stat();
    if (!st.isFile()) {
      // A FIFO or a terminal (/dev/stdin) has no positions to poll: it is read to its end like a stream, which for a
      // pipe is when its writers are gone.
      // Read through the handle already open: reopening would lose a writer that came with the first open.
      try {
        await this.readPlain(fh, file, out, undefined);
      } finally {
        await fh.close().catch(() => undefined);
      }
      return;
    }
    let pos = p.startAtEnd ? st.size : 0;
    let dec = this.decoder(file);
    const buf = Buffer.allocUnsafe(CHUNK);
    try {
      let seen = new FileTail();
      let idled = false;
      while (!this.stopped(out)) {
        // Truncated and rewritten longer within one poll: the size alone does not tell, the bytes before `pos` do.
        if (idled && !(await seen.still(fh, pos))) {
          await pushBatch(out, dec.end());
          pos = 0;
          seen = new FileTail();
          dec = this.decoder(file);
        }
        idled = false;
        const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
        if (bytesRead > 0) {
          pos += bytesRead;
          seen.add(buf.subarray(0, bytesRead));
          await pushBatch(out, dec.feed(buf.subarray(0, bytesRead)));
          continue;
        }
        let now: Stats | undefined;
        try {
          now = await stat(file);
        } catch {
          now = undefined; // moved away and not recreated yet: keep the old file open
        }
        if (now !== undefined && (now.ino !== st.ino || now.dev !== st.dev)) {
          // Rotated: another file now has the name.
          let next: FileHandle;
          try {
            next = await open(file, 'r');
          } catch {
            await this.idle(out);
            continue;
          }
          // A writer may have appended to the old file between our last read and the rename: drain it.
          for (;;) {
            const r = await fh.read(buf, 0, buf.length, pos);
            if (r.bytesRead === 0) break;
            pos += r.bytesRead;
            await pushBatch(out, dec.feed(buf.subarray(0, r.bytesRead)));
          }
          await dec.endInto(out);
          await fh.close();
          fh = next;
          st = await fh.stat();
          pos = 0;
          seen = new FileTail();
          dec = this.decoder(file);
          continue;
        }
        if (now !== undefined && now.size < pos) {
          await dec.endInto(out);
          st = now;
          pos = 0;
          seen = new FileTail();
          dec = this.decoder(file);
          continue;
        }
        await this.idle(out);
        idled = true;
      }
    } finally {
      await fh.close();
    }
  }

  private async idle(out: SourceOutput): Promise<void> {
    // Live and idle: the watermark moves with the clock so downstream windows close on time.
    if (this.plan.common.time !== null) {
      const r = out.mark(this.ctx.clock.now());
      if (r !== undefined) await r;
    }
    try {
      await sleep(this.plan.pollMs, undefined, { signal: this.ctx.signal });
    } catch {
      // aborted: the loop condition ends the follow
    }
  }
}

/**
 * The last bytes read of a followed file. Appending never changes them; a file
 * truncated and written again (longer than before) within one poll almost
 * always does, so comparing them tells a rewrite from an append.
 */
class FileTail {
  private static readonly SIZE = 64;
  private bytes = Buffer.alloc(0);

  add(chunk: Buffer): void {
    const n = FileTail.SIZE;
    this.bytes = Buffer.from(chunk.length >= n ? chunk.subarray(chunk.length - n) : Buffer.concat([this.bytes, chunk]).subarray(-n));
  }

  /** The file still holds these bytes just before `pos`. */
  async still(fh: FileHandle, pos: number): Promise<boolean> {
    const n = this.bytes.length;
    if (n === 0) return true;
    const now = Buffer.alloc(n);
    const { bytesRead } = await fh.read(now, 0, n, pos - n);
    return bytesRead === n && now.equals(this.bytes);
  }
}

/** What readPlain needs of a file: reads from where the last one ended. */
interface SequentialFile {
  read(buf: Buffer, offset: number, length: number, position: null): Promise<{ bytesRead: number }>;
}

function cannotOpen(file: string, e: unknown): FlumeError {
  const code = (e as NodeJS.ErrnoException).code;
  return runtimeError('no-such-file', code === 'ENOENT' ? `no such file: ${file}` : `cannot read ${file}: ${errnoMessage(e)}`);
}

/**
 * Sequential reads of a file that is opened for each read and closed after,
 * so a merge of thousands of files holds no descriptors between reads.
 */
class ReopeningFile {
  private pos = 0;
  constructor(private readonly file: string) {}

  async read(buf: Buffer, offset: number, length: number): Promise<{ bytesRead: number }> {
    let fh: FileHandle;
    try {
      fh = await open(this.file, 'r');
    } catch (e) {
      throw cannotOpen(this.file, e);
    }
    try {
      const r = await fh.read(buf, offset, length, this.pos);
      this.pos += r.bytesRead;
      return r;
    } finally {
      await fh.close();
    }
  }
}

// ---------------------------------------------------------------------------
// write

/** Per output stream: EPIPE seen (the reader went away) and other errors. */
interface StreamState {
  closed: boolean;
  error?: Error;
}
const streamStates = new WeakMap<object, StreamState>();

/** One 'error' listener per stream, shared by every sink writing to it: EPIPE ends output quietly. */
function watch(stream: Writable): StreamState {
  let s = streamStates.get(stream);
  if (s !== undefined) return s;
  const state: StreamState = { closed: false };
  s = state;
  streamStates.set(stream, state);
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') state.closed = true;
    else state.error = e;
  });
  return state;
}

class StdioSink implements SinkInstance {
  private stream: Writable | undefined;
  private gzip: Gzip | undefined;
  private file: Writable | undefined;
  private base: Writable | undefined;
  private state: StreamState | undefined;

  constructor(
    private readonly target: string | undefined,
    private readonly append: boolean,
    private readonly compress: boolean,
    private readonly serializer: Serializer,
    private readonly format: string,
    private readonly ctx: CreateContext,
  ) {}

  reuseText(sets: readonly string[]): string | undefined {
    return this.serializer.reuseText?.(sets) === true ? this.format : undefined;
  }

  /** The reader went away (EPIPE): the branches writing here stop; the others go on. */
  get done(): boolean {
    return this.state?.closed === true;
  }

  /** Opened at the first write (not at compile time: `--explain` must not truncate files). */
  private open(): Writable {
    if (this.stream !== undefined) return this.stream;
    let base: Writable;
    if (this.target === undefined) base = this.ctx.io.stdout as unknown as Writable;
    else {
      let fd: number;
      try {
        fd = openSync(this.target, this.append ? 'a' : 'w');
      } catch (e) {
        throw runtimeError('write-error', `cannot write ${this.target}: ${errnoMessage(e)}`);
      }
      base = createWriteStream('', { fd, highWaterMark: CHUNK });
      this.file = base;
    }
    this.state = watch(base);
    this.base = base;
    if (this.compress) {
      const gz = createGzip();
      gz.on('error', (e) => (this.state!.error = e));
      // Ending the gzip stream ends a file, never stdout.
      gz.pipe(base, { end: this.file !== undefined });
      this.gzip = gz;
      this.stream = gz;
    } else this.stream = base;
    return this.stream;
  }

  private check(): void {
    // A failed write destroys the file stream at once but reports the error a tick later: `errored` has it already.
    const errored = this.file?.errored;
    const err = this.state?.error ?? (errored === null ? undefined : errored);
    if (err !== undefined) throw runtimeError('write-error', `cannot write ${this.target ?? 'stdout'}: ${err.message}`);
  }

  private emit(text: string): void | Promise<void> {
    const stream = this.open();
    this.check();
    if (this.state!.closed) return;
    let ok: boolean;
    try {
      ok = stream.write(text);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EPIPE') {
        this.state!.closed = true;
        return;
      }
      throw e;
    }
    if (ok) return;
    return this.drained(stream);
  }

  /**
   * Resolves when `stream` can take more, or when it or the stream under it
   * (the file under gzip) fails or closes: a full disk stops the file, and
   * gzip would then never drain (nothing else would keep the run alive).
   */
  private drained(stream: Writable): Promise<void> {
    const streams = this.base !== undefined && this.base !== stream ? [stream, this.base] : [stream];
    return new Promise<void>((resolve) => {
      const done = (): void => {
        for (const s of streams) {
          s.off('drain', done);
          s.off('close', done);
          s.off('error', done);
        }
        resolve();
      };
      if (streams.some((s) => s.destroyed)) return resolve();
      stream.on('drain', done);
      for (const s of streams) {
        s.on('close', done);
        s.on('error', done);
      }
    }).then(() => this.check());
  }

  write(batch: Batch): void | Promise<void> {
    const text = this.serializer.write(batch as Point[]);
    if (text.length === 0) return;
    return this.emit(text);
  }

  /** Resolves once the bytes written so far have left this process (handed to the file or pipe). */
  flush(): void | Promise<void> {
    const stream = this.stream;
    if (stream === undefined || this.state!.closed) return;
    const base = this.base!;
    return new Promise<void>((resolve) => {
      const handedOver = (): void => {
        if (base === stream) return resolve();
        base.write('', () => resolve());
      };
      if (this.gzip !== undefined) this.gzip.flush(handedOver);
      else stream.write('', handedOver);
    }).then(() => this.check());
  }

  async end(): Promise<void> {
    const tail = this.serializer.end();
    const stream = this.open();
    if (tail.length > 0) await this.emit(tail);
    const base = this.base!;
    this.check();
    if (this.gzip !== undefined) {
      const gz = this.gzip;
      await new Promise<void>((resolve) => {
        // A file closes once gzip has flushed into it; stdout only needs gzip's output to have been handed over.
        if (this.file !== undefined) {
          if (base.destroyed) return resolve();
          base.once('close', resolve);
          base.once('error', () => resolve());
        } else gz.once('end', resolve);
        gz.once('error', () => resolve());
        gz.end();
      });
    } else if (this.file !== undefined) {
      await new Promise<void>((resolve) => {
        base.once('close', resolve);
        base.once('error', () => resolve());
        stream.end();
      });
    }
    if (this.file === undefined && !this.state!.closed && (base as Writable & { writableNeedDrain?: boolean }).writableNeedDrain) {
      await this.drained(base);
    }
    this.check();
  }
}

// ---------------------------------------------------------------------------

export const stdio = defineAdapter({
  name: 'stdio',
  summary: 'Standard input and output, files and globs (gzip, follow/tail -F).',
  description:
    'Reading: `file` names a file, a glob (`logs/*.jsonl`) or a list of them; `-` or no file is stdin. Several files ' +
    'are merged into one time-ordered stream (each file in time order, as logs are), with one bounded buffer per file; ' +
    "`order='files'` reads them one after another instead (globs in sorted order). The format defaults from the " +
    'extension of the (first) file (`.csv`, `.json`, `.jsonl`/`.ndjson`, ' +
    '`.log`/`.txt` as text, else jsonl; `.gz` is looked through and decompressed). `follow=true` keeps reading ' +
    'appended data like `tail -F` (every matching file is followed), survives rotation (a new file at the ' +
    'path) and truncation, and stops with the run (Ctrl-C). Followed data is live: points without the time field ' +
    'are stamped on arrival (unless `time=null`), and the watermark advances with the clock while idle. A missing ' +
    'file, or a glob matching nothing, is an error (exit 1). While stderr is a terminal, a file read that takes more than a ' +
    'second shows a progress line there (bytes read of the total, points per second), removed at the end; ' +
    '`FLUME_PROGRESS=0` turns it off, `FLUME_PROGRESS=1` shows it from the start.\n\n' +
    'Writing: stdout, or `file` (truncated unless `append=true`; gzip when it ends in `.gz` or ' +
    "`compression='gzip'`); the format defaults from the extension like reading. A closed stdout (`| head`) ends " +
    'output quietly.',
  bytes: true,
  read: {
    options: {
      file: {
        type: 'any',
        default: '-',
        destination: 'path',
        doc:
          "File or glob pattern to read, or a list of them; '-' (the default) is standard input. Several files are " +
          'merged by time (see `order`).',
      },
      order: {
        type: 'string',
        choices: ['time', 'files'],
        default: 'time',
        doc:
          "Several files: 'time' (the default) merges them into one time-ordered stream, each file being in time " +
          "order as log files are; 'files' reads them one after another in the order named (globs sorted).",
      },
      follow: {
        type: 'boolean',
        default: false,
        doc: 'After the end of the file, keep reading appended data (tail -F), across rotation and truncation, until the run stops.',
      },
      start_at: {
        type: 'string',
        choices: ['beginning', 'end'],
        default: 'beginning',
        doc: "With follow: read the existing content first ('beginning') or only data appended from now on ('end').",
      },
      poll: {
        type: 'duration',
        default: '250ms',
        doc: 'With follow: how often to look for appended data, rotation and truncation.',
      },
      compression: {
        type: 'string',
        choices: ['auto', 'gzip', 'none'],
        default: 'auto',
        doc: "'gzip' decompresses; 'auto' (the default) does when the file name ends in .gz.",
      },
      strip_ansi: {
        type: 'boolean',
        default: false,
        doc: 'Remove ANSI escape sequences (terminal colours) from the text before parsing.',
      },
    },
    create(opts: Record<string, unknown>, ctx: CreateContext): SourceInstance {
      const file = readFileOption(opts.file);
      const firstFile = typeof file === 'string' ? file : file?.[0];
      const common = commonReadOptions(opts);
      const formatName = common.format ?? (firstFile === undefined ? 'jsonl' : formatForPath(firstFile));
      const format = lookupFormat(ctx.services, formatName, 'read');
      const follow = opts.follow === true && file !== undefined;
      if (follow && opts.compression === 'gzip')
        throw compileError('bad-option', 'follow=true cannot read compressed files', undefined, ["use compression='none'"]);
      const gz = (typeof file === 'string' ? [file] : (file ?? [])).find((f) => f.toLowerCase().endsWith('.gz'));
      if (follow && gz !== undefined && opts.compression !== 'none')
        throw compileError('bad-option', `follow=true cannot read compressed files (${gz})`);
      const plan: ReadPlan = {
        file,
        order: opts.order === 'files' ? 'files' : 'time',
        format,
        opts,
        common,
        follow,
        startAtEnd: opts.start_at === 'end',
        pollMs: Math.max(1, durationMs(opts.poll, DEFAULT_POLL_MS)),
        compression: opts.compression ?? 'auto',
        stripAnsi: opts.strip_ansi === true,
        firstParser: createParserEarly(format, opts),
      };
      return new StdioSource(plan, ctx);
    },
  },
  write: {
    options: {
      file: {
        type: 'string',
        default: '-',
        destination: 'path',
        doc: "File to write; '-' (the default) is standard output. Never taken from FLUME_STDIO_FILE: only FLUME_WRITE_STDIO_FILE sets its default.",
      },
      append: {
        type: 'boolean',
        default: false,
        doc: 'Append to the file instead of replacing it.',
      },
      compression: {
        type: 'string',
        choices: ['auto', 'gzip', 'none'],
        default: 'auto',
        doc: "'gzip' compresses; 'auto' (the default) does when the file name ends in .gz.",
      },
    },
    create(opts: Record<string, unknown>, ctx: CreateContext): SinkInstance {
      const file = isStd(opts.file) ? undefined : String(opts.file);
      const formatName = typeof opts.format === 'string' ? opts.format : file === undefined ? 'jsonl' : formatForPath(file);
      const serializer = lookupFormat(ctx.services, formatName, 'write').createSerializer!(opts);
      return new StdioSink(file, opts.append === true, wantsGzip(opts.compression, file), serializer, formatName, ctx);
    },
  },
  examples: [
    {
      title: 'Read JSON lines from stdin and write them to stdout.',
      program: "read('stdio') | write('stdio')",
      input: '{"time":"2016-07-17T13:59:44Z","v":1}\n',
      output: '{"time":"2016-07-17T13:59:44.000Z","v":1}\n',
    },
    {
      title: 'Read CSV from stdin; count rows.',
      program: "read('stdio', format='csv') | reduce(n=count())",
      input: 'a,b\n1,2\n3,4\n',
      output: '{"n":2}\n',
    },
  ],
});
