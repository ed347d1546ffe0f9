/** Every built-in stage, in the order `flume help` lists them. */
import type { StageDef } from '../runtime/defs.js';
import { emit } from './emit.js';
import { read } from './read.js';
import { seq } from './seq.js';
import { filter } from './filter.js';
import { put } from './put.js';
import { parse } from './parse.js';
import { keep } from './keep.js';
import { remove } from './remove.js';
import { rename } from './rename.js';
import { head } from './head.js';
import { tail } from './tail.js';
import { skip } from './skip.js';
import { uniq } from './uniq.js';
import { sort } from './sort.js';
import { reduce } from './reduce.js';
import { split } from './split.js';
import { join } from './join.js';
import { union } from './union.js';
import { intersect } from './intersect.js';
import { diff } from './diff.js';
import { pace } from './pace.js';
import { reorder } from './reorder.js';
import { merge } from './merge.js';
import { funnel } from './funnel.js';
import { alarm } from './alarm.js';
import { validate } from './validate.js';
import { write } from './write.js';
import { chart } from './chart.js';
import { barchart } from './barchart.js';
import { linechart } from './linechart.js';
import { timechart } from './timechart.js';

export const procs: readonly StageDef[] = [
  emit, read, seq,
  filter, put, parse, keep, remove, rename, head, tail, skip, uniq, sort, reduce, split,
  join, union, intersect, diff, pace, reorder, merge, validate,
  funnel, alarm,
  write,
  chart, barchart, linechart, timechart,
];
