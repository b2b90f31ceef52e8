/**
 * The three ways of asking VPP something over a connection: request/reply,
 * a dump (details until the control ping's reply), and a cursor stream
 * (stream_msg until the service's reply, re-asked while VPP says EAGAIN).
 */
import type { VppErrorTable } from '../api/errors.ts';
import type { Decoded, Value } from '../codec/types.ts';
import type { Connection, Pending } from './connection.ts';
import { VppApiError, VppClientError } from './errors.ts';
import { StreamQueue } from './queue.ts';

/** VPP's "retry stream call with cursor". */
const EAGAIN = -165;
/** VPP's "nothing changed" (mactime_dump_reply when the caller's table epoch is current): not a failure. */
export const NO_CHANGE = -160;

export interface CallOptions {
  /** unary: time to the reply; streams: longest wait between two messages. Default: the client's. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** How long a stream whose reader lags may keep the socket paused while other calls wait behind it. */
export const DEFAULT_HOLD_MS = 1000;

export interface CallContext {
  conn: Connection;
  errors: VppErrorTable;
  timeoutMs: number;
  /** default DEFAULT_HOLD_MS */
  holdMs?: number;
  /**
   * A message on a call's context that is not the call's own: an event some
   * subscription listens to, or a stray (VPP sent it with another message's id,
   * or a reply the service does not declare) to report.
   */
  onEvent(name: string, msg: Decoded, request?: string): void;
}

function retvalError(ctx: CallContext, request: string, reply: Value): VppApiError | undefined {
  const retval = reply.retval;
  if (typeof retval !== 'number' || retval === 0) return undefined;
  return new VppApiError(request, ctx.errors.describe(retval), reply);
}

const aborted = (signal: AbortSignal): VppClientError =>
  new VppClientError('ABORTED', `the call was cancelled${signal.reason ? `: ${String(signal.reason)}` : ''}`, {
    cause: signal.reason,
  });

/** Node fires a longer timer at once; a wait of about 24.8 days is as good as none. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Watches a call's timer and abort signal; `touch` restarts the timer (streams
 * wait for the next message, not for the whole stream).
 */
class Guard {
  private timer: NodeJS.Timeout | undefined;
  private readonly onAbort: () => void;

  constructor(
    private readonly timeoutMs: number,
    private readonly what: string,
    private readonly signal: AbortSignal | undefined,
    private readonly fail: (err: Error) => void,
  ) {
    this.onAbort = () => this.fail(aborted(this.signal!));
    signal?.addEventListener('abort', this.onAbort, { once: true });
    this.touch();
  }

  touch(): void {
    if (this.timeoutMs <= 0 || !Number.isFinite(this.timeoutMs)) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(
      () => this.fail(new VppClientError('TIMEOUT', `no answer from VPP to ${this.what} within ${this.timeoutMs} ms`)),
      Math.min(this.timeoutMs, MAX_TIMER_MS),
    );
  }

  stop(): void {
    clearTimeout(this.timer);
    this.signal?.removeEventListener('abort', this.onAbort);
  }
}

/**
 * A request waiting for its reply. A class rather than closures: this is the
 * hot path, and per-call functions cost allocations (and tsx's name wrappers).
 */
class UnaryCall implements Pending {
  resolve!: (v: Value) => void;
  reject!: (e: Error) => void;
  context = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: CallContext,
    private readonly request: string,
    private readonly reply: string,
    private readonly signal: AbortSignal | undefined,
  ) {}

  static expire(call: UnaryCall, ms: number): void {
    call.finish(new VppClientError('TIMEOUT', `no answer from VPP to ${call.request} within ${ms} ms`));
  }

  start(timeoutMs: number): void {
    if (timeoutMs > 0 && Number.isFinite(timeoutMs))
      this.timer = setTimeout(UnaryCall.expire, Math.min(timeoutMs, MAX_TIMER_MS), this, timeoutMs);
    this.signal?.addEventListener('abort', this, { once: true });
  }

  /** the abort signal fired */
  handleEvent(): void {
    this.finish(aborted(this.signal!));
  }

  deliver(name: string, msg: Decoded): void {
    if (name === this.reply) this.finish(retvalError(this.ctx, this.request, msg.value), msg.value);
    // VPP answers a request with its reply; the simulator refuses one whose reply has no
    // i32 retval with a control_ping_reply carrying the retval instead
    else if (name === 'control_ping_reply' && msg.value.retval !== 0)
      this.finish(
        retvalError(this.ctx, this.request, msg.value) ?? new VppClientError('VPP_ERROR', `${this.request} failed`),
      );
    else this.ctx.onEvent(name, msg, this.request);
  }

  fail(err: Error): void {
    this.finish(err);
  }

  finish(err: Error | undefined, v?: Value): void {
    if (this.context === 0) return;
    clearTimeout(this.timer);
    this.signal?.removeEventListener('abort', this);
    this.ctx.conn.release(this.context);
    this.context = 0;
    if (err) this.reject(err);
    else this.resolve(v!);
  }
}

