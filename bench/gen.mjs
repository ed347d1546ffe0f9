// The benchmark's data: JSON lines, one point per line,
//   {"time":"2016-01-01T00:00:00.000Z","name":"n3","v":512.37}
// `time` starts at 2016-01-01T00:00:00.000Z and increases by 1 ms a line;
// `name` is one of 10 values (n0..n9, pseudo-random); `v` a float in [0, 1000)
// with two decimals. A fixed seed makes the file the same on every machine.
//
//   node bench/gen.mjs [file] [lines]     (defaults: stdout, 1,000,000)
//   node bench/gen.mjs --access-log [file] [lines]   (an access log, for the grok workloads)
import { createWriteStream } from 'node:fs';

export const START = Date.UTC(2016, 0, 1);
export const NAMES = Array.from({ length: 10 }, (_, i) => 'n' + i);

/** mulberry32: a small, fast, seeded PRNG (uniform in [0, 1)). */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Write `lines` lines to `file` (or stdout); resolves when flushed. */
export async function generate(file, lines = 1_000_000) {
  const rand = rng(20160101);
  await writeBlocks(file, lines, (i) => {
    const name = NAMES[Math.floor(rand() * 10)];
    const v = Math.floor(rand() * 100_000) / 100;
    return '{"time":"' + new Date(START + i).toISOString() + '","name":"' + name + '","v":' + v + '}\n';
  });
}

const VERBS = ['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE'];
const PATHS = ['/', '/index.html', '/api/users', '/api/orders?id=', '/static/app.js', '/img/logo.png'];
const AGENTS = ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36', 'curl/8.5.0', 'Go-http-client/1.1'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** An access-log timestamp (`01/Jan/2016:00:00:00 +0000`). */
function httpDate(ms) {
  const d = new Date(ms);
  const p = (n) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/**
 * `lines` lines of an nginx/Apache combined access log (what grok's
 * COMBINEDAPACHELOG reads), one request a millisecond from 2016-01-01, seeded.
 */
export async function generateAccessLog(file, lines = 1_000_000) {
  const out = file === undefined || file === '-' ? process.stdout : createWriteStream(file);
  const rand = rng(20160102);
  const pick = (xs) => xs[Math.floor(rand() * xs.length)];
  const BLOCK = 10_000;
  for (let i = 0; i < lines; ) {
    let s = '';
    const n = Math.min(BLOCK, lines - i);
    for (let k = 0; k < n; k++, i++) {
      const ip = `10.${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}`;
      const path = pick(PATHS);
      const status = rand() < 0.9 ? 200 : pick([301, 404, 500, 503]);
      s +=
        `${ip} - - [${httpDate(START + i)}] "${pick(VERBS)} ${path.endsWith('=') ? path + Math.floor(rand() * 1000) : path} HTTP/1.1" ` +
        `${status} ${Math.floor(rand() * 50_000)} "https://example.com/" "${pick(AGENTS)}"\n`;
    }
    if (!out.write(s)) await new Promise((r) => out.once('drain', r));
  }
  if (out !== process.stdout) await new Promise((r, j) => out.end((e) => (e ? j(e) : r())));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const access = process.argv[2] === '--access-log';
  const args = process.argv.slice(access ? 3 : 2);
  const lines = args[1] === undefined ? 1_000_000 : Number(args[1]);
  await (access ? generateAccessLog : generate)(args[0], lines);
}

export const STEPS = ['visit', 'signup', 'verify', 'buy'];

/**
 * Workload 9's data: `lines` events of `users` users, 100 ms apart (so the
 * file spans more than a day and `within='1d'` matters), each
 * `{"time":…,"user":"u123","event":"visit"}` with the events weighted
 * 40/30/20/10 % over STEPS. Seeded: the same file on every machine.
 */
export async function generateEvents(file, lines, users) {
  const rand = rng(1919);
  await writeBlocks(file, lines, (i) => {
    const user = 'u' + Math.floor(rand() * users);
    const x = rand();
    const event = STEPS[x < 0.4 ? 0 : x < 0.7 ? 1 : x < 0.9 ? 2 : 3];
    return '{"time":"' + new Date(START + i * 100).toISOString() + '","user":"' + user + '","event":"' + event + '"}\n';
  });
}

/** Workload 10's data: `lines` requests 1 ms apart, `{"time":…,"url":"/p17"}`, 1,000 URLs with skewed (squared uniform) popularity. */
export async function generateUrls(file, lines) {
  const rand = rng(4242);
  await writeBlocks(file, lines, (i) => {
    const r = rand();
    return '{"time":"' + new Date(START + i).toISOString() + '","url":"/p' + Math.floor(r * r * 1000) + '"}\n';
  });
}

/** Write line(0) … line(lines-1) to `file` (or stdout for undefined or '-'); resolves when flushed. */
async function writeBlocks(file, lines, line) {
  const out = file === undefined || file === '-' ? process.stdout : createWriteStream(file);
  const BLOCK = 10_000;
  for (let i = 0; i < lines; ) {
    let s = '';
    const n = Math.min(BLOCK, lines - i);
    for (let k = 0; k < n; k++, i++) s += line(i);
    if (!out.write(s)) await new Promise((r) => out.once('drain', r));
  }
  if (out !== process.stdout) await new Promise((r, j) => out.end((e) => (e ? j(e) : r())));
}
