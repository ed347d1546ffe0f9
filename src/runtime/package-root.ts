/**
 * The installed package's root: found by walking up to flume's package.json,
 * so files shipped with the package (grok patterns, dist/index.js) are found
 * the same way from src/ (tests), dist/ and the bundled CLI.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'flume') return (cached = dir);
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the flume package root');
    dir = up;
  }
}
