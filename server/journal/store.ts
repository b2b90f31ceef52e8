/**
 * Where a journal keeps its records: one interface, so that a node can keep
 * its journal in a local file (file-store.ts) or in a distributed store.
 */
import type { JournalRecord } from './record.ts';

/** One durable write: new records, and entries no longer needed (stores that keep entries apart drop them). */
export interface StoreWrite {
  /** entry records by their seq, and at most one instance record */
  entries: { seq: number; bytes: Buffer }[];
  instance?: Buffer;
  /** seqs of entries that compaction removed */
  forget: number[];
  /** entries written before VPP answered, which VPP refused: their VOID records (record.ts) */
  voided?: { seq: number; bytes: Buffer }[];
}

export interface OpenedJournal {
  records: JournalRecord[];
  /** what was found and fixed on the way (a torn last record dropped) */
  warnings: string[];
}

export interface JournalStore {
  /** `file` or `etcd`, for status and logs */
  readonly kind: string;
  /** where: a path, or a key prefix */
  readonly where: string;
  /** bytes the store holds */
  readonly bytes: number;
  /** durable writes made, and the time they took (fsync, or the store's acknowledgement) */
  readonly syncs: { count: number; seconds: number };
  /** whether the store keeps removed entries until rewrite() (a log), or forgets them at once */
  readonly keepsRemoved: boolean;
  /** Reads everything kept, in order. Throws JournalStoreError when the journal cannot be used. */
  open(): Promise<OpenedJournal>;
  /** What is durably kept now, once the writes under way are done (the journal reads it again after a failed write). */
  reread(): Promise<JournalRecord[]>;
  /** Makes the write durable, then calls `done` (with the error when it could not). */
  append(write: StoreWrite, done: (err?: Error) => void): void;
  /**
   * Stores that can make a write durable without leaving the event loop (a
   * local file) do so here when nothing else is being written, and return
   * true; false when the write must go through append(). Throws
   * JournalStoreError when the write failed. Optional.
   */
  writeNow?(write: StoreWrite): boolean;
  /**
   * Replaces what is kept by the records `records(upTo)` gives: every live
   * entry up to seq `upTo` (what the store has written), then the instance.
   * Entries written after `upTo` are kept too. Durable when it resolves.
   */
  rewrite(records: (upTo: number) => Iterable<Buffer>): Promise<void>;
  /**
   * After a failed write: whether writes work again (the disk has room, the
   * store answers). Resolves true once they do; never throws.
   */
  recover(): Promise<boolean>;
  /**
   * Stores that can lose their backend between writes (a cluster out of
   * reach) call `down` when they notice, so that the journal refuses writes
   * before they reach VPP rather than after VPP carried one out. Optional.
   */
  watch?(down: (err: Error) => void): void;
  close(): Promise<void>;
}

/** The journal cannot be opened or written: says where and why. */
export class JournalStoreError extends Error {
  override name = 'JournalStoreError';
  constructor(
    message: string,
    /** `EROFS`, `ENOSPC`, `EACCES`… when the system said so */
    readonly code?: string,
  ) {
    super(message);
  }
}
