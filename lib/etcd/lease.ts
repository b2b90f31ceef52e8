/**
 * A lease that keeps itself alive: a LeaseKeepAlive stream to one member, a
 * keep-alive every ttl/3, the stream opened again on another member when it
 * fails or stops answering, and 'lost' (once) when etcd says the lease is
 * gone. Only etcd says so: a keep-alive left unanswered for longer than the
 * ttl (a leader election on a busy machine, etcd out of reach) does not mean
 * the lease expired, since a new leader gives every lease its whole ttl again;
 * the next answer tells (TTL 0: expired).
 */
import * as grpc from '@grpc/grpc-js';
import { EventEmitter } from 'node:events';
import type { Logger } from '../log.ts';
import type { Value } from '../protobuf/index.ts';
import { EtcdError } from './errors.ts';
import { int } from './keys.ts';
import type { Member, MemberPool } from './members.ts';
import { RPC } from './proto.ts';

/**
 * A granted lease, kept alive until revoke() or close(). Events:
 * - 'lost' (Error): once, when etcd says the lease expired (or was revoked
 *   by someone else); keys attached to it are gone. Never after revoke() or
 *   close().
 * - 'keepalive' (ttl: number): etcd renewed the lease.
 */
export interface Lease extends EventEmitter {
  /** etcd's id of the lease, as a decimal string (put's `lease` option) */
  readonly id: string;
  /** its time to live in seconds, as etcd granted it */
  readonly ttl: number;
  /** the member its keep-alive stream talks to, while one is open */
  readonly endpoint: string | undefined;
  /** stop keeping it alive and revoke it: its keys are deleted now */
  revoke(): Promise<void>;
  /** stop keeping it alive without revoking it: etcd expires it after its ttl */
  close(): void;
}

/** Revoke a lease by id; done also when etcd no longer knows it (expired, or revoked already). */
export async function revokeLease(pool: MemberPool, id: bigint): Promise<void> {
  try {
    await pool.unary({
      method: RPC.leaseRevoke,
      request: { ID: id },
      // a second revoke finds the lease gone: safe to send again
      idempotent: true,
      what: `revoke of lease ${id}`,
    });
  } catch (e) {
    if (e instanceof EtcdError && e.code === grpc.status.NOT_FOUND) return;
    throw e;
  }
}

export class KeptLease extends EventEmitter implements Lease {
  readonly id: string;
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private call: grpc.ClientDuplexStream<Value, Value> | undefined;
  private member: Member | undefined;
  /** when the last keep-alive that etcd answered was sent (ms) */
  private confirmedAt: number;
  /** when the keep-alive waiting for its answer was sent */
  private sentAt: number | undefined;
  private reopenPause = 0;
  private lastError = 'none';
  /** unanswered for longer than the ttl (said once in the log) */
  private overdue = false;
  private ended = false;

  constructor(
    private readonly pool: MemberPool,
    private readonly leaseId: bigint,
    readonly ttl: number,
    grantedAt: number,
    private readonly log: Logger,
    private readonly onEnd: (lease: KeptLease) => void,
  ) {
    super();
    this.id = leaseId.toString();
    this.confirmedAt = grantedAt;
    this.intervalMs = Math.max(100, Math.floor((ttl * 1000) / 3));
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
    this.open();
  }

  get endpoint(): string | undefined {
    return this.call ? this.member?.endpoint : undefined;
  }

  private tick(): void {
    if (this.ended) return;
    if (!this.overdue && Date.now() - this.confirmedAt > this.ttl * 1000) {
      this.overdue = true;
      this.log.warn(
        { lease: this.id, ttl: this.ttl, err: this.lastError },
        'etcd: no keep-alive answered for longer than the lease ttl: etcd says at its next answer whether the lease lives',
      );
    }
    // a keep-alive unanswered for a whole interval: the member hangs (frozen,
    // or cut off from the leader); another one may answer
    if (this.call && this.sentAt !== undefined && Date.now() - this.sentAt >= this.intervalMs) {
      this.lastError = `${this.member?.endpoint}: no answer to a keep-alive within ${this.intervalMs} ms`;
      this.member?.failed({ code: grpc.status.DEADLINE_EXCEEDED, details: this.lastError });
      this.drop();
    }
    if (!this.call && !this.retry) this.open();
    else this.send();
  }

  private open(): void {
    if (this.ended || this.pool.isClosed) return;
    const member = this.pool.order()[0]!;
    const call = member.stream(RPC.leaseKeepAlive);
    this.member = member;
    this.call = call;
    this.sentAt = undefined;
    call.on('data', (res: Value) => this.answer(call, member, res));
    call.on('error', (e: grpc.ServiceError) => this.broken(call, member, e.details || e.message));
    call.on('end', () => this.broken(call, member, 'the member ended the stream'));
    this.send();
  }

  private send(): void {
    if (!this.call) return;
    this.sentAt ??= Date.now();
    this.call.write({ ID: this.leaseId });
  }

  private answer(call: grpc.ClientDuplexStream<Value, Value>, member: Member, res: Value): void {
    if (call !== this.call || this.ended) return;
    member.answered();
    this.reopenPause = 0;
    const ttl = int(res.TTL);
    if (ttl <= 0) {
      this.lose(`etcd says it has expired (keep-alive answered by ${member.endpoint})`);
      return;
    }
    if (this.overdue) this.log.info({ lease: this.id }, 'etcd: the lease lives: a keep-alive was answered again');
    this.overdue = false;
    this.confirmedAt = this.sentAt ?? Date.now();
    this.sentAt = undefined;
    this.emit('keepalive', ttl);
  }

  private broken(call: grpc.ClientDuplexStream<Value, Value>, member: Member, why: string): void {
    if (call !== this.call || this.ended) return;
    this.lastError = `${member.endpoint}: ${why}`;
    member.failed({ code: grpc.status.UNAVAILABLE, details: why });
    this.log.debug({ lease: this.id, endpoint: member.endpoint, err: why }, 'etcd: lease keep-alive stream failed');
    this.drop();
    // at once on another member; then slower, while every member refuses
    this.retry = setTimeout(() => {
      this.retry = undefined;
      if (!this.call) this.open();
    }, this.reopenPause);
    this.retry.unref();
    this.reopenPause = Math.min(Math.max(this.reopenPause * 2, 50), this.intervalMs);
  }

  private drop(): void {
    const call = this.call;
    this.call = undefined;
    this.sentAt = undefined;
    // its 'error' (CANCELLED) then finds it is no longer the lease's stream
    call?.cancel();
  }

  private stop(): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.timer);
    clearTimeout(this.retry);
    this.drop();
    this.onEnd(this);
  }

  private lose(why: string): void {
    if (this.ended) return;
    this.stop();
    const err = new EtcdError(`etcd: lease ${this.id} is lost: ${why}`, { endpoint: this.member?.endpoint });
    if (this.listenerCount('lost') > 0) this.emit('lost', err);
    else this.log.warn({ lease: this.id, err: err.message }, 'etcd: lease lost');
  }

  async revoke(): Promise<void> {
    this.stop();
    await revokeLease(this.pool, this.leaseId);
  }

  close(): void {
    this.stop();
  }

  /** For the client's close(): revoke, and say so in the log when it fails. */
  async revokeQuietly(): Promise<void> {
    try {
      await this.revoke();
    } catch (e) {
      this.log.warn({ lease: this.id, err: (e as Error).message }, 'etcd: lease not revoked');
    }
  }
}
