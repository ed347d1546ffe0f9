/**
 * Charts: terminal text and Vega-Lite specs for fixed data against golden
 * files (checked by eye when written: `FLUME_UPDATE_GOLDEN=1` rewrites them),
 * live redraw in a terminal, plain output to a pipe, drops and option errors,
 * and the svg and png renderings.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { PNG } from 'pngjs';
import { runProgram } from '../helpers.js';
import { TerminalChart, type ChartSettings } from '../../src/procs/chart.js';

const GOLDEN = new URL('../golden/charts/', import.meta.url);
const UPDATE = process.env['FLUME_UPDATE_GOLDEN'] === '1';

function golden(name: string, actual: string): void {
  const file = new URL(name, GOLDEN);
  if (UPDATE || !existsSync(file)) {
    if (!UPDATE) assert.fail(`no golden file ${name}: run with FLUME_UPDATE_GOLDEN=1, then check it by eye`);
    writeFileSync(file, actual);
  }
  assert.equal(actual, readFileSync(file, 'utf8'));
}

/** Two hosts' cpu over six minutes: a rises then falls, b is flat then jumps. */
const CPU =
  'emit(points=[' +
  [
    ['00', 10, 20], ['01', 30, 20], ['02', 50, 20], ['03', 70, 20], ['04', 50, 80], ['05', 30, 80],
  ]
    .map(([m, a, b]) => `{time:'2016-01-01T00:${m}:00Z', host:'a', cpu:${a}}, {time:'2016-01-01T00:${m}:00Z', host:'b', cpu:${b}}`)
    .join(', ') +
  '])';

/** Requests per host in two data centres. */
const REQUESTS =
  "emit(points=[{host:'db1', dc:'east', n:40}, {host:'db1', dc:'west', n:10}, {host:'web1', dc:'east', n:100}, {host:'web2', dc:'west', n:25.5}])";

async function stdoutOf(program: string): Promise<string> {
  const r = await runProgram(program);
  assert.equal(r.error, undefined, r.error);
  return r.stdout;
}

describe('chart: terminal text (not a terminal: printed once, plain)', () => {
  it('a line per host over time, with unit, time ticks and legend', async () => {
    const out = await stdoutOf(`${CPU} | chart(y=[cpu], by=[host], unit='%', title='CPU by host', width=60, height=16)`);
    assert.doesNotMatch(out, /\x1b/, 'no escapes when stdout is not a terminal');
    golden('line-by-host.txt', out);
  });
  it('timechart takes Python flume names: series defaults to `name`, value', async () => {
    const out = await stdoutOf(`${CPU} | rename(host=name) | timechart(value='cpu', unit='%', title='CPU by host', width=60, height=16)`);
    // The same chart as chart(y=[cpu], by=[host]): the series names (a, b) are the values, not the field.
    assert.equal(out, readFileSync(new URL('line-by-host.txt', GOLDEN), 'utf8'));
  });
  it('horizontal bars with values, one per category and series', async () => {
    golden('bar-by-dc.txt', await stdoutOf(`${REQUESTS} | barchart(category='host', value='n', series='dc', width=50)`));
  });
  it('area and point charts', async () => {
    golden('area.txt', await stdoutOf(`${CPU} | filter(host == 'a') | chart('area', y=[cpu], width=40, height=12)`));
    golden('point.txt', await stdoutOf(`${CPU} | filter(host == 'b') | chart('point', y=[cpu], width=40, height=12)`));
  });
  it('a numeric x axis (linechart xvalue/yvalue)', async () => {
    golden(
      'line-numeric-x.txt',
      await stdoutOf("emit(points=[{x:0, y:0}, {x:5, y:25}, {x:10, y:100}]) | linechart(xvalue='x', yvalue='y', width=40, height=10)"),
    );
  });
  it('no points: says so', async () => {
    assert.equal(await stdoutOf("emit(points=[]) | chart(title='empty')"), 'empty\n(no points to chart)\n');
  });
  it('falls back to 80 columns when stdout is not a terminal', async () => {
    const out = await stdoutOf(`${CPU} | chart(y=[cpu], by=[host])`);
    const widest = Math.max(...out.split('\n').map((l) => [...l].length));
    assert.ok(widest <= 80 && widest >= 75, `widest line ${widest}`);
  });
});

