/**
 * VppClient: VPP's binary API over its socket. Requests are pipelined and
 * matched by context; dumps and cursor streams are async iterables; events go
 * to every listener; the connection comes back by itself after VPP goes away.
 */
import { backoffDelayMs } from '../../lib/backoff.ts';
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { VppErrorTable } from '../api/errors.ts';
import { rpcShape, type RpcShape } from '../api/mapping.ts';
import type { ApiModel, ServiceDef } from '../api/model.ts';
import type { Codec, Decoded, Value } from '../codec/types.ts';
import { MAX_TIMER_MS, stream, unary, type CallContext, type CallOptions } from './calls.ts';
import { Connection, DEFAULT_LIMITS, type ConnectionLimits } from './connection.ts';
import { disconnected, notResponding, VppClientError } from './errors.ts';
import { DEFAULT_LIVENESS, LivenessProbe, type LivenessOptions } from './liveness.ts';
import type { StreamQueue } from './queue.ts';
import { silentLog, type Log } from './log.ts';
import type { CompatReport } from './message-table.ts';
import { unixSocketDialer, type Dialer } from './transport.ts';

export const DEFAULT_SOCKET = '/run/vpp/api.sock';

/** Messages of the transport itself: the client sends them, callers may not. */
export const TRANSPORT_MESSAGES: ReadonlySet<string> = new Set([
  'memclnt_create',
  'memclnt_create_v2',
  'memclnt_delete',
  'sockclnt_create',
  'sockclnt_delete',
  'sock_init_shm',
  'rx_thread_exit',
  'memclnt_rx_thread_suspend',
  'memclnt_read_timeout',
  'rpc_call',
  'trace_plugin_msg_ids',
  'memclnt_keepalive',
]);

export type ClientState =
  'idle' | 'connecting' | 'connected' | 'not_responding' | 'disconnected' | 'reconnecting' | 'closed';

/** How long a handshake may wait on a VPP that stopped answering: it answers the moment it runs again. */
const HUNG_HANDSHAKE_MS = 30_000;

export interface StateChange {
  state: ClientState;
  /** connected: VPP's process id */
  vpePid?: number;
  /** disconnected, not_responding: why */
  reason?: string;
  /** not_responding: how long VPP has been silent; connected: how long it was */
  silentMs?: number;
  /** reconnecting: attempt number and wait before it */
  attempt?: number;
  delayMs?: number;
}

export interface VppClientOptions {
  model: ApiModel;
  codec: Codec;
  errors: VppErrorTable;
  /** default /run/vpp/api.sock */
  socketPath?: string;
  /** another transport (tests); overrides socketPath */
  dialer?: Dialer;
  /** the name VPP shows for this client */
  name?: string;
  /** per request; streams: longest wait between two messages. Default 10 s */
  requestTimeoutMs?: number;
  /** how long a stream whose reader lags may hold up the other calls on the socket. Default 1 s */
  holdMs?: number;
  connectTimeoutMs?: number;
  /** false: no reconnecting. Default: from 100 ms doubling to 5 s */
  reconnect?: false | { initialDelayMs?: number; maxDelayMs?: number };
  /** the probe that notices a VPP that stops answering; false: none */
  liveness?: false | Partial<LivenessOptions>;
  /** what may wait on VPP at once */
  limits?: Partial<ConnectionLimits>;
  log?: Log;
}

export interface SubscriptionHandlers {
  event(name: string, value: Value): void;
  /** the connection dropped; the subscription is renewed when VPP is back */
  interrupted?(err: Error): void;
  /** renewed after a reconnect (events in between are lost) */
  resumed?(): void;
  /** renewal failed: the subscription is over */
  failed?(err: Error): void;
}

export interface Subscription {
  close(): Promise<void>;
}

interface Listener {
  handlers: SubscriptionHandlers;
}

/** All listeners of one subscription request; VPP is asked once for all of them. */
interface Group {
  svc: ServiceDef;
  events: string[];
  value: Value | undefined;
  listeners: Set<Listener>;
  /** settles when VPP accepted (or refused) the subscription on the current connection */
  ready: Promise<void> | undefined;
}

