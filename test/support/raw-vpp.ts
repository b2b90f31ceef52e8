/**
 * A bare client of VPP's socket protocol, for tests that look at the frames
 * themselves: send payloads, read payloads one by one, see the socket close.
 */
import { createConnection, type Socket } from 'node:net';
import { FrameReader, frame } from '../../vpp/codec/framing.ts';
import type { Codec, Decoded, Value } from '../../vpp/codec/types.ts';

/** Reads wait at most this long: a bound on hangs, not a timing check. */
const READ_DEADLINE_MS = 10_000;

export class RawVpp {
  private readonly reader = new FrameReader();
  private readonly payloads: Buffer[] = [];
  private waiter: { resolve: (p: Buffer) => void; reject: (e: Error) => void } | undefined;
  private ended = false;
  /** frames that could not be read: every later read fails with this */
  private broken: Error | undefined;
  /** resolves when the other side closes */
  readonly closed: Promise<void>;
  /** runtime ids from sockclnt_create_reply */
  ids = new Map<string, number>();
  names = new Map<number, string>();
  clientIndex = 0;

  private constructor(
    private readonly socket: Socket,
    private readonly codec: Codec,
  ) {
    socket.on('data', (chunk: Buffer) => {
      let payloads: Buffer[];
      try {
        payloads = this.reader.push(chunk);
      } catch (e) {
        this.broken = e as Error;
        this.waiter?.reject(this.broken);
        this.waiter = undefined;
        return;
      }
      for (const p of payloads) {
        if (this.waiter) {
          const w = this.waiter;
          this.waiter = undefined;
          w.resolve(p);
        } else this.payloads.push(p);
      }
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.ended = true;
        this.waiter?.reject(new Error('the socket closed'));
        this.waiter = undefined;
        resolve();
      }),
    );
  }

  static connect(path: string, codec: Codec): Promise<RawVpp> {
    return new Promise((resolve, reject) => {
      const s = createConnection({ path });
      s.once('connect', () => resolve(new RawVpp(s, codec)));
      s.once('error', reject);
    });
  }

  /** Connect and register as `name`: ids and client index come from the reply. */
  static async register(path: string, codec: Codec, name = 'raw-test'): Promise<RawVpp> {
    const c = await RawVpp.connect(path, codec);
    c.sendPayload(codec.message('sockclnt_create').encode({ name }, { msgId: 15, context: 1 }));
    const reply = codec.message('sockclnt_create_reply').decode(await c.next());
    c.clientIndex = reply.value.index as number;
    for (const e of reply.value.message_table as { index: number; name: string }[]) {
      const n = e.name.slice(0, e.name.lastIndexOf('_'));
      c.ids.set(n, e.index);
      c.names.set(e.index, n);
    }
    return c;
  }

  sendPayload(payload: Buffer): void {
    this.socket.write(frame(payload));
  }

  sendBytes(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** A request's payload, with this client's ids and index. */
  encode(name: string, value: Value | undefined, context: number, clientIndex = this.clientIndex): Buffer {
    const msgId = this.ids.get(name);
    if (msgId === undefined) throw new Error(`${name} is not in the table`);
    return this.codec.message(name).encode(value, { msgId, context, clientIndex });
  }

  send(name: string, value: Value | undefined, context: number, clientIndex = this.clientIndex): void {
    this.sendPayload(this.encode(name, value, context, clientIndex));
  }

  /** Payloads received and not read yet. */
  get buffered(): number {
    return this.payloads.length;
  }

  /** The next payload. */
  next(): Promise<Buffer> {
    const p = this.payloads.shift();
    if (p) return Promise.resolve(p);
    if (this.broken) return Promise.reject(this.broken);
    if (this.ended) return Promise.reject(new Error('the socket closed'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no message within the deadline')), READ_DEADLINE_MS);
      this.waiter = {
        resolve: (b) => {
          clearTimeout(timer);
          resolve(b);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
  }

  /** The next message, decoded by the name its id has in the table. */
  async nextMessage(): Promise<{ name: string; msg: Decoded }> {
    const p = await this.next();
    const name = this.names.get(p.readUInt16BE(0));
    if (!name) throw new Error(`message id ${p.readUInt16BE(0)} is not in the table`);
    return { name, msg: this.codec.message(name).decode(p) };
  }

  /** Send a request and read the one message that answers it. */
  async call(name: string, value?: Value, context = 7): Promise<{ name: string; value: Value }> {
    this.send(name, value, context);
    const { name: got, msg } = await this.nextMessage();
    return { name: got, value: msg.value };
  }

  /** A dump: details until the control ping's reply. */
  async dump(name: string, value?: Value, context = 9): Promise<{ details: Value[]; ping: Value }> {
    this.send(name, value, context);
    this.send('control_ping', undefined, context);
    const details: Value[] = [];
    for (;;) {
      const { name: got, msg } = await this.nextMessage();
      if (got === 'control_ping_reply') return { details, ping: msg.value };
      details.push(msg.value);
    }
  }

  /**
   * Every message VPP sends for one request of any shape, in order: the
   * request and a control ping go out on one context, and whatever comes back
   * before the ping's reply belongs to the request (VPP answers in order).
   */
  async exchange(name: string, value?: Value, context = 11): Promise<{ name: string; value: Value }[]> {
    this.send(name, value, context);
    this.send('control_ping', undefined, context);
    const got: { name: string; value: Value }[] = [];
    for (;;) {
      const { name: n, msg } = await this.nextMessage();
      if (n === 'control_ping_reply') return got;
      got.push({ name: n, value: msg.value });
    }
  }

  close(): void {
    this.socket.destroy();
  }
}
