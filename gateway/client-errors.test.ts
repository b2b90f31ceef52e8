/**
 * A body refused while it still arrives (over --body-limit): the client reads
 * its 413 whatever it does meanwhile. The gateway answers, then reads and
 * throws away the rest of the body before it closes, so that the client, still
 * sending, gets no reset (which would take the unread answer with it).
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../lib/log.ts';
import { startGateway, type RunningGateway } from './app.ts';
import { parseGatewayConfig } from './config.ts';

const LIMIT = 64 * 1024;
const CHUNK = Buffer.alloc(16 * 1024, 'a');

interface Answer {
  head: string;
  body: string;
}

/** A raw HTTP/1.1 connection that keeps sending after the gateway's answer and its end of the connection. */
class RawClient {
  private received = Buffer.alloc(0);
  private readonly socket: Socket;
  /** how the connection ended: undefined while open, else the error that ended it or 'closed' */
  ended: Promise<string>;
  private readonly waiters: (() => void)[] = [];

  constructor(port: number) {
    // the gateway half-closes after its answer: this side goes on sending until it is done
    this.socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    this.socket.on('data', (b: Buffer) => {
      this.received = Buffer.concat([this.received, b]);
      for (const w of this.waiters.splice(0)) w();
    });
    this.ended = new Promise((resolve) => {
      this.socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      this.socket.once('close', () => resolve('closed'));
    });
  }

  /** Write and wait until the kernel took it; rejects if the connection is gone. */
  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(data, (e) => (e ? reject(e) : resolve())));
  }

  /** The next answer: a status line and headers, and then a body of its Content-Length (0 without). */
  async answer(): Promise<Answer> {
    for (;;) {
      const text = this.received.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end >= 0) {
        const head = text.slice(0, end);
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (text.length >= end + 4 + length) {
          this.received = this.received.subarray(end + 4 + length);
          return { head, body: text.slice(end + 4, end + 4 + length) };
        }
      }
      const more = new Promise<void>((r) => this.waiters.push(r));
      // a connection that ends before the answer is complete has no answer
      if ((await Promise.race([more.then(() => 'data'), this.ended])) !== 'data')
        throw new Error(`the connection ended before a whole answer: ${JSON.stringify(text.slice(0, 200))}`);
    }
  }

  end(): void {
    this.socket.end();
  }
}

const status = (a: Answer): number => Number(a.head.split(' ')[1]);

describe('a body refused while it still arrives', () => {
  let gw: RunningGateway;
  before(async () => {
    // no gRPC server: these requests never get that far
    const cfg = parseGatewayConfig([
      ...['--listen', '127.0.0.1:0', '--grpc-target', '127.0.0.1:1', '--metrics-listen', 'off'],
      ...['--body-limit', String(LIMIT)],
    ]);
    gw = await startGateway(cfg, createLogger('gateway', 'silent'));
  });
  after(() => gw.close());

  const headers = (extra: string): string =>
    `POST /Vpe/ShowVersion/request HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${extra}\r\n`;

  /** Send `total` bytes of body in chunks (the first one already sent), then end; how the connection ended. */
  async function sendTheRest(c: RawClient, total: number, sent: number): Promise<string> {
    for (; sent < total; sent += CHUNK.length) await c.write(CHUNK.subarray(0, Math.min(CHUNK.length, total - sent)));
    c.end();
    return c.ended;
  }

  it('with a Content-Length over the limit: 413 at once, then the rest of the body is read, and the connection ends cleanly', async () => {
    const total = 4 * LIMIT;
    const c = new RawClient(gw.port);
    await c.write(headers(`Content-Length: ${total}\r\nConnection: keep-alive\r\n`));
    await c.write(CHUNK);
    const a = await c.answer();
    assert.equal(status(a), 413);
    // the connection will not be used again: a keep-alive client must not send another request on it
    assert.match(a.head, /\r\nconnection: close/i);
    assert.equal(JSON.parse(a.body).message, `the body is larger than ${LIMIT} bytes`);
    assert.equal(await sendTheRest(c, total, CHUNK.length), 'closed');
  });

  it('with a chunked body that grows over the limit', async () => {
    const c = new RawClient(gw.port);
    await c.write(headers('Transfer-Encoding: chunked\r\n'));
    const chunk = Buffer.concat([Buffer.from(`${CHUNK.length.toString(16)}\r\n`), CHUNK, Buffer.from('\r\n')]);
    // over the limit, then as much again after the answer
    let sent = 0;
    for (; sent <= LIMIT; sent += CHUNK.length) await c.write(chunk);
    const a = await c.answer();
    assert.equal(status(a), 413);
    for (let more = 0; more <= LIMIT; more += CHUNK.length) await c.write(chunk);
    await c.write('0\r\n\r\n');
    c.end();
    assert.equal(await c.ended, 'closed');
  });

  it('with Expect: 100-continue, from a client that sends its body anyway', async () => {
    const total = 4 * LIMIT;
    const c = new RawClient(gw.port);
    await c.write(headers(`Content-Length: ${total}\r\nExpect: 100-continue\r\n`));
    let a = await c.answer();
    if (status(a) === 100) a = await c.answer();
    assert.equal(status(a), 413);
    assert.equal(await sendTheRest(c, total, 0), 'closed');
  });
});
