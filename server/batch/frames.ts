/**
 * The replies of a Batch/Call stream, many in one HTTP/2 write.
 *
 * grpc-js writes a call's messages one at a time, each once the previous
 * write has completed: a batch answering tens of thousands of items a second
 * spent most of its CPU in those per-message writes (Node's HTTP/2 stream,
 * nghttp2, writev), not in its own work. A ReplyWriter reaches the HTTP/2
 * stream under the call (grpc-js 1.14: ServerInterceptingCall.nextCall, …,
 * BaseServerInterceptingCall.stream; package.json pins the minor version
 * frames.test.ts passes on) and writes framed messages to it directly, once
 * the response headers are out, so that the trailers grpc-js sends at the end
 * still follow every message. What grpc-js's own writes promise holds here too:
 *
 * - order: a direct write never overtakes a reply queued through call.write.
 *   While grpc-js holds one (its Writable is not empty), replies go through
 *   call.write after it, until that queue has drained.
 * - size: `maxMessageBytes` is the call's grpc.max_send_message_length; the
 *   caller answers a larger reply with RESOURCE_EXHAUSTED instead.
 * - errors: a failed write of the HTTP/2 stream is handed to the caller once,
 *   to end the call with an error status; the stream's 'error' events are
 *   listened to (grpc-js listens to the first only), so none goes unhandled.
 *
 * Where the internals are not found, or a write cannot take the direct path,
 * the replies go through call.write as with any grpc-js call: each such
 * fallback counts in vpp_rpc_batch_fast_path_fallbacks_total{reason} and each
 * reason is said once in the log.
 */
import type { Http2Stream } from 'node:http2';
import { Metadata, type ServerDuplexStream } from '@grpc/grpc-js';
import type { Counter } from 'prom-client';
import { encodeFrames } from '../../lib/grpc/wire.ts';
import type { Logger } from '../../lib/log.ts';

type Call = ServerDuplexStream<Buffer, Buffer>;

/** The grpc-js object that owns the HTTP/2 stream; only what is used here. */
export interface BaseCall {
  stream: Http2Stream;
  metadataSent: boolean;
  /** grpc.max_send_message_length: -1 for no limit */
  maxSendMessageSize?: unknown;
}

/** Why replies went through call.write. */
export const FALLBACK_REASONS = ['internals_not_found', 'headers_pending', 'grpc_js_queue'] as const;
export type FallbackReason = (typeof FALLBACK_REASONS)[number];

const WHY: Record<FallbackReason, string> = {
  internals_not_found: 'grpc-js internals not found: batch replies go through call.write',
  headers_pending: 'the response headers were not out when batch replies were: these go through call.write',
  grpc_js_queue: 'batch replies were queued in grpc-js: the next ones go through call.write until that queue drains',
};

/** Counts every fallback, and says each reason once in the log (a warn line: the batch is slower, not wrong). */
export class FastPathFallbacks {
  private readonly said = new Set<FallbackReason>();

  constructor(
    private readonly counter: Counter,
    private readonly log: Logger,
  ) {
    // every reason is on the scrape from the start, at 0
    for (const reason of FALLBACK_REASONS) counter.labels(reason).inc(0);
  }

  note(reason: FallbackReason): void {
    this.counter.labels(reason).inc();
    if (this.said.has(reason)) return;
    this.said.add(reason);
    this.log.warn({ reason }, WHY[reason]);
  }
}

/** The BaseServerInterceptingCall under a grpc-js server call, with and without interceptors. */
export function baseCallOf(call: object): BaseCall | undefined {
  let c = (call as { call?: unknown }).call;
  for (let depth = 0; c && typeof c === 'object' && depth < 32; depth++) {
    const s = (c as { stream?: unknown }).stream;
    if (s && typeof (s as Http2Stream).write === 'function' && 'metadataSent' in c) return c as BaseCall;
    c = (c as { nextCall?: unknown }).nextCall;
  }
  return undefined;
}

export class ReplyWriter {
  /** the largest reply grpc-js would send on this call; Infinity when it sets no limit (or none is known) */
  readonly maxMessageBytes: number;
  private readonly base: BaseCall | undefined;
  /** where the last write that asked to wait waits for its 'drain' */
  private waitsOn: 'call' | 'stream' = 'call';
  private failed = false;

  /**
   * `onWriteError`: the HTTP/2 stream failed a write; called once, after the
   * events of that failure (a cancel among them) have run.
   */
  constructor(
    private readonly call: Call,
    private readonly fallbacks: FastPathFallbacks,
    private readonly onWriteError: (err: Error) => void,
    findBase: (call: Call) => BaseCall | undefined = baseCallOf,
  ) {
    this.base = findBase(call);
    const max = this.base?.maxSendMessageSize;
    this.maxMessageBytes = typeof max === 'number' && max >= 0 ? max : Infinity;
    if (this.base) this.base.stream.on('error', this.fail);
    else fallbacks.note('internals_not_found');
  }

  /** Writes the replies, in order; false when the reader must catch up first (see onceDrain). */
  write(replies: Buffer[]): boolean {
    if (this.failed) return true;
    const stream = this.directStream();
    if (stream) {
      this.waitsOn = 'stream';
      return stream.write(encodeFrames(replies), (err) => {
        if (err) this.fail(err);
      });
    }
    this.waitsOn = 'call';
    let more = true;
    for (const r of replies) more = this.call.write(r);
    return more;
  }

  /** `fn` runs once the path the last write took asks for more. */
  onceDrain(fn: () => void): void {
    if (this.waitsOn === 'stream') this.base!.stream.once('drain', fn);
    else this.call.once('drain', fn);
  }

  /** The HTTP/2 stream, when a direct write to it goes out now and after every reply written before. */
  private directStream(): Http2Stream | undefined {
    const base = this.base;
    if (!base) return undefined;
    const { stream } = base;
    // a call that is over: grpc-js's write drops what comes, as it does for any call
    if (stream.destroyed || stream.writableEnded) return undefined;
    if (!base.metadataSent) this.call.sendMetadata(new Metadata());
    if (!base.metadataSent) {
      this.fallbacks.note('headers_pending');
      return undefined;
    }
    // grpc-js's Writable holds replies it has not handed to the stream yet: go after them
    if (this.call.writableLength > 0) {
      this.fallbacks.note('grpc_js_queue');
      return undefined;
    }
    return stream;
  }

  private readonly fail = (err: Error): void => {
    if (this.failed) return;
    this.failed = true;
    setImmediate(() => this.onWriteError(err));
  };
}
