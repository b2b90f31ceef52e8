/**
 * The byte pipe to VPP: a unix stream socket cut into payloads. Everything
 * above it speaks payloads, so another transport can stand in for tests.
 */
import { createConnection, type Socket } from 'node:net';
import { FrameReader } from '../codec/framing.ts';

export interface Transport {
  /** called with each complete payload (message id first) */
  onPayload: (payload: Buffer) => void;
  /** called once when the pipe is gone: undefined for a clean close */
  onClose: (err?: Error) => void;
  send(frame: Buffer): void;
  /** bytes sent that the socket has not handed to the kernel yet: VPP is not reading them */
  readonly buffered: number;
  /** stop reading (the consumer of a dump is behind) */
  pause(): void;
  resume(): void;
  /** close after pending writes */
  end(): void;
  destroy(err?: Error): void;
}

export type Dialer = () => Promise<Transport>;

function uncork(t: SocketTransport): void {
  t.flush();
}

class SocketTransport implements Transport {
  onPayload: (payload: Buffer) => void = () => {};
  onClose: (err?: Error) => void = () => {};
  private readonly reader = new FrameReader();
  private closed = false;
  private corked = false;
  private failure: Error | undefined;

  constructor(private readonly socket: Socket) {
    socket.setNoDelay?.(true);
    socket.on('data', (chunk: Buffer) => {
      let payloads: Buffer[];
      try {
        payloads = this.reader.push(chunk);
      } catch (e) {
        this.destroy(e as Error);
        return;
      }
      for (const p of payloads) {
        if (this.closed) return;
        this.onPayload(p);
      }
    });
    socket.on('error', (err) => {
      this.failure ??= err;
    });
    socket.on('close', () => {
      if (this.closed) return;
      this.closed = true;
      this.onClose(this.failure ?? new Error('VPP closed the socket'));
    });
  }

  /** Frames written in one tick leave in one writev: pipelined requests cost one syscall, not one each. */
  send(frame: Buffer): void {
    if (this.closed) return;
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(uncork, this);
    }
    this.socket.write(frame);
  }

  get buffered(): number {
    return this.socket.writableLength;
  }

  flush(): void {
    this.corked = false;
    this.socket.uncork();
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  end(): void {
    this.socket.end();
  }

  destroy(err?: Error): void {
    if (err) this.failure ??= err;
    this.socket.destroy();
  }
}

/** Connect to VPP's API socket; rejects on error or after timeoutMs. */
export function unixSocketDialer(path: string, timeoutMs: number): Dialer {
  return () =>
    new Promise<Transport>((resolve, reject) => {
      const socket = createConnection({ path });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${path} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new SocketTransport(socket));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
}
