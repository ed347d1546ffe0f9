/**
 * The docker sources against the real engine that scripts/services/docker.sh
 * starts (make test does): busybox containers that log and burn CPU, the
 * built CLI spawned as a user runs it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dockerSocket } from './services.js';
import { Registry } from '../../src/registry.js';

const root = resolve(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'flume.js');
const IMAGE = 'local/busybox:1';
/** Every container of this run carries this label, so cleanup removes ours only. */
const RUN = `flt${process.pid}${Date.now().toString(36)}`;
const tmp = mkdtempSync(join(tmpdir(), 'flume-docker-'));

let socket = '';
let dockerHost = '';

interface Pt {
  time: string;
  [k: string]: unknown;
}

function docker(...args: string[]): string {
  const r = spawnSync('docker', args, { env: { ...process.env, DOCKER_HOST: dockerHost }, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

/** Start a busybox container running `script`, labelled for this run; returns its id. */
function run(name: string, script: string, labels: Record<string, string> = {}, flags: string[] = []): string {
  const l = Object.entries({ flumetest: RUN, ...labels }).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
  return docker('run', '-d', ...flags, '--name', `${RUN}-${name}`, ...l, IMAGE, 'sh', '-c', script);
}

function api<T>(path: string): Promise<T> {
  return new Promise((res, rej) => {
    const req = request({ socketPath: socket, path }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => res(JSON.parse(Buffer.concat(chunks).toString('utf8')) as T));
    });
    req.on('error', rej);
    req.end();
  });
}

/** A flume process whose JSON-lines output is collected as it comes. */
class Flume {
  readonly points: Pt[] = [];
  stderr = '';
  private readonly proc: ChildProcess;
  private readonly exited: Promise<number | null>;
  private carry = '';

  constructor(program: string, env: Record<string, string> = {}, cwd = tmp) {
    this.proc = spawn(process.execPath, [bin, program], { cwd, env: { ...process.env, DOCKER_HOST: dockerHost, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout!.setEncoding('utf8').on('data', (s: string) => {
      this.carry += s;
      const lines = this.carry.split('\n');
      this.carry = lines.pop()!;
      for (const l of lines) if (l.trim() !== '') this.points.push(JSON.parse(l) as Pt);
    });
    this.proc.stderr!.setEncoding('utf8').on('data', (s: string) => (this.stderr += s));
    this.exited = new Promise((r) => this.proc.on('exit', (code) => r(code)));
  }

  async waitFor(what: string, pred: (ps: Pt[]) => boolean, ms = 30_000): Promise<void> {
    const end = Date.now() + ms;
    while (!pred(this.points)) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; stderr:\n${this.stderr}\npoints: ${this.points.length}`);
      if (this.proc.exitCode !== null) throw new Error(`flume exited (${this.proc.exitCode}) before ${what}; stderr:\n${this.stderr}`);
      await sleep(100);
    }
  }

  /** SIGTERM: the run drains and flushes; resolves with the exit code. */
  async stop(): Promise<number | null> {
    if (this.proc.exitCode === null) this.proc.kill('SIGTERM');
    return this.exited;
  }

  done(): Promise<number | null> {
    return this.exited;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

const ms = (p: Pt): number => Date.parse(p.time);

interface EngineStats {
  cpu_stats: { cpu_usage: { total_usage: number; percpu_usage?: number[] }; system_cpu_usage: number; online_cpus?: number };
}

describe('docker sources on a real engine', () => {
  before(async () => {
    socket = await dockerSocket();
    dockerHost = `unix://${socket}`;
  });
  after(() => {
    if (socket === '') return;
    const ids = docker('ps', '-aq', '--filter', `label=flumetest=${RUN}`);
    if (ids !== '') docker('rm', '-f', ...ids.split('\n'));
  });

  it('docker-stats: a busy container at the CPU percent the engine gives over the same interval, and its memory', async (t) => {
    const id = run('burn', 'while :; do :; done');
    const f = new Flume(`read('docker-stats', every='1s', containers=['${RUN}-burn'])`);
    await f.waitFor('a first stats point with cpu', (ps) => ps.some((p) => typeof p['cpu'] === 'number'));
    // The engine's own figure over a span: two one-shot samples, Δcontainer CPU time / Δsystem CPU time × CPUs × 100.
    const a = await api<EngineStats>(`/containers/${id}/stats?stream=false&one-shot=true`);
    const from = Date.now();
    await sleep(5000);
    const b = await api<EngineStats>(`/containers/${id}/stats?stream=false&one-shot=true`);
    const to = Date.now();
    await sleep(1200);
    await f.stop();
    const online = b.cpu_stats.online_cpus ?? b.cpu_stats.cpu_usage.percpu_usage?.length ?? 1;
    const engine =
      ((b.cpu_stats.cpu_usage.total_usage - a.cpu_stats.cpu_usage.total_usage) / (b.cpu_stats.system_cpu_usage - a.cpu_stats.system_cpu_usage)) * online * 100;
    // Each point's figure covers the engine's second before it: the points from 1 s after `from` to `to` cover the span.
    const inSpan = f.points.filter((p) => ms(p) >= from + 1000 && ms(p) <= to && typeof p['cpu'] === 'number');
    assert.ok(inSpan.length >= 3, `points in the span: ${inSpan.length}`);
    const flume = inSpan.reduce((s, p) => s + (p['cpu'] as number), 0) / inSpan.length;
    assert.ok(engine > 20, `the busy loop should be busy: engine figure ${engine}`);
    t.diagnostic(`cpu: flume ${flume.toFixed(2)} (mean of ${inSpan.length} points), engine ${engine.toFixed(2)}`);
    assert.ok(Math.abs(flume - engine) <= 5, `flume ${flume.toFixed(2)} vs engine ${engine.toFixed(2)}`);
    const p = inSpan.at(-1)!;
    assert.equal(p['id'], id);
    assert.equal(p['name'], `${RUN}-burn`);
    assert.equal(p['image'], IMAGE);
    assert.deepEqual(p['labels'], { flumetest: RUN });
    assert.equal(p['pids'], 1);
    for (const k of ['mem', 'mem_limit', 'net_rx', 'net_tx', 'blk_read', 'blk_write']) assert.equal(typeof p[k], 'number', k);
    assert.ok((p['mem'] as number) > 0 && (p['mem'] as number) < (p['mem_limit'] as number));
    assert.equal(p['mem_pct'], ((p['mem'] as number) / (p['mem_limit'] as number)) * 100);
    docker('rm', '-f', id);
  });

  it('docker-stats: a container started mid-stream appears within one interval, a stopped one disappears', async () => {
    const label = `${RUN}-mid`;
    run('first', 'sleep 1000', { group: label });
    const f = new Flume(`read('docker-stats', every='2s', labels={group: '${label}'})`);
    await f.waitFor('the first container', (ps) => ps.some((p) => p['name'] === `${RUN}-first`));
    const started = Date.now();
    const second = run('second', 'sleep 1000', { group: label });
    await f.waitFor('the second container', (ps) => ps.some((p) => p['id'] === second));
    const firstSeen = ms(f.points.find((p) => p['id'] === second)!);
    // One interval, plus the engine's first one-second sample.
    assert.ok(firstSeen - started <= 2000 + 1500, `appeared ${firstSeen - started} ms after its start`);
    docker('rm', '-f', second);
    const gone = Date.now();
    await sleep(4500);
    await f.stop();
    const last = ms(f.points.filter((p) => p['id'] === second).at(-1)!);
    assert.ok(last <= gone + 2000, `still reported ${last - gone} ms after it was removed`);
    assert.ok(f.points.some((p) => p['name'] === `${RUN}-first` && ms(p) > gone + 2000), 'the first container is still reported');
    assert.ok(f.points.every((p) => p['name'] === `${RUN}-first` || p['name'] === `${RUN}-second`), 'only the labelled containers');
  });

  it('docker-logs: every line exactly once across a restart with a checkpoint (SIGTERM, then again)', async () => {
    const N = 300;
    const id = run('logger', `i=0; while [ $i -lt ${N} ]; do i=$((i+1)); echo "out $i"; echo "err $i" >&2; sleep 0.02; done; sleep 1000`);
    const ckpt = join(tmp, 'logs.ckpt');
    const program = (out: string): string =>
      `read('docker-logs', containers=['${RUN}-logger'], start_at='beginning', checkpoint='${ckpt}', checkpoint_every='1s') | write('stdio', file='${out}')`;
    const first = new Flume(program(join(tmp, 'logs1.jsonl')));
    await sleep(2500);
    assert.equal(await first.stop(), 143);
    await sleep(1000);
    const second = new Flume(program(join(tmp, 'logs2.jsonl')));
    // The sink creates its file at the first write.
    const read = (f: string): Pt[] =>
      (existsSync(join(tmp, f)) ? readFileSync(join(tmp, f), 'utf8') : '')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Pt);
    const deadline = Date.now() + 40_000;
    while (!read('logs2.jsonl').some((p) => p['message'] === `err ${N}`)) {
      assert.ok(Date.now() < deadline, `the second run did not reach the last line; stderr:\n${second.stderr}`);
      await sleep(200);
    }
    await second.stop();
    const one = read('logs1.jsonl');
    const two = read('logs2.jsonl');
    assert.ok(one.length > 0 && one.length < 2 * N, `the first run was stopped mid-stream (${one.length} lines)`);
    const seen = new Map<string, number>();
    for (const p of [...one, ...two]) {
      assert.equal(p['id'], id);
      const key = `${p['stream'] as string}:${p['message'] as string}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    for (let i = 1; i <= N; i++) {
      assert.equal(seen.get(`stdout:out ${i}`), 1, `stdout line ${i}`);
      assert.equal(seen.get(`stderr:err ${i}`), 1, `stderr line ${i}`);
    }
    assert.equal(seen.size, 2 * N);
    const times = [...one, ...two].map(ms);
    assert.ok(times.every((t, i) => i === 0 || t >= times[i - 1]!), 'engine times, in order');
  });

  it('docker-logs: a container started later is read from its first line; multiline joins stack frames', async () => {
    const f = new Flume(`read('docker-logs', labels={flumetest: '${RUN}', kind: 'trace'}, multiline='^\\\\s')`);
    await sleep(1500);
    run('trace', "echo 'Exception: boom'; echo '    at a()'; echo '    at b()'; echo 'next'; sleep 1000", { kind: 'trace' });
    await f.waitFor('two log points', (ps) => ps.length >= 2);
    await sleep(300);
    await f.stop();
    assert.deepEqual(
      f.points.map((p) => p['message']),
      ['Exception: boom\n    at a()\n    at b()', 'next'],
    );
    assert.equal(f.points[0]!['name'], `${RUN}-trace`);
    assert.equal(f.points[0]!['stream'], 'stdout');
  });

  it('docker-logs: a container with a terminal (raw stream) reads as stdout', async () => {
    run('tty', "echo one; echo two >&2; sleep 1000", {}, ['-t']);
    await sleep(500);
    const f = new Flume(`read('docker-logs', containers=['${RUN}-tty'], start_at='beginning')`);
    await f.waitFor('two lines', (ps) => ps.length >= 2);
    await sleep(300);
    await f.stop();
    assert.deepEqual(
      f.points.map((p) => [p['stream'], p['message']]),
      [
        ['stdout', 'one'],
        ['stdout', 'two'],
      ],
    );
  });

  it('docker-events: start and die of a container, with its exit code', async () => {
    const f = new Flume(`read('docker-events', types=['container']) | filter(attributes.flumetest == '${RUN}')`);
    await sleep(1500);
    const id = run('short', 'sleep 0.5; exit 3');
    await f.waitFor('the die event', (ps) => ps.some((p) => p['id'] === id && p['action'] === 'die'));
    await f.stop();
    const mine = f.points.filter((p) => p['id'] === id);
    const start = mine.find((p) => p['action'] === 'start')!;
    const die = mine.find((p) => p['action'] === 'die')!;
    assert.ok(start !== undefined, 'a start event');
    assert.equal(start['type'], 'container');
    assert.equal(start['name'], `${RUN}-short`);
    assert.equal(start['image'], IMAGE);
    assert.equal((die['attributes'] as Record<string, string>)['exitCode'], '3');
    assert.ok(ms(die) >= ms(start));
  });

  it('reports an engine that is not there once, and keeps trying (socket= over DOCKER_HOST)', async () => {
    const f = new Flume(`read('docker-events', socket='${join(tmp, 'nothing.sock')}')`);
    await sleep(3000);
    const code = await f.stop();
    assert.equal(code, 143);
    assert.equal(f.stderr.match(/lost the Docker engine/g)?.length, 1, f.stderr);
    assert.match(f.stderr, new RegExp(`docker-events: lost the Docker engine at unix://${join(tmp, 'nothing.sock').replace(/[/.]/g, '\\$&')}`));
  });

  it('the documented examples that need docker run against the engine', async () => {
    const reg = Registry.builtin();
    const examples = reg
      .listAdapters()
      .flatMap((a) => a.examples)
      .filter((e) => e.needs === 'docker');
    assert.ok(examples.length >= 5);
    for (const ex of examples) {
      const f = new Flume(ex.program);
      await sleep(2500);
      const code = await f.stop();
      assert.ok(code === 0 || code === 143, `${ex.program}: exit ${code}\n${f.stderr}`);
      assert.doesNotMatch(f.stderr, /error|lost the Docker engine/i, ex.program);
    }
  });

  it('live: a windowed reduce over docker-stats and docker-logs closes its windows while the run goes on', async () => {
    run('ticker', 'while :; do echo tick; sleep 0.2; done', { kind: 'ticker' });
    const stats = new Flume(`read('docker-stats', every='1s', containers=['${RUN}-ticker']) | reduce(n=count(), every='2s')`);
    const logs = new Flume(`read('docker-logs', containers=['${RUN}-ticker']) | reduce(n=count(), every='2s')`);
    // Results before any stop: the watermark follows the clock.
    await stats.waitFor('a closed stats window', (ps) => ps.length >= 2);
    await logs.waitFor('a closed logs window', (ps) => ps.length >= 2);
    await stats.stop();
    await logs.stop();
    // A full 2 s window of a container ticking every second holds two stats points; of one logging five lines a second, about ten.
    assert.equal(stats.points[1]!['n'], 2, JSON.stringify(stats.points));
    assert.ok((logs.points[1]!['n'] as number) >= 5, JSON.stringify(logs.points));
    assert.equal(Date.parse(stats.points[1]!.time) - Date.parse(stats.points[0]!.time), 2000);
  });

  it('a CPU alarm over docker-stats fires for the busy container only, with its message', async () => {
    run('burner', 'while :; do :; done', { kind: 'alarm' });
    run('sleeper', 'sleep 1000', { kind: 'alarm' });
    // The burner uses a whole core when it can; on a loaded machine it still gets far more than the 5% threshold.
    const f = new Flume(
      `read('docker-stats', every='1s', labels={kind: 'alarm', flumetest: '${RUN}'}) ` +
        `| alarm('cpu-hot', avg(cpu) > 5, over='3s', every='1s', by=[name], severity='critical', message='{name}: cpu {avg_cpu}%')`,
    );
    await f.waitFor('the burner firing', (ps) => ps.some((p) => p['name'] === `${RUN}-burner` && p['state'] === 'firing'), 60_000);
    await sleep(3000);
    assert.equal(await f.stop(), 143);
    const fired = f.points.find((p) => p['state'] === 'firing')!;
    assert.equal(fired['alarm'], 'cpu-hot');
    assert.equal(fired['severity'], 'critical');
    assert.ok((fired['avg_cpu'] as number) > 5, JSON.stringify(fired));
    assert.equal(fired['message'], `${RUN}-burner: cpu ${String(fired['avg_cpu'])}%`);
    assert.ok(!f.points.some((p) => p['name'] === `${RUN}-sleeper`), JSON.stringify(f.points));
  });

  // Last: it restarts the engine.
  it('carries on after dockerd restarts mid-stream, reporting the outage once and the recovery once', async () => {
    const label = `${RUN}-restart`;
    const stats = new Flume(`read('docker-stats', every='1s', labels={group: '${label}'})`);
    const events = new Flume(`read('docker-events', types=['container']) | filter(attributes.group == '${label}')`);
    const before = run('before', 'sleep 1000', { group: label });
    await stats.waitFor('the container before the restart', (ps) => ps.some((p) => p['id'] === before));
    const r = spawnSync(join(root, 'scripts', 'services', 'docker.sh'), ['restart'], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    const after = run('after', 'sleep 1000', { group: label });
    await stats.waitFor('the container started after the restart', (ps) => ps.some((p) => p['id'] === after));
    await events.waitFor('its start event', (ps) => ps.some((p) => p['id'] === after && p['action'] === 'start'));
    assert.equal(await stats.stop(), 143);
    assert.equal(await events.stop(), 143);
    for (const [name, f] of [
      ['docker-stats', stats],
      ['docker-events', events],
    ] as const) {
      assert.equal(f.stderr.match(/lost the Docker engine/g)?.length, 1, `${name}:\n${f.stderr}`);
      assert.equal(f.stderr.match(/the Docker engine at .* is back/g)?.length, 1, `${name}:\n${f.stderr}`);
      assert.match(f.stderr, new RegExp(`${name}: lost the Docker engine at ${dockerHost.replace(/[/.]/g, '\\$&')}`));
    }
    // The container from before died with the engine: it is no longer reported.
    const lastBefore = Math.max(...stats.points.filter((p) => p['id'] === before).map(ms));
    const firstAfter = Math.min(...stats.points.filter((p) => p['id'] === after).map(ms));
    assert.ok(lastBefore < firstAfter);
  });
});
