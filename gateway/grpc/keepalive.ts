/**
 * The liveness probe of one HTTP/2 session to the gRPC server. A server can
 * hang with its connection open (SIGSTOP, a blocked event loop, a debugger):
 * nothing fails then, calls just wait their deadlines. Any byte from the
 * server proves it alive; when the session has been quiet for an interval the
 * probe sends an HTTP/2 PING, and `misses` pings in a row unanswered within
 * the timeout, with nothing else heard meanwhile, mean the server stopped
 * answering. The server's HTTP/2 layer answers a PING whenever its process
 * runs at all, whatever its calls are doing.
 */
import type { ClientHttp2Session } from 'node:http2';
import { performance } from 'node:perf_hooks';

export interface KeepaliveOptions {
  /** how often the server must have said something; a ping goes out when it has not. 0: no probe */
  intervalMs: number;
  /** how long a ping may wait for its answer */
  timeoutMs: number;
  /** pings in a row unanswered, with nothing else from the server, before it is declared not responding */
  misses: number;
}

/**
 * As the server probes VPP: 1 s, 250 ms, two misses. A silent server is
 * declared not responding after 2.25 to 3.25 s; one that answers within an
 * interval, however slowly, never is.
 */
export const DEFAULT_KEEPALIVE: KeepaliveOptions = { intervalMs: 1000, timeoutMs: 250, misses: 2 };

/** How long a server that says nothing may take before the probe gives up on it. */
export const silenceLimitMs = (o: KeepaliveOptions): number => o.intervalMs * o.misses + o.timeoutMs;

export interface ProbeEvents {
  ping(): void;
  miss(): void;
  /** the server stopped answering: called once, with how long it has been silent */
  silent(silentMs: number): void;
}

export class SessionProbe {
  private readonly timer: NodeJS.Timeout;
  private missed = 0;
  private probing = false;
  private stopped = false;
  private bytesSeen: number;
  /** when the server was last heard from (performance.now()) */
  private lastHeardAt = performance.now();

  constructor(
    private readonly session: ClientHttp2Session,
    private readonly opts: KeepaliveOptions,
    private readonly events: ProbeEvents,
  ) {
    this.bytesSeen = this.bytesRead();
    this.timer = setInterval(() => this.tick(), opts.intervalMs);
    // the probe alone must not keep the process alive
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  /** Bytes read from the server so far: frames of every kind count, our calls' or not, read by a call or not. */
  private bytesRead(): number {
    return this.session.socket?.bytesRead ?? 0;
  }

  /** True when something came from the server since the last look. */
  private heard(): boolean {
    const bytes = this.bytesRead();
    if (bytes === this.bytesSeen) return false;
    this.bytesSeen = bytes;
    this.lastHeardAt = performance.now();
    return true;
  }

  private tick(): void {
    if (this.stopped || this.probing) return;
    if (this.session.destroyed) return this.stop();
    // heard from since the last tick: nothing to learn
    if (this.heard()) {
      this.missed = 0;
      return;
    }
    this.probing = true;
    let judged = false;
    const judge = (answered: boolean): void => {
      if (judged) return;
      judged = true;
      this.probing = false;
      if (this.stopped || this.session.destroyed) return;
      // the answer, or anything else from the server, came meanwhile
      if (this.heard() || answered) {
        this.missed = 0;
        return;
      }
      this.events.miss();
      if (++this.missed < this.opts.misses) return;
      this.stop();
      this.events.silent(performance.now() - this.lastHeardAt);
    };
    // judged after the poll phase: an answer already in the socket when the timer fired counts
    const timer = setTimeout(() => setImmediate(() => judge(false)), this.opts.timeoutMs);
    timer.unref();
    this.events.ping();
    // false: too many pings unanswered already; the timer judges it as any other
    this.session.ping((err) => {
      if (err) return; // the session went: whoever ended it reports that
      clearTimeout(timer);
      this.lastHeardAt = performance.now();
      judge(true);
    });
  }
}
