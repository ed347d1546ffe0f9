// Copy to ~/.flumerc.ts or ./.flumerc.ts: every export becomes a name in programs.
//   flume "syslog('examples/grok/syslog') | reduce(count=count(), every='1h')"
//   flume "emit(points=[{v:1},{v:5},{v:3}]) | reduce(r=spread(v))"
import { read, defineReducer } from 'flume';

/** An alias: a function returning a pipeline fragment. */
export const syslog = (file: string) =>
  read('stdio', { file, format: 'grok', pattern: '%{SYSLOGLINE}', time: 'timestamp' });

/** An alias written as program text. */
export const errors = "filter(level == 'error' or status >= 500)";

/** A custom reducer: max − min, mergeable so it also works with partial/merge. */
export const spread = defineReducer({
  name: 'spread',
  summary: 'largest minus smallest numeric value',
  params: [{ name: 'field', type: 'value', doc: 'the field to measure' }],
  empty: null,
  retractable: false,
  examples: [{ title: 'spread of three values', program: 'emit(points=[{v:1},{v:5},{v:3}]) | reduce(r=spread(v))', output: '{"r":4}' }],
  create: () => () => {
    let lo = Infinity;
    let hi = -Infinity;
    return {
      add(v: unknown) {
        if (typeof v !== 'number') return;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      },
      result: () => (lo === Infinity ? null : hi - lo),
      partial: () => (lo === Infinity ? null : [lo, hi]),
      merge(p: unknown) {
        if (!Array.isArray(p)) return;
        if (p[0] < lo) lo = p[0];
        if (p[1] > hi) hi = p[1];
      },
    };
  },
});
