/**
 * Names that match nothing (SPEC §12.7): a stage's field names (rename's old
 * names, keep, remove, `by`, the fields a filter reads) that no point it saw
 * had. Checked per batch and only until each name has been seen once, so a
 * stage whose names all appear pays one length test per batch.
 */
import { getPath, splitPath, type Batch } from './point.js';

export class NameWatch {
  private pending: { name: string; path: string[] }[];
  private sawPoints = false;

  constructor(names: readonly string[]) {
    this.pending = [...new Set(names)].map((name) => ({ name, path: splitPath(name) }));
  }

  check(batch: Batch): void {
    if (this.pending.length === 0 || batch.length === 0) return;
    this.sawPoints = true;
    this.pending = this.pending.filter(({ path }) => !batch.some((p) => getPath(p, path) !== undefined));
  }

  /** The names no point had; none when no point came at all (nothing to tell then). */
  unseen(): string[] {
    return this.sawPoints ? this.pending.map((n) => n.name) : [];
  }
}
