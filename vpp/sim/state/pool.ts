/**
 * VPP's pool (vppinfra/pool.h), the allocator behind sw_if_index values, ACL
 * indexes, tunnels and the rest: an index freed goes on a free list, and the
 * next allocation takes the index freed last; only when none is free does the
 * pool grow. Walks go by index.
 */
export class IndexPool<T> {
  private readonly slots: (T | undefined)[] = [];
  private readonly free: number[] = [];
  private count = 0;

  /** pool_get: the index freed last, else the next new one; `make` builds the element for it. */
  add(make: (index: number) => T): T {
    const index = this.free.pop() ?? this.slots.length;
    const value = make(index);
    this.slots[index] = value;
    this.count++;
    return value;
  }

  /** The index the next `add` takes. */
  nextIndex(): number {
    return this.free[this.free.length - 1] ?? this.slots.length;
  }

  /** pool_put */
  delete(index: number): T | undefined {
    const value = this.slots[index];
    if (value === undefined) return undefined;
    this.slots[index] = undefined;
    this.free.push(index);
    this.count--;
    return value;
  }

  get(index: number): T | undefined {
    return this.slots[index];
  }

  has(index: number): boolean {
    return this.slots[index] !== undefined;
  }

  get size(): number {
    return this.count;
  }

  /** One more than the highest index ever used. */
  get capacity(): number {
    return this.slots.length;
  }

  /** pool_foreach: every element, by index. */
  *values(): IterableIterator<T> {
    for (const v of this.slots) if (v !== undefined) yield v;
  }

  *entries(): IterableIterator<[number, T]> {
    for (let i = 0; i < this.slots.length; i++) {
      const v = this.slots[i];
      if (v !== undefined) yield [i, v];
    }
  }
}
