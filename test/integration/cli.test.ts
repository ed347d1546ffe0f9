/** The CLI as a user runs it: spawned processes, real files, real stdin/stdout, signals. */
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

const root = resolve(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'flume.js');

function flume(args: string[], opts: { input?: string; env?: Record<string, string>; cwd?: string } = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    input: opts.input ?? '',
    cwd: opts.cwd ?? root,
    env: { ...process.env, HOME: opts.env?.['HOME'] ?? mkdtempSync(join(tmpdir(), 'flume-home-')), ...opts.env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

/** Through a real shell, so stdin is a pipe as with `cat x | flume ...`. */
function sh(command: string, cwd = root) {
  const r = spawnSync('/bin/sh', ['-c', command], { cwd, encoding: 'utf8', timeout: 30_000, env: { ...process.env, FLUME: `${process.execPath} ${bin}` } });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

const tmp = mkdtempSync(join(tmpdir(), 'flume-cli-'));

describe('flume CLI', () => {
  it('runs a one-liner and prints JSON lines with ISO times', () => {
    const r = flume(["emit(limit=3, start='2016-01-01') | write('stdio')"]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '{"time":"2016-01-01T00:00:00.000Z"}\n{"time":"2016-01-01T00:00:01.000Z"}\n{"time":"2016-01-01T00:00:02.000Z"}\n');
  });

  it('prints a syntax error with the line, a caret and exit 2', () => {
    const r = flume(['emit(limit=10 | head']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /error\[syntax\]/);
    assert.match(r.stderr, /1 \| emit\(limit=10 \| head\n/);
    assert.match(r.stderr, /\^/);
  });

  it('exits 1 on a runtime error naming the processor and its place', () => {
    const r = flume(["emit(limit=5, start='2016-01-01') | sort('time', limit=3)"]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /sort \(1:37\): sort buffered more than 3 points \(limit=3\)/);
  });

  it('reads piped stdin when the program starts with a processor', () => {
    const events = join(tmp, 'events.jsonl');
    writeFileSync(
      events,
      [
        { time: '2016-01-01T00:00:10Z', host: 'a', status: 500, latency: 10 },
        { time: '2016-01-01T00:00:20Z', host: 'a', status: 200, latency: 99 },
        { time: '2016-01-01T00:00:30Z', host: 'b', status: 503, latency: 30 },
        { time: '2016-01-01T00:01:10Z', host: 'a', status: 502, latency: 20 },
      ]
        .map((e) => JSON.stringify(e))
        .join('\n') + '\n',
    );
    const r = sh(`cat ${events} | $FLUME "filter(status >= 500) | reduce(n=count(), every='1m', by=[host])"`);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(
      r.stdout,
      '{"time":"2016-01-01T00:00:00.000Z","host":"a","n":1}\n{"time":"2016-01-01T00:00:00.000Z","host":"b","n":1}\n{"time":"2016-01-01T00:01:00.000Z","host":"a","n":1}\n',
    );
  });

  it('runs a program file with -f', () => {
    const f = join(tmp, 'p.flume');
    writeFileSync(f, "# a comment\nemit(points=[{a:1}, {a:2}])\n| put(b=a*10)\n");
    const r = flume(['-f', f]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '{"a":1,"b":10}\n{"a":2,"b":20}\n');
  });

  it('runs FLUME_PROGRAM when no program is given', () => {
    const r = flume([], { env: { FLUME_PROGRAM: 'emit(points=[{x:1}])' } });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '{"x":1}\n');
  });

  it('--version, help, help <name>, unknown help', () => {
    assert.match(flume(['--version']).stdout, /^flume \d+\.\d+\.\d+\n$/);
    const all = flume(['help']);
    assert.equal(all.status, 0);
    for (const n of ['emit', 'reduce', 'percentile', 'stdio', 'grok']) assert.match(all.stdout, new RegExp(`\\b${n}\\b`));
    const one = flume(['help', 'reduce']);
    assert.match(one.stdout, /every: duration/);
    assert.match(one.stdout, /lateness/);
    const bad = flume(['help', 'redcue']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /did you mean `reduce`/);
  });

  it('--explain prints the graph and runs nothing', () => {
    const r = flume(["emit(limit=1, start=0) | (put(a=1), put(a=2)) | write('stdio')", '--explain']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /#0 source emit\(limit=1/);
    assert.match(r.stdout, /-> #1, #2/);
    assert.doesNotMatch(r.stdout, /"time"/);
  });

  it('JSON lines written from their text (text reuse) are the bytes the serialiser writes', () => {
    // Mixed lines: canonical ones (reused), and spacing, escapes, nesting, other time forms, the set field already there.
    const kinds = [
      (i: number) => `{"time":"${new Date(1451606400000 + i).toISOString()}","name":"n${i % 10}","v":${(i * 37) % 1000}.${i % 9}5}`,
      (i: number) => `{"time": "${new Date(1451606400000 + i).toISOString()}", "v": ${i}}`,
      (i: number) => `{"time":"2016-01-01T00:00:0${i % 10}Z","msg":"a \\"quoted\\" é","v":1.50}`,
      (i: number) => `{"time":${1451606400 + i},"o":{"k":[1,2]},"v":-0.5}`,
      (i: number) => `{"time":"${new Date(1451606400000 + i).toISOString()}","v":${i},"v2":"already"}`,
    ];
    const lines = Array.from({ length: 20_000 }, (_, i) => kinds[i % 7 === 0 ? (i / 7) % kinds.length : 0]!(i));
    const input = join(tmp, 'reuse.jsonl');
    writeFileSync(input, lines.join('\n') + '\n');
    const reused = `read('stdio', file='${input}') | put(v2=v*2) | filter(v2 >= 0) | write('stdio', file='${join(tmp, 'a.jsonl')}')`;
    // remove() may change anything, so this one serialises every point.
    const serialised = `read('stdio', file='${input}') | put(v2=v*2) | filter(v2 >= 0) | put(x=1) | remove(x) | write('stdio', file='${join(tmp, 'b.jsonl')}')`;
    assert.match(flume([reused, '--explain']).stdout, /the sink writes each record's text again with v2 added/);
    assert.doesNotMatch(flume([serialised, '--explain']).stdout, /text again/);
    assert.equal(flume([reused]).status, 0);
    assert.equal(flume([serialised]).status, 0);
    const a = readFileSync(join(tmp, 'a.jsonl'), 'utf8');
    assert.equal(a, readFileSync(join(tmp, 'b.jsonl'), 'utf8'));
    assert.ok(a.split('\n').length > 15_000);
    assert.match(a, /^\{"time":"2016-01-01T00:00:00\.000Z","name":"n0","v":0\.05,"v2":0\.1\}\n/);
  });

  it('--implicit-sink none discards, --implicit-sink changes the sink', () => {
    assert.equal(flume(['emit(points=[{a:1}])', '--implicit-sink', 'none']).stdout, '');
    assert.equal(flume(['emit(points=[{a:1,b:2}])', '--implicit-sink', "write('stdio', format='csv')"]).stdout, 'a,b\n1,2\n');
  });

  it('--now fixes relative moments', () => {
    const r = flume(["emit(limit=1, start='1 day ago')", '--now', '2016-01-02T00:00:00Z']);
    assert.equal(r.stdout, '{"time":"2016-01-01T00:00:00.000Z"}\n');
  });

  it('counts malformed lines and reports them at the end', () => {
    const r = flume(["read('stdio')"], { input: '{"a":1}\nnot json\n{"a":2}\n' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '{"a":1}\n{"a":2}\n');
    assert.match(r.stderr, /1 point dropped/);
    assert.match(r.stderr, /1 malformed/);
    const q = flume(["read('stdio')", '--quiet'], { input: 'not json\n' });
    assert.equal(q.stderr, '');
  });

  it("on_error='fail' stops with the line number; 'keep' routes the line", () => {
    const f = flume(["read('stdio', on_error='fail')"], { input: '{"a":1}\n{bad\n' });
    assert.equal(f.status, 1);
    assert.match(f.stderr, /line 2/);
    const k = flume(["read('stdio', on_error='keep') | filter(exists(_error)) | keep(_raw, _line)"], { input: '{"a":1}\n{bad\n' });
    assert.equal(k.stdout, '{"_raw":"{bad","_line":2}\n');
  });

  it('a missing file is a one-line error naming it, exit 1', () => {
    const r = flume(["read('stdio', file='/nonexistent/x.jsonl')"]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /\/nonexistent\/x\.jsonl/);
  });

  it('adapter option defaults come from FLUME_<ADAPTER>_<OPTION>', () => {
    // The variable applies to every stdio stage, so the output format is given explicitly.
    const r = flume(["read('stdio') | write('stdio', format='jsonl')"], { input: 'a,b\n1,x\n', env: { FLUME_STDIO_FORMAT: 'csv' } });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '{"a":1,"b":"x"}\n');
  });

  it('head stops reading stdin early', async () => {
    // stdin stays open: flume must finish after the first point without waiting for its end.
    const child = spawn(process.execPath, [bin, "read('stdio') | head(1)"], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stdin.write('{"a":1}\n{"a":2}\n');
    const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 10_000).unref());
    const code = await Promise.race([exited, timeout]);
    child.stdin.end();
    if (code === 'timeout') child.kill('SIGKILL');
    assert.equal(code, 0, 'flume waited for the end of stdin');
    assert.equal(out, '{"a":1}\n');
  });

  it('ends quietly when stdout closes early (EPIPE)', () => {
    const r = sh(`$FLUME "emit(limit=200000, start=0)" | head -1`);
    assert.equal(r.stdout, '{"time":"1970-01-01T00:00:00.000Z"}\n');
    assert.doesNotMatch(r.stderr, /EPIPE|Error/);
  });

  it('loads aliases from ./.flumerc.ts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flume-rc-'));
    writeFileSync(
      join(dir, '.flumerc.ts'),
      `import { read } from 'flume';\nexport const syslog = (file: string) =>\n  read('stdio', { file, format: 'grok', pattern: '%{SYSLOGLINE}', time: 'timestamp' });\nexport const twice = 'put(v2 = v * 2)';\n`,
    );
    const r = flume([`syslog('${join(root, 'examples/grok/syslog')}') | reduce(count=count())`, '--now', '2016-08-01'], { cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '{"time":"2016-07-17T00:03:15.000Z","count":300}\n');
    const t = flume(['emit(points=[{v:2}]) | twice'], { cwd: dir });
    assert.equal(t.stdout, '{"v":2,"v2":4}\n');
  });

  it('.flumerc.example.ts works as documented: alias, string alias, custom reducer', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flume-rc-'));
    writeFileSync(join(dir, '.flumerc.ts'), readFileSync(join(root, '.flumerc.example.ts'), 'utf8'));
    const r = flume([`syslog('${join(root, 'examples/grok/syslog')}') | reduce(count=count(), every='1h') | head(2)`, '--now', '2016-08-01'], { cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '{"time":"2016-07-17T00:00:00.000Z","count":18}\n{"time":"2016-07-17T01:00:00.000Z","count":17}\n');
    const s = flume(['emit(points=[{v:1},{v:5},{v:3}]) | reduce(r=spread(v))'], { cwd: dir });
    assert.equal(s.stdout, '{"r":4}\n', s.stderr);
    const e = flume(["emit(points=[{level:'error'},{level:'info',status:200},{status:503}]) | errors"], { cwd: dir });
    assert.equal(e.stdout, '{"level":"error"}\n{"status":503}\n', e.stderr);
  });

  it('--rc loads the named file; --no-rc loads none', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flume-rc-'));
    const rc = join(dir, 'my.rc.ts');
    writeFileSync(rc, "export const three = 'emit(limit=3, start=0) | reduce(n=count())';\n");
    const r = flume(['three', '--rc', rc]);
    assert.equal(r.stdout, '{"time":"1970-01-01T00:00:00.000Z","n":3}\n', r.stderr);
    writeFileSync(join(dir, '.flumerc.ts'), "export const three = 'emit(limit=3, start=0) | reduce(n=count())';\n");
    const n = flume(['three', '--no-rc'], { cwd: dir });
    assert.equal(n.status, 2);
    assert.match(n.stderr, /unknown processor `three`/);
  });

  it('runs FLUME_PROGRAM_FILE when no program is given', () => {
    const f = join(tmp, 'env.flume');
    writeFileSync(f, 'emit(points=[{from:"file"}])\n');
    const r = flume([], { env: { FLUME_PROGRAM_FILE: f } });
    assert.equal(r.stdout, '{"from":"file"}\n', r.stderr);
  });

  it('reports an error in the rc file with its path and line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flume-rc-'));
    writeFileSync(join(dir, '.flumerc.ts'), `export const ok = 1;\nthrow new Error('broken rc');\n`);
    const r = flume(['emit(limit=1)'], { cwd: dir });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /\.flumerc\.ts:2/);
    assert.match(r.stderr, /broken rc/);
  });

  it('follow=true keeps reading appended lines and survives rotation', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flume-follow-'));
    const log = join(dir, 'app.jsonl');
    writeFileSync(log, '{"n":1}\n');
    const child = spawn(process.execPath, [bin, `read('stdio', file='${log}', follow=true, poll='50ms', time=null)`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const waitFor = async (text: string): Promise<void> => {
      const until = Date.now() + 10_000;
      while (!out.includes(text) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      assert.ok(out.includes(text), `waited for ${text}, got ${out}`);
    };
    await waitFor('{"n":1}');
    appendFileSync(log, '{"n":2}\n');
    await waitFor('{"n":2}');
    // Rotation: the old file moves away and a new one takes its name.
    renameSync(log, log + '.1');
    writeFileSync(log, '{"n":3}\n');
    await waitFor('{"n":3}');
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    assert.equal(code, 130);
    assert.equal(out, '{"n":1}\n{"n":2}\n{"n":3}\n');
  });

  it('Ctrl-C drains: the open window is flushed and the exit status is 130', async () => {
    const child = spawn(process.execPath, [bin, "emit(every='50ms') | reduce(n=count())"], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    await new Promise((r) => setTimeout(r, 1500));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    assert.equal(code, 130);
    const n = JSON.parse(out.trim()).n as number;
    assert.ok(n >= 5, `expected the points seen before Ctrl-C to be counted, got ${out}`);
  });

  it('SIGTERM drains too, with exit status 143', async () => {
    const child = spawn(process.execPath, [bin, "emit(every='50ms') | reduce(n=count())"], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    await new Promise((r) => setTimeout(r, 1000));
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    assert.equal(code, 143);
    assert.match(out, /"n":\d+/);
  });

  it('SIGTERM stops a read of a pipe that has no data coming, writing what it had (exit 143)', async () => {
    // stdin stays open: the writer has sent one line and a half and is silent.
    const child = spawn(process.execPath, [bin, "read('stdio') | reduce(n=count())"], { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.write('{"a":1}\n{"a":');
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    await new Promise((r) => setTimeout(r, 800));
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        r(null);
      }, 5000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        r(c);
      });
    });
    child.stdin.destroy();
    assert.equal(code, 143, 'still reading 5 s after SIGTERM');
    assert.equal(out, '{"n":1}\n');
  });
});

describe('examples', () => {
  const dir = join(root, 'examples');
  const programs = readdirSync(dir)
    .filter((f) => f.endsWith('.flume'))
    .map((f) => f.slice(0, -'.flume'.length));
  for (const name of programs) {
    it(`examples/${name}.flume gives its documented output`, () => {
      const r = flume(['--now', '2016-08-01T00:00:00Z', '-f', `examples/${name}.flume`]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, readFileSync(join(dir, `${name}.out`), 'utf8'));
    });
  }
});
