/**
 * No silent wrong answers (SPEC §12, issue 14) through the built CLI: the
 * end-of-run explanations, several files as one time-ordered stream, and the
 * rough edges a new user hit (rc paths, help, -f, on_error='fail', --explain,
 * hints).
 */
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

const root = resolve(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'flume.js');
const tmp = mkdtempSync(join(tmpdir(), 'flume-trust-'));

function flume(args: string[], opts: { input?: string; cwd?: string } = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    input: opts.input ?? '',
    cwd: opts.cwd ?? tmp,
    env: { ...process.env, HOME: mkdtempSync(join(tmpdir(), 'flume-home-')) },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

function lines(text: string): unknown[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as unknown);
}

const START = Date.UTC(2024, 2, 1, 12, 0, 0);
const MINUTE = 60_000;

/**
 * One file per host, each in time order, over five minutes: host h writes a
 * point every (h + 3) seconds, offset by h seconds. The expected counts per
 * minute are computed from the same times here, independently of flume.
 */
function writeHosts(dir: string, hosts: number): { times: number[] } {
  mkdirSync(dir, { recursive: true });
  const times: number[] = [];
  for (let h = 0; h < hosts; h++) {
    let text = '';
    for (let t = START + h * 1000; t < START + 5 * MINUTE; t += (h + 3) * 1000) {
      text += JSON.stringify({ time: new Date(t).toISOString(), host: `h${h}` }) + '\n';
      times.push(t);
    }
    writeFileSync(join(dir, `host${h}.jsonl`), text);
  }
  return { times };
}

function countsPerMinute(times: number[]): { time: string; n: number }[] {
  const per = new Map<number, number>();
  for (const t of times) {
    const w = t - (t % MINUTE);
    per.set(w, (per.get(w) ?? 0) + 1);
  }
  return [...per.entries()].sort((a, b) => a[0] - b[0]).map(([w, n]) => ({ time: new Date(w).toISOString(), n }));
}

