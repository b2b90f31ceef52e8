/**
 * vpprpc.Batch/Call: one bidi stream carrying many request/reply RPCs,
 * pipelined to VPP with a bounded window and answered in request order.
 *
 * Backpressure both ways: the stream stops reading the caller's items while
 * `window` of them are unanswered, and while the caller does not read its
 * replies (write() said false) no further item is read, hence none is sent to
 * VPP. So a batch holds at most `window` items, whatever the caller does.
 *
 * The batch ends early, after answering every item already sent to VPP,
 * when an item fails under stop_on_error (ABORTED), and when the connection
 * to VPP is lost (UNAVAILABLE): VPP may have restarted and forgotten the
 * earlier items, so carrying on with the later ones would act on a state the
 * caller does not know. Items read after that are not answered.
 */
import { status, type ServerDuplexStream, type ServiceDefinition } from '@grpc/grpc-js';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../../lib/log.ts';
import { VppClientError } from '../../vpp/client/index.ts';
import type { Value } from '../../vpp/codec/types.ts';
import { BATCH_METHOD, BATCH_PATH } from '../../lib/wire-names.ts';
import type { BatchItems, ResolvedItem } from './items.ts';
import { FastPathFallbacks, FALLBACK_REASONS, ReplyWriter } from './frames.ts';
import { timeoutOf, type HandlerOptions } from '../handlers.ts';
import { rpcFailure, toStatus, type RpcFailure } from '../status.ts';
import type { Rpc } from '../rpcs.ts';

export interface BatchSettings {
  /** window when the caller asks for none */
  window: number;
  /** the largest window a caller may ask for */
  maxWindow: number;
}

/** The batch's own metrics, beside the per-RPC ones every item counts in. */
export class BatchMetrics {
  readonly streams: Counter;
  readonly malformed: Counter;
  /** replies that went through call.write rather than many to an HTTP/2 write (frames.ts) */
  readonly fastPathFallbacks: Counter;
  /** items read and not yet answered, over every batch; and the most one batch held at once (never above its window) */
  readonly held = { outstanding: 0, max: 0 };

  constructor(registry: Registry) {
    const registers = [registry];
    this.streams = new Counter({
      name: 'vpp_rpc_batch_streams_total',
      help: 'Batch/Call streams ended, by gRPC status code',
      labelNames: ['code'],
      registers,
    });
    this.malformed = new Counter({
      name: 'vpp_rpc_batch_items_malformed_total',
      help: 'Batch items that name no RPC of the server or do not decode (every other item counts under its RPC)',
      registers,
    });
    this.fastPathFallbacks = new Counter({
      name: 'vpp_rpc_batch_fast_path_fallbacks_total',
      help:
        'Times batch replies went through grpc-js one by one rather than many to an HTTP/2 write, by reason: ' +
        `${FALLBACK_REASONS[0]} (counted per stream), ${FALLBACK_REASONS.slice(1).join(', ')} (per write)`,
      labelNames: ['reason'],
      registers,
    });
    const held = this.held;
    new Gauge({
      name: 'vpp_rpc_batch_items_outstanding',
      help: 'Batch items read and not yet answered, over every batch stream',
      registers,
      collect() {
        this.set(held.outstanding);
      },
    });
    new Gauge({
      name: 'vpp_rpc_batch_items_outstanding_max',
      help: 'The most items one batch stream held unanswered at once since the last scrape (bounded by its window)',
      registers,
      collect() {
        this.set(held.max);
        held.max = 0;
      },
    });
  }
}

export interface BatchEnv extends HandlerOptions {
  items: BatchItems;
  settings: BatchSettings;
  metrics: BatchMetrics;
  log: Logger;
}

/** One item of the window: reused for the whole stream, so items cost no allocation of their own. */
class Slot implements ResolvedItem {
  id: bigint | number = 0;
  rpc: Rpc | undefined = undefined;
  request: Value | undefined = undefined;
  requestBytes: Buffer | undefined = undefined;
  failure: RpcFailure | undefined = undefined;
  reply: Value | undefined = undefined;
  startedAt = 0n;
  done = false;
  /** bound once: the VPP client's promise settles into the slot */
  readonly ok: (v: Value) => void;
  readonly fail: (e: unknown) => void;