/** Send a request and wait for its reply; null reply: resolve once sent. */
export function unary(
  ctx: CallContext,
  request: string,
  reply: string | null,
  value: Value | undefined,
  opts: CallOptions,
): Promise<Value> {
  const { conn } = ctx;
  if (opts.signal?.aborted) return Promise.reject(aborted(opts.signal));
  if (reply === null) {
    try {
      conn.admit();
      conn.send(request, value, conn.allocContext());
      return Promise.resolve({});
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }
  try {
    conn.admit();
  } catch (e) {
    return Promise.reject(e as Error);
  }
  const call = new UnaryCall(ctx, request, reply, opts.signal);
  const promise = new Promise<Value>((resolve, reject) => {
    call.resolve = resolve;
    call.reject = reject;
  });
  call.context = conn.allocContext();
  conn.claim(call.context, call);
  call.start(opts.timeoutMs ?? ctx.timeoutMs);
  try {
    conn.send(request, value, call.context);
  } catch (e) {
    call.finish(e as Error);
  }
  return promise;
}

/** A `_reply` with a retval: VPP's answer to something, with its verdict. */
function isReply(name: string, value: Value): boolean {
  return name.endsWith('_reply') && typeof value.retval === 'number';
}

/**
 * Details of a dump, or entries of a cursor stream, as an async iterable that
 * sends its request when iteration starts. A dump that VPP also answers with a
 * reply its service does not declare (mactime_dump_reply: retval, table_epoch)
 * keeps that reply in `reply`, read after the end; its nonzero retval ends the
 * dump with that error after the details, except NO_CHANGE, which says only
 * that nothing changed.
 */
export function stream(
  /** the connection to use, settled when iteration starts (the client may still be connecting) */
  ready: () => Promise<CallContext>,
  request: string,
  item: string,
  end: { kind: 'ping' } | { kind: 'reply'; reply: string },
  value: Value | undefined,
  opts: CallOptions,
): StreamQueue<Value> {
  let ctx: CallContext | undefined;
  let context = 0;
  let finished = false;
  let guard: Guard | undefined;
  const finish = (err?: Error): void => {
    if (finished) return;
    finished = true;
    guard?.stop();
    if (context !== 0) ctx!.conn.release(context);
    if (err) queue.fail(err);
    else queue.end();
  };
  // the socket to slow down is known once connected; it carries every other call too, so a reader
  // that stays behind while others wait loses its stream rather than holding them up
  let hold: NodeJS.Timeout | undefined;
  const holdMs = (): number => ctx?.holdMs ?? DEFAULT_HOLD_MS;
  const holding = (): void => {
    if (ctx!.conn.inFlight <= 1) hold = setTimeout(holding, holdMs());
    else
      finish(
        new VppClientError(
          'OVERRUN',
          `the reader of ${request} fell behind, and held up other calls to VPP for ${holdMs()} ms`,
        ),
      );
  };
  const flow = {
    pause: () => {
      if (!ctx) return;
      ctx.conn.pause();
      hold = setTimeout(holding, holdMs());
    },
    resume: () => {
      clearTimeout(hold);
      ctx?.conn.resume();
    },
  };
  const queue = new StreamQueue<Value>(flow, {
    start: () =>
      void ready().then(
        (c) => {
          ctx = c;
          if (!finished) start(c);
        },
        (e: Error) => finish(e),
      ),
    cancel: () => {
      // the consumer left early: drop what still comes for this context until its end
      guard?.stop();
      if (finished || context === 0) {
        finished = true;
        return;
      }
      finished = true;
      const conn = ctx!.conn;
      conn.claim(context, {
        deliver: (name) => {
          if ((end.kind === 'ping' && name === 'control_ping_reply') || (end.kind === 'reply' && name === end.reply))
            conn.release(context);
        },
        fail: () => {},
      });
    },
  });
  function start(c: CallContext): void {
    const { conn } = c;
    if (opts.signal?.aborted) return finish(aborted(opts.signal));
    try {
      conn.admit();
    } catch (e) {
      return finish(e as Error);
    }
    context = conn.allocContext();
    guard = new Guard(opts.timeoutMs ?? c.timeoutMs, request, opts.signal, (e) => finish(e));
    let current = value;
    // a reply the service does not declare, sent before the ping's (mactime_dump_reply)
    let replyError: VppApiError | undefined;
    conn.claim(context, {
      deliver(name, msg) {
        guard!.touch();
        if (name === item) queue.push(msg.value);
        else if (end.kind === 'ping' && name === 'control_ping_reply')
          finish(replyError ?? retvalError(c, request, msg.value));
        else if (end.kind === 'ping' && isReply(name, msg.value)) {
          c.onEvent(name, msg, request);
          queue.reply = { message: name, value: msg.value };
          if (msg.value.retval !== NO_CHANGE) replyError ??= retvalError(c, request, msg.value);
        } else if (end.kind === 'reply' && name === end.reply) {
          if (msg.value.retval === EAGAIN) {
            current = { ...current, cursor: msg.value.cursor };
            try {
              conn.send(request, current, context);
            } catch (e) {
              finish(e as Error);
            }
          } else finish(retvalError(c, request, msg.value));
        } else c.onEvent(name, msg, request);
      },
      fail: (e) => finish(e),
    });
    try {
      conn.send(request, value, context);
      if (end.kind === 'ping') conn.send('control_ping', undefined, context);
    } catch (e) {
      finish(e as Error);
    }
  }
  return queue;
}
