/**
 * Hostile input and faults through the real CLI (issue 13): data never
 * destroyed, every failure loud, bounded reading of huge or deep input;
 * pipelines that compute without waiting on I/O still stop on signals,
 * far-future times neither spin nor explode, a closed stdout ends only the
 * branches writing to it, and memory stays bounded (RSS measured in the child).
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

function flume(args: string[], opts: { input?: string; env?: Record<string, string>; cwd?: string } = {}) {
  const env: Record<string, string | undefined> = { ...process.env, HOME: mkdtempSync(join(tmpdir(), 'flume-home-')), ...opts.env };
  for (const k of Object.keys(env)) if (k.startsWith('FLUME_') && !(opts.env !== undefined && k in opts.env)) delete env[k];
  const r = spawnSync(process.execPath, [bin, ...args], { input: opts.input ?? '', cwd: opts.cwd ?? tmp, env, encoding: 'utf8', timeout: 60_000 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

const DATA = '{"a":1}\n{"a":2}\n{"a":3}\n';

describe('environment defaults never choose where data is written (issue 13 item 1)', () => {
  it('FLUME_STDIO_FILE sets the file read, not the file written: the input is left as it was', () => {
    const dir = mkdtempSync(join(tmp, 'env-'));
    writeFileSync(join(dir, 'data.jsonl'), DATA);
    const r = flume(["read('stdio') | filter(a > 2)"], { cwd: dir, env: { FLUME_STDIO_FILE: 'data.jsonl' } });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '{"a":3}\n');
    assert.equal(readFileSync(join(dir, 'data.jsonl'), 'utf8'), DATA);
  });

  it('FLUME_WRITE_STDIO_FILE chooses the file written; FLUME_READ_STDIO_FILE the file read', () => {
    const dir = mkdtempSync(join(tmp, 'env-'));
    writeFileSync(join(dir, 'in.jsonl'), DATA);
    const r = flume(["read('stdio') | filter(a > 1) | write('stdio')"], {
      cwd: dir,
      env: { FLUME_READ_STDIO_FILE: 'in.jsonl', FLUME_WRITE_STDIO_FILE: 'out.jsonl' },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(readFileSync(join(dir, 'out.jsonl'), 'utf8'), '{"a":2}\n{"a":3}\n');
    assert.equal(readFileSync(join(dir, 'in.jsonl'), 'utf8'), DATA);
  });

  it('writing to the file the program reads (same path, another spelling) is a compile error with a span', () => {
    const dir = mkdtempSync(join(tmp, 'env-'));
    writeFileSync(join(dir, 'data.jsonl'), DATA);
    const program = `read('stdio', file='data.jsonl') | filter(a > 2) | write('stdio', file='${dir}/./data.jsonl')`;
    const r = flume([program], { cwd: dir });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /error\[writes-input\]/);
    assert.match(r.stderr, /\^{10,}/, 'a caret run under the write');
    assert.equal(readFileSync(join(dir, 'data.jsonl'), 'utf8'), DATA);
    // The same through FLUME_WRITE_STDIO_FILE and the implicit sink.
    const e = flume(["read('stdio', file='data.jsonl')"], { cwd: dir, env: { FLUME_WRITE_STDIO_FILE: 'data.jsonl' } });
    assert.equal(e.status, 2, e.stderr);
    assert.match(e.stderr, /writes-input/);
    assert.equal(readFileSync(join(dir, 'data.jsonl'), 'utf8'), DATA);
  });

  it('a shared FLUME_KAFKA_TOPIC does not make a pipeline write back into the topic it reads', () => {
    // Compile only (--explain): the write has no topic from the shared variable, so it is missing.
    const r = flume(['--explain', "read('kafka') | write('kafka')"], { env: { FLUME_KAFKA_TOPIC: 'events' } });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /write.*needs option `topic`/);
    const same = flume(['--explain', "read('kafka') | write('kafka')"], { env: { FLUME_KAFKA_TOPIC: 'events', FLUME_WRITE_KAFKA_TOPIC: 'events' } });
    assert.equal(same.status, 2, same.stderr);
    assert.match(same.stderr, /writes-input/);
    const other = flume(['--explain', "read('kafka') | write('kafka')"], { env: { FLUME_KAFKA_TOPIC: 'events', FLUME_WRITE_KAFKA_TOPIC: 'copy' } });
    assert.equal(other.status, 0, other.stderr);
    const cluster = flume(['--explain', "read('kafka', topic='t') | write('kafka', topic='t', brokers='other:9092')"]);
    assert.equal(cluster.status, 0, 'the same topic on another cluster is another place: ' + cluster.stderr);
  });

  it('an Elasticsearch index read (or matched by a read pattern) cannot be written', () => {
    const r = flume(['--explain', "read('elastic', index='logs-*') | write('elastic', index='logs-%Y.%m')"]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /writes-input/);
    const ok = flume(['--explain', "read('elastic', index='logs-*') | write('elastic', index='metrics')"]);
    assert.equal(ok.status, 0, ok.stderr);
  });

  it('environment values are validated like program options, naming the variable', () => {
    writeFileSync(join(tmp, 'v.jsonl'), DATA);
    for (const [name, value] of [['FLUME_STDIO_COMPRESSION', 'zip'], ['FLUME_STDIO_FOLLOW', 'maybe']] as const) {
      const r = flume(["read('stdio', file='v.jsonl')"], { env: { [name]: value } });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`${name}="${value}"`));
    }
  });

  it('flume help documents the rule', () => {
    const r = flume(['help', 'stdio']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /FLUME_WRITE_<ADAPTER>_<OPTION>/);
    assert.match(r.stdout, /file: .*\[env FLUME_WRITE_STDIO_FILE\]/);
    assert.match(r.stdout, /file: .*\[env FLUME_STDIO_FILE\]/);
    assert.match(flume(['help']).stdout, /never sets a destination/);
  });
});

describe('a full disk fails loudly (issue 13 item 10)', () => {
  for (const n of [10, 100_000]) {
    it(`a gzip file sink on /dev/full fails with write-error, exit 1 (${n} points)`, () => {
      const r = flume([`emit(limit=${n}, start=0) | write('stdio', file='/dev/full', compression='gzip')`]);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, /error\[write-error\].*ENOSPC/);
    });
  }
});

describe('deep programs are compile errors, not internal ones (issue 13 item 12)', () => {
  const cases: [string, string][] = [
    ['180 nested parentheses', `emit(limit=1) | put(a=${'('.repeat(180)}1${')'.repeat(180)})`],
    ['180 nested parentheses in a string condition', `emit(limit=1) | filter('${'('.repeat(180)}1${')'.repeat(180)}')`],
    ['3000 chained stages', `emit(limit=1) | ${Array(3000).fill('put(a=1)').join(' | ')}`],
    ['5000 chained operators', `emit(limit=1) | put(a=1${'+1'.repeat(5000)})`],
    ['5000 prefix operators', `emit(limit=1) | put(a=${'-'.repeat(5000)}1)`],
  ];
  for (const [what, program] of cases) {
    it(what, () => {
      const r = flume([program]);
      assert.equal(r.status, 2, r.stderr.slice(0, 500));
      assert.match(r.stderr, /^error\[too-deep\]/);
      assert.match(r.stderr, /--> <program>:1:\d+/);
    });
  }
  it('64 nested parentheses and 1000 stages still run', () => {
    const r = flume([`emit(limit=1, start=0) | put(a=${'('.repeat(60)}1${')'.repeat(60)}) | ${Array(997).fill('put(b=2)').join(' | ')}`]);
    assert.equal(r.status, 0, r.stderr.slice(0, 500));
    assert.equal(r.stdout, '{"time":"1970-01-01T00:00:00.000Z","a":1,"b":2}\n');
  });
});

interface Running {
  out: () => string;
  err: () => string;
  /** Exit code, or null when it had to be killed after `deadlineMs`. */
  exit: (deadlineMs: number) => Promise<number | null>;
  kill: (sig: NodeJS.Signals) => void;
  /** Resolves once stdout holds `text`; fails after a generous deadline. */
  waitFor: (text: string) => Promise<void>;
}

