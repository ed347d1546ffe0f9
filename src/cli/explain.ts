/** `--explain`: the compiled graph, one node a line. */
import type { Plan, PlanNode } from '../lang/resolve.js';
import { locate } from '../lang/diagnostics.js';
import type { Duration } from '../runtime/component.js';
import { formatDuration } from '../runtime/time.js';
import { formatIso } from '../runtime/point.js';

function showValue(k: string, v: unknown, n: PlanNode): string | undefined {
  if (v === undefined || k === '$named' || k === 'pipelines') return undefined;
  if (typeof v === 'function') return `${k}=<expr>`;
  if (v && typeof v === 'object' && 'months' in v && 'ms' in v) return `${k}=${formatDuration(v as Duration)}`;
  const spec = n.def.options[k];
  if (spec?.type === 'moment' && typeof v === 'number') return `${k}=${formatIso(v)}`;
  if (v instanceof RegExp) return `${k}=${String(v)}`;
  return `${k}=${JSON.stringify(v)}`;
}

export function explain(plan: Plan): string {
  const lines: string[] = [];
  const label = (n: PlanNode): string => `#${n.id}`;
  for (const n of plan.nodes) {
    const at = locate(n.source, n.span.start);
    const named = (n.opts['$named'] as { name: string }[] | undefined)?.map((a) => `${a.name}=…`) ?? [];
    const opts = [...named, ...Object.entries(n.opts).map(([k, v]) => showValue(k, v, n)).filter((s): s is string => s !== undefined)];
    const kind = n.def.kind === 'proc' ? 'processor' : n.def.kind;
    const to = n.absorbedBy
      ? ` pushed down into ${label(n.absorbedBy)}`
      : n.successors.length
        ? ` -> ${n.successors.map(label).join(', ')}`
        : '';
    const reuse = n.textReuse ? `; the sink writes each record's text again${n.textReuse.length ? ` with ${n.textReuse.join(', ')} added` : ''}` : '';
    lines.push(`${label(n)} ${kind} ${n.def.name}(${opts.join(', ')}) at ${at.line}:${at.column}${to}${reuse}`);
  }
  return lines.join('\n');
}