const ENABLE_FIELDS = ['enable_disable', 'enable'];

/** A message VPP sent on a call's context that does not belong to the call. */
export interface UnexpectedMessage {
  /** the call's request */
  request: string;
  /** the message as its id names it */
  message: string;
  msgId: number;
  retval?: number;
}

export class VppClient extends EventEmitter<{
  state: [StateChange];
  restart: [{ previousPid: number; vpePid: number }];
  unexpected: [UnexpectedMessage];
}> {
  private readonly opts: Required<Pick<VppClientOptions, 'name' | 'requestTimeoutMs' | 'connectTimeoutMs'>> &
    VppClientOptions;
  private readonly dial: Dialer;
  private readonly log: Log;
  private conn: Connection | undefined;
  private _state: ClientState = 'idle';
  private _vpePid: number | undefined;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  /** the connection attempt under way, if any, and its connection once dialled */
  private attempting: Promise<void> | undefined;
  private dialled: Connection | undefined;
  private firstConnect: { resolve: () => void; reject: (e: Error) => void; promise: Promise<void> } | undefined;
  private readonly groups = new Map<string, Group>();
  /** each request's service entry and shape, looked up once */
  private readonly services = new Map<string, { svc: ServiceDef; shape: RpcShape }>();
  /** the call context of each connection, made once */
  private readonly contexts = new WeakMap<Connection, CallContext>();
  private readonly byEvent = new Map<string, Set<Group>>();
  private probe: LivenessProbe | undefined;
  /** while VPP does not answer: performance.now() of the last message it sent */
  private silentSince: number | undefined;
  private readonly liveness: LivenessOptions | undefined;
  private readonly limits: ConnectionLimits;

  constructor(options: VppClientOptions) {
    super();
    this.opts = { name: 'vpp-rpc', requestTimeoutMs: 10_000, connectTimeoutMs: 5_000, ...options };
    this.dial = options.dialer ?? unixSocketDialer(options.socketPath ?? DEFAULT_SOCKET, this.opts.connectTimeoutMs);
    this.log = options.log ?? silentLog;
    this.liveness = options.liveness === false ? undefined : { ...DEFAULT_LIVENESS, ...options.liveness };
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
  }

  get state(): ClientState {
    return this._state;
  }

  /** a getter, so that checks after an await are not narrowed away */
  private get isClosed(): boolean {
    return this._state === 'closed';
  }

  /** VPP's process id, from control_ping_reply after each connect */
  get vpePid(): number | undefined {
    return this._vpePid;
  }

  get inFlight(): number {
    return this.conn?.inFlight ?? 0;
  }

  /**
   * Runs `fn` once the requests made so far have gone to VPP's socket: the
   * transport gathers the frames of one tick into one write at the end of the
   * tick (transport.ts), so work done right after request() would delay the
   * request itself; work done here overlaps VPP's.
   */
  afterSend(fn: () => void): void {
    process.nextTick(fn);
  }

  /** Why a call made now would fail at once (VPP not responding, away, the client closed); undefined when connected. */
  unavailable(): VppClientError | undefined {
    try {
      this.callContext();
      return undefined;
    } catch (e) {
      return e as VppClientError;
    }
  }

  /** How the model compares with the connected VPP's message table. */
  compatibility(): CompatReport | undefined {
    return this.conn?.table?.report;
  }

  /**
   * Connect, and stay connected. Resolves on the first connection; with
   * reconnecting on (the default) it keeps trying until then, without it the
   * first failure rejects.
   */
  connect(): Promise<void> {
    if (this.isClosed) return Promise.reject(new VppClientError('CLOSED', 'the client is closed'));
    if (this._state === 'connected') return Promise.resolve();
    if (!this.firstConnect) {
      let resolve!: () => void;
      let reject!: (e: Error) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.firstConnect = { resolve, reject, promise };
      if (this._state === 'idle') this.startAttempt();
    }
    return this.firstConnect.promise;
  }

  /** Unsubscribe, say goodbye to VPP and stop reconnecting. */
  async close(): Promise<void> {
    if (this.isClosed) return;
    clearTimeout(this.retryTimer);
    this.probe?.stop();
    const conn = this.conn;
    // detached first: calls on the client now fail, but the unsubscribes below may still use it
    this.conn = undefined;
    this.setState({ state: 'closed' });
    this.firstConnect?.reject(new VppClientError('CLOSED', 'the client was closed'));
    // a handshake waiting on a hung VPP must not keep the process alive
    this.dialled?.abandon(new VppClientError('CLOSED', 'the client was closed'));
    // a dump nobody reads any more must not hold back the replies to the goodbyes
    conn?.resumeAll();
    for (const g of this.groups.values()) await this.disable(g, conn).catch(() => {});
    this.groups.clear();
    this.byEvent.clear();
    await conn?.close(1000);
  }

  /** A request/reply call. Rejects with VppApiError for a nonzero retval. */
  request(name: string, value?: Value, opts: CallOptions = {}): Promise<Value> {
    let svc: ServiceDef;
    try {
      svc = this.service(name, ['unary']).svc;
      // connected: no await on the way (this is the hot path)
      if (this._state === 'connected') return unary(this.callContext(), name, svc.reply, value, opts);
    } catch (e) {
      return Promise.reject(e as Error);
    }
    return this.ready(opts).then((ctx) => unary(ctx, name, svc.reply, value, opts));
  }

  /** A dump (`_details` until the control ping's reply) or cursor stream, read as it arrives. */
  dump(name: string, value?: Value, opts: CallOptions = {}): StreamQueue<Value> {
    const { svc, shape } = this.service(name, ['dump', 'cursor']);
    const end = shape.kind === 'dump' ? ({ kind: 'ping' } as const) : ({ kind: 'reply', reply: svc.reply! } as const);
    // the request goes out when iteration starts, once the client is ready
    return stream(() => this.ready(opts), name, shape.response!, end, value, opts);
  }

  /**
   * Subscribe to the events of a `want_*`-style request. The first listener
   * makes VPP send them, the last one to close stops them.
   */
  async subscribe(
    name: string,
    value: Value | undefined,
    handlers: SubscriptionHandlers,
    opts: CallOptions = {},
  ): Promise<Subscription> {
    const { svc } = this.service(name, ['events']);
    let group = this.groups.get(name);
    if (!group) {
      group = { svc, events: svc.events!, value, listeners: new Set(), ready: undefined };
      this.groups.set(name, group);
      for (const e of group.events) {
        const set = this.byEvent.get(e) ?? new Set();
        set.add(group);
        this.byEvent.set(e, set);
      }
    }
    const listener: Listener = { handlers };
    group.listeners.add(listener);
    try {
      group.ready ??= this.enable(group, opts);
      await group.ready;
    } catch (e) {
      group.ready = undefined;
      group.listeners.delete(listener);
      if (group.listeners.size === 0) this.abandon(group, e);
      throw e;
    }
    let closed = false;
    return {
      close: async () => {
        if (closed) return;
        closed = true;
        group.listeners.delete(listener);
        if (group.listeners.size > 0 || this.groups.get(name) !== group) return;
        this.dropGroup(group);
        await this.disable(group, this.conn).catch((e: Error) =>
          this.log.debug({ err: e.message, request: name }, 'unsubscribe failed'),
        );
      },
    };
  }

  /**
   * End every subscription: each listener's `failed` runs with `err`, and VPP
   * is asked to stop the events. For a process about to go, whose watchers
   * should hear why rather than wait.
   */
  async endSubscriptions(err: Error): Promise<void> {
    const groups = [...this.groups.values()];
    for (const g of groups) {
      this.dropGroup(g);
      for (const l of g.listeners) l.handlers.failed?.(err);
    }
    await Promise.all(groups.map((g) => this.disable(g, this.conn).catch(() => {})));
  }

  /** Listeners of a request's events, across all its subscribers; without a request, of every request. */
  subscriberCount(request?: string): number {
    if (request !== undefined) return this.groups.get(request)?.listeners.size ?? 0;
    let n = 0;
    for (const g of this.groups.values()) n += g.listeners.size;
    return n;
  }

  private dropGroup(group: Group): void {
    this.groups.delete(group.svc.request);
    for (const e of group.events) {
      const set = this.byEvent.get(e);
      set?.delete(group);
      if (set?.size === 0) this.byEvent.delete(e);
    }
  }

  /** A group whose subscription failed; VPP may still have taken a request it did not answer in time. */
  private abandon(group: Group, err: unknown): void {
    this.dropGroup(group);
    if (err instanceof VppClientError && (err.code === 'TIMEOUT' || err.code === 'ABORTED'))
      this.disable(group, this.conn).catch((e: Error) =>
        this.log.debug({ err: e.message, request: group.svc.request }, 'unsubscribe failed'),
      );
  }

  private subscriptionValue(group: Group, on: boolean): Value {
    const def = this.opts.model.messages.get(group.svc.request)!;
    const v: Value = { ...group.value };
    for (const f of def.fields) {
      if (ENABLE_FIELDS.includes(f.name)) v[f.name] = f.type === 'bool' ? on : on ? 1 : 0;
      if (f.name === 'pid' && v.pid === undefined) v.pid = process.pid;
    }
    return v;
  }

  private async enable(group: Group, opts: CallOptions = {}): Promise<void> {
    await unary(await this.ready(opts), group.svc.request, group.svc.reply, this.subscriptionValue(group, true), opts);
  }

  /** Turn a subscription off, where VPP's request has a switch for it. */
  private async disable(group: Group, conn: Connection | undefined): Promise<void> {
    const def = this.opts.model.messages.get(group.svc.request)!;
    if (!conn?.isOpen || !def.fields.some((f) => ENABLE_FIELDS.includes(f.name))) return;
    await unary(this.callContext(conn), group.svc.request, group.svc.reply, this.subscriptionValue(group, false), {
      timeoutMs: 2000,
    });
  }

  private service(name: string, kinds: RpcShape['kind'][]): { svc: ServiceDef; shape: RpcShape } {
    let entry = this.services.get(name);
    if (!entry) {
      if (TRANSPORT_MESSAGES.has(name))
        throw new VppClientError(
          'NOT_SUPPORTED',
          `${name} belongs to the socket transport, which the client runs itself`,
        );
      const svc = this.opts.model.services.get(name);
      if (!svc) {
        const known = this.opts.model.messages.has(name);
        throw new VppClientError(
          'NOT_SUPPORTED',
          known ? `${name} is not a request VPP answers` : `unknown message ${name}`,
        );
      }
      entry = { svc, shape: rpcShape(svc) };
      this.services.set(name, entry);
    }
    if (!kinds.includes(entry.shape.kind)) {
      const use = { unary: 'request()', dump: 'dump()', cursor: 'dump()', events: 'subscribe()' }[entry.shape.kind];
      throw new VppClientError('NOT_SUPPORTED', `${name} is a ${entry.shape.kind} call: use ${use}`);
    }
    return entry;
  }

  /**
   * The call context once connected. While the first connection attempt is
   * under way calls wait for it (within their timeout); when VPP is known to
   * be away they fail at once.
   */
  private async ready(opts: CallOptions): Promise<CallContext> {
    if (this._state === 'connecting' && this.attempting) {
      const ms = opts.timeoutMs ?? this.opts.requestTimeoutMs;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.attempting, new Promise((r) => (timer = setTimeout(r, Math.min(ms, MAX_TIMER_MS))))]);
      clearTimeout(timer);
    }
    return this.callContext();
  }

  private callContext(conn = this.conn): CallContext {
    if (!conn?.isOpen || (conn === this.conn && this._state !== 'connected')) {
      if (this.silentSince !== undefined) throw notResponding(performance.now() - this.silentSince);
      if (this.isClosed) throw new VppClientError('CLOSED', 'the client is closed');
      throw disconnected(this._state === 'idle' ? 'not connected yet' : `the client is ${this._state}`);
    }
    let ctx = this.contexts.get(conn);
    if (!ctx) {
      ctx = {
        conn,
        errors: this.opts.errors,
        timeoutMs: this.opts.requestTimeoutMs,
        holdMs: this.opts.holdMs,
        onEvent: (n, m, request) => this.dispatchEvent(n, m, request),
      };
      this.contexts.set(conn, ctx);
    }
    return ctx;
  }

  private dispatchEvent(name: string, msg: Decoded, request?: string): void {
    const groups = this.byEvent.get(name);
    if (!groups) {
      if (request === undefined) this.log.debug({ message: name, context: msg.context }, 'message nobody waits for');
      else {
        const u: UnexpectedMessage = { request, message: name, msgId: msg.msgId };
        if (typeof msg.value.retval === 'number') u.retval = msg.value.retval;
        this.unexpected(u);
      }
      return;
    }
    for (const g of groups)
      for (const l of g.listeners) {
        try {
          l.handlers.event(name, msg.value);
        } catch (e) {
          this.log.warn({ err: (e as Error).message, event: name }, 'event listener threw');
        }
      }
  }

  /** Nothing VPP sends is dropped unseen: say it, and let the server count it. */
  private unexpected(u: UnexpectedMessage): void {
    this.log.warn(u, 'VPP sent a message that does not belong to the call');
    this.emit('unexpected', u);
  }

  private setState(change: StateChange): void {
    this._state = change.state;
    this.emit('state', change);
  }

  private startAttempt(): void {
    const attempt = this.attemptConnect();
    this.attempting = attempt;
    void attempt.finally(() => {
      if (this.attempting === attempt) this.attempting = undefined;
    });
  }

  private async attemptConnect(): Promise<void> {
    // while VPP hangs the state says so, not that the client reconnects
    const hung = this.silentSince !== undefined;
    if (!hung) this.setState({ state: this.attempt === 0 && !this._vpePid ? 'connecting' : 'reconnecting' });
    let conn: Connection | undefined;
    try {
      const transport = await this.dial();
      if (this.isClosed) {
        transport.destroy();
        return;
      }
      conn = new Connection(
        transport,
        this.opts.codec,
        this.opts.model,
        {
          onUnclaimed: (n, m) => this.dispatchEvent(n, m),
          onClosed: (err) => this.lost(conn!, err),
          onProtocolError: (err) =>
            this.log.error({ err: err.message }, 'malformed frame from VPP: dropping the connection'),
        },
        this.limits,
      );
      this.dialled = conn;
      const table = await conn.handshake(
        this.opts.name,
        hung ? Math.max(HUNG_HANDSHAKE_MS, this.opts.connectTimeoutMs) : this.opts.connectTimeoutMs,
      );
      if (table.report.changed.length)
        this.log.warn(
          { changed: table.report.changed.length, examples: table.report.changed.slice(0, 5).map((c) => c.name) },
          'VPP has messages with other CRCs; they will be refused',
        );
      const ping = await unary(
        { conn, errors: this.opts.errors, timeoutMs: this.opts.connectTimeoutMs, onEvent: () => {} },
        'control_ping',
        'control_ping_reply',
        undefined,
        {},
      );
      if (this.isClosed) {
        await conn.close(200);
        return;
      }
      const pid = ping.vpe_pid as number;
      const previousPid = this._vpePid;
      const silentMs = this.silentSince === undefined ? undefined : performance.now() - this.silentSince;
      this.silentSince = undefined;
      this.conn = conn;
      this.dialled = undefined;
      this._vpePid = pid;
      this.attempt = 0;
      this.setState({ state: 'connected', vpePid: pid, ...(silentMs === undefined ? {} : { silentMs }) });
      this.watch(conn);
      if (previousPid !== undefined && previousPid !== pid) this.emit('restart', { previousPid, vpePid: pid });
      this.firstConnect?.resolve();
      this.firstConnect = undefined;
      this.renewSubscriptions();
    } catch (e) {
      const err = e as Error;
      this.dialled = undefined;
      if (conn?.isOpen) conn.close(0).catch(() => {});
      if (this.isClosed) return;
      if (this.silentSince !== undefined && this.opts.reconnect !== false && stillHung(err)) {
        // the socket takes connections but VPP reads none of them: wait for it on a new one
        this.retryTimer = setTimeout(() => this.startAttempt(), this.liveness?.intervalMs ?? 1000);
        return;
      }
      // refused or reset: VPP is gone rather than hung, and the reconnect takes over
      this.silentSince = undefined;
      this.setState({ state: 'disconnected', reason: err.message });
      if (this.opts.reconnect === false) {
        this.firstConnect?.reject(disconnected(err.message, err));
        this.firstConnect = undefined;
        this._state = 'idle';
        return;
      }
      this.scheduleRetry();
    }
  }

  /** Watch a new connection for a VPP that stops answering. */
  private watch(conn: Connection): void {
    this.probe?.stop();
    if (!this.liveness) return;
    this.probe = new LivenessProbe(this.callContext(conn), this.liveness, (silentMs) => this.hung(conn, silentMs));
  }

  /**
   * VPP stopped answering: say so, and drop the socket. Every call waiting on
   * it fails now, and nothing VPP sends on it later can reach a call of the
   * connection that follows (docs/OPERATIONS.md, "When VPP stops answering").
   */
  private hung(conn: Connection, silentMs: number): void {
    if (conn !== this.conn || this.isClosed) return;
    this.silentSince = performance.now() - silentMs;
    const err = notResponding(silentMs);
    this.setState({ state: 'not_responding', reason: err.message, silentMs });
    conn.abandon(err);
  }

  private lost(conn: Connection, err: Error | undefined): void {
    if (conn !== this.conn || this.isClosed) return;
    this.conn = undefined;
    this.probe?.stop();
    const reason = err?.message ?? 'VPP closed the connection';
    const hung = this.silentSince !== undefined;
    if (!hung) this.setState({ state: 'disconnected', reason });
    for (const g of this.groups.values()) {
      g.ready = undefined;
      for (const l of g.listeners)
        l.handlers.interrupted?.(hung && err instanceof VppClientError ? err : disconnected(reason, err));
    }
    if (this.opts.reconnect === false) {
      this.silentSince = undefined;
      this._state = 'idle';
      return;
    }
    if (hung) this.startAttempt();
    else this.scheduleRetry();
  }

  private scheduleRetry(): void {
    const cfg = this.opts.reconnect || {};
    const initial = cfg.initialDelayMs ?? 100;
    const max = cfg.maxDelayMs ?? 5000;
    const delayMs = backoffDelayMs(this.attempt, initial, max);
    this.attempt++;
    this.setState({ state: 'reconnecting', attempt: this.attempt, delayMs });
    this.retryTimer = setTimeout(() => this.startAttempt(), delayMs);
  }

  /** VPP forgets subscriptions across restarts and reconnects: ask again. */
  private renewSubscriptions(): void {
    for (const g of this.groups.values()) {
      if (g.listeners.size === 0) continue;
      g.ready = this.enable(g);
      g.ready.then(
        () => {
          for (const l of g.listeners) l.handlers.resumed?.();
        },
        (err: Error) => {
          this.abandon(g, err);
          for (const l of g.listeners) l.handlers.failed?.(err);
        },
      );
    }
  }
}

/** A failed connection attempt that says VPP still hangs (rather than that it is gone). */
function stillHung(err: Error): boolean {
  return (err instanceof VppClientError && err.code === 'TIMEOUT') || (err as NodeJS.ErrnoException).code === 'EAGAIN';
}