const maxRssHook = join(root, 'test', 'integration', 'fixtures', 'max-rss.mjs');

/** The flume binary, with the max-rss hook preloaded (it prints `max-rss=<bytes>` to stderr on exit). */
function start(args: string[]): Running {
  const child = spawn(process.execPath, ['--import', maxRssHook, bin, '--no-rc', ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: tmp });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  return {
    out: () => out,
    err: () => err,
    kill: (sig) => child.kill(sig),
    async waitFor(text) {
      const until = Date.now() + 20_000;
      while (!out.includes(text) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      assert.ok(out.includes(text), `waited for ${text}, got ${out} / ${err}`);
    },
    exit: (deadlineMs) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), deadlineMs);
      return exited.then((c) => {
        clearTimeout(timer);
        return c;
      });
    },
  };
}

/** Peak resident set size of the child, from the max-rss hook. */
function maxRss(run: Running): number {
  const m = /max-rss=(\d+)/.exec(run.err());
  assert.ok(m, `no max-rss line in stderr: ${run.err()}`);
  return Number(m[1]);
}

const MB = 1024 * 1024;

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('follow (issue 13 item 14)', () => {
  it('a file truncated and rewritten longer within one poll loses nothing', async () => {
    const dir = mkdtempSync(join(tmp, 'follow-'));
    const log = join(dir, 'app.jsonl');
    writeFileSync(log, '{"n":1}\n{"n":2}\n');
    const f = start([`read('stdio', file='${log}', follow=true, poll='1500ms', time=null)`]);
    await f.waitFor('{"n":2}');
    // Truncate and write more than before in one go: the next poll sees a larger file with the same inode.
    writeFileSync(log, '{"n":10}\n{"n":11}\n{"n":12}\n{"n":13}\n');
    await f.waitFor('{"n":13}');
    f.kill('SIGINT');
    assert.equal(await f.exit(60_000), 130);
    assert.equal(f.out(), '{"n":1}\n{"n":2}\n{"n":10}\n{"n":11}\n{"n":12}\n{"n":13}\n');
  });

  it('follow=true on a FIFO reads it (no ESPIPE)', async () => {
    const dir = mkdtempSync(join(tmp, 'fifo-'));
    const fifo = join(dir, 'pipe');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    const f = start([`read('stdio', file='${fifo}', follow=true, time=null)`]);
    writeFileSync(fifo, '{"a":1}\n{"a":2}\n');
    await f.waitFor('{"a":2}');
    const code = await f.exit(60_000);
    assert.equal(code, 0, f.err());
    assert.equal(f.out(), '{"a":1}\n{"a":2}\n');
    assert.doesNotMatch(f.err(), /internal|ESPIPE/);
  });

  it('follow=true on /dev/stdin (a pipe) reads it', () => {
    // Through a shell so stdin is a real pipe (as in `cat x | flume ...`).
    const r = spawnSync('/bin/sh', ['-c', `printf '{"a":1}\\n' | "${process.execPath}" "${bin}" "read('stdio', file='/dev/stdin', follow=true, time=null)"`], { encoding: 'utf8', timeout: 30_000, cwd: tmp });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '{"a":1}\n');
  });
});

