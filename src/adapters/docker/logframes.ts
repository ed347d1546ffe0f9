/**
 * The bytes of `/containers/<id>/logs?timestamps=1` → lines. Without a
 * terminal the engine multiplexes stdout and stderr in frames (an 8-byte
 * header: stream, three zero bytes, big-endian payload length); with one it
 * sends a raw stream. Every message starts with the engine's RFC 3339 nano
 * timestamp and a space; a line longer than the engine's buffer comes as
 * several messages, only the last ending in a newline.
 */
import { TextDecoder } from 'node:util';
import { LineSplitter } from '../formats/text.js';

export type StreamName = 'stdout' | 'stderr';

export interface RawLine {
  stream: StreamName;
  /** The engine's timestamp, as sent. */
  ts: string;
  text: string;
}

const HEADER = 8;

export class LogFramer {
  private buf: Buffer = Buffer.alloc(0);
  private readonly partial: Record<StreamName, RawLine | undefined> = { stdout: undefined, stderr: undefined };
  private readonly dec: Record<StreamName, TextDecoder> = { stdout: new TextDecoder(), stderr: new TextDecoder() };
  /** The raw (terminal) stream's lines; CRLF ends a line too. */
  private readonly raw = new LineSplitter();

  constructor(private readonly tty: boolean) {}

  feed(chunk: Buffer): RawLine[] {
    const out: RawLine[] = [];
    if (this.tty) {
      this.raw.push(this.dec.stdout.decode(chunk, { stream: true }), (line) => this.message('stdout', line + '\n', out));
      return out;
    }
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    let off = 0;
    while (this.buf.length - off >= HEADER) {
      const size = this.buf.readUInt32BE(off + 4);
      if (this.buf.length - off < HEADER + size) break;
      const kind = this.buf[off]!;
      const stream: StreamName = kind === 2 ? 'stderr' : 'stdout';
      const text = this.dec[stream].decode(this.buf.subarray(off + HEADER, off + HEADER + size), { stream: true });
      off += HEADER + size;
      this.message(stream, text, out);
    }
    this.buf = this.buf.subarray(off);
    return out;
  }

  /** What is left at the end of the stream (a last line without its newline). */
  end(): RawLine[] {
    const out: RawLine[] = [];
    if (this.tty) this.raw.end((line) => this.message('stdout', line, out));
    for (const s of ['stdout', 'stderr'] as const) {
      const p = this.partial[s];
      if (p !== undefined) out.push(p);
      this.partial[s] = undefined;
    }
    return out;
  }

  private message(stream: StreamName, text: string, out: RawLine[]): void {
    // A frame may hold several lines (a raw write through the API); each starts with its timestamp.
    for (const piece of text.split(/(?<=\n)/)) {
      if (piece.length === 0) continue;
      const sp = piece.indexOf(' ');
      const ts = sp > 0 ? piece.slice(0, sp) : '';
      let body = sp > 0 ? piece.slice(sp + 1) : piece;
      const complete = body.endsWith('\n');
      if (complete) body = body.slice(0, -1);
      const prev = this.partial[stream];
      const line: RawLine = prev === undefined ? { stream, ts, text: body } : { stream, ts, text: prev.text + body };
      if (complete) {
        this.partial[stream] = undefined;
        out.push(line);
      } else this.partial[stream] = line;
    }
  }
}
