/**
 * Group commit for a journal store: the appends of one turn of the event
 * loop, and every append made while the group before it is being written,
 * go to the store in one durable write. Bulk programming pays one durable
 * write (an fsync, an etcd transaction) per group, not per request, and the
 * slower the store, the larger the groups. Every write, and any other step a
 * store must not interleave with them (a rewrite's swap, a probe), runs one
 * after another through run().
 */
import type { StoreWrite } from './store.ts';

export interface Group {
  entries: { seq: number; bytes: Buffer }[];
  /** the last instance record appended, if any */
  instance: Buffer | undefined;
  forget: number[];
  /** VOID records of entries VPP refused after they were written */
  voided: { seq: number; bytes: Buffer }[];
  /** bytes of the entries, the VOID records and the instance */
  bytes: number;
  /** the highest entry seq in the group (0: none) */
  lastSeq: number;
  /** the appends as they came, for a store that writes a group in parts and must keep their order */
  writes: StoreWrite[];
  done: ((err?: Error) => void)[];
}

export class GroupCommit {
  private open: Group | undefined;
  private flushQueued = false;
  private chain: Promise<void> = Promise.resolve();
  /** writes and other steps queued or running */
  private running = 0;

  /** `write` makes a group durable, or throws why it could not (every append of the group gets the error). */
  constructor(private readonly write: (group: Group) => Promise<void>) {}

  append(w: StoreWrite, done: (err?: Error) => void): void {
    const g = (this.open ??= {
      entries: [],
      instance: undefined,
      forget: [],
      voided: [],
      bytes: 0,
      lastSeq: 0,
      writes: [],
      done: [],
    });
    for (const e of w.entries) {
      g.entries.push(e);
      g.bytes += e.bytes.length;
      g.lastSeq = e.seq;
    }
    if (w.instance) {
      if (g.instance) g.bytes -= g.instance.length;
      g.instance = w.instance;
      g.bytes += w.instance.length;
    }
    for (const seq of w.forget) g.forget.push(seq);
    for (const v of w.voided ?? []) {
      g.voided.push(v);
      g.bytes += v.bytes.length;
    }
    g.writes.push(w);
    g.done.push(done);
    if (this.flushQueued) return;
    this.flushQueued = true;
    setImmediate(
      () =>
        void this.run(async () => {
          this.flushQueued = false;
          const group = this.open;
          this.open = undefined;
          if (!group) return undefined;
          try {
            await this.write(group);
            return { group, err: undefined };
          } catch (e) {
            return { group, err: e as Error };
          }
          // the appends are told once the write is off the queue: a write made at once from their callbacks is not held back
        }).then((written) => written?.group.done.forEach((cb) => cb(written.err))),
    );
  }

  /** Whether nothing is gathered, queued or being written: a write made now comes after every earlier one. */
  get idle(): boolean {
    return !this.open && !this.flushQueued && this.running === 0;
  }

  /** Runs `op` after every write queued before it; the queue itself never fails. */
  run<T>(op: () => Promise<T> | T): Promise<T> {
    this.running++;
    const result = this.chain.then(async () => {
      try {
        return await op();
      } finally {
        this.running--;
      }
    });
    this.chain = result.then(
      () => {},
      () => {},
    );
    return result;
  }

  /** Once every write queued so far is done. */
  async settled(): Promise<void> {
    await this.chain;
  }
}
