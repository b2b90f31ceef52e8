/**
 * The journal of what was configured through the server, and its replay.
 *
 * - record(): a write VPP answered with success is kept before its answer
 *   leaves (the caller answers in `done`, once the store made it durable).
 * - gate(): whether a write may go to VPP now. Writes wait for no one: while
 *   the journal is not sure which VPP it is in front of, while it replays,
 *   and while its store cannot be written, they are refused with UNAVAILABLE
 *   saying why, so that no write is ever interleaved with a replay and no
 *   answer leaves for a write the journal could not keep.
 * - VPP (re)connected: the journal reads which VPP instance it is (pid and
 *   /sys/boottime); if it is not the one the entries were last applied to,
 *   the entries are replayed into it, then the instance is recorded.
 */
import { status } from '@grpc/grpc-js';
import { EventEmitter } from 'node:events';
import type { Logger } from '../../lib/log.ts';
import type { Value } from '../../vpp/codec/types.ts';
import type { IndexModel } from '../../vpp/api/indexes.ts';
import { rpcFailure, toStatus, type RpcFailure } from '../status.ts';
import { describeInstance, sameInstance } from './instance.ts';
import { LiveSet, type JournalRpc, type LiveEntry } from './live-set.ts';
import { encodeEntry, encodeInstance, encodeVoid, type JournalEntry, type VppInstance } from './record.ts';
import { replay, type ReplayReport, type ReplayRpc } from './replay.ts';
import { JournalRules, keepsCliCommand } from './rules.ts';
import type { JournalStore } from './store.ts';
import type { ApiModel } from '../../vpp/api/model.ts';
import type { VppClient } from '../../vpp/client/index.ts';

/** Where the journal stands; anything but `ready` refuses writes. */
export type JournalState = 'opening' | 'unverified' | 'replaying' | 'ready' | 'failed' | 'closed';

/** The states as status, health and metrics name them. */
export const JOURNAL_STATE_NAMES: Readonly<Record<JournalState, string>> = {
  opening: 'verifying',
  unverified: 'verifying',
  replaying: 'replaying',
  ready: 'ready',
  failed: 'journal_unwritable',
  closed: 'closed',
};

/** An RPC as the journal sees it: the live set's needs and replay's. */
export type JournalRpcInfo = JournalRpc & ReplayRpc;

export interface JournalOptions {
  store: JournalStore;
  model: ApiModel;
  indexes: IndexModel;
  client: VppClient;
  /** the RPCs by gRPC path */
  rpcs: (path: string) => JournalRpcInfo | undefined;
  /** which VPP instance the client is connected to now */
  instance: () => Promise<VppInstance>;
  log: Logger;
  replayWindow?: number;
  replayTimeoutMs?: number;
  /** compaction rewrites the store's file once it holds this much more than its live entries */
  rewriteSlackBytes?: number;
  /** and after this long without a write, once it holds anything dead */
  idleRewriteMs?: number;
}

/** A write kept before VPP answered it (Journal.writeAhead). */
export interface WrittenAhead {
  entry: JournalEntry;
  bytes: Buffer;
  rpc: JournalRpcInfo;
  value: Value;
  /** why the store could not keep it */
  error?: Error;
}

/** The journal's figures for metrics. */
export interface JournalCounters {
  appends: number;
  appendFailures: number;
  replays: number;
  replayFailures: number;
}

export interface JournalStatus {
  state: JournalState;
  reason?: string;
  entries: number;
  bytes: number;
  liveBytes: number;
  store: { kind: string; where: string };
  instance?: VppInstance;
  lastReplay?: ReplayReport;
  replayProgress?: { done: number; total: number };
}

export class Journal extends EventEmitter<{ state: [JournalState] }> {
  private readonly live: LiveSet;
  private readonly rules: JournalRules;
  private nextSeq = 1;
  private _state: JournalState = 'opening';
  private reason: string | undefined;
  private instance: VppInstance | undefined;
  private lastReplay: ReplayReport | undefined;
  private progress: { done: number; total: number } | undefined;
  /** the connection being verified or replayed into; a newer connection supersedes it */
  private generation = 0;
  private recovering: Promise<void> | undefined;
  /** after a failed write: the entries read again from the store */
  private reloading: Promise<void> | undefined;
  private rewriteTimer: NodeJS.Timeout | undefined;
  private rewriting: Promise<void> | undefined;
  /** the write kept before VPP answered it (writeAhead), until VPP does */
  private ahead: WrittenAhead | undefined;
  readonly counters: JournalCounters = { appends: 0, appendFailures: 0, replays: 0, replayFailures: 0 };

