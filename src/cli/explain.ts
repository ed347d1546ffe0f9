/** `--explain`: the compiled graph, one node a line. */
import type { Plan, PlanNode } from '../lang/resolve.js';
import { locate } from '../lang/diagnostics.js';
import type { Duration } from '../runtime/component.js';
import { formatDuration } from '../runtime/time.js';
import { formatIso } from '../runtime/point.js';
import type { CompiledExpr } from '../runtime/component.js';
import type { Registry } from '../registry.js';
import { formatForPath } from '../adapters/formats/index.js';

function showValue(k: string, v: unknown, n: PlanNode): string | undefined {
  if (v === undefined || k === '$named' || k === 'pipelines') return undefined;
  if (typeof v === 'function') return `${k}=${(v as CompiledExpr).text ?? '<expr>'}`;
  if (v && typeof v === 'object' && 'months' in v && 'ms' in v) return `${k}=${formatDuration(v as Duration)}`;
  const spec = n.def.options[k];
  if (spec?.type === 'moment' && typeof v === 'number') return `${k}=${formatIso(v)}`;
  if (v instanceof RegExp) return `${k}=${String(v)}`;
  return `${k}=${JSON.stringify(v)}`;
}

/**
 * The format a byte adapter's read or write uses when none is given: from the
 * file name (the first of several), else jsonl, as stdio decides (SPEC §11.7).
 */
function implicitFormat(n: PlanNode, reg: Registry | undefined): string | undefined {
  if ((n.def.name !== 'read' && n.def.name !== 'write') || n.opts['format'] !== undefined) return undefined;
  const adapter = typeof n.opts['adapter'] === 'string' ? reg?.adapter(n.opts['adapter']) : undefined;
  if (adapter?.bytes !== true) return undefined;
  const f = n.opts['file'];
  const file = typeof f === 'string' ? f : Array.isArray(f) && typeof f[0] === 'string' ? f[0] : undefined;
  if (file === undefined || file === '-' || file === '') return 'format=jsonl (the default)';
  return `format=${formatForPath(file)} (from the file name)`;
}

/** `name=value` arguments as written (put, reduce, rename). */
function namedText(n: PlanNode): string[] {
  const named = n.opts['$named'] as { name: string; span: { start: number; end: number } }[] | undefined;
  return named?.map((a) => n.source.slice(a.span.start, a.span.end).replace(/\s+/g, ' ') || `${a.name}=…`) ?? [];
}

export function explain(plan: Plan, reg?: Registry): string {
  const lines: string[] = [];
  const label = (n: PlanNode): string => `#${n.id}`;
  for (const n of plan.nodes) {
    const at = locate(n.source, n.span.start);
    const named = namedText(n);
    const shown = Object.entries(n.opts).map(([k, v]) => showValue(k, v, n)).filter((s): s is string => s !== undefined);
    const format = implicitFormat(n, reg);
    const opts = [...named, ...shown, ...(format === undefined ? [] : [format])];
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
