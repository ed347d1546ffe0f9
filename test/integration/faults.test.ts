/**
 * Hostile runs of the real binary (issue 13): pipelines that compute without
 * waiting on I/O still stop on signals, far-future times neither spin nor
 * explode, a closed stdout ends only the branches writing to it, and memory
 * stays bounded (RSS measured in the child).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

const root = resolve(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'flume.js');
const tmp = mkdtempSync(join(tmpdir(), 'flume-faults-'));

interface Running {
  out: () => string;
  err: () => string;
  /** Exit code, or null when it had to be killed after `deadlineMs`. */
  exit: (deadlineMs: number) => Promise<number | null>;
  kill: (sig: NodeJS.Signals) => void;
}

function start(args: string[]): Running {
  const child = spawn(process.execPath, [bin, '--no-rc', ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: tmp });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  return {
    out: () => out,
    err: () => err,
    kill: (sig) => child.kill(sig),
    exit: (deadlineMs) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), deadlineMs);
      return exited.then((c) => {
        clearTimeout(timer);
        return c;
      });
    },
  };
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('signals stop pipelines that never wait on I/O (issue 13, item 2)', () => {
  for (const [program, check] of [
    ['emit(limit=1e12, start=0) | reduce(n=count())', (out: string) => assert.match(out, /^\{"time":"1970-01-01T00:00:00\.000Z","n":\d+\}\n$/)],
    ['emit(limit=1e12, start=0) | filter(false)', (out: string) => assert.equal(out, '')],
  ] as const) {
    it(`SIGTERM stops \`${program}\` with 143 and drains`, async () => {
      const run = start([program]);
      await pause(1000);
      run.kill('SIGTERM');
      const code = await run.exit(20_000);
      assert.equal(code, 143, `killed after 20 s: SIGTERM was not seen; stderr: ${run.err()}`);
      check(run.out());
    });
  }

  it('Ctrl-C stops a computing pipeline with 130, and so does a second Ctrl-C', async () => {
    const once = start(['emit(limit=1e12, start=0) | reduce(n=count())']);
    await pause(1000);
    once.kill('SIGINT');
    assert.equal(await once.exit(20_000), 130);
    assert.match(once.out(), /"n":\d+/);
    const twice = start(['emit(limit=1e12, start=0) | reduce(n=count(), by=[time])']);
    await pause(1000);
    twice.kill('SIGINT');
    twice.kill('SIGINT');
    assert.equal(await twice.exit(20_000), 130);
  });
});

describe('far-future times (issue 13, item 5)', () => {
  it('emit starting beyond 24.8 days from now waits quietly and stops on SIGTERM', async () => {
    const start60 = new Date(Date.now() + 60 * 86_400_000).toISOString();
    const run = start([`emit(limit=2, start='${start60}')`]);
    await pause(1500);
    run.kill('SIGTERM');
    assert.equal(await run.exit(20_000), 143);
    assert.equal(run.out(), '');
    assert.doesNotMatch(run.err(), /TimeoutOverflowWarning/);
  });
});
