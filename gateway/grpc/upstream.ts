/**
 * The gateway's connection to its gRPC server: one HTTP/2 session at a time,
 * watched by the liveness probe (keepalive.ts), replaced when it closes or
 * stops answering, and the state that tells each new call whether to go on it
 * or to fail at once.
 *
 * A call waits on the server only while the server is believed to answer.
 * Once the session closed (the server was killed) or went silent (the server
 * hangs), every call on it ends with UNAVAILABLE and new calls fail at once
 * saying why, instead of each waiting its deadline or dialling again: one
 * connection attempt at a time brings service back when the server answers.
 */
import { backoffDelayMs, seconds } from '../../lib/backoff.ts';
import { EventEmitter } from 'node:events';
import type { ClientHttp2Session } from 'node:http2';
import { performance } from 'node:perf_hooks';
import { SessionProbe, silenceLimitMs, type KeepaliveOptions } from './keepalive.ts';

export type UpstreamState =
  /** nothing dialled yet */
  | 'idle'
  /** a session dialled, the server has not answered it yet; calls wait on it */
  | 'connecting'
  /** the server answered the session; calls go on it */
  | 'ready'
  /** the session closed or could not be opened; calls fail at once until a new one is answered */
  | 'unreachable'
  /** the server stopped answering with its connection open; calls fail at once until it answers again */
  | 'not_responding'
  | 'closed';

export const UPSTREAM_STATES: UpstreamState[] = [
  'idle',
  'connecting',
  'ready',
  'unreachable',
  'not_responding',
  'closed',
];

export interface UpstreamChange {
  state: UpstreamState;
  /** unreachable, not_responding: what calls are told */
  reason?: string;
  /** not_responding: how long the server has been silent */
  silentMs?: number;
  /** ready after an outage: how long the outage lasted */
  downMs?: number;
}

export interface ReconnectOptions {
  /** wait before the first new attempt after the server went away; doubles at each failed one */
  initialDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RECONNECT: ReconnectOptions = { initialDelayMs: 100, maxDelayMs: 5000 };

/**
 * How long a new session may wait for a server that stopped answering. Its
 * connection sits in the server's accept queue and is answered the moment the
 * server runs again; a server killed meanwhile resets it, and a new one is
 * dialled sooner.
 */
const HUNG_HANDSHAKE_MS = 30_000;

export class Upstream extends EventEmitter<{ state: [UpstreamChange]; dial: []; ping: []; miss: [] }> {
  private _state: UpstreamState = 'idle';
  /** the session new calls go on */
  private current: ClientHttp2Session | undefined;
  private probe: SessionProbe | undefined;
  private handshakeTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  /** failed attempts in a row, for the backoff */
  private attempt = 0;
  /** unreachable: why */
  private reason = '';
  /** when the server was last heard from (or first dialled) */
  private lastHeardAt = performance.now();
  /** when the current outage began */
  private downSince: number | undefined;
  /** sessions dropped because the server stopped answering: what their calls are told */
  private readonly dropped = new WeakMap<ClientHttp2Session, string>();
  /** the probe's settings; false: no probe (an interval of 0 turns it off) */
  private readonly keepalive: KeepaliveOptions | false;

  constructor(
    /** `host:port`, as the messages name it */
    readonly target: string,
    /** opens a new session (not connected yet) */
    private readonly dial: () => ClientHttp2Session,
    keepalive: KeepaliveOptions | false,
    private readonly reconnect: ReconnectOptions = DEFAULT_RECONNECT,
  ) {
    super();
    this.keepalive = keepalive && keepalive.intervalMs > 0 ? keepalive : false;
  }

  get state(): UpstreamState {
    return this._state;
  }

  /** Why a call must fail now; undefined while calls may go to the server. */
  failure(): string | undefined {
    switch (this._state) {
      case 'unreachable':
        return this.unreachable();
      case 'not_responding':
        return this.notResponding();
      case 'closed':
        return 'the gateway is shutting down';
      default:
        return undefined;
    }
  }

  /** Open the first session now rather than at the first call. */
  connect(): void {
    if (this._state === 'idle') this.dialNow();
  }

  /** The session for a new call (only while `failure()` says none): the current one, dialled if there is none. */
  session(): ClientHttp2Session {
    return this.current ?? this.dialNow();
  }

  /** What a call on `session` is told when the session was dropped under it, if it was. */
  droppedBecause(session: ClientHttp2Session): string | undefined {
    return this.dropped.get(session);
  }

  close(): void {
    if (this._state === 'closed') return;
    const answering = this._state === 'ready';
    this.setState({ state: 'closed' });
    clearTimeout(this.retryTimer);
    const session = this.current;
    if (!session) return;
    this.detach(session);
    // the calls on a session the server answers finish there; one it does not answer has nothing to wait for
    if (answering) session.close();
    else session.destroy();
  }