  /** the journal kept the write (or could not): the reply may leave */
  readonly kept: (err?: RpcFailure) => void;

  constructor(batch: BatchStream) {
    this.ok = (v) => batch.settled(this, v, undefined);
    this.fail = (e) => batch.settled(this, undefined, e);
    this.kept = (err) => batch.kept(this, err);
  }
}

type Call = ServerDuplexStream<Buffer, Buffer>;

class BatchStream {
  private ring: Slot[] = [];
  private head = 0;
  private count = 0;
  private window = 0;
  /** resume reading when this few items are left, so that reads come in runs rather than one at a time */
  private resumeAt = 0;
  private stopOnError = false;
  private paused = false;
  private draining = false;
  private inputEnded = false;
  /** cancelled or ended: nothing more is written */
  private over = false;
  /** why the batch ends once the items sent to VPP are answered */
  private stop: RpcFailure | undefined;
  private items = 0;
  private errors = 0;
  private readonly startedAt = process.hrtime.bigint();
  private flushQueued = false;
  private readonly queuedFlush = (): void => {
    this.flushQueued = false;
    this.flush();
  };
  /** replies go out many to a write where grpc-js's internals allow it */
  private readonly replies: ReplyWriter;
  private readonly onDrain = (): void => {
    this.draining = false;
    this.flush();
  };

  constructor(
    private readonly call: Call,
    private readonly env: BatchEnv,
    fallbacks: FastPathFallbacks,
  ) {
    this.replies = new ReplyWriter(call, fallbacks, (err) =>
      this.end(rpcFailure(status.INTERNAL, `writing the batch's replies failed: ${err.message}`)),
    );
    call.on('data', (b: Buffer) => this.item(b));
    // grpc-js ends the readable side of a call the caller cancels too, a tick before it says
    // 'cancelled': look once the ticks have run, so that a cancelled batch is not taken as complete
    call.on('end', () =>
      setImmediate(() => {
        if (call.cancelled) return this.cancel();
        this.inputEnded = true;
        this.flush();
      }),
    );
    call.on('cancelled', () => this.cancel());
  }

  private start(first: Buffer): boolean {
    const { settings } = this.env;
    const o = this.env.items.options(first);
    if (o.window > settings.maxWindow) {
      this.end(
        rpcFailure(
          status.INVALID_ARGUMENT,
          `options.window: ${o.window} is more than this server allows (${settings.maxWindow}, --batch-max-window)`,
        ),
      );
      return false;
    }
    this.window = o.window || settings.window;
    this.resumeAt = this.window - Math.max(1, this.window >> 2);
    this.stopOnError = o.stopOnError;
    return true;
  }

  private item(bytes: Buffer): void {
    // items a read delivers after the batch stopped are not answered
    if (this.over || this.stop) return;
    if (this.window === 0 && !this.start(bytes)) return;
    const slot = this.take();
    const { env } = this;
    env.items.resolve(bytes, slot);
    this.items++;
    const rpc = slot.rpc;
    if (slot.failure) {
      slot.done = true;
      if (rpc) {
        env.observer.start(rpc);
        env.observer.end(rpc, slot.failure.code, process.hrtime.bigint(), slot.failure);
      } else {
        env.metrics.malformed.inc();
        env.log.debug({ rpc: BATCH_PATH, id: String(slot.id), err: slot.failure.message }, 'batch item malformed');
      }
      this.failed(slot);
    } else {
      env.observer.start(rpc!);
      slot.startedAt = process.hrtime.bigint();
      // a write goes to VPP only while the journal can keep it, and never in the middle of a replay
      const refused = rpc!.write ? env.journal?.journal.gate() : undefined;
      if (refused) {
        slot.done = true;
        slot.failure = refused;
        env.observer.end(rpc!, refused.code, slot.startedAt, refused);
        // refused because VPP is away: the batch ends as when a request of it finds VPP gone
        if (env.client.unavailable()) this.vppGone(slot, refused);
        this.failed(slot);
      } else
        env.client
          .request(rpc!.vpp.request, slot.request, { timeoutMs: timeoutOf(this.call, env.defaultTimeoutMs) })
          .then(slot.ok, slot.fail);
      if (!rpc!.write || !env.journal) {
        slot.request = undefined;
        slot.requestBytes = undefined;
      }
    }
    if (this.count >= this.window || this.draining || this.stop) this.pause();
    if (slot.done) this.flush();
  }

