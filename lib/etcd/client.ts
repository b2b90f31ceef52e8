/**
 * EtcdClient: etcd's v3 API over gRPC for the product: keys, transactions,
 * leases that keep themselves alive, and watches that survive the failure of
 * a member.
 *
 * Every request carries its own deadline (requestTimeoutMs) and goes to a
 * member that answers; when a member dies, the next call goes to another one
 * at once. When no member answers, a call fails with EtcdUnavailableError
 * within its time, never hangs. Reads are retried on another member; writes
 * (put, delete, txn, grantLease) are not, once sent: a write whose connection
 * broke or timed out fails with `outcomeUnknown` (etcd may have applied it),
 * and the caller decides (members.ts).
 *
 * Limits (etcd 3.4's defaults, the client does not work around them): a
 * request of at most 1.5 MiB (--max-request-bytes; a value close to that
 * fails with "request is too large"); a txn of at most 128 operations
 * (--max-txn-ops). Keys are UTF-8 strings.
 */
import type { Value } from '../protobuf/index.ts';
import { createLogger, type Logger } from '../log.ts';
import { EtcdError } from './errors.ts';
import {
  headerRevision,
  int,
  keyBytes,
  leaseId,
  parseEndpoint,
  prefixRange,
  toKeyValues,
  type KeyValue,
} from './keys.ts';
import { KeptLease, revokeLease, type Lease } from './lease.ts';
import { MemberPool, type UnaryCall } from './members.ts';
import { RPC } from './proto.ts';
import {
  deletePrefixMessage,
  opResult,
  putMessage,
  rangeMessage,
  txnMessage,
  type Txn,
  type TxnResult,
} from './txn.ts';
import { PrefixWatcher, type WatchListener, type Watcher } from './watch.ts';

export interface EtcdOptions {
  /** members as `host:port` (or `http://host:port`); plain HTTP/2, no TLS */
  endpoints: string[];
  /** the deadline of each request, retries on other members included (default 3000 ms) */
  requestTimeoutMs?: number;
  /**
   * The time a request gives one member (to connect, or to answer a read)
   * before it tries the next (default 1000 ms, at most requestTimeoutMs).
   */
  dialTimeoutMs?: number;
  log?: Logger;
}

/** What Maintenance.Status says of a member; ids are decimal strings of etcd's 64-bit ids. */
export interface MemberStatus {
  endpoint: string;
  memberId: string;
  /** the leader this member knows, '0' for none */
  leader: string;
  /** etcd's version, e.g. 3.4.23 */
  version: string;
  revision: number;
  raftTerm: number;
  dbSize: number;
  isLearner: boolean;
  /** alarms, e.g. "NOSPACE" */
  errors: string[];
}

const DEFAULT_REQUEST_TIMEOUT_MS = 3000;
const DEFAULT_DIAL_TIMEOUT_MS = 1000;

function positive(name: string, x: unknown, fallback: number): number {
  if (x === undefined) return fallback;
  if (typeof x !== 'number' || !Number.isFinite(x) || x <= 0)
    throw new EtcdError(`etcd: ${name} must be a positive number of milliseconds, got ${String(x)}`);
  return x;
}

const quote = (s: string): string => JSON.stringify(s);

export class EtcdClient {
  private readonly pool: MemberPool;
  private readonly log: Logger;
  private readonly leases = new Set<KeptLease>();
  private readonly watchers = new Set<PrefixWatcher>();
  private closing: Promise<void> | undefined;

  constructor(opts: EtcdOptions) {
    if (!opts || !Array.isArray(opts.endpoints) || opts.endpoints.length === 0)
      throw new EtcdError('etcd: give at least one endpoint (host:port)');
    const endpoints = [...new Set(opts.endpoints.map(parseEndpoint))];
    const requestTimeoutMs = positive('requestTimeoutMs', opts.requestTimeoutMs, DEFAULT_REQUEST_TIMEOUT_MS);
    const dialTimeoutMs = Math.min(
      positive('dialTimeoutMs', opts.dialTimeoutMs, DEFAULT_DIAL_TIMEOUT_MS),
      requestTimeoutMs,
    );
    this.log = opts.log ?? createLogger('etcd', 'silent');
    this.pool = new MemberPool(endpoints, requestTimeoutMs, dialTimeoutMs, this.log);
  }

  /** The members, as `host:port`. */
  get endpoints(): string[] {
    return this.pool.endpoints;
  }