describe('rc files (issue 13 item 14)', () => {
  it('an rc file whose top-level await never settles is a clear error, exit 2, and runs nothing', () => {
    const dir = mkdtempSync(join(tmp, 'rc-'));
    writeFileSync(join(dir, '.flumerc.ts'), 'await new Promise(() => {});\nexport const x = 1;\n');
    const r = flume(['emit(limit=1, start=0)'], { cwd: dir });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /error\[rc-error\].*\.flumerc\.ts.*never settles/);
    assert.equal(r.stdout, '');
  });

  it('an rc-file error names its line and no column beyond the line', () => {
    const dir = mkdtempSync(join(tmp, 'rc-'));
    const line = 'const c = (undefined as any).zz;';
    writeFileSync(join(dir, '.flumerc.ts'), `export const ok = 1;\n${line}\n`);
    const r = flume(['emit(limit=1)'], { cwd: dir });
    assert.equal(r.status, 2, r.stderr);
    const m = /\.flumerc\.ts:(\d+)(?::(\d+))?/.exec(r.stderr);
    assert.ok(m, r.stderr);
    assert.equal(m[1], '2');
    if (m[2] !== undefined) assert.ok(Number(m[2]) <= line.length, `column ${m[2]} of a ${line.length}-character line`);
  });
});

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

