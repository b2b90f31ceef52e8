/**
 * The journal in etcd, under its node's name, so that a node whose disk is
 * lost, or a replacement host started with the same --node-name, gets its
 * configuration back on a fresh VPP (docs/JOURNAL.md, "In etcd").
 *
 *   /vpp-rpc/journal/<node>/e/<seq, 16 hex digits>   one live entry (a whole record, CRC included)
 *   /vpp-rpc/journal/<node>/instance                 the VPP instance the entries were applied to
 *   /vpp-rpc/journal/<node>/owner                    the server that writes this journal now
 *
 * - Group commit: the appends of one turn of the event loop (and those made
 *   while the group before is written) go to etcd as one transaction, or a
 *   few when they exceed etcd's limits (128 operations, 1.5 MiB a request):
 *   at most MAX_TXN_OPS operations and MAX_TXN_BYTES bytes each, one after
 *   the other, cut between appends. An answer leaves once etcd acknowledged
 *   every transaction of its group (etcd has then synced its log on a quorum).
 * - Entries compaction removed are deleted in the transactions of the append
 *   that removed them: the keyspace holds the live entries only. An entry put
 *   and removed within one transaction is neither.
 * - A crash between the transactions of a group leaves the journal as it was
 *   after some of the group's appends, in order (the answers of the group had
 *   not left): what a torn tail leaves of a file.
 * - A transaction of unknown outcome (the member or the leader failed with
 *   it in flight) is sent again: it is idempotent. A write etcd refused, or
 *   that cannot reach it, or still of unknown outcome after UNKNOWN_RETRY_MS,
 *   fails its group, and every append until recover() finds etcd answering;
 *   the journal then reads back what etcd holds.
 * - Owner guard: open() writes the owner key, and every transaction holds
 *   only while it is still this server's. A second server started with the
 *   same name takes the journal over; the first one's next write fails,
 *   naming the new owner, and it writes no more. A lease (the fleet's name
 *   claim) cannot fence this: a server cut off from etcd keeps running after
 *   its lease expired, and a write it sent could land after the new owner
 *   read the journal. Compare-on-owner makes etcd refuse it.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { EtcdError, type EtcdClient, type KeyValue, type Op, type Txn, type TxnResult } from '../../lib/etcd/index.ts';
import { GroupCommit, type Group } from './group-commit.ts';
import { decodeBody, RECORD_HEADER, scanRecords, type JournalRecord } from './record.ts';
import { JournalStoreError, type JournalStore, type OpenedJournal, type StoreWrite } from './store.ts';

export const JOURNAL_ROOT = '/vpp-rpc/journal/';

/** The keys of a node's journal start with this. */
export const journalPrefix = (node: string): string => `${JOURNAL_ROOT}${node}/`;

/** etcd 3.4's default --max-txn-ops */
export const MAX_TXN_OPS = 128;
/** a transaction's keys and values, well under etcd's default --max-request-bytes (1.5 MiB) */
export const MAX_TXN_BYTES = 1024 * 1024;
/** what an operation costs in a request beyond its key and value (its framing) */
const OP_OVERHEAD = 16;
/** how long a transaction of unknown outcome is sent again (a leader election takes seconds) */
const UNKNOWN_RETRY_MS = 15_000;
/** entries read per request at open */
const PAGE = 2000;

/** A record as the store knows it once etcd holds it: enough to tell a changed one. */
interface Held {
  bytes: number;
  crc: number;
}

/** One key to write or delete; `seq` for an entry, undefined for the instance. */
type Change = { put: true; key: string; seq?: number; value: Buffer } | { put: false; key: string; seq: number };

/** Who writes a journal: the owner key's value. */
interface Owner {
  host: string;
  pid: number;
  started: string;
  id: string;
}

const held = (record: Buffer): Held => ({ bytes: record.length, crc: record.readUInt32BE(4) });

/** how often a journal in etcd checks, between writes, that etcd answers */
const PROBE_MS = 1000;

export class EtcdStore implements JournalStore {
  readonly kind = 'etcd';
  readonly keepsRemoved = false;
  readonly where: string;
  readonly syncs = { count: 0, seconds: 0 };
  private readonly prefix: string;
  private readonly entriesPrefix: string;
  private readonly instanceKey: string;
  private readonly ownerKey: string;
  private readonly owner: Buffer;
  private readonly commits = new GroupCommit((g) => this.writeGroup(g));
  /** the entries etcd holds, by seq */
  private entries = new Map<number, Held>();
  private instance: Held | undefined;
  private total = 0;
  /** the highest entry seq etcd acknowledged */
  private durableSeq = 0;
  /** set after a failed write: every append fails with it until recover() */
  private failure: JournalStoreError | undefined;
  /** another server took this journal over: this one writes it no more */
  private fenced = false;
  /** the probe of watch() */
  private probe: NodeJS.Timeout | undefined;

