/**
 * chart: a sink that draws. In a terminal it redraws in place as windows
 * close; to a pipe or file it prints the final chart once, as plain text;
 * with `file=` it writes a Vega-Lite chart (spec, svg, png or html).
 * The drawing libraries are imported on first draw only.
 */
import { writeFile } from 'node:fs/promises';
import { defineSink, type CreateContext } from '../runtime/defs.js';
import type { OptionSchema, SinkInstance } from '../runtime/component.js';
import type { Batch } from '../runtime/point.js';
import { compileError, runtimeError } from '../lang/diagnostics.js';
import { CHART_TYPES, ChartModel, type ChartType } from '../adapters/charts/model.js';
import type { AsciiChart } from '../adapters/charts/terminal.js';
import { FILE_KINDS, fileKind, type FileKind } from '../adapters/charts/render.js';

/** Terminal size when stdout is not a terminal (a pipe, a file, a test). */
export const FALLBACK_COLUMNS = 80;
export const FALLBACK_ROWS = 20;
/** Default picture size of file charts, in pixels. */
const FILE_WIDTH = 600;
const FILE_HEIGHT = 300;
/** A live chart redraws at most this often, however fast windows close. */
const REDRAW_MS = 250;

/** Options every chart sink shares (chart and the Python-named aliases). */
export const drawingOptions: OptionSchema = {
  title: { type: 'string', nullable: true, doc: 'title drawn above the chart' },
  unit: { type: 'string', nullable: true, doc: "unit of the y values, shown on the axis and after bar values ('%', 'ms')" },
  width: {
    type: 'integer',
    nullable: true,
    doc: `file charts: the picture's width in pixels, axes and legend included (default ${FILE_WIDTH}); terminal: columns (default: the terminal's, ${FALLBACK_COLUMNS} when not a terminal)`,
  },
  height: {
    type: 'integer',
    nullable: true,
    doc: `file charts: the picture's height in pixels (default ${FILE_HEIGHT}); terminal: rows (default: the terminal's, ${FALLBACK_ROWS} when not a terminal)`,
  },
  file: {
    type: 'string',
    nullable: true,
    doc: "write the chart to this file instead of the terminal, at end of stream: '.vl.json' (the Vega-Lite spec), '.svg', '.png' or '.html' (a self-contained page)",
  },
  limit: { type: 'integer', min: 1, default: 10000, doc: 'values kept per series; older ones scroll out, so a live chart stays small' },
};

/** What a chart sink is asked to draw, after option names are mapped (aliases). */
export interface ChartSettings {
  type: ChartType;
  x: string;
  y: string[];
  by: string[];
  /** `by` applies only when the first point has the field (Python flume's `series='name'` default). */
  byIfPresent?: boolean;
  title: string | undefined;
  unit: string | undefined;
  width: number | undefined;
  height: number | undefined;
  file: string | undefined;
  limit: number;
}

/** A chart's drawing options from the shared schema. */
export function drawingSettings(opts: Record<string, unknown>): Pick<ChartSettings, 'title' | 'unit' | 'width' | 'height' | 'file' | 'limit'> {
  const str = (k: string): string | undefined => (typeof opts[k] === 'string' ? (opts[k] as string) : undefined);
  const int = (k: string): number | undefined => (typeof opts[k] === 'number' ? (opts[k] as number) : undefined);
  return { title: str('title'), unit: str('unit'), width: int('width'), height: int('height'), file: str('file'), limit: Math.max(1, int('limit') ?? 10000) };
}

/** Where a terminal chart goes, and whether it may use colours and cursor movement. */
export interface TerminalTarget {
  stream: NodeJS.WritableStream;
  tty: boolean;
  columns: number;
  rows: number;
  /** A live chart redraws at most this often (tests set 0). */
  redrawMs: number;
}

/** A stream is a terminal when it says so (tests substitute a stream with `isTTY`, `columns`, `rows`). */
export function terminalTarget(stream: NodeJS.WritableStream): TerminalTarget {
  const s = stream as NodeJS.WritableStream & { isTTY?: boolean; columns?: number; rows?: number };
  const tty = s.isTTY === true;
  return {
    stream,
    tty,
    columns: tty && typeof s.columns === 'number' && s.columns > 0 ? s.columns : FALLBACK_COLUMNS,
    rows: tty && typeof s.rows === 'number' && s.rows > 0 ? s.rows : FALLBACK_ROWS,
    redrawMs: REDRAW_MS,
  };
}

