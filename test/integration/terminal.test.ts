/**
 * Charts and the read progress line in a real terminal: tmux runs the CLI,
 * `script` records the bytes it wrote to its terminal, capture-pane reads the
 * screen (history included).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

const root = resolve(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'flume.js');
const SOCKET = `flume-charts-test-${process.pid}`;
const tmp = mkdtempSync(join(tmpdir(), 'flume-term-'));

function tmux(...args: string[]): string {
  const r = spawnSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
  if (r.error) throw new Error(`tmux is needed for the terminal tests: make setup (or apt-get install -y tmux) (${r.error.message})`);
  return r.stdout;
}

function sq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Run a flume program in a fresh 90×20 terminal; its output bytes go to `raw` too. */
function run(name: string, program: string, raw: string, env = ''): void {
  const flume = `${env} ${process.execPath} ${bin} ${sq(program)}`;
  tmux('new-session', '-d', '-s', name, '-x', '90', '-y', '20', `script -q -c ${sq(flume)} ${raw}; echo EXIT=$?; sleep 120`);
}

function screen(name: string): string {
  return tmux('capture-pane', '-t', name, '-p', '-S', '-500');
}

/** Waits on what the screen shows, with a deadline generous enough for a loaded CI machine. */
async function waitFor(name: string, pattern: RegExp, ms = 60_000): Promise<string> {
  const until = Date.now() + ms;
  let s = '';
  while (Date.now() < until) {
    s = screen(name);
    if (pattern.test(s)) return s;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${pattern} on screen:\n${s}`);
}

describe('in a terminal', () => {
  before(() => {
    const r = spawnSync('tmux', ['-V'], { encoding: 'utf8' });
    assert.ok(!r.error, 'tmux is needed for the terminal tests: make setup (or apt-get install -y tmux)');
  });
  after(() => spawnSync('tmux', ['-L', SOCKET, 'kill-server']));

  it('a live timechart redraws in place as windows close, in colour, sized to the terminal', async () => {
    const raw = join(tmp, 'live.raw');
    run('live', "emit(every='250ms', limit=16) | put(k=count() % 2, v=count()) | reduce(v=max(v), every='1s', by=[k]) | timechart(series='k', title='live chart')", raw);
    const s = await waitFor('live', /EXIT=0/);
    const bytes = readFileSync(raw, 'utf8');
    const redraws = bytes.match(/\x1b\[\d+A\r/g) ?? [];
    assert.ok(redraws.length >= 2, `redrawn as windows closed (${redraws.length} redraws)`);
    assert.match(bytes, /\x1b\[34m■\x1b\[0m 1 {3}\x1b\[31m■\x1b\[0m 0/, 'legend in the series colours');
    // Drawn over itself: one chart on the screen and in the history, not one per window.
    assert.equal(s.split('\n').filter((l) => l.startsWith('live chart')).length, 1, s);
    const lines = s.split('\n');
    const top = lines.findIndex((l) => l.startsWith('live chart'));
    const legend = lines.findIndex((l) => l.startsWith('■ 1'));
    assert.ok(legend - top + 1 < 20, `fits the 20-row terminal (${legend - top + 1} lines)`);
    assert.ok(Math.max(...lines.map((l) => [...l].length)) <= 90, 'fits the 90 columns');
    assert.match(s, /time \(UTC, 20\d\d-\d\d-\d\d\)/);
  });

  it('a file read shows bytes read and points/s on stderr, then clears the line', async () => {
    const file = join(tmp, 'points.jsonl');
    let text = '';
    for (let i = 0; i < 60_000; i++) text += JSON.stringify({ time: 1_451_606_400 + i, host: `h${i % 10}`, v: i % 100 }) + '\n';
    writeFileSync(file, text);
    const raw = join(tmp, 'progress.raw');
    // FLUME_PROGRESS=1: from the first chunk on, rather than only after a second (this read is short).
    run('progress', `read('stdio', file='${file}') | reduce(n=count())`, raw, 'FLUME_PROGRESS=1');
    const end = await waitFor('progress', /EXIT=0/);
    const bytes = readFileSync(raw, 'utf8');
    const total = (statSync(file).size / 1e6).toFixed(1).replace('.', '\\.');
    const shown = new RegExp(`\r\x1b\\[Kpoints\\.jsonl: [\\d.]+ [kM]B of ${total} MB \\(\\d+%\\), [\\d,]+ points, [\\d,]+ points/s`);
    assert.match(bytes, shown, 'the progress line was drawn');
    assert.ok(bytes.lastIndexOf('points/s') < bytes.lastIndexOf('\r\x1b[K'), 'and cleared after its last update');
    assert.match(end, /\{"time":"2016-01-01T00:00:00.000Z","n":60000\}/);
    assert.doesNotMatch(end, /points\/s/, 'the progress line is not left on the screen');
  });

  it('no progress line when stderr is not a terminal', () => {
    const file = join(tmp, 'points.jsonl');
    const r = spawnSync(process.execPath, [bin, `read('stdio', file='${file}') | reduce(n=count())`], { encoding: 'utf8', env: { ...process.env, FLUME_PROGRESS: '1' } });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
  });
});
