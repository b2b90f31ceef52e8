/** At most `max` things open at once per key (streams per client); keys leave the map when they reach zero. */
export class Slots {
  private readonly open = new Map<string, number>();

  constructor(readonly max: number) {}

  /** Takes a slot for `key`; false when it has `max` already. */
  take(key: string): boolean {
    const n = this.open.get(key) ?? 0;
    if (n >= this.max) return false;
    this.open.set(key, n + 1);
    return true;
  }

  release(key: string): void {
    const n = this.open.get(key) ?? 0;
    if (n <= 1) this.open.delete(key);
    else this.open.set(key, n - 1);
  }

  /** slots taken by `key` */
  count(key: string): number {
    return this.open.get(key) ?? 0;
  }
}
