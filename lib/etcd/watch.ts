/**
 * A watch of every key under a prefix that outlives the member it talks to:
 * when its stream fails it is created again on another member from the
 * revision after the last event delivered, so that every event arrives once,
 * in revision order.
 */
import * as grpc from '@grpc/grpc-js';
import { EventEmitter } from 'node:events';
import type { Logger } from '../log.ts';
import type { Value } from '../protobuf/index.ts';
import { EtcdCompactedError, EtcdError } from './errors.ts';
import { headerRevision, int, toKeyValue, type KeyValue } from './keys.ts';
import type { Member, MemberPool } from './members.ts';
import { EVENT_DELETE, RPC } from './proto.ts';

export type WatchEvent = { type: 'put' | 'delete'; kv: KeyValue; prevKv?: KeyValue };

export type WatchListener = (events: WatchEvent[], revision: number) => void;

/**
 * A running watch. Events:
 * - 'error' (EtcdError): the watch stopped for good: etcd compacted its
 *   history past the revision it must resume from (EtcdCompactedError: read
 *   the keys again and watch from that read's revision + 1), or etcd cancelled
 *   it. Without an 'error' listener this is logged instead.
 */
export interface Watcher extends EventEmitter {
  /** the member its stream talks to, while one is open */
  readonly endpoint: string | undefined;
  close(): void;
}

/** Longest pause between two attempts to open the stream while every member refuses it. */
const MAX_REOPEN_PAUSE_MS = 1000;

export class PrefixWatcher extends EventEmitter implements Watcher {
  private call: grpc.ClientDuplexStream<Value, Value> | undefined;
  private member: Member | undefined;
  /** the first revision not delivered yet; undefined until etcd says where "now" is */
  private nextRevision: number | undefined;
  private retry: NodeJS.Timeout | undefined;
  private reopenPause = 0;
  private ended = false;

  constructor(
    private readonly pool: MemberPool,
    private readonly prefix: string,
    private readonly range: { key: Buffer; range_end: Buffer },
    fromRevision: number | undefined,
    private readonly onEvents: WatchListener,
    private readonly log: Logger,
    private readonly onEnd: (w: PrefixWatcher) => void,
  ) {
    super();
    this.nextRevision = fromRevision;
    this.open();
  }

  get endpoint(): string | undefined {
    return this.call ? this.member?.endpoint : undefined;
  }

  private open(): void {
    if (this.ended || this.pool.isClosed) return;
    const member = this.pool.order()[0]!;
    const call = member.stream(RPC.watch);
    this.member = member;
    this.call = call;
    call.on('data', (res: Value) => this.answer(call, member, res));
    call.on('error', (e: grpc.ServiceError) => this.broken(call, member, e.details || e.message));
    call.on('end', () => this.broken(call, member, 'the member ended the stream'));
    call.write({
      create_request: {
        ...this.range,
        start_revision: this.nextRevision ?? 0,
        prev_kv: true,
      },
    });
  }

  private answer(call: grpc.ClientDuplexStream<Value, Value>, member: Member, res: Value): void {
    if (call !== this.call || this.ended) return;
    member.answered();
    if (res.canceled === true) {
      this.canceled(member, res);
      return;
    }
    if (res.created === true) {
      this.reopenPause = 0;
      // etcd's "now" is the revision of the created answer's header: the watch
      // sees every change after it
      this.nextRevision ??= headerRevision(res) + 1;
      return;
    }
    const events: WatchEvent[] = [];
    for (const e of (res.events as Value[] | undefined) ?? []) {
      const kv = toKeyValue((e.kv as Value | undefined) ?? {});
      // a stream created again may repeat what the last one delivered: once only
      if (this.nextRevision !== undefined && kv.modRevision < this.nextRevision) continue;
      const prev = e.prev_kv as Value | undefined;
      events.push({
        type: e.type === EVENT_DELETE ? 'delete' : 'put',
        kv,
        ...(prev ? { prevKv: toKeyValue(prev) } : {}),
      });
    }
    if (events.length === 0) return;
    this.nextRevision = events[events.length - 1]!.kv.modRevision + 1;
    try {
      this.onEvents(events, headerRevision(res));
    } catch (e) {
      this.log.error({ prefix: this.prefix, err: (e as Error).message }, 'etcd: a watch listener threw');
    }
  }

  private canceled(member: Member, res: Value): void {
    const compactRevision = int(res.compact_revision);
    const where = { endpoint: member.endpoint, key: this.prefix };
    const err =
      compactRevision > 0
        ? new EtcdCompactedError(
            `etcd: the watch of prefix ${JSON.stringify(this.prefix)} cannot go on from revision ${this.nextRevision}: ` +
              `etcd compacted its history up to revision ${compactRevision}; read the keys again and watch from there`,
            compactRevision,
            where,
          )
        : new EtcdError(
            `etcd: ${member.endpoint} cancelled the watch of prefix ${JSON.stringify(this.prefix)}: ` +
              `${String(res.cancel_reason || 'no reason given')}`,
            where,
          );
    this.stop();
    if (this.listenerCount('error') > 0) this.emit('error', err);
    else this.log.error({ prefix: this.prefix, err: err.message }, 'etcd: watch stopped');
  }

  private broken(call: grpc.ClientDuplexStream<Value, Value>, member: Member, why: string): void {
    if (call !== this.call || this.ended) return;
    this.call = undefined;
    call.cancel();
    member.failed({ code: grpc.status.UNAVAILABLE, details: why });
    this.log.debug({ prefix: this.prefix, endpoint: member.endpoint, err: why }, 'etcd: watch stream failed');
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.open();
    }, this.reopenPause);
    this.retry.unref();
    this.reopenPause = Math.min(Math.max(this.reopenPause * 2, 50), MAX_REOPEN_PAUSE_MS);
  }

  private stop(): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.retry);
    const call = this.call;
    this.call = undefined;
    call?.cancel();
    this.onEnd(this);
  }

  close(): void {
    this.stop();
  }
}