  constructor(private readonly o: JournalOptions) {
    super();
    this.rules = new JournalRules(o.model, o.indexes);
    this.live = new LiveSet(this.rules, o.indexes);
  }

  get state(): JournalState {
    return this._state;
  }

  private setState(state: JournalState, reason?: string): void {
    this.reason = reason;
    if (this._state === state) return;
    this._state = state;
    this.emit('state', state);
  }

  /** Reads the store; throws JournalStoreError when it cannot be used (the server must not start). */
  async open(): Promise<void> {
    const opened = await this.o.store.open();
    for (const w of opened.warnings) this.o.log.warn({ journal: this.o.store.where }, w);
    this.load(opened.records);
    this.o.log.info(
      { journal: this.o.store.where, store: this.o.store.kind, entries: this.live.size, bytes: this.o.store.bytes },
      'journal opened',
    );
    this.setState('unverified', 'the journal has not yet seen VPP');
    this.o.store.watch?.((err) => this.storeFailed(err));
    this.o.client.on('state', (c) => {
      if (c.state === 'connected') void this.verify();
      else if (this._state !== 'failed' && this._state !== 'closed') {
        this.generation++;
        this.setState('unverified', `VPP is ${c.state}`);
      }
    });
    if (this.o.client.state === 'connected') void this.verify();
  }

  private load(records: Awaited<ReturnType<JournalStore['open']>>['records']): void {
    this.live.clear();
    // entries VPP refused after they were written never reach the live set: a refused delete compacts nothing
    const voided = new Set<number>();
    for (const r of records) if (r.type === 'void') voided.add(r.seq);
    for (const r of records) {
      if (r.type === 'instance') {
        this.instance = r.instance;
        continue;
      }
      if (r.type === 'void') continue;
      const e = r.entry;
      this.nextSeq = Math.max(this.nextSeq, e.seq + 1);
      if (voided.has(e.seq)) continue;
      const rpc = this.o.rpcs(e.rpc);
      let value: Value = {};
      if (rpc)
        try {
          value = rpc.decode(e.request);
        } catch {
          value = {};
        }
      this.live.add(e, encodeEntry(e), rpc ?? opaque(e.rpc), value);
    }
  }

  /**
   * Whether a write may go to VPP now: undefined, or the UNAVAILABLE failure
   * to answer with (the journal replays, or cannot keep what it is given).
   */
  gate(): RpcFailure | undefined {
    if (this._state === 'ready') return undefined;
    if (this._state === 'failed') void this.recover();
    // VPP away or hung: that is the reason, as for a read
    const vpp = this._state === 'unverified' ? this.o.client.unavailable() : undefined;
    if (vpp) return toStatus(vpp, '');
    return rpcFailure(status.UNAVAILABLE, this.refusal());
  }

  private refusal(): string {
    switch (this._state) {
      case 'replaying':
        return `VPP restarted: the journal is putting its configuration back (${this.progress?.done ?? 0} of ${this.progress?.total ?? 0} entries); writes wait until it is done`;
      case 'failed':
        return `the journal cannot be written (${this.reason}): writes are refused until it can, reads are served`;
      case 'closed':
        return 'the server is shutting down';
      default:
        return `the journal has not yet checked which VPP it is in front of (${this.reason ?? 'starting'}): writes wait until it has`;
    }
  }

  /** Whether a request of this RPC is kept at all (some act once). */
  keeps(message: string, value: Value): boolean {
    const keep = this.rules.of(message).keep;
    if (keep === 'never') return false;
    if (keep === 'cli') return keepsCliCommand(String(value.cmd ?? ''));
    return true;
  }

