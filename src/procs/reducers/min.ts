import { TimeValue } from '../../runtime/point.js';
import { defineReducer, type ReducerContext, type ReducerDef, type ReducerState } from './types.js';
import { isAbsent, isObj } from './util.js';

type Kind = 'number' | 'string' | 'time';

function kindOf(v: unknown): Kind | undefined {
  if (typeof v === 'number') return Number.isNaN(v) ? undefined : 'number';
  if (typeof v === 'string') return 'string';
  if (v instanceof TimeValue) return 'time';
  return undefined;
}

/** Both values are of the same kind here; times compare by instant. */
function less(a: unknown, b: unknown, kind: Kind): boolean {
  if (kind === 'time') return (a as TimeValue).ms < (b as TimeValue).ms;
  return (a as number | string) < (b as number | string);
}

/**
 * min and max keep the first kind they see (number, string or time): mixing
 * kinds has no useful order (SPEC §11.6 makes cross-type comparisons false),
 * so later values of another kind are skipped and reported rather than
 * silently deciding the result.
 */
export function extremumFactory(wantLess: boolean) {
  return (_consts: readonly unknown[], ctx: ReducerContext) =>
    (): ReducerState => {
      let kind: Kind | undefined;
      let best: unknown = null;
      const offer = (v: unknown) => {
        if (isAbsent(v)) return;
        const k = kindOf(v);
        if (k === undefined || (kind !== undefined && k !== kind)) return ctx.mismatch(v);
        if (kind === undefined) {
          kind = k;
          best = v;
        } else if (wantLess ? less(v, best, k) : less(best, v, k)) {
          best = v;
        }
      };
      return {
        add: offer,
        result: () => best,
        partial: () => (kind === undefined ? null : { kind, v: kind === 'time' ? (best as TimeValue).ms : best }),
        merge(p) {
          if (isAbsent(p)) return;
          if (!isObj(p)) return ctx.mismatch(p);
          if (p.kind === 'time' && typeof p.v === 'number') offer(new TimeValue(p.v));
          else if ((p.kind === 'number' && typeof p.v === 'number') || (p.kind === 'string' && typeof p.v === 'string')) offer(p.v);
          else ctx.mismatch(p);
        },
      };
    };
}

export function extremumDescription(which: 'smallest' | 'largest'): string {
  return (
    `The ${which} value of a field: numbers, strings (by UTF-16 code unit order) or times. ` +
    '`0` and `""` are values (Python flume treated 0 as unset: fixed). ' +
    'The first non-null value fixes the kind; later values of another kind (and booleans, lists, objects, NaN) ' +
    'are skipped and counted as `type-mismatch`. A time field gives a time. Partial states merge exactly.'
  );
}

export const min: ReducerDef = defineReducer({
  name: 'min',
  aliases: ['minimum'],
  summary: 'Smallest value of a field (numbers, strings or times).',
  description: extremumDescription('smallest'),
  params: [{ name: 'f', type: 'value', doc: "The field or expression; a string literal names a field (`minimum('count')`)." }],
  empty: null,
  retractable: false,
  create: extremumFactory(true),
  examples: [
    {
      title: 'Smallest and largest value; 0 is a value.',
      program: 'emit(points=[{v:3},{v:0},{v:7}]) | reduce(lo=min(v), hi=max(v))',
      output: '{"lo":0,"hi":7}',
    },
    {
      title: 'Strings compare alphabetically.',
      program: "emit(points=[{s:'pear'},{s:'apple'},{s:'fig'}]) | reduce(first_name=min(s))",
      output: '{"first_name":"apple"}',
    },
  ],
});
