/**
 * The end-of-run report on stderr: drops by processor and reason, type
 * mismatches explained with a fix (SPEC §12.1), names that matched nothing
 * (§12.7), or all counters with --stats.
 */
import type { RunSummary } from '../compile.js';
import type { NodeStats, TypeMismatchStat } from '../runtime/component.js';

export function renderSummary(s: RunSummary, opts: { stats: boolean; quiet: boolean }): string {
  const lines: string[] = [];
  if (opts.stats) {
    lines.push('flume: stage counters');
    const w = Math.max(...s.nodes.map((n) => `${n.name} (${n.where})`.length), 5);
    lines.push(`  ${'stage'.padEnd(w)}  ${'in'.padStart(10)}  ${'out'.padStart(10)}  dropped`);
    for (const n of s.nodes) {
      const counts = { ...n.drops };
      const mismatches = mismatchCount(n);
      if (mismatches > 0) counts['type-mismatch'] = (counts['type-mismatch'] ?? 0) + mismatches;
      const drops = Object.entries(counts).map(([r, c]) => `${r}=${c}`).join(' ') || '0';
      lines.push(`  ${`${n.name} (${n.where})`.padEnd(w)}  ${String(n.in).padStart(10)}  ${String(n.out).padStart(10)}  ${drops}`);
    }
    lines.push(`  ${s.durationMs} ms`);
  }
  if (opts.quiet) return lines.join('\n');
  if (s.dropped > 0) {
    lines.push(`flume: ${s.dropped} point${s.dropped === 1 ? '' : 's'} dropped`);
    for (const n of s.nodes) {
      for (const [reason, count] of Object.entries(n.drops)) {
        const ex = n.dropExamples[reason];
        lines.push(`  ${n.name} (${n.where}): ${count} ${reason}${ex ? `, first: ${ex.length > 200 ? ex.slice(0, 200) + '…' : ex}` : ''}`);
      }
    }
  }
  const explained = s.nodes.flatMap((n) => (n.mismatches ?? []).filter((m) => m.count > 0).map((m) => `  ${n.name} (${n.where}): ${explainMismatch(m, s.readsGrok === true)}`));
  if (explained.length > 0) lines.push('flume: type mismatches (the answer may be wrong)', ...explained);
  const unseen = s.nodes.flatMap((n) => (n.unseen ?? []).map((f) => `  ${n.name} (${n.where}): field ${f} never appeared`));
  if (unseen.length > 0) lines.push('flume: names that matched nothing', ...unseen);
  return lines.join('\n');
}

function mismatchCount(n: NodeStats): number {
  let c = 0;
  for (const m of n.mismatches ?? []) c += m.count;
  return c;
}

/**
 * `400 comparisons of string with number were false: field response is a
 * string; use num(response), or %{NUMBER:response:int} in the grok pattern`.
 */
export function explainMismatch(m: TypeMismatchStat, grok: boolean): string {
  const many = m.count !== 1;
  const what =
    m.what === 'comparison'
      ? `${m.count} comparison${many ? 's' : ''} of ${m.left} with ${m.right} ${many ? 'were' : 'was'} ${m.result}`
      : `${m.count} arithmetic operation${many ? 's' : ''} on ${m.left} and ${m.right} gave null (${m.op})`;
  return `${what}: ${fixFor(m, grok)}`;
}

function fixFor(m: TypeMismatchStat, grok: boolean): string {
  const sides = [
    { kind: m.left, field: m.leftField },
    { kind: m.right, field: m.rightField },
  ];
  const str = sides.find((x) => x.kind === 'string');
  const num = sides.find((x) => x.kind === 'number');
  if (str !== undefined && num !== undefined) {
    if (str.field !== undefined) {
      const f = str.field;
      return `field ${f} is a string; use num(${f})${grok ? `, or %{NUMBER:${f}:int} in the grok pattern` : ''}`;
    }
    if (num.field !== undefined) return `field ${num.field} is a number; compare it with a number, or use str(${num.field})`;
    return 'one side is a string and the other a number; convert with num(...) or str(...)';
  }
  const time = sides.find((x) => x.kind === 'time');
  const other = sides.find((x) => x.kind !== 'time');
  if (other?.field !== undefined) {
    const f = other.field;
    return other.kind === 'number' || other.kind === 'string'
      ? `field ${f} is a ${other.kind}, not a time; use parse_time(${f}), or read it with time='${f}'`
      : `field ${f} is a ${other.kind}, not a time`;
  }
  const t = time?.field ?? 'the time';
  return `${t} is a time; compare it with a time or a moment string ('2024-03-01T12:05:00Z'), not a ${other?.kind ?? 'value'}`;
}
