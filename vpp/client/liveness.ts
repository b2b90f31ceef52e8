/**
 * The liveness probe of one connection. VPP can hang with its socket open (a
 * busy loop, SIGSTOP): nothing then fails, calls just wait. Any message from
 * VPP proves it alive; when it has been quiet for an interval the probe sends
 * control_ping with a short timeout, and `misses` unanswered pings in a row,
 * with nothing else heard meanwhile, mean VPP stopped answering.
 */
import { performance } from 'node:perf_hooks';
import { unary, type CallContext } from './calls.ts';

export interface LivenessOptions {
  /** how often VPP must have said something; a ping goes out when it has not. Default 1000 */
  intervalMs: number;
  /** how long a ping may wait for its reply. Default 250 */
  timeoutMs: number;
  /** pings in a row unanswered, with nothing else from VPP, before it is declared not responding. Default 2 */
  misses: number;
}

/**
 * GoVPP's probe: 1 s, 250 ms, two misses. A ping goes out only after a quiet
 * interval, so VPP is declared hung after 2.25 to 3.25 s of silence; VPP answers
 * a ping in microseconds whenever it runs at all, and a slow VPP that answers
 * within an interval is never counted.
 */
export const DEFAULT_LIVENESS: LivenessOptions = { intervalMs: 1000, timeoutMs: 250, misses: 2 };

export class LivenessProbe {
  private readonly timer: NodeJS.Timeout;
  private missed = 0;
  private probing = false;
  private stopped = false;

  constructor(
    /** the connection to watch, as calls use it */
    private readonly ctx: CallContext,
    private readonly opts: LivenessOptions,
    /** VPP stopped answering: called once, with how long it has been silent */
    private readonly onSilent: (silentMs: number) => void,
  ) {
    this.timer = setInterval(() => this.tick(), opts.intervalMs);
    // the socket keeps the process alive while it is open; the probe alone must not
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  private tick(): void {
    const { conn } = this.ctx;
    if (this.stopped || this.probing) return;
    if (!conn.isOpen) return this.stop();
    const now = performance.now();
    // heard from lately, or not read from by us (a stream's reader lags): nothing to learn
    if (conn.isPaused || now - conn.lastReceivedAt < this.opts.intervalMs) {
      this.missed = 0;
      return;
    }
    this.probing = true;
    unary(this.ctx, 'control_ping', 'control_ping_reply', undefined, { timeoutMs: this.opts.timeoutMs }).then(
      () => {
        this.probing = false;
        this.missed = 0;
      },
      // judged after the poll phase: a reply already in the socket when the timer fired counts
      () => setImmediate(() => this.judge(now)),
    );
  }

  private judge(sentAt: number): void {
    this.probing = false;
    if (this.stopped) return;
    const { conn } = this.ctx;
    // other answers came while the ping waited behind them: VPP is busy, not hung
    if (conn.lastReceivedAt > sentAt) {
      this.missed = 0;
      return;
    }
    if (++this.missed < this.opts.misses) return;
    this.stop();
    this.onSilent(performance.now() - conn.lastReceivedAt);
  }
}