export function createChartSink(s: ChartSettings, ctx: CreateContext): SinkInstance {
  if (s.width !== undefined && s.width < 1) throw compileError('bad-option', `width must be positive, not ${s.width}`);
  if (s.height !== undefined && s.height < 1) throw compileError('bad-option', `height must be positive, not ${s.height}`);
  if (s.file === undefined) return new TerminalChart(s, ctx, terminalTarget(ctx.io.stdout));
  const kind = fileKind(s.file);
  if (kind === undefined) {
    throw compileError('bad-option', `cannot tell the chart format of \`${s.file}\``, undefined, [
      `file names end in ${FILE_KINDS.map((k) => '.' + k).join(', ')}`,
    ]);
  }
  return new FileChart(s, ctx, s.file, kind);
}

function model(s: ChartSettings): ChartModel {
  return new ChartModel({ type: s.type, x: s.x, y: s.y, by: s.by, byIfPresent: s.byIfPresent === true, limit: s.limit });
}

export class TerminalChart implements SinkInstance {
  private readonly data: ChartModel;
  private ascii: AsciiChart | undefined;
  private drawnVersion = -1;
  private drawnLines = 0;
  private lastDraw = 0;

  constructor(
    private readonly s: ChartSettings,
    private readonly ctx: Pick<CreateContext, 'drop'>,
    private readonly target: TerminalTarget,
  ) {
    this.data = model(s);
  }

  write(batch: Batch): void {
    this.data.add(batch, (reason, example) => this.ctx.drop(reason, example));
  }

  /** A window closed (the watermark moved): redraw in place, in a terminal only, at most every REDRAW_MS. */
  mark(_watermark?: number): void | Promise<void> {
    if (!this.target.tty || this.data.version === this.drawnVersion) return;
    if (Date.now() - this.lastDraw < this.target.redrawMs) return;
    return this.draw();
  }

  async end(): Promise<void> {
    if (this.data.version !== this.drawnVersion || this.drawnLines === 0) await this.draw();
  }

  /** The reader went away (`| head`): stop drawing quietly, as write('stdio') does. */
  private closed = false;
  private watching = false;

  private watchStream(): void {
    if (this.watching) return;
    this.watching = true;
    this.target.stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') this.closed = true;
    });
  }

  private async draw(): Promise<void> {
    this.watchStream();
    if (this.closed) return;
    this.ascii ??= ((await import('asciichart')) as unknown as { default: AsciiChart }).default;
    const { renderTerminal } = await import('../adapters/charts/terminal.js');
    const t = this.target;
    const lines = renderTerminal(this.data.snapshot(), this.ascii, {
      columns: this.s.width ?? t.columns,
      rows: this.s.height ?? t.rows,
      color: t.tty,
      title: this.s.title,
      unit: this.s.unit,
    });
    this.drawnVersion = this.data.version;
    this.lastDraw = Date.now();
    if (!t.tty) {
      await writeText(t.stream, lines.join('\n') + '\n');
      return;
    }
    // In place: back to the first line of the previous drawing and overwrite it line by line, clearing each line's
    // rest and, at the end, what a taller previous drawing left below. (Clearing the whole screen instead would push
    // every frame into the scrollback of terminals such as tmux.)
    const back = this.drawnLines > 0 ? `\x1b[${this.drawnLines}A\r` : '';
    this.drawnLines = lines.length;
    await writeText(t.stream, back + lines.join('\x1b[K\n') + '\x1b[K\n\x1b[J');
  }
}

function writeText(stream: NodeJS.WritableStream, text: string): Promise<void> | void {
  if (stream.write(text)) return;
  return new Promise((resolve) => stream.once('drain', () => resolve()));
}

class FileChart implements SinkInstance {
  private readonly data: ChartModel;