  /**
   * Keeps a write VPP answered with success; `done` runs once it is durable
   * (or with why it could not be kept). Requests that act once are not kept:
   * `done` runs at once.
   */
  record(
    rpc: JournalRpcInfo,
    request: Buffer,
    value: Value,
    reply: Value | undefined,
    done: (err?: RpcFailure) => void,
    /** a lone unary call: with nothing else waiting on VPP, the write is made at once rather than gathered */
    lone = false,
  ): void {
    if (!this.keeps(rpc.message, value)) return done();
    // a write answered just before VPP went away is kept: the replay into the next VPP puts it back
    if (this._state === 'failed' || this._state === 'closed' || this._state === 'opening')
      return done(this.notKept(rpc.message, this.refusal()));
    const entry: JournalEntry = {
      seq: this.nextSeq++,
      rpc: rpc.path,
      request,
      refs: this.live.refsOf(rpc.message, value),
      allocated: this.live.allocations(rpc.message, value, reply),
    };
    const bytes = encodeEntry(entry);
    const { live, removed } = this.live.add(entry, bytes, rpc, value);
    const kept = (err?: Error): void => {
      if (err) this.storeFailed(err);
      this.answerKept(rpc.message, done, err);
    };
    const write = { entries: [{ seq: entry.seq, bytes }], forget: live ? removed : [...removed, entry.seq] };
    // no group to gather: the write is made at once
    if (lone && this.o.client.inFlight === 0 && this.o.store.writeNow) {
      try {
        if (this.o.store.writeNow(write)) return kept();
      } catch (e) {
        return kept(e as Error);
      }
    }
    this.o.store.append(write, kept);
  }

  /**
   * Keeps a write just sent to VPP now, while VPP carries it out, rather than
   * once it answered: the store's sync overlaps VPP's work instead of adding
   * to the answer's time. Only for a request whose record needs nothing from
   * the reply (it makes VPP hand out no index), and only while the journal is
   * quiet: it is the one request VPP has not answered and the store writes
   * nothing else, so that the journal's order stays the order in which VPP
   * carried the writes out. VPP's answer goes to settleAhead(). Undefined when
   * the write must wait for VPP's answer (record()).
   */
  writeAhead(rpc: JournalRpcInfo, request: Buffer, value: Value): WrittenAhead | undefined {
    const store = this.o.store;
    if (this._state !== 'ready' || this.ahead || !store.writeNow || this.o.client.inFlight !== 1) return undefined;
    if (this.o.indexes.allocatedBy(rpc.message).length > 0 || !this.keeps(rpc.message, value)) return undefined;
    const entry: JournalEntry = {
      seq: this.nextSeq,
      rpc: rpc.path,
      request,
      refs: this.live.refsOf(rpc.message, value),
      allocated: undefined,
    };
    const ahead: WrittenAhead = { entry, bytes: encodeEntry(entry), rpc, value };
    try {
      if (!store.writeNow({ entries: [{ seq: entry.seq, bytes: ahead.bytes }], forget: [] })) return undefined;
    } catch (e) {
      ahead.error = e as Error;
      this.storeFailed(ahead.error);
    }
    this.nextSeq++;
    this.ahead = ahead;
    return ahead;
  }

  /**
   * VPP answered a write kept by writeAhead(): with success (`ok`), the entry
   * joins the live set; refused (or no answer), a VOID record undoes it before
   * the refusal is answered, so that no restart replays it. `done` as for record().
   */
  settleAhead(ahead: WrittenAhead, ok: boolean, done: (err?: RpcFailure) => void): void {
    if (this.ahead === ahead) this.ahead = undefined;
    const { entry, rpc } = ahead;
    // the store's failure was taken in when the write failed (writeAhead)
    if (ahead.error) return ok ? this.answerKept(rpc.message, done, ahead.error) : done();
    if (!ok) {
      const voided = [{ seq: entry.seq, bytes: encodeVoid(entry.seq) }];
      this.o.store.append({ entries: [], forget: [], voided }, (err) => {
        if (err) this.storeFailed(err);
        done();
      });
      return;
    }
    // a store read again meanwhile (after a failed write) has the entry already
    if (!this.live.get(entry.seq)) {
      const { live, removed } = this.live.add(entry, ahead.bytes, rpc, ahead.value);
      const forget = live ? removed : [...removed, entry.seq];
      if (forget.length && !this.o.store.keepsRemoved)
        this.o.store.append({ entries: [], forget }, (err) => err && this.storeFailed(err));
    }
    this.answerKept(rpc.message, done);
  }

  /** A write VPP carried out is durable (or could not be made so, `err`): count it, and let its answer leave. */
  private answerKept(message: string, done: (err?: RpcFailure) => void, err?: Error): void {
    if (err) {
      this.counters.appendFailures++;
      return done(this.notKept(message, err.message));
    }
    this.counters.appends++;
    this.scheduleRewrite();
    done();
  }

