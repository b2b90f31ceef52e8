/**
 * One client connection: frames in (split or packed as the socket delivers
 * them), frames out in the order they were queued. A reply may be held back
 * until a time (delays) without letting later ones overtake it, and a dump's
 * details are encoded only as fast as the socket takes them.
 */
import type { Socket } from 'node:net';
import { FrameReader } from '../codec/framing.ts';
import type { SendVerdict } from './faults.ts';

export interface SessionHooks {
  /** complete payloads, in order */
  received(session: Session, payload: Buffer): void;
  /** bytes that are not frames: the session is closed */
  badFrames(session: Session, err: Error): void;
  closed(session: Session): void;
  /** asked before each message goes out */
  nextSend(): SendVerdict;
  /** the fault plan says every connection goes now */
  dropAll(): void;
  /** a dump's producer failed; the rest of it is skipped */
  streamFailed(session: Session, err: Error): void;
  /** the socket's buffer is full: writing waits for it to drain */
  backpressure(): void;
}

interface Outgoing {
  notBefore: number;
  frame?: Buffer;
  frames?: Iterator<Buffer>;
  /** close the connection once everything before it is written */
  end?: boolean;
}

/** How many bytes of small frames are joined into one write. */
const BATCH_BYTES = 64 * 1024;

export class Session {
  /** set by sockclnt_create */
  named = false;
  clientName = '';
  /** payloads received while the simulator stalls */
  readonly held: Buffer[] = [];
  /** contexts of dumps answered UNIMPLEMENTED: their control_ping fails too */
  readonly failedDumps = new Set<number>();
  keepaliveReplies = 0;
  private readonly reader = new FrameReader();
  private queue: Outgoing[] = [];
  private head = 0;
  private flushQueued = false;
  private draining = false;
  private timer: NodeJS.Timeout | undefined;
  private ended = false;
  private isClosed = false;

  constructor(
    /** the client index VPP gives this connection */
    readonly clientIndex: number,
    private readonly socket: Socket,
    private readonly hooks: SessionHooks,
  ) {
    socket.on('data', (chunk: Buffer) => {
      let payloads: Buffer[];
      try {
        payloads = this.reader.push(chunk);
      } catch (e) {
        this.hooks.badFrames(this, e as Error);
        this.destroy();
        return;
      }
      for (const p of payloads) {
        if (this.isClosed) return;
        this.hooks.received(this, p);
      }
    });
    socket.on('error', () => {}); // a client that vanishes is an ordinary close
    socket.on('close', () => {
      if (this.isClosed) return;
      this.isClosed = true;
      clearTimeout(this.timer);
      this.queue = [];
      this.hooks.closed(this);
    });
  }

  get closed(): boolean {
    return this.isClosed;
  }

  send(frame: Buffer, delayMs = 0): void {
    this.enqueue({ notBefore: delayMs > 0 ? Date.now() + delayMs : 0, frame });
  }

  /** Frames produced one by one as the socket has room for them. */
  sendAll(frames: Iterator<Buffer>, delayMs = 0): void {
    this.enqueue({ notBefore: delayMs > 0 ? Date.now() + delayMs : 0, frames });
  }

  /** Close once everything queued so far is written (sockclnt_delete). */
  endAfterQueued(delayMs = 0): void {
    this.enqueue({ notBefore: delayMs > 0 ? Date.now() + delayMs : 0, end: true });
  }

  /** Close after what the socket already holds; nothing queued goes out. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.timer);
    this.socket.end();
  }

  /** Close at once. */
  destroy(): void {
    this.ended = true;
    clearTimeout(this.timer);
    this.socket.destroy();
  }

  /** Write raw bytes at once, ahead of the queue (malformed frames). */
  writeRaw(bytes: Buffer): void {
    if (!this.ended) this.socket.write(bytes);
  }

  private enqueue(item: Outgoing): void {
    if (this.ended) return;
    this.queue.push(item);
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => this.flush());
    }
  }

  /** Write what is due, in order, until the queue is empty, waits for a time, or the socket is full. */
  private flush(): void {
    this.flushQueued = false;
    if (this.ended || this.draining) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    const now = Date.now();
    let batch: Buffer[] = [];
    let bytes = 0;
    let full = false;
    while (this.head < this.queue.length && !full) {
      const item = this.queue[this.head]!;
      if (item.notBefore > now) {
        this.timer = setTimeout(() => this.flush(), item.notBefore - now);
        break;
      }
      if (item.end) {
        this.write(batch);
        this.end();
        return;
      }
      const frame = this.take(item);
      if (frame === undefined) continue;
      const verdict = this.hooks.nextSend();
      if (verdict !== 'drop') {
        batch.push(frame);
        bytes += frame.length;
      }
      if (verdict !== 'send') {
        this.write(batch);
        this.hooks.dropAll();
        return;
      }
      if (bytes >= BATCH_BYTES) {
        full = !this.write(batch);
        batch = [];
        bytes = 0;
      }
    }
    if (batch.length > 0) full = !this.write(batch);
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (full) {
      this.draining = true;
      this.hooks.backpressure();
      this.socket.once('drain', () => {
        this.draining = false;
        this.flush();
      });
    }
  }

  /** The next frame of the head item, moving past it when it has no more. */
  private take(item: Outgoing): Buffer | undefined {
    if (item.frame) {
      this.head++;
      return item.frame;
    }
    try {
      const r = item.frames!.next();
      if (!r.done) return r.value;
    } catch (e) {
      this.hooks.streamFailed(this, e as Error);
    }
    this.head++;
    return undefined;
  }

  /** false: the socket's buffer is full */
  private write(batch: Buffer[]): boolean {
    if (batch.length === 0) return true;
    return this.socket.write(batch.length === 1 ? batch[0]! : Buffer.concat(batch));
  }
}