  constructor(
    private readonly etcd: EtcdClient,
    readonly node: string,
  ) {
    this.prefix = journalPrefix(node);
    this.where = `etcd:${this.prefix}`;
    this.entriesPrefix = `${this.prefix}e/`;
    this.instanceKey = `${this.prefix}instance`;
    this.ownerKey = `${this.prefix}owner`;
    const me: Owner = { host: hostname(), pid: process.pid, started: new Date().toISOString(), id: randomUUID() };
    this.owner = Buffer.from(JSON.stringify(me));
  }

  /** The key of entry `seq`: 16 hex digits, so that keys sort as entries do. */
  entryKey(seq: number): string {
    return `${this.entriesPrefix}${seq.toString(16).padStart(16, '0')}`;
  }

  get bytes(): number {
    return this.total;
  }

  private fail(what: string, e: unknown): JournalStoreError {
    if (e instanceof JournalStoreError) return e;
    const unknown = e instanceof EtcdError && e.outcomeUnknown;
    return new JournalStoreError(
      `${what} ${this.where}: ${unknown ? 'etcd did not acknowledge the write (it may or may not have kept it): ' : ''}${(e as Error).message}`,
    );
  }

  /** Takes the journal over (the owner key), then reads it. */
  async open(): Promise<OpenedJournal> {
    const warnings: string[] = [];
    try {
      const claim = await this.etcd.txn({
        success: [
          { type: 'get', key: this.ownerKey },
          { type: 'put', key: this.ownerKey, value: this.owner },
        ],
      });
      const before = claim.responses[0];
      const previous = before?.type === 'get' ? parseOwner(before.kvs[0]) : undefined;
      if (previous && previous.host !== hostname())
        warnings.push(
          `the journal was last written by the server on host ${describeOwner(previous)}: this server takes it over, ` +
            'and that one, if it still runs, can no longer write it',
        );
      return { records: await this.readAll(), warnings };
    } catch (e) {
      throw this.fail('cannot read the journal', e);
    }
  }

  async reread(): Promise<JournalRecord[]> {
    await this.commits.settled();
    try {
      return await this.readAll();
    } catch (e) {
      throw this.fail('cannot read the journal', e);
    }
  }

  /** Every entry in seq order, a page at a time, then the instance; what the store knows is what it read. */
  private async readAll(): Promise<JournalRecord[]> {
    const records: JournalRecord[] = [];
    const entries = new Map<number, Held>();
    let total = 0;
    let durableSeq = 0;
    let from: string | undefined;
    for (;;) {
      const page = await this.etcd.getPrefix(this.entriesPrefix, { limit: PAGE, ...(from ? { from } : {}) });
      for (const kv of page.kvs) {
        const r = this.decode(kv, 'entry');
        if (r.type !== 'entry') continue;
        records.push(r);
        entries.set(r.entry.seq, held(kv.value));
        total += kv.value.length;
        durableSeq = Math.max(durableSeq, r.entry.seq);
      }
      if (!page.more || page.kvs.length === 0) break;
      from = `${page.kvs.at(-1)!.key}\0`;
    }
    const instance = await this.etcd.get(this.instanceKey);
    if (instance) {
      records.push(this.decode(instance, 'instance'));
      total += instance.value.length;
    }
    this.entries = entries;
    this.instance = instance && held(instance.value);
    this.total = total;
    this.durableSeq = Math.max(this.durableSeq, durableSeq);
    return records;
  }

  /** A value is one whole record, of the kind and seq its key says: anything else is damage, said with its key. */
  private decode(kv: KeyValue, kind: 'entry' | 'instance'): JournalRecord {
    const scan = scanRecords(kv.value);
    const r = scan.records[0];
    let problem = scan.problem?.reason;
    if (!problem && (scan.records.length !== 1 || !r)) problem = 'not exactly one record';
    else if (r && r.type !== kind) problem = `a record of the ${r.type}, not of an ${kind}`;
    else if (r?.type === 'entry' && this.entryKey(r.entry.seq) !== kv.key)
      problem = `the entry of seq ${r.entry.seq}, under another key`;
    if (problem || !r)
      throw new JournalStoreError(
        `the journal's key ${kv.key} in etcd holds no valid ${kind} (${problem ?? 'no record'}): the server will not ` +
          `start on a journal it would read wrong; delete that key (etcdctl del ${kv.key}) to drop it`,
      );
    return r;
  }

