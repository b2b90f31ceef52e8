/**
 * One handler per RPC shape, forwarding through the VPP client: unary calls,
 * dumps streamed as details arrive (with backpressure), and event
 * subscriptions that last as long as the call.
 */
import { once } from 'node:events';
import {
  Metadata,
  status,
  type Deadline,
  type handleServerStreamingCall,
  type handleUnaryCall,
  type ServerWritableStream,
} from '@grpc/grpc-js';
import { VppClientError, type VppClient } from '../vpp/client/index.ts';
import type { Value } from '../vpp/codec/types.ts';
import type { StreamQueue } from '../vpp/client/queue.ts';
import type { Journal, JournalRpcInfo, WrittenAhead } from './journal/journal.ts';
import type { Rpc, RpcId } from './rpcs.ts';
import { rpcFailure, toStatus, type RpcFailure } from './status.ts';

/** What happens to each call, for logs and metrics. */
export interface CallObserver {
  /** a call began: it is in flight until its end() */
  start(rpc: RpcId): void;
  end(rpc: RpcId, code: status, startedAt: bigint, err?: RpcFailure): void;
}

export interface HandlerOptions {
  client: VppClient;
  /** used when the caller sets no deadline */
  defaultTimeoutMs: number;
  observer: CallObserver;
  /** events a slow watcher may have queued before its stream is ended */
  maxQueuedEvents: number;
  /** keeps the writes VPP carried out (absent: --journal off) */
  journal?: { journal: Journal; rpc(path: string): JournalRpcInfo | undefined };
}

/** The caller's deadline as a VPP request timeout (the server's default when there is none). */
export function timeoutOf(call: { getDeadline(): Deadline }, defaultMs: number): number {
  const deadline = call.getDeadline();
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  return Number.isFinite(at) ? Math.max(1, at - Date.now()) : defaultMs;
}

/** An AbortSignal that fires when the caller cancels: streams stop reading VPP at once. */
function cancellation(call: { once(event: 'cancelled', listener: () => void): unknown }): AbortSignal {
  const controller = new AbortController();
  call.once('cancelled', () => controller.abort('the caller cancelled'));
  return controller.signal;
}

export function unaryHandler(rpc: Rpc, opts: HandlerOptions): handleUnaryCall<Buffer, Value> {
  const name = rpc.vpp.request;
  const journal = rpc.write ? opts.journal?.journal : undefined;
  const kept = journal && opts.journal!.rpc(rpc.path);
  return (call, callback) => {
    const startedAt = process.hrtime.bigint();
    opts.observer.start(rpc);
    const fail = (err: unknown): void => {
      const s = toStatus(err, name);
      opts.observer.end(rpc, s.code, startedAt, s);
      callback(s);
    };
    let value: Value;
    try {
      value = rpc.request.decode(call.request);
    } catch (e) {
      fail(e);
      return;
    }
    // a write goes to VPP only while the journal can keep it, and never in the middle of a replay
    const refused = journal?.gate();
    if (refused) return fail(refused);
    // no cancellation signal: VPP acts on the request anyway, and grpc-js drops a late answer
    const replied = opts.client.request(name, value, { timeoutMs: timeoutOf(call, opts.defaultTimeoutMs) });
    // kept while VPP works on it, when it can be (VPP answers after the request has gone: no answer comes before this runs)
    let ahead: WrittenAhead | undefined;
    if (kept) opts.client.afterSend(() => (ahead = journal!.writeAhead(kept, call.request, value)));
    replied.then(
      (reply) => {
        const answer = (err?: RpcFailure): void => {
          if (err) return fail(err);
          opts.observer.end(rpc, status.OK, startedAt);
          callback(null, reply);
        };
        // the answer leaves once the journal keeps the write: a caller never sees a change it would lose
        if (ahead) journal!.settleAhead(ahead, true, answer);
        else if (kept) journal!.record(kept, call.request, value, reply, answer, true);
        else answer();
      },
      (err: unknown) => {
        if (ahead) journal!.settleAhead(ahead, false, () => fail(err));
        else fail(err);
      },
    );
  };
}

