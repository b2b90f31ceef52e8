/**
 * One session with VPP over one transport: the sockclnt_create handshake, the
 * message table, and routing of every incoming message — to the call that
 * owns its context, to event listeners, or to the keepalive answer.
 */
import type { ApiModel } from '../api/model.ts';
import { performance } from 'node:perf_hooks';
import type { Codec, Decoded, MessageCodec, Value } from '../codec/types.ts';
import { disconnected, VppClientError, VppIncompatibleError } from './errors.ts';
import type { Flow } from './queue.ts';
import { MessageTable } from './message-table.ts';
import type { Transport } from './transport.ts';

/** memclnt ids are fixed: the handshake happens before the table is known. */
export const SOCKCLNT_CREATE_ID = 15;
export const SOCKCLNT_CREATE_REPLY_ID = 16;

/** A call waiting for messages with its context. */
export interface Pending {
  deliver(name: string, msg: Decoded): void;
  fail(err: Error): void;
}

export interface ConnectionHooks {
  /** a message no call claims: an event, or a late reply */
  onUnclaimed(name: string, msg: Decoded): void;
  /** the transport is gone; every pending call has already failed */
  onClosed(err: Error | undefined): void;
  /** a frame that would not decode: the session is dropped */
  onProtocolError(err: Error): void;
}

/** What one connection lets wait on VPP, so that a VPP that stops reading cannot make us grow. */
export interface ConnectionLimits {
  /** requests and streams waiting for VPP's answer */
  maxInFlight: number;
  /** bytes of requests written that VPP has not read yet (one more message may go beyond) */
  maxBufferedBytes: number;
}

export const DEFAULT_LIMITS: ConnectionLimits = { maxInFlight: 4096, maxBufferedBytes: 4 * 1024 * 1024 };

export class Connection implements Flow {
  clientIndex = 0;
  table: MessageTable | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextContext = 1;
  private pausers = 0;
  private closed = false;
  /** performance.now() of the last message from VPP: any message proves it alive */
  lastReceivedAt = performance.now();
  /** codec by runtime id, filled as each id first arrives (this.table says which ids we know) */
  private readonly byId = new Map<number, MessageCodec>();

  constructor(
    private readonly transport: Transport,
    private readonly codec: Codec,
    private readonly model: ApiModel,
    private readonly hooks: ConnectionHooks,
    private readonly limits: ConnectionLimits = DEFAULT_LIMITS,
  ) {
    transport.onPayload = (p) => this.receive(p);
    transport.onClose = (err) => this.shutdown(err);
  }