  append(write: StoreWrite, done: (err?: Error) => void): void {
    if (this.failure) {
      done(this.failure);
      return;
    }
    const big = write.entries.find((e) => e.bytes.length + OP_OVERHEAD * 4 > MAX_TXN_BYTES);
    if (big) {
      done(
        new JournalStoreError(
          `a record of ${big.bytes.length} bytes does not fit in an etcd request (the journal in etcd keeps records of at most ${MAX_TXN_BYTES - OP_OVERHEAD * 4} bytes)`,
        ),
      );
      return;
    }
    this.commits.append(write, done);
  }

  private async writeGroup(g: Group): Promise<void> {
    if (this.failure) throw this.failure;
    await this.writeChanges(
      g.writes.map((w) => this.changesOf(w)),
      'cannot write the journal',
    );
  }

  /** An append as keys: its entries put, the instance put, the entries it removed or voided deleted, in that order. */
  private changesOf(w: StoreWrite): Change[] {
    const changes: Change[] = w.entries.map((e) => ({
      put: true,
      key: this.entryKey(e.seq),
      seq: e.seq,
      value: e.bytes,
    }));
    if (w.instance) changes.push({ put: true, key: this.instanceKey, value: w.instance });
    // an entry VPP refused goes as one that compaction removed: etcd keeps entries, not a log
    for (const seq of [...w.forget, ...(w.voided ?? []).map((v) => v.seq)])
      changes.push({ put: false, key: this.entryKey(seq), seq });
    return changes;
  }

  /**
   * Lists of changes (one per append) in transactions within etcd's limits,
   * one after the other: an append starts a new transaction rather than be
   * cut, unless it alone is larger than one.
   */
  private async writeChanges(lists: Change[][], what: string): Promise<void> {
    let txn = new Map<string, Change>();
    let bytes = 0;
    const cost = (c: Change): number => c.key.length + (c.put ? c.value.length : 0) + OP_OVERHEAD;
    const flush = async (): Promise<void> => {
      if (txn.size === 0) return;
      const changes = [...txn.values()];
      txn = new Map();
      bytes = 0;
      await this.commit(changes, what);
    };
    for (const list of lists) {
      const listBytes = list.reduce((n, c) => n + cost(c), 0);
      if (txn.size + list.length > MAX_TXN_OPS || bytes + listBytes > MAX_TXN_BYTES) await flush();
      for (const c of list) {
        if (!c.put) {
          const pending = txn.get(c.key);
          // put and deleted in one transaction: neither
          if (pending?.put) {
            txn.delete(c.key);
            bytes -= cost(pending);
            continue;
          }
          if (!this.entries.has(c.seq)) continue;
        }
        if (txn.size >= MAX_TXN_OPS || (txn.size > 0 && bytes + cost(c) > MAX_TXN_BYTES)) await flush();
        const replaced = txn.get(c.key);
        if (replaced) bytes -= cost(replaced);
        txn.set(c.key, c);
        bytes += cost(c);
      }
    }
    await flush();
  }

  /** One transaction, while this server still owns the journal; what etcd holds is known once it acknowledged. */
  private async commit(changes: Change[], what: string): Promise<void> {
    const ops: Op[] = changes.map((c) =>
      c.put ? { type: 'put', key: c.key, value: c.value } : { type: 'delete', key: c.key },
    );
    const started = performance.now();
    try {
      const res = await this.sendIdempotent({
        compare: [{ key: this.ownerKey, target: 'value', value: this.owner }],
        success: ops,
        failure: [{ type: 'get', key: this.ownerKey }],
      });
      if (!res.succeeded) {
        const now = res.responses[0];
        throw this.takenOver(now?.type === 'get' ? now.kvs[0] : undefined);
      }
    } catch (e) {
      this.failure = this.fail(what, e);
      throw this.failure;
    }
    this.syncs.count++;
    this.syncs.seconds += (performance.now() - started) / 1000;
    for (const c of changes) {
      if (c.seq === undefined) {
        if (c.put) {
          this.total += c.value.length - (this.instance?.bytes ?? 0);
          this.instance = held(c.value);
        }
        continue;
      }
      this.total -= this.entries.get(c.seq)?.bytes ?? 0;
      if (c.put) {
        this.entries.set(c.seq, held(c.value));
        this.total += c.value.length;
        if (c.seq > this.durableSeq) this.durableSeq = c.seq;
      } else this.entries.delete(c.seq);
    }
  }

