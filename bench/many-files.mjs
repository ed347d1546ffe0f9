// Memory of a merge of many files (SPEC §12.4): FILES files of LINES JSON
// lines each (one host per file, times interleaved across files), read as one
// glob and counted per minute; prints the peak RSS of the flume process.
//
//   node bench/many-files.mjs [files=1000] [lines=10000] [dir]
// Needs `make build` first. Writes FILES × LINES lines (≈ 60 bytes each) under dir.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const files = Number(process.argv[2] ?? 1000);
const lines = Number(process.argv[3] ?? 10000);
const dir = process.argv[4] ?? join(tmpdir(), `flume-many-${files}x${lines}`);
const START = Date.UTC(2016, 0, 1);

if (!existsSync(join(dir, 'done'))) {
  mkdirSync(dir, { recursive: true });
  for (let f = 0; f < files; f++) {
    const parts = [];
    // File f holds times START + (i * files + f) ms: every file covers the whole span, interleaved.
    for (let i = 0; i < lines; i++) parts.push(`{"time":"${new Date(START + i * files + f).toISOString()}","host":"h${f}","v":${i % 100}}`);
    writeFileSync(join(dir, `h${String(f).padStart(4, '0')}.jsonl`), parts.join('\n') + '\n');
  }
  writeFileSync(join(dir, 'done'), '');
}

const bin = resolve(import.meta.dirname, '..', 'bin', 'flume.js');
const program = `read('stdio', file='${dir}/*.jsonl') | reduce(n=count(), every='1m')`;
const r = spawnSync('/usr/bin/time', ['-f', '%M %e', process.execPath, bin, program], { encoding: 'utf8', maxBuffer: 1 << 26 });
const [kb, secs] = r.stderr.trim().split('\n').pop().split(' ');
const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
const total = out.reduce((a, p) => a + p.n, 0);
console.log(JSON.stringify({ files, lines, points: total, windows: out.length, peak_rss_mb: Math.round(Number(kb) / 1024), seconds: Number(secs), late: /late/.test(r.stderr) }));
