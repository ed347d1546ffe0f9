/** The end-of-run report on stderr: drops by processor and reason, or all counters with --stats. */
import type { RunSummary } from '../compile.js';

export function renderSummary(s: RunSummary, opts: { stats: boolean; quiet: boolean }): string {
  const lines: string[] = [];
  if (opts.stats) {
    lines.push('flume: stage counters');
    const w = Math.max(...s.nodes.map((n) => `${n.name} (${n.where})`.length), 5);
    lines.push(`  ${'stage'.padEnd(w)}  ${'in'.padStart(10)}  ${'out'.padStart(10)}  dropped`);
    for (const n of s.nodes) {
      const drops = Object.entries(n.drops).map(([r, c]) => `${r}=${c}`).join(' ') || '0';
      lines.push(`  ${`${n.name} (${n.where})`.padEnd(w)}  ${String(n.in).padStart(10)}  ${String(n.out).padStart(10)}  ${drops}`);
    }
    lines.push(`  ${s.durationMs} ms`);
  }
  if (!opts.quiet && s.dropped > 0) {
    lines.push(`flume: ${s.dropped} point${s.dropped === 1 ? '' : 's'} dropped`);
    for (const n of s.nodes) {
      for (const [reason, count] of Object.entries(n.drops)) {
        const ex = n.dropExamples[reason];
        lines.push(`  ${n.name} (${n.where}): ${count} ${reason}${ex ? `, first: ${ex.length > 200 ? ex.slice(0, 200) + '…' : ex}` : ''}`);
      }
    }
  }
  return lines.join('\n');
}