describe('type mismatches and names that match nothing, at end of run', () => {
  const access = join(tmp, 'access.log');
  writeFileSync(
    access,
    [
      '10.0.0.1 - - [01/Mar/2024:12:00:00 +0000] "GET / HTTP/1.1" 500 12 "-" "curl"',
      '10.0.0.2 - - [01/Mar/2024:12:00:01 +0000] "GET /a HTTP/1.1" 200 12 "-" "curl"',
      '10.0.0.3 - - [01/Mar/2024:12:00:02 +0000] "GET /b HTTP/1.1" 503 12 "-" "curl"',
    ].join('\n') + '\n',
  );
  const withPattern = (pattern: string, cond = 'response >= 500'): string =>
    `read('stdio', file='${access}', format='grok', pattern='${pattern}', time='timestamp') | filter(${cond}) | reduce(n=count())`;
  const program = withPattern('%{COMBINEDAPACHELOG}');

  it('a grok capture compared with a number: the answer stays, the summary names the field, the types and the fix', () => {
    const r = flume([program]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(lines(r.stdout), [{ n: 0 }]);
    const at = program.indexOf('filter(') + 1;
    assert.match(
      r.stderr,
      new RegExp(`filter \\(1:${at}\\): 3 comparisons of string with number were false: field response is a string; use num\\(response\\), or %\\{NUMBER:response:int\\} in the grok pattern`),
    );
  });

  it('--quiet hides the explanation; --stats counts type-mismatch', () => {
    assert.equal(flume(['--quiet', program]).stderr, '');
    assert.match(flume(['--stats', '--quiet', program]).stderr, /filter \(1:\d+\)\s+3\s+0\s+type-mismatch=3/);
  });

  it('the fixes give the right answer: a typed capture, or num()', () => {
    const typed = flume([withPattern('%{IPORHOST:client} - - \\[%{HTTPDATE:timestamp}\\] "%{DATA:request}" %{NUMBER:response:int} %{GREEDYDATA:rest}')]);
    assert.equal(typed.status, 0, typed.stderr);
    assert.deepEqual(lines(typed.stdout), [{ time: '2024-03-01T12:00:00.000Z', n: 2 }]);
    assert.equal(typed.stderr, '');
    const converted = flume([withPattern('%{COMBINEDAPACHELOG}', 'num(response) >= 500')]);
    assert.deepEqual(lines(converted.stdout), [{ time: '2024-03-01T12:00:00.000Z', n: 2 }]);
    assert.equal(converted.stderr, '');
  });

  it('rename written the wrong way round is reported', () => {
    const r = flume(["emit(points=[{lat:1}]) | rename(latency=lat)"]);
    assert.equal(r.status, 0);
    assert.match(r.stderr, /rename \(1:26\): field latency never appeared/);
    assert.equal(flume(['--quiet', "emit(points=[{lat:1}]) | rename(latency=lat)"]).stderr, '');
  });

  it('reduce(evry=...) warns with a did-you-mean and runs', () => {
    const r = flume(["emit(limit=2, start='2016-01-01') | reduce(n=count(), evry='1m')"]);
    assert.equal(r.status, 0);
    assert.match(r.stderr, /`evry=` sets a field `evry`; did you mean the option `every`\?/);
    assert.deepEqual(lines(r.stdout), [{ time: '2016-01-01T00:00:00.000Z', n: 2, evry: '1m' }]);
  });
});

describe('several files are one time-ordered stream', () => {
  const dir = join(tmp, 'multi');
  const { times } = writeHosts(dir, 5);
  const expected = countsPerMinute(times);

  it('a glob over one file per host gives the counts per minute of all of them, nothing late', () => {
    assert.equal(expected.length, 5, 'five windows');
    const r = flume([`read('stdio', file='${dir}/*.jsonl') | reduce(n=count(), every='1m')`]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(lines(r.stdout), expected);
    assert.equal(r.stderr, '', 'nothing dropped');
  });

  it('a list of files is merged the same way', () => {
    const files = [0, 1, 2, 3, 4].map((h) => `'${dir}/host${h}.jsonl'`).join(', ');
    const r = flume([`read('stdio', file=[${files}]) | reduce(n=count(), every='1m')`]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(lines(r.stdout), expected);
  });

  it("order='files' reads one after another: later files are late and counted", () => {
    const r = flume([`read('stdio', file='${dir}/*.jsonl', order='files') | reduce(n=count(), every='1m')`]);
    assert.equal(r.status, 0, r.stderr);
    const got = lines(r.stdout) as { n: number }[];
    const total = got.reduce((a, b) => a + b.n, 0);
    const late = Number(/(\d+) late/.exec(r.stderr)?.[1] ?? 0);
    assert.ok(late > 0, r.stderr);
    assert.equal(total + late, times.length, 'every point is either counted or reported late');
  });

  it('many files (more than are kept open) merge in time order', () => {
    const many = join(tmp, 'many');
    const { times: all } = writeHosts(many, 150);
    const r = flume([`read('stdio', file='${many}/*.jsonl') | reduce(n=count(), every='1m')`]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(lines(r.stdout), countsPerMinute(all));
    assert.equal(r.stderr, '');
  });

  it('follow=true follows every matching file', async () => {
    const live = join(tmp, 'live');
    mkdirSync(live);
    writeFileSync(join(live, 'a.log'), '{"f":"a","n":1}\n');
    writeFileSync(join(live, 'b.log'), '{"f":"b","n":1}\n');
    const child = spawn(process.execPath, [bin, `read('stdio', file='${live}/*.log', format='jsonl', follow=true, poll='50ms', time=null)`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const waitFor = async (text: string): Promise<void> => {
      const until = Date.now() + 60_000;
      while (!out.includes(text) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      assert.ok(out.includes(text), `waited for ${text}, got ${out}`);
    };
    await waitFor('{"f":"a","n":1}');
    await waitFor('{"f":"b","n":1}');
    appendFileSync(join(live, 'a.log'), '{"f":"a","n":2}\n');
    appendFileSync(join(live, 'b.log'), '{"f":"b","n":2}\n');
    await waitFor('{"f":"a","n":2}');
    await waitFor('{"f":"b","n":2}');
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    assert.equal(code, 130);
  });
});

describe('CLI rough edges', () => {
  it('--rc takes a path relative to the current directory, and help documents its names', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flume-rc-rel-'));
    writeFileSync(join(dir, 'my.rc.ts'), "export const hello = () => \"emit(points=[{greeting:'hi'}])\";\n");
    const r = flume(['--rc', 'my.rc.ts', 'hello()'], { cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '{"greeting":"hi"}\n');
    const h = flume(['--rc', 'my.rc.ts', 'help', 'hello'], { cwd: dir });
    assert.equal(h.status, 0, h.stderr);
    assert.match(h.stdout, /^hello — alias defined in an rc file/);
    assert.match(h.stdout, /emit\(points=\[\{greeting:'hi'\}\]\)/);
  });

  it('a program argument together with -f is an error', () => {
    const file = join(tmp, 'p.flume');
    writeFileSync(file, 'emit(limit=1)\n');
    const r = flume(['-f', file, 'emit(limit=2)']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /both a program argument and -f/);
    assert.equal(r.stdout, '');
  });

  it("on_error='fail' writes the good lines before the bad one, then stops (exit 1)", () => {
    const file = join(tmp, 'bad.jsonl');
    writeFileSync(file, '{"a":1}\n{"a":2}\nnot json\n{"a":3}\n');
    const r = flume([`read('stdio', file='${file}', on_error='fail')`]);
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '{"a":1}\n{"a":2}\n');
    assert.match(r.stderr, /bad\.jsonl:3/);
    const t = flume([`read('stdio', on_error='fail')`], { input: '{"a":1}\n{"time":"never"}\n{"a":3}\n' });
    assert.equal(t.status, 1);
    assert.equal(t.stdout, '{"a":1}\n');
    assert.match(t.stderr, /line 2: unparseable time/);
  });

  it('--explain shows the format actually used and the expression text', () => {
    const r = flume(['--explain', "read('stdio', file='x.csv') | filter(a > 1 and b == 'x') | put(c = a * 2)"]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /read\(.*format=csv \(from the file name\)/);
    assert.match(r.stdout, /filter\(expr=a > 1 and b == 'x'\)/);
    assert.match(r.stdout, /put\(c = a \* 2/);
    assert.match(r.stdout, /write\(.*format=jsonl \(the default\)/);
  });

  it('flume help read lists the options every reading adapter shares', () => {
    const r = flume(['help', 'read']);
    assert.equal(r.status, 0);
    for (const o of ['time', 'time_unit', 'on_error', 'format']) assert.match(r.stdout, new RegExp(`^  ${o}: `, 'm'), o);
    assert.match(r.stdout, /time_unit: string \(default 'auto'\)/);
  });

  it('hints: format for fromat=, jsonl for ndjson', () => {
    const a = flume(["read('stdio', fromat='csv')"]);
    assert.equal(a.status, 2);
    assert.match(a.stderr, /did you mean `format`\?/);
    const b = flume(["read('stdio', format='ndjson')"]);
    assert.equal(b.status, 2);
    assert.match(b.stderr, /did you mean `jsonl`\?/);
  });

  it('a chart without colours gives each series its own mark, y labels are round', () => {
    const r = flume([
      "emit(points=[{time:'2016-01-01T00:00:00Z', k:'a', v:3}, {time:'2016-01-01T00:00:00Z', k:'b', v:17}, {time:'2016-01-01T00:01:00Z', k:'a', v:11}, {time:'2016-01-01T00:01:00Z', k:'b', v:6}]) | chart('line', y=[v], by=[k], width=40, height=14)",
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^─ a {3}• b$/m);
    const labels = [...r.stdout.matchAll(/^ *(-?[\d.]+)┤/gm)].map((m) => Number(m[1]));
    assert.ok(labels.length >= 3, r.stdout);
    const step = labels[0]! - labels[1]!;
    assert.ok([1, 2, 5, 10, 20, 50].includes(step), `a round step: ${step}`);
    for (const l of labels) assert.equal(l % step, 0, `${l} is a multiple of ${step}`);
  });
});
