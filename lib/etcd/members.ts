/**
 * The members of an etcd cluster as the client sees them: one gRPC channel
 * each, the order in which a call tries them, and the unary call that fails
 * over from one to the next.
 *
 * What is retried on another member: requests that change nothing (Range,
 * Status, LeaseTimeToLive; LeaseRevoke and Compact, whose second try finds the
 * work done), and any request etcd refused before acting on it ("no leader").
 * A write (Put, DeleteRange, Txn, LeaseGrant) goes to a member that answered
 * a moment ago, or that answers a Status first; once sent, a broken
 * connection or a timeout is reported (EtcdError with `outcomeUnknown`),
 * never retried: etcd may have applied it. That happens when the member dies
 * or hangs with the write, and to a write sent while the cluster's leader
 * fails (etcd holds it until a new leader is elected, or drops it).
 */
import * as grpc from '@grpc/grpc-js';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../log.ts';
import type { Value } from '../protobuf/index.ts';
import { EtcdError, EtcdUnavailableError } from './errors.ts';
import { RPC, type EtcdMethod } from './proto.ts';

const READY = grpc.connectivityState.READY;
const Code = grpc.status;

/**
 * Channel options:
 * - keepalive pings while a call is open (a watch, a lease's keep-alive), so
 *   that a member that died without closing its connection, or is frozen, is
 *   noticed in seconds. etcd refuses pings more often than its
 *   --grpc-keepalive-min-time (5 s by default), hence 6 s.
 * - a short reconnect backoff (at most 2 s), so that a member that comes back
 *   is used again soon.
 * - a channel of its own per member (no shared subchannel), so that dropping
 *   one that stopped answering really opens a new connection.
 * - answers as large as etcd sends (its own client allows 2 GiB).
 */
const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.keepalive_time_ms': 6000,
  'grpc.keepalive_timeout_ms': 3000,
  'grpc.keepalive_permit_without_calls': 0,
  'grpc.initial_reconnect_backoff_ms': 200,
  'grpc.max_reconnect_backoff_ms': 2000,
  'grpc.use_local_subchannel_pool': 1,
  'grpc.max_receive_message_length': 2 ** 31 - 1,
  'grpc.enable_channelz': 0,
};

/** A write is sent without a Status first to a member that answered this recently. */
const FRESH_MS = 1000;
/** A member that failed this recently, and has not answered since, is tried after the others. */
const SUSPECT_MS = 5000;
/**
 * etcd's answer when a request asks for a leader (`hasleader`) and its member
 * knows none: refused before anything was done (rpctypes.ErrGRPCNoLeader).
 */
const NO_LEADER = 'etcdserver: no leader';

/**
 * `hasleader` on every call: a member cut off from the cluster's leader
 * refuses requests at once rather than holding them, and ends watch and
 * keep-alive streams, so that the client goes to another member.
 */
function requireLeader(): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set('hasleader', 'true');
  return md;
}

/** How a call failed: etcd's (or the connection's) status and what it said. */
export interface CallFailure {
  code: number;
  details: string;
}

function failureOf(e: unknown): CallFailure {
  const err = e as Partial<grpc.ServiceError> | undefined;
  if (err && typeof err.code === 'number') return { code: err.code, details: err.details || err.message || '' };
  return { code: Code.UNKNOWN, details: e instanceof Error ? e.message : String(e) };
}

/** Failures of the member or of the way to it, not answers about the request. */
function isTransient(code: number): boolean {
  return code === Code.UNAVAILABLE || code === Code.DEADLINE_EXCEEDED;
}

/** The member refused the request before acting on it: another member may take it. */
function notApplied(f: CallFailure): boolean {
  return f.code === Code.UNAVAILABLE && f.details === NO_LEADER;
}

function newClient(endpoint: string): grpc.Client {
  return new grpc.Client(endpoint, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
}

export class Member {
  private client: grpc.Client;
  /** when it last answered anything (Date.now()) */
  lastAnswerAt = 0;
  /** when a call to it last failed for want of an answer */
  failedAt = 0;

  constructor(readonly endpoint: string) {
    this.client = newClient(endpoint);
  }

  /** The channel's state; an idle channel starts connecting. */
  get ready(): boolean {
    return this.client.getChannel().getConnectivityState(true) === READY;
  }

  get suspect(): boolean {
    return this.failedAt > this.lastAnswerAt && Date.now() - this.failedAt < SUSPECT_MS;
  }

  answered(): void {
    this.lastAnswerAt = Date.now();
  }

  failed(f: CallFailure): void {
    this.failedAt = Date.now();
    // A call that timed out may sit on a connection to a frozen process, which
    // stays up (the kernel keeps it) and looks ready. A new connection to such
    // a process stays CONNECTING until it runs again, so the member is then
    // tried after the ones that answer. Calls already started on the old
    // connection go on.
    if (f.code === Code.DEADLINE_EXCEEDED) {
      const old = this.client;
      this.client = newClient(this.endpoint);
      old.close();
    }
  }

  unary(method: EtcdMethod, request: Value, deadline: number): Promise<Value> {
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        method.path,
        method.serialize,
        method.deserialize,
        request,
        requireLeader(),
        { deadline },
        (err, res) => {
          // any answer of etcd's, even a refusal, shows that the member is there
          if (!err || !isTransient(err.code) || err.details === NO_LEADER) this.answered();
          if (err) reject(err);
          else resolve(res ?? {});
        },
      );
    });
  }

  stream(method: EtcdMethod): grpc.ClientDuplexStream<Value, Value> {
    return this.client.makeBidiStreamRequest(method.path, method.serialize, method.deserialize, requireLeader());
  }

  close(): void {
    this.client.close();
  }
}

