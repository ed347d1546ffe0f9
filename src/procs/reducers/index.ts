/** The built-in reducers (SPEC §4.2), in the order `flume help` lists them. */
import type { ReducerDef } from './types.js';
import { count } from './count.js';
import { sum } from './sum.js';
import { avg } from './avg.js';
import { min } from './min.js';
import { max } from './max.js';
import { first } from './first.js';
import { last } from './last.js';
import { stddev } from './stddev.js';
import { variance } from './variance.js';
import { percentile } from './percentile.js';
import { median } from './median.js';
import { count_unique } from './count_unique.js';
import { values } from './values.js';
import { rate } from './rate.js';
import { iterate } from './iterate.js';
import { top } from './top.js';

export const reducers: readonly ReducerDef[] = [
  count,
  sum,
  avg,
  min,
  max,
  first,
  last,
  stddev,
  variance,
  percentile,
  median,
  count_unique,
  values,
  rate,
  iterate,
  top,
];
