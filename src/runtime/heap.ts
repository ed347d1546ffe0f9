/**
 * A binary min-heap ordered by `less`. `moved` is told each item's new index
 * whenever it moves, so a holder can fix an item's place after changing its
 * key (`up`/`down`), as the space-saving sketch of `top` does.
 */
export class MinHeap<T> {
  readonly items: T[];

  constructor(
    private readonly less: (a: T, b: T) => boolean,
    private readonly moved: (item: T, index: number) => void = () => undefined,
    items: T[] = [],
  ) {
    this.items = items;
    items.forEach((x, i) => moved(x, i));
    for (let i = (items.length >> 1) - 1; i >= 0; i--) this.down(i);
  }

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(x: T): void {
    this.items.push(x);
    this.moved(x, this.items.length - 1);
    this.up(this.items.length - 1);
  }

  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      this.moved(last, 0);
      this.down(0);
    }
    return top;
  }

  /** Restore order after the item at `i` became smaller. */
  up(i: number): void {
    const a = this.items;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(a[i]!, a[p]!)) break;
      this.swap(i, p);
      i = p;
    }
  }

  /** Restore order after the item at `i` became larger. */
  down(i: number): void {
    const a = this.items;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && this.less(a[l]!, a[m]!)) m = l;
      if (r < a.length && this.less(a[r]!, a[m]!)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }

  private swap(i: number, j: number): void {
    const a = this.items;
    const x = a[i]!;
    const y = a[j]!;
    a[i] = y;
    a[j] = x;
    this.moved(x, j);
    this.moved(y, i);
  }
}