  private notKept(message: string, why: string): RpcFailure {
    return rpcFailure(
      status.INTERNAL,
      `VPP carried out ${message}, but the journal could not keep it (${why}): it will not be put back after a VPP restart`,
    );
  }

  /** A write failed: refuse writes, and read the store again so that memory holds what the store holds. */
  private storeFailed(err: Error): void {
    if (this._state === 'failed') return;
    this.o.log.error(
      { journal: this.o.store.where, err: err.message },
      'the journal cannot be written: writes are refused',
    );
    this.generation++;
    this.setState('failed', err.message);
    // what the journal serves (Export, a replay) is what the store holds, not what it was given
    this.reloading = this.o.store
      .reread()
      .then((records) => this.load(records))
      .catch((e: Error) => this.o.log.error({ err: e.message }, 'cannot read the journal again'));
  }

  private recover(): Promise<void> {
    this.recovering ??= (async () => {
      try {
        await delay(1000);
        await this.reloading;
        if (!(await this.o.store.recover())) return;
        this.load(await this.o.store.reread());
        this.o.log.info({ journal: this.o.store.where }, 'the journal can be written again');
        this.setState('unverified', 'the journal recovered');
        if (this.o.client.state === 'connected') await this.verify();
      } catch (e) {
        this.o.log.warn({ err: (e as Error).message }, 'the journal is still not writable');
      } finally {
        this.recovering = undefined;
      }
    })();
    return this.recovering;
  }

  /** VPP is connected: the same instance as before, or one to replay into. */
  private async verify(): Promise<void> {
    if (this._state === 'failed' || this._state === 'closed' || this._state === 'opening') return;
    const generation = ++this.generation;
    this.setState('unverified', 'checking which VPP this is');
    let current: VppInstance;
    try {
      current = await this.o.instance();
    } catch (e) {
      if (generation === this.generation)
        this.setState('unverified', `cannot tell which VPP this is: ${(e as Error).message}`);
      return;
    }
    if (generation !== this.generation) return;
    if (this.instance && sameInstance(this.instance, current)) {
      this.setState('ready');
      return;
    }
    if (this.live.size === 0 || !this.instance) {
      if (this.live.size > 0)
        this.o.log.warn({ entries: this.live.size }, 'the journal names no VPP instance: replaying into this one');
      else return this.adopt(current, generation);
    }
    await this.replayInto(current, generation, 'VPP restarted');
  }

  /** Records the instance the entries now apply to, and serves writes. */
  private async adopt(current: VppInstance, generation: number): Promise<void> {
    const err = await new Promise<Error | undefined>((resolve) =>
      this.o.store.append({ entries: [], instance: encodeInstance(current), forget: [] }, resolve),
    );
    if (generation !== this.generation) return;
    if (err) return this.storeFailed(err);
    this.instance = current;
    this.setState('ready');
  }

  private async replayInto(current: VppInstance, generation: number, why: string): Promise<void> {
    const entries = [...this.live.values()];
    this.o.log.warn(
      {
        entries: entries.length,
        from: this.instance && describeInstance(this.instance),
        to: describeInstance(current),
      },
      `${why}: replaying the journal`,
    );
    this.progress = { done: 0, total: entries.length };
    this.setState('replaying');
    this.counters.replays++;
    const report = await replay(entries, {
      client: this.o.client,
      rpcs: this.o.rpcs,
      allocations: (m, req, rep) => this.live.allocations(m, req, rep),
      window: this.o.replayWindow ?? 256,
      timeoutMs: this.o.replayTimeoutMs ?? 10_000,
      onFailure: (f) => {
        this.counters.replayFailures++;
        this.o.log.warn({ seq: f.seq, rpc: f.rpc, err: f.error }, 'VPP refused a journal entry on replay');
      },
      onProgress: (done) => {
        if (this.progress) this.progress.done = done;
      },
    });
    this.lastReplay = report;
    this.progress = undefined;
    this.o.log[report.failed.length || report.aborted ? 'warn' : 'info'](
      { items: report.items, failed: report.failed.length, ms: Math.round(report.durationMs), aborted: report.aborted },
      report.aborted ? 'journal replay ended early: VPP went away' : 'journal replayed',
    );
    if (report.aborted || generation !== this.generation) return;
    // the objects have new numbers: later requests name them so, and so does the journal
    for (const [seq, allocated] of report.allocated) {
      const e = this.live.get(seq);
      if (e) this.live.renumber(seq, allocated, encodeEntry({ ...e.entry, allocated }));
    }
    this.instance = current;
    try {
      await this.rewrite();
    } catch (e) {
      if (generation === this.generation) this.storeFailed(e as Error);
      return;
    }
    if (generation === this.generation) this.setState('ready');
  }