  /** The next free slot of the ring (the caller made sure there is one). */
  private take(): Slot {
    const i = (this.head + this.count) % this.window;
    let slot = this.ring[i];
    if (!slot) slot = this.ring[i] = new Slot(this);
    slot.done = false;
    this.count++;
    const held = this.env.metrics.held;
    held.outstanding++;
    if (this.count > held.max) held.max = this.count;
    return slot;
  }

  settled(slot: Slot, reply: Value | undefined, err: unknown): void {
    const rpc = slot.rpc!;
    const { observer } = this.env;
    slot.done = true;
    const kept = err === undefined && rpc.write ? this.env.journal?.rpc(rpc.path) : undefined;
    if (this.over) {
      // nobody reads the answer any more, but VPP carried the write out: the journal keeps it all the same
      if (kept) this.env.journal!.journal.record(kept, slot.requestBytes!, slot.request!, reply, () => {});
      observer.end(rpc, status.CANCELLED, slot.startedAt);
      return;
    }
    if (err === undefined) {
      slot.reply = reply;
      if (kept) {
        // the answer leaves once the journal keeps the write
        slot.done = false;
        const { request, requestBytes } = slot;
        slot.request = undefined;
        slot.requestBytes = undefined;
        this.env.journal!.journal.record(kept, requestBytes!, request!, reply, slot.kept);
        return;
      }
      observer.end(rpc, status.OK, slot.startedAt);
    } else {
      const failure = toStatus(err, rpc.vpp.request);
      slot.failure = failure;
      observer.end(rpc, failure.code, slot.startedAt, failure);
      if (err instanceof VppClientError && (err.code === 'DISCONNECTED' || err.code === 'CLOSED'))
        this.vppGone(slot, failure);
      this.failed(slot);
    }
    this.scheduleFlush();
  }

  /** VPP went away: no item after this one is sent, and the batch ends UNAVAILABLE saying so. */
  private vppGone(slot: Slot, failure: RpcFailure): void {
    this.stop ??= rpcFailure(
      status.UNAVAILABLE,
      `VPP went away during the batch (item ${String(slot.id)}: ${failure.message}); ` +
        'every item sent to VPP was answered, the items after them were not sent',
    );
    this.pause();
  }

  /** The journal kept a write this batch carried out (or says why it could not): its answer may leave. */
  kept(slot: Slot, err: RpcFailure | undefined): void {
    const rpc = slot.rpc!;
    slot.done = true;
    if (this.over) {
      this.env.observer.end(rpc, status.CANCELLED, slot.startedAt);
      return;
    }
    if (err) {
      slot.reply = undefined;
      slot.failure = err;
      this.env.observer.end(rpc, err.code, slot.startedAt, err);
      this.failed(slot);
    } else this.env.observer.end(rpc, status.OK, slot.startedAt);
    this.scheduleFlush();
  }

