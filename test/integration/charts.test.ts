/**
 * Charts through the built CLI: files written by `chart(file=...)`, a headless
 * Chromium (Debian's, never a downloaded one) opening the html page offline,
 * and the drawing libraries staying unloaded for programs without a chart.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PNG } from 'pngjs';
import { chromiumPath } from './services.js';

const root = resolve(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'flume.js');
const tmp = mkdtempSync(join(tmpdir(), 'flume-charts-it-'));

function flume(program: string, nodeArgs: string[] = [], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [...nodeArgs, bin, program], { cwd: tmp, encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
  assert.equal(r.status, 0, r.stderr);
  return r;
}

const CPU =
  "emit(points=[{time:'2016-01-01T00:00:00Z', host:'a', cpu:10}, {time:'2016-01-01T00:01:00Z', host:'a', cpu:30}, " +
  "{time:'2016-01-01T00:02:00Z', host:'a', cpu:20}, {time:'2016-01-01T00:00:00Z', host:'b', cpu:5}, " +
  "{time:'2016-01-01T00:01:00Z', host:'b', cpu:15}, {time:'2016-01-01T00:02:00Z', host:'b', cpu:40}])";
const REQUESTS = "emit(points=[{host:'db1', dc:'east', n:40}, {host:'db1', dc:'west', n:10}, {host:'web1', dc:'east', n:100}, {host:'web2', dc:'west', n:25}])";

/** Open a page in headless Chromium with no network; returns console errors, outside requests and what `count` finds. */
async function openInChromium(file: string, selectors: string[]): Promise<{ errors: string[]; outside: string[]; counts: number[] }> {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'flume-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    const outside: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    // Self-contained means no request leaves the file: abort and record any that tries.
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      outside.push(url);
      return route.abort();
    });
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('#chart svg .role-mark', { timeout: 20_000 });
    const counts: number[] = [];
    for (const s of selectors) counts.push(await page.locator(s).count());
    return { errors, outside, counts };
  } finally {
    await context.close();
  }
}

describe('charts through the CLI', () => {
  it('png: decodes with the size asked for', () => {
    flume(`${CPU} | chart(y=[cpu], by=[host], width=500, height=250, file='cpu.png')`);
    const png = PNG.sync.read(readFileSync(join(tmp, 'cpu.png')));
    assert.deepEqual([png.width, png.height], [500, 250]);
  });

  it('svg: one line mark group per series', () => {
    flume(`${CPU} | timechart(series='host', yvalue='cpu', file='cpu.svg')`);
    const svg = readFileSync(join(tmp, 'cpu.svg'), 'utf8');
    assert.equal((svg.match(/<g class="mark-line role-mark[^"]*"/g) ?? []).length, 2);
  });

  it('vl.json: the spec names its schema and inlines the data', () => {
    flume(`${CPU} | chart(y=[cpu], by=[host], file='cpu.vl.json')`);
    const spec = JSON.parse(readFileSync(join(tmp, 'cpu.vl.json'), 'utf8')) as { $schema: string; data: { values: unknown[] } };
    assert.match(spec.$schema, /vega-lite\/v6/);
    assert.equal(spec.data.values.length, 6);
  });

  it('html: Chromium draws one line per series, offline, with no console errors', async () => {
    flume(`${CPU} | chart(y=[cpu], by=[host], title='CPU', file='cpu.html')`);
    const r = await openInChromium(join(tmp, 'cpu.html'), ['#chart svg g.mark-line.role-mark', '#chart svg g.mark-line.role-mark path']);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.outside, []);
    assert.deepEqual(r.counts, [2, 2]);
  });

  it('html: Chromium draws one bar per category and series', async () => {
    flume(`${REQUESTS} | barchart(category='host', value='n', series='dc', file='bars.html')`);
    const r = await openInChromium(join(tmp, 'bars.html'), ['#chart svg g.mark-rect.role-mark path']);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.outside, []);
    assert.deepEqual(r.counts, [4]);
  });

  it('a program without a chart loads none of the drawing libraries; one with a chart does', () => {
    const hook = ['--import', pathToFileURL(join(root, 'test', 'integration', 'fixtures', 'trace-imports.mjs')).href];
    const plainLog = join(tmp, 'plain-imports.log');
    flume('emit(limit=1, start=0)', hook, { FLUME_TRACE_IMPORTS: plainLog });
    const plain = readFileSync(plainLog, 'utf8');
    assert.match(plain, /bin\/load\.js/, 'the trace sees the CLI load');
    assert.doesNotMatch(plain, /node_modules\/(asciichart|vega|vega-lite|vega-embed|@resvg)\//);

    const chartLog = join(tmp, 'chart-imports.log');
    flume(`${CPU} | chart(y=[cpu])`, hook, { FLUME_TRACE_IMPORTS: chartLog });
    assert.match(readFileSync(chartLog, 'utf8'), /node_modules\/asciichart\//);
  });
});