  /**
   * A transaction, sent again while etcd does not say whether it applied it
   * (the member died or the leader changed with the write in flight): the
   * store's transactions are idempotent (the same puts and deletes under the
   * same owner compare, and nobody else writes these keys in between), so a
   * second application changes nothing, and a leader election costs a delay,
   * not a failed write. Given up after UNKNOWN_RETRY_MS; an etcd that cannot
   * be reached at all (nothing sent) fails at once.
   */
  private async sendIdempotent(t: Txn): Promise<TxnResult> {
    const giveUp = performance.now() + UNKNOWN_RETRY_MS;
    for (;;) {
      try {
        return await this.etcd.txn(t);
      } catch (e) {
        if (!(e instanceof EtcdError && e.outcomeUnknown) || performance.now() >= giveUp) throw e;
      }
    }
  }

  /** The owner key names another server (or is gone): this one no longer writes the journal. */
  private takenOver(owner: KeyValue | undefined): JournalStoreError {
    this.fenced = true;
    const other = parseOwner(owner);
    return new JournalStoreError(
      `the journal of node ${this.node} in etcd was taken over by ${other ? `the server on host ${describeOwner(other)}` : 'another server (its owner key is gone)'}: ` +
        'this server writes it no more; stop it, or give each server its own --node-name',
    );
  }

  /**
   * Whether writes work again: etcd answers a quorum read, and the journal is
   * still this server's (a server that lost it never writes again).
   */
  async recover(): Promise<boolean> {
    if (!this.failure) return true;
    if (this.fenced) return false;
    return this.commits.run(async () => {
      try {
        const owner = await this.etcd.get(this.ownerKey);
        if (!owner?.value.equals(this.owner)) {
          this.failure = this.takenOver(owner);
          return false;
        }
        this.failure = undefined;
        return true;
      } catch {
        return false;
      }
    });
  }

  /**
   * Makes etcd hold exactly the records given: keys of entries no longer
   * live deleted, changed entries put (a replay renumbered them), the
   * instance last, so that a crash in the middle leaves the old instance and
   * the next start replays again. Entries written after `upTo` stay.
   */
  async rewrite(records: (upTo: number) => Iterable<Buffer>): Promise<void> {
    await this.commits.run(async () => {
      if (this.failure) throw this.failure;
      const keep = new Map<number, Buffer>();
      let instance: Buffer | undefined;
      for (const bytes of records(this.durableSeq)) {
        const r = decodeBody(bytes.subarray(RECORD_HEADER));
        if (r.type === 'entry') keep.set(r.entry.seq, bytes);
        else instance = bytes;
      }
      const changes: Change[] = [];
      for (const seq of this.entries.keys())
        if (!keep.has(seq)) changes.push({ put: false, key: this.entryKey(seq), seq });
      for (const [seq, bytes] of keep) {
        const now = this.entries.get(seq);
        if (!now || now.bytes !== bytes.length || now.crc !== bytes.readUInt32BE(4))
          changes.push({ put: true, key: this.entryKey(seq), seq, value: bytes });
      }
      if (instance && !(this.instance?.bytes === instance.length && this.instance.crc === instance.readUInt32BE(4)))
        changes.push({ put: true, key: this.instanceKey, value: instance });
      await this.writeChanges([changes], 'cannot rewrite the journal');
    });
  }

  /**
   * Asks etcd every PROBE_MS whether it answers while writes may come: a
   * cluster out of reach turns the journal to refusing writes up front, so
   * that VPP does not carry out a write the journal then cannot keep (that
   * can still happen to a write already under way when etcd goes).
   */
  watch(down: (err: Error) => void): void {
    clearInterval(this.probe);
    let probing = false;
    this.probe = setInterval(() => {
      if (probing || this.failure) return;
      probing = true;
      this.etcd
        .ping()
        .catch((e: unknown) => {
          if (this.failure) return;
          this.failure = this.fail('cannot reach', e);
          down(this.failure);
        })
        .finally(() => (probing = false));
    }, PROBE_MS);
    this.probe.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.probe);
    await this.commits.settled();
  }
}

function parseOwner(kv: KeyValue | undefined): Owner | undefined {
  if (!kv) return undefined;
  try {
    const o = JSON.parse(kv.value.toString('utf8')) as Partial<Owner>;
    return {
      host: String(o.host ?? '?'),
      pid: Number(o.pid) || 0,
      started: String(o.started ?? '?'),
      id: String(o.id),
    };
  } catch {
    return { host: '?', pid: 0, started: '?', id: '' };
  }
}

const describeOwner = (o: Owner): string => `${o.host} (pid ${o.pid}, started ${o.started})`;