describe('chart: data rules', () => {
  it('a non-numeric value and a timeless point are dropped and counted', async () => {
    const r = await runProgram("emit(points=[{time:'2016-01-01', v:1}, {time:'2016-01-01T00:01:00Z', v:'x'}, {v:3}, {time:'2016-01-01T00:02:00Z', v:2}]) | chart(y=[v])");
    assert.equal(r.error, undefined);
    assert.match(r.stderr, /type-mismatch/);
    assert.match(r.stderr, /timeless/);
  });
  it('y defaults to every numeric field, one series each', async () => {
    const out = await stdoutOf("emit(points=[{time:'2016-01-01', a:1, b:2, s:'x'}, {time:'2016-01-01T00:01:00Z', a:2, b:1, s:'y'}]) | chart(width=40, height=10)");
    assert.match(out, /^a, b$/m);
    assert.match(out, /─ a {3}• b$/m);
  });
  it('an unknown option is a compile error listing the valid ones', async () => {
    const r = await runProgram('emit(limit=1) | chart(colour=1)');
    assert.match(r.error ?? '', /unknown option `colour`/);
    assert.match(r.error ?? '', /valid options:.*\btype\b.*\bfile\b/);
    assert.equal(r.exitCode, 2);
  });
  it('a file name that is no chart format is a compile error', async () => {
    const r = await runProgram("emit(limit=1) | chart(file='x.jpg')");
    assert.match(r.error ?? '', /cannot tell the chart format of `x.jpg`/);
    assert.equal(r.exitCode, 2);
  });
  it('a file that cannot be written is a runtime error naming the stage', async () => {
    const r = await runProgram("emit(points=[{time:'2016-01-01', v:1}]) | chart(file='/nonexistent-dir/x.svg')");
    assert.match(r.error ?? '', /chart \(1:\d+\): cannot write \/nonexistent-dir\/x\.svg/);
    assert.equal(r.exitCode, 1);
  });
  it('timechart takes yvalue or value, not both', async () => {
    const r = await runProgram("emit(limit=1) | timechart(yvalue='a', value='b')");
    assert.match(r.error ?? '', /give `yvalue` or `value`, not both/);
  });
});

/** A stream that says it is a terminal, recording every write. */
function fakeTerminal(): { stream: NodeJS.WritableStream; writes: string[] } {
  const writes: string[] = [];
  const stream = new PassThrough();
  stream.on('data', (c: Buffer) => writes.push(c.toString('utf8')));
  return { stream, writes };
}