async function waitDrain(call: ServerWritableStream<Buffer, Value>): Promise<void> {
  if (call.cancelled) return;
  await Promise.race([once(call, 'drain'), once(call, 'cancelled')]);
}

/**
 * A reply VPP sent after a dump's details that the service does not declare
 * (mactime_dump_reply: retval and table_epoch), for the caller in the trailing
 * metadata `vpp-reply`: `{"message": name, ...fields}`, 64-bit fields as strings.
 */
function replyMetadata(reply: StreamQueue<Value>['reply']): Metadata | undefined {
  if (!reply) return undefined;
  const md = new Metadata();
  md.set(
    'vpp-reply',
    JSON.stringify({ message: reply.message, ...reply.value }, (_k, v: unknown) =>
      typeof v === 'bigint' ? String(v) : v,
    ),
  );
  return md;
}

export function dumpHandler(rpc: Rpc, opts: HandlerOptions): handleServerStreamingCall<Buffer, Value> {
  const name = rpc.vpp.request;
  return async (call) => {
    const startedAt = process.hrtime.bigint();
    opts.observer.start(rpc);
    let iterator: StreamQueue<Value> | undefined;
    try {
      const value = rpc.request.decode(call.request);
      iterator = opts.client.dump(name, value, {
        timeoutMs: timeoutOf(call, opts.defaultTimeoutMs),
        signal: cancellation(call),
      });
      for await (const item of iterator) {
        if (call.cancelled) break;
        if (!call.write(item)) await waitDrain(call);
      }
      if (call.cancelled) {
        opts.observer.end(rpc, status.CANCELLED, startedAt);
        return;
      }
      opts.observer.end(rpc, status.OK, startedAt);
      call.end(replyMetadata(iterator.reply));
    } catch (e) {
      await iterator?.return?.();
      const s = toStatus(e, name);
      opts.observer.end(rpc, s.code, startedAt, s);
      if (!call.cancelled) call.emit('error', s);
    }
  };
}

export function eventsHandler(rpc: Rpc, opts: HandlerOptions): handleServerStreamingCall<Buffer, Value> {
  const name = rpc.vpp.request;
  return (call) => {
    const startedAt = process.hrtime.bigint();
    opts.observer.start(rpc);
    let finished = false;
    let close: (() => Promise<void>) | undefined;
    const finish = (err?: unknown): void => {
      if (finished) return;
      finished = true;
      void close?.();
      if (err === undefined) {
        opts.observer.end(rpc, call.cancelled ? status.CANCELLED : status.OK, startedAt);
        if (!call.cancelled) call.end();
        return;
      }
      const s = toStatus(err, name);
      opts.observer.end(rpc, s.code, startedAt, s);
      if (!call.cancelled) call.emit('error', s);
    };
    call.once('cancelled', () => finish());
    let value: Value;
    try {
      value = rpc.request.decode(call.request);
    } catch (e) {
      finish(e);
      return;
    }
    const timeoutMs = timeoutOf(call, opts.defaultTimeoutMs);
    opts.client
      .subscribe(
        name,
        value,
        {
          event: (_event, v) => {
            if (finished) return;
            call.write(v);
            if (call.writableLength > opts.maxQueuedEvents)
              finish(rpcFailure(status.RESOURCE_EXHAUSTED, `the watcher fell ${call.writableLength} events behind`));
          },
          // a restart or reconnect loses events: say so, so that the watcher re-reads state
          interrupted: (err) =>
            finish(
              new VppClientError(
                'DISCONNECTED',
                `${err.message}; events may have been missed: read the state again and subscribe again`,
              ),
            ),
          failed: (err) => finish(err),
        },
        { timeoutMs },
      )
      .then(
        (sub) => {
          close = () => sub.close();
          if (finished) void sub.close();
          else call.sendMetadata(new Metadata()); // the subscription is live: tell the caller now
        },
        (err: unknown) => finish(err),
      );
  };
}