  constructor(
    private readonly s: ChartSettings,
    private readonly ctx: CreateContext,
    private readonly file: string,
    private readonly kind: FileKind,
  ) {
    this.data = model(s);
  }

  write(batch: Batch): void {
    this.data.add(batch, (reason, example) => this.ctx.drop(reason, example));
  }

  async end(): Promise<void> {
    const { buildVegaLite } = await import('../adapters/charts/vegalite.js');
    const { renderFile } = await import('../adapters/charts/render.js');
    const spec = buildVegaLite(this.data.snapshot(), {
      title: this.s.title,
      unit: this.s.unit,
      width: this.s.width ?? FILE_WIDTH,
      height: this.s.height ?? FILE_HEIGHT,
    });
    let bytes: string | Buffer;
    try {
      bytes = await renderFile(this.kind, spec, this.s.title ?? 'flume chart', (m) => this.ctx.warn('vega', m));
    } catch (e) {
      throw runtimeError('chart-error', `cannot draw ${this.file}: ${(e as Error).message}`);
    }
    try {
      await writeFile(this.file, bytes);
    } catch (e) {
      throw runtimeError('write-error', `cannot write ${this.file}: ${(e as Error).message}`);
    }
  }
}

export const chart = defineSink({
  name: 'chart',
  summary: "draw a line, bar, area or point chart in the terminal, or to a file (.vl.json, .svg, .png, .html)",
  description:
    'Without `file`, the chart is drawn as text. In a terminal it fills the terminal, one colour per series with a legend, and ' +
    'redraws in place as windows close (at most four times a second), so `reduce(..., every=...) | chart()` is a live chart. When ' +
    'stdout is not a terminal (a pipe, a file), the final chart is printed once at end of stream, without colours or escapes. ' +
    'Line, area and point charts put `x` across (times as UTC ticks) and the values up; bar charts are horizontal bars with their ' +
    "values, one per category (`x`) and series, showing each one's last value.\n\n" +
    'Series: one per `by` group and y field. `y` defaults to every numeric field of the first point that has one (other than `x` ' +
    'and `by`). A missing or null value is a gap; a value that is not a number, or a point without `x`, is dropped and counted ' +
    '(`type-mismatch`, `timeless`).\n\n' +
    '`file=` writes a Vega-Lite chart at end of stream, by extension: `.vl.json` the spec (data inlined), `.svg` rendered by vega, ' +
    '`.png` from that svg (resvg), `.html` a page with vega, vega-lite and vega-embed inlined that works offline. `width` and ' +
    '`height` are the whole picture, axes and legend included.',
  options: {
    type: { type: 'string', default: 'line', choices: CHART_TYPES, doc: "'line', 'bar' (horizontal), 'area' or 'point'" },
    x: { type: 'field', default: 'time', doc: 'the field across (bars: the category)' },
    y: { type: 'fields', default: [], doc: 'the fields to chart (default: every numeric field of the first point, other than x and by)' },
    by: { type: 'fields', default: [], doc: 'one series per group of these fields' },
    ...drawingOptions,
  },
  positional: ['type'],
  examples: [
    {
      title: 'a bar chart of two hosts, as printed to a pipe',
      program: "emit(points=[{host:'db1', n:4}, {host:'web1', n:8}]) | chart('bar', x='host', y=[n], width=30)",
      output: 'n by host\ndb1  │██████████▌ 4\nweb1 │█████████████████████ 8\n■ n',
    },
    {
      title: 'a line per host over time',
      program:
        "emit(points=[{time:'2016-01-01T00:00:00Z', host:'a', cpu:1}, {time:'2016-01-01T00:01:00Z', host:'a', cpu:3}, " +
        "{time:'2016-01-01T00:00:00Z', host:'b', cpu:2}, {time:'2016-01-01T00:01:00Z', host:'b', cpu:2}]) | chart(y=[cpu], by=[host], unit='%', width=40, height=10)",
    },
  ],
  create(opts, ctx) {
    return createChartSink(
      {
        type: opts['type'] as ChartType,
        x: opts['x'] as string,
        y: opts['y'] as string[],
        by: opts['by'] as string[],
        ...drawingSettings(opts),
      },
      ctx,
    );
  },
});