const settings: ChartSettings = { type: 'line', x: 'time', y: ['v'], by: ['k'], title: 'live', unit: undefined, width: undefined, height: undefined, file: undefined, limit: 100 };
const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('chart: in a terminal', () => {
  it('draws in colour when a window closes and redraws in place over the previous drawing', async () => {
    const { stream, writes } = fakeTerminal();
    const drops: string[] = [];
    const sink = new TerminalChart(settings, { drop: (r) => drops.push(r) }, { stream, tty: true, columns: 50, rows: 14, redrawMs: 0 });
    sink.write([{ time: 0, k: 'a', v: 1 }, { time: 0, k: 'b', v: 2 }]);
    await sink.mark!(0);
    await flush();
    assert.equal(writes.length, 1);
    const first = writes[0]!;
    assert.doesNotMatch(first, /\x1b\[\d+A/, 'nothing to move over the first time');
    assert.match(first, /\x1b\[34m■\x1b\[0m a {3}\x1b\[31m■\x1b\[0m b/, 'legend in the series colours');
    const lines = first.split('\n').length - 1;
    assert.ok(lines <= 14, `fits the terminal (${lines} lines)`);

    await sink.mark!(0); // nothing new: no redraw
    await flush();
    assert.equal(writes.length, 1);

    sink.write([{ time: 60_000, k: 'a', v: 3 }, { time: 60_000, k: 'b', v: 1 }]);
    await sink.mark!(60_000);
    await flush();
    assert.equal(writes.length, 2);
    assert.ok(writes[1]!.startsWith(`\x1b[${lines}A\r`), 'moves up over the previous chart');
    assert.ok(writes[1]!.endsWith('\x1b[K\n\x1b[J'), 'and clears what the previous one left below');
    assert.equal(writes[1]!.split('\n').length - 1, lines, 'as many lines as the terminal allows, again');
    assert.doesNotMatch(first, /00:00:45/);
    assert.match(writes[1]!, /00:00:45/, 'the time axis now spans the new window');

    await sink.end();
    await flush();
    assert.equal(writes.length, 2, 'end draws again only when something changed');
    assert.deepEqual(drops, []);
  });
  it('redraws at most every redrawMs', async () => {
    const { stream, writes } = fakeTerminal();
    const sink = new TerminalChart(settings, { drop: () => {} }, { stream, tty: true, columns: 50, rows: 14, redrawMs: 60_000 });
    sink.write([{ time: 0, k: 'a', v: 1 }]);
    await sink.mark!(0);
    sink.write([{ time: 1000, k: 'a', v: 2 }]);
    await sink.mark!(1000);
    await flush();
    assert.equal(writes.length, 1);
    await sink.end();
    await flush();
    assert.equal(writes.length, 2, 'the final state is always drawn');
  });
});

describe('chart: Vega-Lite files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flume-charts-'));
  it('the spec of a line per host (golden)', async () => {
    const file = join(dir, 'line.vl.json');
    await stdoutOf(`${CPU} | chart(y=[cpu], by=[host], unit='%', title='CPU by host', file='${file}')`);
    golden('line-by-host.vl.json', readFileSync(file, 'utf8'));
  });
  it('the spec of grouped bars (golden)', async () => {
    const file = join(dir, 'bar.vl.json');
    await stdoutOf(`${REQUESTS} | barchart(category='host', value='n', series='dc', width=400, height=200, file='${file}')`);
    golden('bar-by-dc.vl.json', readFileSync(file, 'utf8'));
  });
  it('svg: one mark group per series', async () => {
    const file = join(dir, 'three.svg');
    await stdoutOf(`${CPU} | put(c=cpu/2) | chart(y=[cpu, c], by=[host], file='${file}')`);
    const svg = readFileSync(file, 'utf8');
    assert.match(svg, /^<svg/);
    const groups = svg.match(/<g class="mark-line role-mark[^"]*"/g) ?? [];
    assert.equal(groups.length, 4, 'a cpu, a c, b cpu, b c');
    for (const name of ['a cpu', 'a c', 'b cpu', 'b c']) assert.ok(svg.includes(`>${name}</text>`), `legend entry ${name}`);
  });
  it('png: decodes, with the size asked for', async () => {
    const file = join(dir, 'cpu.png');
    await stdoutOf(`${CPU} | chart(y=[cpu], by=[host], width=640, height=320, file='${file}')`);
    const png = PNG.sync.read(readFileSync(file));
    assert.equal(png.width, 640);
    assert.equal(png.height, 320);
    // Not blank: the lines' colours are there (vega's first category colour is #4c78a8).
    let blue = 0;
    for (let i = 0; i < png.data.length; i += 4) if (png.data[i] === 0x4c && png.data[i + 1] === 0x78 && png.data[i + 2] === 0xa8) blue++;
    assert.ok(blue > 50, `${blue} pixels of the first series' colour`);
  });
});
