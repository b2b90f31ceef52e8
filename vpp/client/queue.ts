/**
 * An async-iterable queue between the socket and one consumer of a stream.
 * Above `highWater` items it asks the producer to pause; below `lowWater` to
 * resume: a 100k-entry dump is held once, and only as far as the consumer lags.
 */
export interface Flow {
  pause(): void;
  resume(): void;
}

export class StreamQueue<T> implements AsyncIterableIterator<T> {
  private items: T[] = [];
  private head = 0;
  private done = false;
  private error: Error | undefined;
  private waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: Error) => void } | undefined;
  private paused = false;
  private started = false;
  /** a reply VPP sent besides the stream's items, its service not declaring it (see calls.ts) */
  reply: { message: string; value: Record<string, unknown> } | undefined;

  constructor(
    private readonly flow: Flow,
    private readonly hooks: {
      /** called on the first pull: the stream's request goes out only once someone reads */
      start?: () => void;
      /** called when the consumer stops early (break, return, throw) */
      cancel: () => void;
    },
    private readonly highWater = 1024,
    private readonly lowWater = 256,
  ) {}

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    if (this.done) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve({ value: item, done: false });
      return;
    }
    this.items.push(item);
    if (!this.paused && this.length >= this.highWater) {
      this.paused = true;
      this.flow.pause();
    }
  }

  end(): void {
    if (this.done) return;
    this.done = true;
    this.settleWaiter();
    // nothing more comes for this stream: the socket carries other calls' replies
    this.unpause();
  }

  fail(err: Error): void {
    if (this.done) return;
    this.done = true;
    this.error = err;
    this.settleWaiter();
    this.unpause();
  }

  private settleWaiter(): void {
    if (!this.waiter || this.length > 0) return;
    const w = this.waiter;
    this.waiter = undefined;
    if (this.error) w.reject(this.error);
    else w.resolve({ value: undefined, done: true });
    this.unpause();
  }

  private unpause(): void {
    if (this.paused) {
      this.paused = false;
      this.flow.resume();
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (!this.started) {
      this.started = true;
      this.hooks.start?.();
    }
    if (this.length > 0) {
      const value = this.items[this.head]!;
      this.items[this.head++] = undefined as T;
      if (this.head > 4096 && this.head * 2 > this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      if (this.paused && this.length <= this.lowWater) this.unpause();
      return Promise.resolve({ value, done: false });
    }
    if (this.done) {
      this.unpause();
      return this.error ? Promise.reject(this.error) : Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<T>> {
    if (!this.done) {
      this.done = true;
      this.hooks.cancel();
    }
    this.items = [];
    this.head = 0;
    this.unpause();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(err?: unknown): Promise<IteratorResult<T>> {
    void this.return();
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