  /** The member that answered last (requests go there first). */
  get endpoint(): string {
    return this.pool.current.endpoint;
  }

  private call(c: UnaryCall): Promise<Value> {
    return this.pool.unary(c);
  }

  async get(key: string): Promise<KeyValue | undefined> {
    const res = await this.call({
      method: RPC.range,
      request: rangeMessage({ key }, 'get'),
      idempotent: true,
      what: `get of key ${quote(key)}`,
      key,
    });
    return toKeyValues(res.kvs)[0];
  }

  /**
   * Every key under `prefix`, in key order; `more` when `limit` left some
   * out. `from` (a key under the prefix) starts there: the next page of a
   * prefix read `limit` keys at a time starts at the last key read + '\0'.
   * Each page is read at its own revision.
   */
  async getPrefix(
    prefix: string,
    opts: { from?: string; keysOnly?: boolean; limit?: number } = {},
  ): Promise<{ kvs: KeyValue[]; revision: number; more: boolean }> {
    const res = await this.call({
      method: RPC.range,
      request: rangeMessage({ prefix, from: opts.from, keysOnly: opts.keysOnly, limit: opts.limit }, 'getPrefix'),
      idempotent: true,
      what: `get of prefix ${quote(prefix)}`,
      key: prefix,
    });
    return { kvs: toKeyValues(res.kvs), revision: headerRevision(res), more: res.more === true };
  }

  /** Write a key (attached to `lease` when given: it goes when the lease does). Not retried once sent. */
  async put(key: string, value: Buffer | string, opts: { lease?: string } = {}): Promise<{ revision: number }> {
    const res = await this.call({
      method: RPC.put,
      request: putMessage(key, value, opts.lease, 'put'),
      idempotent: false,
      what: `put of key ${quote(key)}`,
      key,
    });
    return { revision: headerRevision(res) };
  }

  async delete(key: string): Promise<{ deleted: number; revision: number }> {
    const res = await this.call({
      method: RPC.deleteRange,
      request: { key: keyBytes(key) },
      idempotent: false,
      what: `delete of key ${quote(key)}`,
      key,
    });
    return { deleted: int(res.deleted), revision: headerRevision(res) };
  }

  /** Delete every key under `prefix` (not the empty prefix: that would be every key). */
  async deletePrefix(prefix: string): Promise<{ deleted: number; revision: number }> {
    const res = await this.call({
      method: RPC.deleteRange,
      request: deletePrefixMessage(prefix),
      idempotent: false,
      what: `delete of prefix ${quote(prefix)}`,
      key: prefix,
    });
    return { deleted: int(res.deleted), revision: headerRevision(res) };
  }

  /**
   * Compare-and-swap: when every compare holds, run `success`, else `failure`,
   * atomically, in one revision. E.g. claim a name only while it is free:
   * `txn({ compare: [{ key, target: 'createRevision', value: 0 }], success:
   * [{ type: 'put', key, value, lease }], failure: [{ type: 'get', key }] })`.
   * At most 128 operations in all by etcd 3.4's default (--max-txn-ops); a
   * branch may not write one key twice. Not retried once sent.
   */
  async txn(t: Txn): Promise<TxnResult> {
    const request = txnMessage(t);
    const keys = (t.compare ?? []).map((c) => c.key);
    const res = await this.call({
      method: RPC.txn,
      request,
      idempotent: false,
      what: `txn${keys.length ? ` comparing ${keys.map(quote).join(', ')}` : ''}`,
      key: keys[0],
    });
    return {
      succeeded: res.succeeded === true,
      revision: headerRevision(res),
      responses: ((res.responses as Value[] | undefined) ?? []).map(opResult),
    };
  }

  /** Drop the history before `revision`: watches and reads of older revisions then fail. */
  async compact(revision: number): Promise<void> {
    if (!Number.isSafeInteger(revision) || revision <= 0)
      throw new EtcdError(`etcd: compact needs a revision > 0, got ${String(revision)}`);
    await this.call({
      method: RPC.compact,
      request: { revision, physical: false },
      // compacting to a revision twice answers "already compacted"
      idempotent: true,
      what: `compaction to revision ${revision}`,
    });
  }