  private unreachable(): string {
    return `the gRPC server at ${this.target} is unreachable: ${this.reason}`;
  }

  private notResponding(): string {
    return `the gRPC server at ${this.target} is not responding: no answer for ${seconds(performance.now() - this.lastHeardAt)}`;
  }

  private setState(change: UpstreamChange): void {
    this._state = change.state;
    this.emit('state', change);
  }

  private dialNow(): ClientHttp2Session {
    const hung = this._state === 'not_responding';
    if (this._state === 'idle') this.lastHeardAt = performance.now();
    // unreachable or not responding: calls keep failing fast until the server answers this one
    if (this._state === 'idle' || this._state === 'ready') this.setState({ state: 'connecting' });
    const session = this.dial();
    this.current = session;
    this.emit('dial');
    let error: string | undefined;
    session.on('error', (err) => (error = err.message));
    session.once('remoteSettings', () => this.answered(session));
    session.on('goaway', () => this.retire(session));
    session.on('close', () => this.closed(session, error ?? 'the server closed the connection'));
    if (this.keepalive) this.watchHandshake(session, this.keepalive, hung);
    return session;
  }

  /**
   * A server that does not answer a new session within the probe's silence
   * limit is not responding. The last part of the wait is measured as a ping
   * is: a timer of its own, judged after the poll phase, so that a gateway
   * whose event loop was busy (starting up, compiling a route) reads the
   * server's answer before it blames the server.
   */
  private watchHandshake(session: ClientHttp2Session, o: KeepaliveOptions, hung: boolean): void {
    const limit = silenceLimitMs(o);
    const first = (hung ? Math.max(HUNG_HANDSHAKE_MS, limit) : limit) - o.timeoutMs;
    const judge = (): void => {
      this.handshakeTimer = setTimeout(
        () =>
          setImmediate(() => {
            // answered in the poll phase just past: the probe watches it now
            if (this._state !== 'ready') this.hang(session);
          }),
        o.timeoutMs,
      );
      this.handshakeTimer.unref();
    };
    this.handshakeTimer = setTimeout(judge, first);
    this.handshakeTimer.unref();
  }

  /** The server's first SETTINGS frame: it answers. */
  private answered(session: ClientHttp2Session): void {
    if (session !== this.current || this._state === 'closed') return;
    clearTimeout(this.handshakeTimer);
    const now = performance.now();
    this.lastHeardAt = now;
    const downMs = this.downSince === undefined ? undefined : now - this.downSince;
    this.downSince = undefined;
    this.attempt = 0;
    this.setState({ state: 'ready', ...(downMs === undefined ? {} : { downMs }) });
    if (!this.keepalive) return;
    this.probe = new SessionProbe(session, this.keepalive, {
      ping: () => this.emit('ping'),
      miss: () => this.emit('miss'),
      silent: (silentMs) => {
        this.lastHeardAt = performance.now() - silentMs;
        this.hang(session);
      },
    });
  }

  /**
   * The server stopped answering (the probe), or never answered a new session:
   * say so, and drop the session. Every call on it fails now, and a new
   * session waits for the server in its accept queue.
   */
  private hang(session: ClientHttp2Session): void {
    if (session !== this.current || this._state === 'closed') return;
    this.downSince ??= this.lastHeardAt;
    const reason = this.notResponding();
    if (this._state !== 'not_responding')
      this.setState({ state: 'not_responding', reason, silentMs: performance.now() - this.lastHeardAt });
    this.dropped.set(session, reason);
    this.detach(session);
    session.destroy();
    this.dialNow();
  }

  /**
   * GOAWAY: the calls on the session finish there. A new session is dialled
   * shortly, or by the next call if it comes first; a server shutting down
   * refuses it, and is then unreachable.
   */
  private retire(session: ClientHttp2Session): void {
    if (session !== this.current || this._state === 'closed') return;
    this.detach(session);
    this.retryLater();
  }

  /** The session closed, or could not be opened: the server is gone; try again after a while. */
  private closed(session: ClientHttp2Session, why: string): void {
    if (session !== this.current || this._state === 'closed') return;
    this.detach(session);
    this.reason = why;
    if (this._state !== 'unreachable') {
      this.downSince ??= performance.now();
      this.setState({ state: 'unreachable', reason: this.unreachable() });
    }
    this.retryLater();
  }

  private retryLater(): void {
    const { initialDelayMs, maxDelayMs } = this.reconnect;
    const delayMs = backoffDelayMs(this.attempt, initialDelayMs, maxDelayMs);
    this.attempt++;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (this._state !== 'closed' && !this.current) this.dialNow();
    }, delayMs);
    this.retryTimer.unref();
  }

  private detach(session: ClientHttp2Session): void {
    if (session !== this.current) return;
    this.current = undefined;
    clearTimeout(this.handshakeTimer);
    this.probe?.stop();
    this.probe = undefined;
  }
}