describe('one far-future timestamp in a windowed reduce (issue 13, item 4)', () => {
  it('empty windows come lazily: memory stays flat, output flows, and SIGTERM stops the run with the real windows written', async () => {
    // The second time, 1700000000001 read as seconds, is in the year 55840: 1.7e12 one-second windows apart.
    const file = join(tmp, 'far.jsonl');
    writeFileSync(file, '{"time":"2023-11-14T22:13:20Z"}\n{"time":1700000000001}\n');
    const run = start([`read('stdio', file='${file}', time_unit='s') | reduce(n=count(), every='1s') | put(i=count()) | filter(n > 0 or i == 2)`]);
    await pause(3000);
    run.kill('SIGTERM');
    const code = await run.exit(30_000);
    assert.equal(code, 143, `not stopped 30 s after SIGTERM; stderr: ${run.err()}`);
    const lines = run.out().trim().split('\n');
    assert.deepEqual(lines.slice(0, 2), ['{"time":"2023-11-14T22:13:20.000Z","n":1,"i":1}', '{"time":"2023-11-14T22:13:21.000Z","n":0,"i":2}']);
    // Once stopped, the empty windows not yet written are skipped; the window holding the far point still comes.
    assert.match(lines[lines.length - 1]!, /^\{"time":"\+055840-11-08T22:13:21\.000Z","n":1,"i":\d+\}$/);
    // Fixed: about 100 MB. Broken: 1.4 GB after 20 s (all windows built at once).
    assert.ok(maxRss(run) < 400 * MB, `max RSS ${Math.round(maxRss(run) / MB)} MB`);
  });
});

describe('sliding windows release groups that stop receiving points (issue 13, item 6)', () => {
  // One live group at a time: g changes every 10 points (100 ms), 300,000 groups in all.
  const points = "emit(limit=3000000, every='10ms', start=0) | put(i=count()) | put(g=floor(i/10))";
  for (const [name, stage] of [
    ['put(over=)', "put(n=count(), by=[g], over='1s')"],
    ['reduce(every=, over=)', "reduce(n=count(), every='1s', over='2s', by=[g])"],
  ] as const) {
    it(`${name}: memory stays flat over 3M points`, async () => {
      const run = start([`${points} | ${stage} | filter(n > 100000)`]);
      const code = await run.exit(120_000);
      assert.equal(code, 0, run.err());
      assert.equal(run.out(), '');
      // Fixed: about 155 MB (90 MB of it the same pipeline without the stage). Broken: 1.3 GB (put) / 1.05 GB (reduce) at 4M points.
      assert.ok(maxRss(run) < 450 * MB, `max RSS ${Math.round(maxRss(run) / MB)} MB`);
    });
  }
});

describe('per-group limits are runtime errors naming the limit (issue 13, item 7)', () => {
  it('reduce by a key with more distinct values than its limit exits 1 with the limit and the option named', async () => {
    const run = start(["emit(limit=2000, start=0) | put(k=count()) | reduce(n=count(), by=[k], limit=1000)"]);
    assert.equal(await run.exit(60_000), 1);
    assert.match(run.err(), /error\[group-limit\]: reduce \(1:\d+\): reduce holds more than 1000 groups \(limit=1000\)/);
    assert.match(run.err(), /reduce\(\.\.\., limit=N\)/);
    assert.equal(run.out(), '');
  });
});

describe('a closed stdout ends only the branches writing to it (issue 13, item 11)', () => {
  it('read(big) | (write(stdout), reduce | write(file)) | head -1 leaves the full count in the file', () => {
    const big = join(tmp, 'big.jsonl');
    const lines: string[] = [];
    for (let i = 0; i < 300_000; i++) lines.push(`{"i":${i}}`);
    writeFileSync(big, lines.join('\n') + '\n');
    const cnt = join(tmp, 'cnt.jsonl');
    const program = `read('stdio', file='${big}', time=null) | (write('stdio'), reduce(n=count()) | write('stdio', file='${cnt}'))`;
    const r = spawnSync('/bin/sh', ['-c', `"${process.execPath}" "${bin}" --no-rc "${program}" | head -1`], {
      cwd: tmp,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(r.stdout.split('\n')[0], '{"i":0}');
    assert.equal(readFileSync(cnt, 'utf8'), '{"n":300000}\n');
  });

  it('the exit status follows the other branches (0 when they complete)', () => {
    const cnt = join(tmp, 'cnt2.jsonl');
    const program = `emit(limit=300000, start=0) | (write('stdio'), reduce(n=count()) | write('stdio', file='${cnt}'))`;
    const r = spawnSync('/bin/bash', ['-c', `"${process.execPath}" "${bin}" --no-rc "${program}" | head -1; echo "status=\${PIPESTATUS[0]}"`], {
      cwd: tmp,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.match(r.stdout, /status=0\n$/, r.stderr);
    assert.equal(readFileSync(cnt, 'utf8'), '{"time":"1970-01-01T00:00:00.000Z","n":300000}\n');
  });
});
