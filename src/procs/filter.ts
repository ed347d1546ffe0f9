/**
 * filter: keep the points for which an expression is truthy (§11.20).
 */
import { truthy } from '../lang/expr.js';
import type { CompiledExpr } from '../runtime/component.js';
import { defineProc } from '../runtime/defs.js';

export const filter = defineProc({
  name: 'filter',
  summary: 'keep points where an expression is truthy',
  description:
    '`null`, a missing field, `false`, `0`, `NaN` and `\'\'` are false; everything else (including `[]` and `{}`) is true. ' +
    "Comparing values of different types is false rather than an error. A string condition is parsed as an expression: " +
    "`filter('value > 5')` is `filter(value > 5)` (Python flume compatibility).",
  options: {
    expr: { type: 'expr', required: true, doc: 'the condition, evaluated against each point' },
  },
  positional: ['expr'],
  examples: [
    { title: 'keep large values', program: 'emit(points=[{a:1},{a:2},{a:3}]) | filter(a > 1)', output: '{"a":2}\n{"a":3}' },
    {
      title: 'a condition given as a string',
      program: "emit(points=[{host:'db1', up:true},{host:'web1', up:false}]) | filter('not up')",
      output: '{"host":"web1","up":false}',
    },
  ],
  namesUsed: (opts) => opts.expr.fields ?? [],
  create(opts) {
    const expr = opts['expr'] as CompiledExpr;
    return {
      fieldsSet: [],
      push(batch, out) {
        for (let i = 0; i < batch.length; i++) {
          const p = batch[i]!;
          if (truthy(expr(p))) out.push(p);
        }
      },
    };
  },
});
