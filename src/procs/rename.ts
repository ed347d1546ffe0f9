/**
 * rename: move fields to new names, keeping their place in the point.
 */
import type { Expr } from '../lang/ast.js';
import { compileError } from '../lang/diagnostics.js';
import { defineProc, type NamedArg } from '../runtime/defs.js';
import { deletePath, getPath, setPath, splitPath, TimeValue, type Point } from '../runtime/point.js';

export const rename = defineProc({
  name: 'rename',
  summary: 'rename fields',
  description:
    "Each `old=new` moves a field; the new name is a bare or quoted field name, dotted for a nested path (`rename(host='meta.host')`). " +
    'All renames happen at once, so `rename(a=b, b=a)` swaps two fields. A renamed field keeps its position in the point ' +
    '(unless a nested path is involved: then it is added at the end), and replaces a field already holding the new name. ' +
    'A field that is missing is left alone. Renaming `time` away makes the point timeless and the field a time value; ' +
    'renaming a time value to `time` makes it the timestamp.',
  named: { doc: 'old field name = new field name' },
  options: {},
  examples: [
    { title: 'rename a field in place', program: "emit(points=[{a:1, b:2}]) | rename(a='x')", output: '{"x":1,"b":2}' },
    { title: 'swap two fields', program: 'emit(points=[{a:1, b:2, c:3}]) | rename(a=b, b=a)', output: '{"b":1,"a":2,"c":3}' },
    { title: 'into a nested path', program: "emit(points=[{host:'db1', v:1}]) | rename(host=meta.host)", output: '{"v":1,"meta":{"host":"db1"}}' },
  ],
  namesUsed: (opts) => (opts.$named ?? []).map((a) => a.name),
  create(opts, ctx) {
    const named = (opts['$named'] as NamedArg<Expr>[] | undefined) ?? [];
    if (named.length === 0) throw compileError('bad-option', '`rename` needs at least one `old=new` argument', undefined, ["rename(host='hostname')"]);
    const from = named.map((a) => a.name);
    const to = named.map(newName);
    const fromPaths = from.map(splitPath);
    const toPaths = to.map(splitPath);
    const flat = fromPaths.every((p) => p.length === 1) && toPaths.every((p) => p.length === 1);
    const copy = ctx.sharedInput;
    const n = from.length;

    if (flat) {
      const targetOf = new Map<string, string>();
      const sourceOf = new Map<string, string>();
      for (let i = 0; i < n; i++) {
        targetOf.set(from[i]!, to[i]!);
        sourceOf.set(to[i]!, from[i]!);
      }
      return {
        push(batch, out) {
          for (let b = 0; b < batch.length; b++) {
            const p = batch[b]!;
            let any = false;
            for (let i = 0; i < n; i++) {
              if (p[from[i]!] !== undefined) {
                any = true;
                break;
              }
            }
            if (!any) {
              out.push(p);
              continue;
            }
            // A new object each time: it keeps field order and never touches a shared input.
            const q: Point = {};
            for (const k in p) {
              const v = p[k];
              const target = targetOf.get(k);
              if (target !== undefined) {
                if (v !== undefined) q[target] = convert(k, target, v);
                continue;
              }
              const source = sourceOf.get(k);
              if (source !== undefined && p[source] !== undefined) continue;
              q[k] = v;
            }
            out.push(q);
          }
        },
      };
    }

    const vals: unknown[] = new Array(n);
    return {
      push(batch, out) {
        for (let b = 0; b < batch.length; b++) {
          const q = copy ? { ...batch[b]! } : batch[b]!;
          // Read everything before writing anything, so renames do not see each other (swaps work).
          for (let i = 0; i < n; i++) vals[i] = getPath(q, fromPaths[i]!);
          for (let i = 0; i < n; i++) if (vals[i] !== undefined) deletePath(q, fromPaths[i]!);
          for (let i = 0; i < n; i++) if (vals[i] !== undefined) setPath(q, toPaths[i]!, convert(from[i]!, to[i]!, vals[i]));
          out.push(q);
        }
      },
    };
  },
});

/** `time` is epoch ms on a point but a TimeValue anywhere else (see point.ts). */
function convert(from: string, to: string, v: unknown): unknown {
  if (from === 'time' && typeof v === 'number') return new TimeValue(v);
  if (to === 'time' && v instanceof TimeValue) return v.ms;
  return v;
}

function newName(arg: NamedArg<Expr>): string {
  const e = arg.value;
  if (e.kind === 'literal' && typeof e.value === 'string' && e.value !== '') return e.value;
  if (e.kind === 'field' && e.path.every((s) => typeof s === 'string')) return e.path.join('.');
  throw compileError('bad-option', `\`rename(${arg.name}=...)\`: the new name must be a field name`, e.span, [`rename(${arg.name}='new_name')`]);
}