  get inFlight(): number {
    return this.pending.size;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** not reading, for a stream whose reader lags: VPP's silence is then ours */
  get isPaused(): boolean {
    return this.pausers > 0;
  }

  /** Throws when a new call would go beyond the limits: it is refused at once rather than queued. */
  admit(): void {
    if (this.pending.size >= this.limits.maxInFlight)
      throw new VppClientError(
        'OVERLOADED',
        `${this.pending.size} requests already wait for VPP's answer (the limit is ${this.limits.maxInFlight})`,
      );
    const buffered = this.transport.buffered;
    if (buffered > this.limits.maxBufferedBytes)
      throw new VppClientError(
        'OVERLOADED',
        `VPP is not reading its socket: ${buffered} bytes of requests wait (the limit is ${this.limits.maxBufferedBytes})`,
      );
  }

  /** sockclnt_create → client index and message table. */
  handshake(name: string, timeoutMs: number): Promise<MessageTable> {
    const create = this.codec.message('sockclnt_create');
    this.byId.set(SOCKCLNT_CREATE_REPLY_ID, this.codec.message('sockclnt_create_reply'));
    return new Promise((resolve, reject) => {
      const context = this.allocContext();
      const timer = setTimeout(() => {
        this.pending.delete(context);
        reject(new VppClientError('TIMEOUT', `VPP disconnected: no answer to sockclnt_create in ${timeoutMs} ms`));
        this.transport.destroy();
      }, timeoutMs);
      this.pending.set(context, {
        deliver: (msgName, msg) => {
          if (msgName !== 'sockclnt_create_reply') return;
          clearTimeout(timer);
          this.pending.delete(context);
          const v = msg.value;
          if (v.response !== 0) {
            reject(disconnected(`VPP refused the connection (sockclnt_create response ${String(v.response)})`));
            this.transport.destroy();
            return;
          }
          this.clientIndex = v.index as number;
          this.table = new MessageTable(this.model, v.message_table as { index: number; name: string }[]);
          resolve(this.table);
        },
        fail: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
      this.transport.send(create.encodeFrame({ name }, { msgId: SOCKCLNT_CREATE_ID, context }));
    });
  }

  /** A context no call holds (u32, never 0). */
  allocContext(): number {
    for (;;) {
      const c = this.nextContext;
      this.nextContext = c >= 0xffffffff ? 1 : c + 1;
      if (!this.pending.has(c)) return c;
    }
  }

  claim(context: number, p: Pending): void {
    this.pending.set(context, p);
  }

  release(context: number): void {
    this.pending.delete(context);
  }

  /** Encode and send; throws for messages VPP does not have with our CRC. */
  send(name: string, value: Value | undefined, context: number): void {
    if (this.closed) throw disconnected('the connection is closed');
    const id = this.table?.idOf.get(name);
    if (id === undefined) {
      const def = this.model.messages.get(name);
      if (!def) throw new VppClientError('NOT_SUPPORTED', `unknown message ${name}`);
      throw new VppIncompatibleError(name, def.crc, this.table?.vppCrc.get(name));
    }
    this.transport.send(
      this.codec.message(name).encodeFrame(value, { msgId: id, context, clientIndex: this.clientIndex }),
    );
  }

  pause(): void {
    if (this.pausers++ === 0) this.transport.pause();
  }

  resume(): void {
    if (this.pausers > 0 && --this.pausers === 0) this.transport.resume();
  }

  /**
   * Read on whatever streams hold the socket for: a closing connection must
   * see the replies to its last requests, which queue behind their details.
   */
  resumeAll(): void {
    if (this.pausers === 0) return;
    this.pausers = 0;
    this.transport.resume();
  }

  private receive(payload: Buffer): void {
    this.lastReceivedAt = performance.now();
    const id = payload.readUInt16BE(0);
    const codec = this.byId.get(id) ?? this.codecOf(id);
    if (!codec) return; // a message of VPP's the model does not have: nobody can ask for it
    let msg: Decoded;
    try {
      msg = codec.decode(payload);
    } catch (e) {
      this.hooks.onProtocolError(e as Error);
      this.transport.destroy(e as Error);
      return;
    }
    const name = codec.def.name;
    if (name === 'memclnt_keepalive') {
      this.answerKeepalive(msg.context ?? 0);
      return;
    }
    const owner = msg.context === undefined ? undefined : this.pending.get(msg.context);
    if (owner) owner.deliver(name, msg);
    else this.hooks.onUnclaimed(name, msg);
  }

  /** The codec of a runtime id on its first arrival: compiled then, not for every message at connect. */
  private codecOf(id: number): MessageCodec | undefined {
    const name = this.table?.nameOf.get(id);
    if (name === undefined) return undefined;
    const codec = this.codec.message(name);
    this.byId.set(id, codec);
    return codec;
  }

  private answerKeepalive(context: number): void {
    try {
      this.send('memclnt_keepalive_reply', { retval: 0 }, context);
    } catch {
      // VPP without the reply in its table never sends keepalives
    }
  }

  /** Drop the transport at once, failing every pending call with `err`. */
  abandon(err: VppClientError): void {
    this.transport.destroy(err);
  }

  /** Say goodbye (sockclnt_delete) and close, waiting at most timeoutMs for VPP's answer. */
  async close(timeoutMs: number): Promise<void> {
    if (this.closed) return;
    this.resumeAll();
    if (this.table?.idOf.has('sockclnt_delete')) {
      await new Promise<void>((resolve) => {
        const context = this.allocContext();
        const timer = setTimeout(done, timeoutMs);
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
        this.claim(context, { deliver: (n) => n === 'sockclnt_delete_reply' && done(), fail: done });
        try {
          this.send('sockclnt_delete', { index: this.clientIndex }, context);
        } catch {
          done();
        }
      });
    }
    this.shutdown(undefined);
    this.transport.end();
  }

  private shutdown(err: Error | undefined): void {
    if (this.closed) return;
    this.closed = true;
    const calls = [...this.pending.values()];
    this.pending.clear();
    // an error of ours says why already (VPP stopped answering); the socket's own errors are a disconnect
    const why =
      err instanceof VppClientError ? err : disconnected(err ? err.message : 'the connection was closed', err);
    for (const p of calls) p.fail(why);
    this.hooks.onClosed(err);
  }
}