export interface UnaryCall {
  method: EtcdMethod;
  request: Value;
  /** may be sent again, to another member, after a failure */
  idempotent: boolean;
  /** what the call does, for messages: `put of key "a"` */
  what: string;
  key?: string;
  /** why an answer does not count (e.g. a member without a leader): the call tries the next member */
  refuse?: (res: Value) => string | undefined;
}

export class MemberPool {
  readonly members: Member[];
  private preferred: Member;
  private closed = false;

  constructor(
    endpoints: readonly string[],
    private readonly requestTimeoutMs: number,
    /** the time a call gives one member before it tries the next, in its first pass over them */
    private readonly attemptTimeoutMs: number,
    private readonly log: Logger,
  ) {
    this.members = endpoints.map((e) => new Member(e));
    this.preferred = this.members[0]!;
  }

  get endpoints(): string[] {
    return this.members.map((m) => m.endpoint);
  }

  /** The member that answered last. */
  get current(): Member {
    return this.preferred;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * The members in the order a call tries them: the one that answered last,
   * then the other connected ones, then those connecting; those that failed
   * in the last seconds without answering since come after all these (the
   * connected ones first). Ties keep the ring's order from the preferred
   * member on, so that calls stay on one member while it answers.
   */
  order(): Member[] {
    const start = this.members.indexOf(this.preferred);
    const ring = [...this.members.slice(start), ...this.members.slice(0, start)];
    const rank = new Map(
      ring.map((m) => [m, (m.suspect ? 3 : 0) + (m.ready ? (m === this.preferred ? 0 : 1) : 2)] as const),
    );
    return ring.sort((a, b) => rank.get(a)! - rank.get(b)!);
  }

  private prefer(m: Member): void {
    if (m !== this.preferred)
      this.log.debug(
        { endpoint: m.endpoint, previous: this.preferred.endpoint },
        'etcd: now talking to another member',
      );
    this.preferred = m;
  }

  /** Throws when the client is closed. */
  checkOpen(what: string): void {
    if (this.closed) throw new EtcdError(`etcd: ${what}: the client is closed`);
  }

  /**
   * One request with its own deadline (requestTimeoutMs), failing over as the
   * file's comment says. Throws EtcdError for etcd's answers (a bad request,
   * a compacted revision…) and for a write whose outcome is unknown;
   * EtcdUnavailableError when no member answered in time.
   */
  async unary(call: UnaryCall): Promise<Value> {
    this.checkOpen(call.what);
    const deadline = Date.now() + this.requestTimeoutMs;
    let last: { endpoint: string; failure: CallFailure } | undefined;
    let pause = 20;
    for (let pass = 0; ; pass++) {
      // each member gets its share, so that one that hangs leaves time for the
      // others; more in each pass, for a cluster that is slow rather than gone
      const share = this.attemptTimeoutMs * 2 ** pass;
      for (const m of this.order()) {
        this.checkOpen(call.what);
        if (Date.now() >= deadline) break;
        const attemptEnd = Math.min(deadline, Date.now() + share);
        if (!call.idempotent) {
          const down = await this.answersNow(m, attemptEnd);
          if (down) {
            last = { endpoint: m.endpoint, failure: down };
            continue;
          }
        }
        let res: Value;
        try {
          // a write, once sent, has all the time left: cutting it short would only make its outcome unknown sooner
          res = await m.unary(call.method, call.request, call.idempotent ? attemptEnd : deadline);
        } catch (e) {
          const failure = failureOf(e);
          this.checkOpen(call.what);
          if (!isTransient(failure.code))
            throw new EtcdError(`etcd: ${call.what} at ${m.endpoint}: ${failure.details}`, {
              code: failure.code,
              endpoint: m.endpoint,
              key: call.key,
            });
          m.failed(failure);
          this.log.debug({ endpoint: m.endpoint, err: failure.details, call: call.what }, 'etcd: member failed');
          if (!call.idempotent && !notApplied(failure))
            throw new EtcdError(
              `etcd: ${call.what} at ${m.endpoint} failed after it was sent (${failure.details}): ` +
                'etcd may or may not have applied it',
              { code: failure.code, endpoint: m.endpoint, key: call.key, outcomeUnknown: true },
            );
          last = { endpoint: m.endpoint, failure };
          continue;
        }
        const refused = call.refuse?.(res);
        if (refused === undefined) {
          this.prefer(m);
          return res;
        }
        last = { endpoint: m.endpoint, failure: { code: Code.UNAVAILABLE, details: refused } };
      }
      const left = deadline - Date.now();
      if (left <= 0) break;
      // every member failed: one coming back, or a new leader, needs a moment
      await sleep(Math.min(pause, left), undefined, { ref: false });
      pause = Math.min(pause * 2, 500);
    }
    const why = last ? `${last.endpoint}: ${last.failure.details}` : `no answer within ${this.requestTimeoutMs} ms`;
    throw new EtcdUnavailableError(this.endpoints, why, { code: last?.failure.code, key: call.key });
  }

  /**
   * Whether a member takes a write now: one that answered a moment ago on a
   * ready connection does; another must answer a Status (which changes
   * nothing, and which a member without a leader refuses). Returns how it
   * failed, or undefined.
   */
  private async answersNow(m: Member, until: number): Promise<CallFailure | undefined> {
    if (m.ready && Date.now() - m.lastAnswerAt < FRESH_MS) return undefined;
    try {
      await m.unary(RPC.status, {}, until);
      return undefined;
    } catch (e) {
      const failure = failureOf(e);
      if (!isTransient(failure.code)) return undefined;
      m.failed(failure);
      return failure;
    }
  }

  close(): void {
    this.closed = true;
    for (const m of this.members) m.close();
  }
}
