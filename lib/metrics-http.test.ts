/** The /metrics listener keeps an idle connection open longer than its clients do. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { after, before, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { Server } from 'node:http';
import { Registry } from 'prom-client';
import { boundPortOf, IDLE_KEEP_ALIVE_MS } from './listen.ts';
import { serveMetrics } from './metrics-http.ts';

let server: Server;
let port: number;
before(async () => {
  server = await serveMetrics(new Registry(), '127.0.0.1', 0);
  port = boundPortOf(server)!;
});
after(() => server.close());

/** A keep-alive connection to the listener: GET /metrics on it, and whether the server closed it. */
async function open(): Promise<{ get(): Promise<string>; close(): void }> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let text = '';
  let closed = false;
  let wake: () => void = () => {};
  socket.on('data', (b: Buffer) => {
    text += b.toString('latin1');
    wake();
  });
  socket.on('close', () => {
    closed = true;
    wake();
  });
  return {
    /** the response head, once the whole response has come */
    async get(): Promise<string> {
      text = '';
      if (!closed) socket.write('GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
      for (;;) {
        const end = text.indexOf('\r\n\r\n');
        const length = /\r\ncontent-length: (\d+)/i.exec(text.slice(0, end))?.[1];
        if (end >= 0 && length !== undefined && text.length >= end + 4 + Number(length)) return text.slice(0, end);
        if (closed) throw new Error(`the server closed the connection before answering (${text.length} bytes came)`);
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
    close: () => socket.destroy(),
  };
}

it('tells clients it keeps an idle connection 65 s', async () => {
  const c = await open();
  try {
    const head = await c.get();
    assert.match(head, /^HTTP\/1\.1 200/);
    const keepAlive = head.split('\r\n').find((line) => /^keep-alive:/i.test(line));
    assert.equal(keepAlive?.toLowerCase(), `keep-alive: timeout=${IDLE_KEEP_ALIVE_MS / 1000}`);
  } finally {
    c.close();
  }
});

it('answers on a connection left idle longer than a Node server keeps one by default (about 6 s)', async () => {
  const c = await open();
  try {
    assert.match(await c.get(), /^HTTP\/1\.1 200/);
    // the idle time is what is tested: a scraper's next scrape comes after its interval
    await delay(7000);
    assert.match(await c.get(), /^HTTP\/1\.1 200/);
  } finally {
    c.close();
  }
});
