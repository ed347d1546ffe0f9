// The runtime's floor: each workload as a plain Node loop. Chunked synchronous
// reads, JSON.parse per line, Date.parse of `time`, a Map keyed by window and
// name; no streams, no per-line callbacks, no generality.
//
//   node bench/node-loop.mjs <workload 1-6> [file] [points]
// Prints its result as JSON lines, like the other tools. Workload 6 is
// start-up: one point.
import { closeSync, openSync, readSync, writeSync } from 'node:fs';

const START = Date.UTC(2016, 0, 1);
const N = process.argv[4] === undefined ? 1_000_000 : Number(process.argv[4]);
const NAMES = Array.from({ length: 10 }, (_, i) => 'n' + i);
const CHUNK = 64 * 1024;

const [workload, file] = [Number(process.argv[2]), process.argv[3]];
const out = [];

/**
 * The file as text in chunks of whole lines: read 64 KB, decode up to the last
 * newline (so no UTF-8 sequence is split), keep the rest for the next read.
 * (Strings over 128 KB go to V8's large-object space, which is slower.)
 */
function* chunks(path) {
  const fd = openSync(path, 'r');
  const buf = Buffer.allocUnsafe(CHUNK);
  let kept = 0;
  for (;;) {
    const n = readSync(fd, buf, kept, CHUNK - kept, null);
    const end = kept + n;
    if (n === 0) {
      if (kept > 0) yield buf.toString('utf8', 0, kept) + '\n';
      break;
    }
    const last = buf.lastIndexOf(10, end - 1);
    if (last < 0) {
      if (end === CHUNK) throw new Error('a line longer than the read buffer');
      kept = end;
      continue;
    }
    yield buf.toString('utf8', 0, last + 1);
    kept = end - (last + 1);
    buf.copy(buf, 0, last + 1, end);
  }
  closeSync(fd);
}

function w1() {
  let count = 0;
  for (let i = 0; i < N; i++) {
    const p = { time: START + i };
    if (p.time !== undefined) count++;
  }
  out.push({ time: new Date(START).toISOString(), count });
}

function w2() {
  const groups = new Map();
  for (let i = 0; i < N; i++) {
    const p = { time: START + i, name: NAMES[i % 10], v: (i + 1) * 0.37 };
    let g = groups.get(p.name);
    if (g === undefined) groups.set(p.name, (g = { c: 0, s: 0 }));
    g.c++;
    g.s += p.v;
  }
  for (const [name, g] of groups) out.push({ time: new Date(START).toISOString(), name, c: g.c, a: g.s / g.c });
}

function w3(path) {
  // window → name → {c, s}
  const windows = new Map();
  for (const text of chunks(path)) {
    let i = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; i = nl + 1, nl = text.indexOf('\n', i)) {
      const p = JSON.parse(text.slice(i, nl));
      const t = Date.parse(p.time);
      const w = t - (t % 60000);
      let byName = windows.get(w);
      if (byName === undefined) windows.set(w, (byName = new Map()));
      let g = byName.get(p.name);
      if (g === undefined) byName.set(p.name, (g = { c: 0, s: 0 }));
      g.c++;
      g.s += p.v;
    }
  }
  for (const [w, byName] of windows)
    for (const [name, g] of byName) out.push({ time: new Date(w).toISOString(), name, c: g.c, a: g.s / g.c });
}

/** Writes to stdout (the bench sends it to /dev/null); prints nothing else. */
function w4(path) {
  const fd = 1;
  for (const text of chunks(path)) {
    let s = '';
    let i = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; i = nl + 1, nl = text.indexOf('\n', i)) {
      const p = JSON.parse(text.slice(i, nl));
      p.time = Date.parse(p.time);
      p.v2 = p.v * 2;
      p.time = new Date(p.time).toISOString();
      s += JSON.stringify(p) + '\n';
    }
    for (let b = Buffer.from(s); b.length > 0; ) b = b.subarray(writeSync(fd, b));
  }
}

function w5(path) {
  const groups = new Map();
  for (const text of chunks(path)) {
    let i = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; i = nl + 1, nl = text.indexOf('\n', i)) {
      const p = JSON.parse(text.slice(i, nl));
      p.time = Date.parse(p.time); // as every tool here does on reading
      let g = groups.get(p.name);
      if (g === undefined) groups.set(p.name, (g = { vs: [], u: new Set() }));
      g.vs.push(p.v);
      g.u.add(p.v);
    }
  }
  for (const [name, g] of groups) {
    const vs = Float64Array.from(g.vs).sort();
    // Linear interpolation between closest ranks.
    const r = 0.99 * (vs.length - 1);
    const lo = Math.floor(r);
    const p = vs[lo] + (r - lo) * ((vs[Math.min(lo + 1, vs.length - 1)] ?? vs[lo]) - vs[lo]);
    out.push({ time: new Date(START).toISOString(), name, p, u: g.u.size });
  }
}

switch (workload) {
  case 1: w1(); break;
  case 2: w2(); break;
  case 3: w3(file); break;
  case 4: w4(file); break;
  case 5: w5(file); break;
  case 6: out.push({ time: new Date(0).toISOString() }); break;
  default:
    process.stderr.write('usage: node bench/node-loop.mjs <1-6> [file] [points]\n');
    process.exit(2);
}
if (out.length > 0) process.stdout.write(out.map((p) => JSON.stringify(p)).join('\n') + '\n');