  /**
   * A lease of `ttlSeconds` (etcd raises a ttl below its minimum, about 2 s),
   * kept alive until revoke(), close(), or this client's close() (which
   * revokes it). Not retried once sent: a grant that failed may have created
   * a lease, which expires by itself after its ttl.
   */
  async grantLease(ttlSeconds: number): Promise<Lease> {
    if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds <= 0)
      throw new EtcdError(`etcd: a lease ttl must be a whole number of seconds > 0, got ${String(ttlSeconds)}`);
    const sentAt = Date.now();
    const res = await this.call({
      method: RPC.leaseGrant,
      request: { TTL: ttlSeconds },
      idempotent: false,
      what: `grant of a lease of ${ttlSeconds} s`,
    });
    if (typeof res.error === 'string' && res.error)
      throw new EtcdError(`etcd: grant of a lease of ${ttlSeconds} s: ${res.error}`, { endpoint: this.endpoint });
    const lease = new KeptLease(this.pool, leaseId(String(res.ID ?? 0)), int(res.TTL), sentAt, this.log, (l) =>
      this.leases.delete(l),
    );
    this.leases.add(lease);
    return lease;
  }

  /**
   * Revoke a lease by id (one this client does not keep, e.g. of a process
   * that is gone): its keys are deleted now. Done also when etcd no longer
   * knows the lease.
   */
  async revokeLease(id: string): Promise<void> {
    await revokeLease(this.pool, leaseId(id));
  }

  /** What etcd knows of a lease now: its remaining ttl in seconds (-1 once it has expired) and its keys. */
  async leaseTimeToLive(id: string): Promise<{ ttl: number; grantedTtl: number; keys: string[] }> {
    const res = await this.call({
      method: RPC.leaseTimeToLive,
      request: { ID: leaseId(id), keys: true },
      idempotent: true,
      what: `time to live of lease ${id}`,
    });
    const keys = Array.isArray(res.keys) ? (res.keys as Buffer[]).map((k) => Buffer.from(k).toString('utf8')) : [];
    return { ttl: int(res.TTL), grantedTtl: int(res.grantedTTL), keys };
  }

  /**
   * Watch every key under `prefix`, from `fromRevision` (inclusive; default:
   * changes after now). `onEvents` gets each revision's events once, in
   * revision order, with the revision of etcd's answer; the watch goes on
   * across member failures until close(). Listen for 'error' (Watcher).
   */
  watchPrefix(prefix: string, opts: { fromRevision?: number }, onEvents: WatchListener): Watcher {
    this.pool.checkOpen(`watch of prefix ${quote(prefix)}`);
    const from = opts?.fromRevision;
    if (from !== undefined && (!Number.isSafeInteger(from) || from <= 0))
      throw new EtcdError(`etcd: a watch starts at a revision > 0, got ${String(from)}`, { key: prefix });
    if (typeof onEvents !== 'function') throw new EtcdError('etcd: watchPrefix needs a function for the events');
    const range = prefixRange(prefix);
    const w = new PrefixWatcher(this.pool, prefix, range, from, onEvents, this.log, (x) => this.watchers.delete(x));
    this.watchers.add(w);
    return w;
  }

  /** The status of a member that answers (the one calls go to). */
  async status(): Promise<MemberStatus> {
    const res = await this.call({ method: RPC.status, request: {}, idempotent: true, what: 'status' });
    const header = (res.header as Value | undefined) ?? {};
    return {
      endpoint: this.endpoint,
      memberId: String(header.member_id ?? 0),
      leader: String(res.leader ?? 0),
      version: String(res.version ?? ''),
      revision: int(header.revision),
      raftTerm: int(res.raftTerm),
      dbSize: int(res.dbSize),
      isLearner: res.isLearner === true,
      errors: Array.isArray(res.errors) ? res.errors.map(String) : [],
    };
  }

  /**
   * Whether a member answers now and has a leader (Maintenance.Status, which
   * reads nothing), for readiness. Rejects with EtcdUnavailableError otherwise.
   */
  async ping(): Promise<void> {
    await this.call({
      method: RPC.status,
      request: {},
      idempotent: true,
      what: 'status',
      refuse: (res) => (int(res.leader) === 0 ? 'the member answers but has no leader' : undefined),
    });
  }

  /** Revoke the leases still kept, stop the watches and close the connections. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.leases].map((l) => l.revokeQuietly()));
      for (const w of [...this.watchers]) w.close();
      this.pool.close();
    })();
    return this.closing;
  }
}