  /** Replays every entry into the VPP connected now (the Replay RPC). */
  async replayNow(): Promise<ReplayReport> {
    if (this._state !== 'ready') throw rpcFailure(status.UNAVAILABLE, this.refusal());
    const current = await this.o.instance();
    await this.replayInto(current, ++this.generation, 'replay asked for');
    return this.lastReplay!;
  }

  /** Forgets every entry (the Clear RPC); the instance stays. */
  async clear(): Promise<number> {
    const n = this.live.size;
    this.live.clear();
    await this.rewrite();
    return n;
  }

  /** The store keeps only the live entries and the instance from now on. */
  private rewrite(): Promise<void> {
    clearTimeout(this.rewriteTimer);
    this.rewriteTimer = undefined;
    this.rewriting ??= this.o.store
      .rewrite((upTo) => this.snapshot(upTo))
      .finally(() => {
        this.rewriting = undefined;
      });
    return this.rewriting;
  }

  private *snapshot(upTo: number): Iterable<Buffer> {
    for (const e of this.live.values()) if (e.entry.seq <= upTo) yield e.bytes;
    // written, VPP has not answered yet: its VOID record, if it comes, follows in the new file
    const ahead = this.ahead;
    if (ahead && !ahead.error && ahead.entry.seq <= upTo) yield ahead.bytes;
    if (this.instance) yield encodeInstance(this.instance);
  }

  /** A file that keeps removed entries is rewritten once they outweigh the live ones, or when writes pause. */
  private scheduleRewrite(): void {
    const store = this.o.store;
    if (!store.keepsRemoved || this.rewriting) return;
    const dead = store.bytes - this.live.bytes;
    if (dead > this.live.bytes + (this.o.rewriteSlackBytes ?? 8 * 1024 * 1024)) {
      void this.rewrite().catch((e: Error) => this.storeFailed(e));
      return;
    }
    if (dead <= 4096) return;
    // one timer, pushed back by each append: a batch appends thousands of times a second
    if (this.rewriteTimer) {
      this.rewriteTimer.refresh();
      return;
    }
    this.rewriteTimer = setTimeout(() => {
      this.rewriteTimer = undefined;
      if (this._state === 'ready') void this.rewrite().catch((e: Error) => this.storeFailed(e));
    }, this.o.idleRewriteMs ?? 2000);
    this.rewriteTimer.unref();
  }

  /** The number an entry's object has now (the reply field `field` of entry `seq`). */
  allocatedBy(seq: number, field: string): number | undefined {
    return this.live.get(seq)?.entry.allocated?.[field];
  }

  /** the store's durable writes: count and seconds */
  get syncs(): { count: number; seconds: number } {
    return this.o.store.syncs;
  }

  /** Once a reading of the store after a failed write is done: what entries() gives is what the store holds. */
  async settled(): Promise<void> {
    await this.reloading;
  }

  entries(): IterableIterator<LiveEntry> {
    return this.live.values();
  }

  status(): JournalStatus {
    return {
      state: this._state,
      ...(this.reason ? { reason: this.reason } : {}),
      entries: this.live.size,
      bytes: this.o.store.bytes,
      liveBytes: this.live.bytes,
      store: { kind: this.o.store.kind, where: this.o.store.where },
      ...(this.instance ? { instance: this.instance } : {}),
      ...(this.lastReplay ? { lastReplay: this.lastReplay } : {}),
      ...(this.progress ? { replayProgress: { ...this.progress } } : {}),
    };
  }

  async close(): Promise<void> {
    clearTimeout(this.rewriteTimer);
    this.rewriteTimer = undefined;
    this.generation++;
    this.setState('closed');
    await this.rewriting?.catch(() => {});
    await this.o.store.close();
  }
}

/** An RPC a record names that this server does not serve: kept as it is, never compacted. */
function opaque(path: string): JournalRpc {
  return { path, message: `(unknown ${path})`, encode: () => new Uint8Array() };
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