  /**
   * One flush for every reply VPP's socket delivered in this turn of the event
   * loop, so that their answers leave in one write rather than one each.
   */
  private scheduleFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    setImmediate(this.queuedFlush);
  }

  private failed(slot: Slot): void {
    this.errors++;
    if (!this.stopOnError || this.stop) return;
    this.stop = rpcFailure(
      status.ABORTED,
      `stopped at the first failed item, id ${String(slot.id)} (stop_on_error): ${slot.failure!.message}`,
    );
    this.pause();
  }

  /** Writes the answered items at the head of the ring, in order, while the caller reads them. */
  private flush(): void {
    if (this.over) return;
    const { items } = this.env;
    const out: Buffer[] = [];
    while (this.count > 0 && !this.draining) {
      const slot = this.ring[this.head]!;
      if (!slot.done) break;
      let bytes = slot.failure ? items.error(slot.id, slot.failure) : items.reply(slot.id, slot.rpc!, slot.reply!);
      if (bytes.length > this.replies.maxMessageBytes) {
        bytes = this.tooLarge(slot, bytes.length);
        // not even the error fits: the batch ends with it, after the replies before it, as grpc-js ends a call
        if (bytes.length > this.replies.maxMessageBytes) {
          if (out.length) this.replies.write(out);
          return this.end(slot.failure!);
        }
      }
      slot.reply = undefined;
      slot.failure = undefined;
      slot.rpc = undefined;
      this.head = this.head + 1 === this.window ? 0 : this.head + 1;
      this.count--;
      this.env.metrics.held.outstanding--;
      out.push(bytes);
    }
    if (out.length && !this.replies.write(out)) this.waitForReader(() => this.replies.onceDrain(this.onDrain));
    if (this.count === 0 && (this.stop || this.inputEnded)) this.end(this.stop);
    else if (this.paused && !this.stop && !this.draining && this.count <= this.resumeAt) {
      this.paused = false;
      this.call.resume();
    }
  }

  /**
   * A reply over the call's grpc.max_send_message_length: grpc-js would not
   * send it (RESOURCE_EXHAUSTED); the item is answered with that error, and
   * the batch goes on.
   */
  private tooLarge(slot: Slot, bytes: number): Buffer {
    const max = this.replies.maxMessageBytes;
    slot.failure = rpcFailure(
      status.RESOURCE_EXHAUSTED,
      `the reply is ${bytes} bytes, more than the ${max} bytes a message may have (grpc.max_send_message_length)`,
    );
    this.failed(slot);
    return this.env.items.error(slot.id, slot.failure);
  }

  /** The caller reads slower than VPP answers: read (and send) nothing more until it catches up. */
  private waitForReader(onDrain: () => void): void {
    this.draining = true;
    this.pause();
    onDrain();
  }

  private pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.call.pause();
  }

  private end(failure: RpcFailure | undefined): void {
    if (this.over) return;
    // a call the caller cancelled gets no status: it counts as cancelled, whatever was left to do
    if (this.call.cancelled) return this.cancel();
    this.over = true;
    this.pause();
    // a batch that fails as a whole leaves its held items unanswered
    this.env.metrics.held.outstanding -= this.count;
    this.count = 0;
    const code = failure?.code ?? status.OK;
    this.env.metrics.streams.labels(String(code)).inc();
    const level = failure && code !== status.ABORTED ? 'warn' : 'debug';
    if (this.env.log.isLevelEnabled(level))
      this.env.log[level](
        {
          rpc: BATCH_PATH,
          code,
          items: this.items,
          errors: this.errors,
          ms: Number(process.hrtime.bigint() - this.startedAt) / 1e6,
          ...(failure ? { err: failure.message } : {}),
        },
        failure ? 'batch ended early' : 'batch',
      );
    if (failure) this.call.emit('error', failure);
    else this.call.end();
  }

  private cancel(): void {
    if (this.over) return;
    this.over = true;
    this.env.metrics.streams.labels(String(status.CANCELLED)).inc();
    this.env.metrics.held.outstanding -= this.count;
    this.env.log.debug({ rpc: BATCH_PATH, items: this.items, unanswered: this.count }, 'batch cancelled');
    this.count = 0;
  }
}

const identity = (b: Buffer): Buffer => b;

/** The service definition for grpc-js: items stay bytes until each is resolved on its own. */
export function batchService(): ServiceDefinition {
  return {
    [BATCH_METHOD]: {
      path: BATCH_PATH,
      requestStream: true,
      responseStream: true,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
      originalName: BATCH_METHOD,
    },
  } as ServiceDefinition;
}

export function batchHandler(env: BatchEnv): (call: Call) => void {
  const fallbacks = new FastPathFallbacks(env.metrics.fastPathFallbacks, env.log);
  return (call) => {
    new BatchStream(call, env, fallbacks);
  };
}
