/**
 * A progress line on stderr for long file reads: bytes read of the total and
 * points per second, redrawn in place. Shown only when stderr is a terminal,
 * only once a read has gone on for a while (short reads stay silent), and
 * updated at most every `everyMs`, so the read loop pays one clock read per
 * chunk.
 */

/** Tunable for tests; a user never needs to change these. */
export const progressSettings = { delayMs: 1000, everyMs: 200 };

export interface ProgressTarget {
  isTTY?: boolean;
  columns?: number;
  write(text: string): boolean;
}

function size(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

// Made at the first progress line: ICU formatters cost ~10 ms to create, and most runs never draw one.
let countFormat: Intl.NumberFormat | undefined;
const count = (n: number): string => (countFormat ??= new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })).format(n);

export class ReadProgress {
  private readonly started: number;
  private lastShown = 0;
  private shown = false;

  constructor(
    private readonly name: string,
    private readonly total: number,
    private readonly target: ProgressTarget,
    private readonly now: () => number = Date.now,
    private readonly delayMs = progressSettings.delayMs,
  ) {
    this.started = now();
  }

  /** After each chunk: cheap unless a redraw is due. */
  update(bytes: number, points: number): void {
    const t = this.now();
    if (t - this.started < this.delayMs || t - this.lastShown < progressSettings.everyMs) return;
    this.lastShown = t;
    this.shown = true;
    this.target.write('\r\x1b[K' + this.line(bytes, points, t));
  }

  /** End of the read: take the line away so results and summaries print on a clean line. */
  done(): void {
    if (this.shown) this.target.write('\r\x1b[K');
    this.shown = false;
  }

  line(bytes: number, points: number, t: number): string {
    const seconds = Math.max((t - this.started) / 1000, 1e-3);
    const pct = this.total > 0 ? ` (${Math.min(100, Math.floor((bytes / this.total) * 100))}%)` : '';
    const text = `${this.name}: ${size(bytes)} of ${size(this.total)}${pct}, ${count(points)} points, ${count(points / seconds)} points/s`;
    const cols = this.target.columns ?? 80;
    // Wider than the terminal would wrap, and `\r` would then redraw only the last row.
    return text.length < cols ? text : text.slice(0, Math.max(0, cols - 2)) + '…';
  }
}

/**
 * A progress line for reading `name` (of `total` bytes), or undefined when stderr is not a terminal or
 * `FLUME_PROGRESS=0`. `FLUME_PROGRESS=1` shows it from the start of every read, not only long ones.
 */
export function readProgress(
  name: string,
  total: number,
  env: Readonly<Record<string, string | undefined>>,
  target: ProgressTarget = process.stderr,
): ReadProgress | undefined {
  if (target.isTTY !== true || env['FLUME_PROGRESS'] === '0') return undefined;
  return new ReadProgress(name, total, target, Date.now, env['FLUME_PROGRESS'] === '1' ? 0 : progressSettings.delayMs);
}
