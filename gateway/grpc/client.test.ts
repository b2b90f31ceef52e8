import assert from 'node:assert/strict';
import { once } from 'node:events';
import http2 from 'node:http2';
import net, { type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { encodeFrame } from '../../lib/grpc/wire.ts';
import { GrpcCallError, GrpcClient, type GrpcCall } from './client.ts';
import { checkReady } from './readiness.ts';
import type { UpstreamState } from './upstream.ts';
import { waitFor } from '../../test/support/observe.ts';

const id = (b: Buffer): Buffer => b;
const method = (
  path: string,
  responseStream: boolean,
  requestStream = false,
): grpc.MethodDefinition<Buffer, Buffer> => ({
  path,
  requestStream,
  responseStream,
  requestSerialize: id,
  requestDeserialize: id,
  responseSerialize: id,
  responseDeserialize: id,
});

interface Seen {
  auth?: string;
  deadline?: number;
  /** calls the server saw cancelled (by the client, or at their deadline) */
  cancelled: number;
}

/** A grpc-js server with the calls the tests need. */
async function server(port = 0): Promise<{ server: grpc.Server; port: number; seen: Seen }> {
  const seen: Seen = { cancelled: 0 };
  const s = new grpc.Server();
  s.addService(
    {
      Echo: method('/t.T/Echo', false),
      Fail: method('/t.T/Fail', false),
      Slow: method('/t.T/Slow', false),
      Count: method('/t.T/Count', true),
      Never: method('/t.T/Never', false),
      Hold: method('/t.T/Hold', true),
      Chat: method('/t.T/Chat', true, true),
    } as grpc.ServiceDefinition,
    {
      Echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
        seen.auth = call.metadata.get('authorization')[0] as string | undefined;
        const d = call.getDeadline();
        seen.deadline = d instanceof Date ? d.getTime() : d;
        cb(null, Buffer.concat([Buffer.from('echo:'), call.request]));
      },
      Fail: (_call: unknown, cb: grpc.sendUnaryData<Buffer>) => {
        const metadata = new grpc.Metadata();
        metadata.set('grpc-status-details-bin', Buffer.from([1, 2, 3]));
        cb({ code: grpc.status.NOT_FOUND, details: 'no such thing: ünïcode', metadata } as grpc.ServiceError);
      },
      Slow: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
        const timer = setTimeout(() => cb(null, Buffer.from('late')), 500);
        call.on('cancelled', () => {
          clearTimeout(timer);
          seen.cancelled++;
        });
      },
      // answers nothing until the call goes
      Never: (call: grpc.ServerUnaryCall<Buffer, Buffer>) => call.on('cancelled', () => seen.cancelled++),
      // one message, then nothing until the call goes: an event stream
      Hold: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
        call.write(Buffer.from('subscribed'));
        call.on('cancelled', () => seen.cancelled++);
      },
      // each message answered: a batch
      Chat: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
        call.on('data', (m: Buffer) => call.write(Buffer.concat([Buffer.from('re:'), m])));
        call.on('end', () => call.end());
        call.on('cancelled', () => seen.cancelled++);
      },
      Count: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
        const n = call.request[0]!;
        for (let i = 0; i < n; i++) call.write(Buffer.alloc(1000, i));
        if (call.request[1] === 1) call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'gone mid-stream' });
        else call.end();
      },
    },
  );
  const bound = await new Promise<number>((resolve, reject) =>
    s.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  return { server: s, port: bound, seen };
}

function collect(call: GrpcCall): Promise<{ messages: Buffer[]; metadata: boolean; error?: GrpcCallError }> {
  return new Promise((resolve) => {
    const messages: Buffer[] = [];
    let metadata = false;
    call.on('metadata', () => (metadata = true));
    call.on('data', (m) => messages.push(m));
    call.on('end', () => resolve({ messages, metadata }));
    call.on('error', (error) => resolve({ messages, metadata, error }));
  });
}

describe('the gateway gRPC client', () => {
  let s: Awaited<ReturnType<typeof server>>;
  let client: GrpcClient;
  before(async () => {
    s = await server();
    client = new GrpcClient({ target: `127.0.0.1:${s.port}` });
  });
  after(() => {
    client.close();
    s.server.forceShutdown();
  });

  it('makes unary calls, with the deadline and authorization as metadata', async () => {
    const reply = await client.unary('/t.T/Echo', Buffer.from('hi'), {
      deadline: Date.now() + 5000,
      authorization: 'Bearer x',
    });
    assert.equal(reply.toString(), 'echo:hi');
    assert.equal(s.seen.auth, 'Bearer x');
    assert.ok(Number.isFinite(s.seen.deadline) && s.seen.deadline! > Date.now(), 'the server sees the deadline');
    // many at once on the one session
    const all = await Promise.all(
      Array.from({ length: 200 }, (_, i) => client.unary('/t.T/Echo', Buffer.from(String(i)))),
    );
    assert.deepEqual(
      all.map((b) => b.toString()),
      Array.from({ length: 200 }, (_, i) => `echo:${i}`),
    );
  });

  it('reports a status with its message (percent-decoded) and details', async () => {
    const err = (await client.unary('/t.T/Fail', Buffer.alloc(0)).catch((e: unknown) => e)) as GrpcCallError;
    assert.ok(err instanceof GrpcCallError);
    assert.equal(err.code, grpc.status.NOT_FOUND);
    assert.equal(err.details, 'no such thing: ünïcode');
    assert.deepEqual([...err.statusDetails!], [1, 2, 3]);
  });

  it('keeps its session through many error statuses (a reset on a finished stream would cost it)', async () => {
    const codes = new Set<number>();
    for (let i = 0; i < 1500; i += 50)
      await Promise.all(
        Array.from({ length: 50 }, () =>
          client.unary('/t.T/Fail', Buffer.alloc(0)).catch((e: GrpcCallError) => codes.add(e.code)),
        ),
      );
    assert.deepEqual([...codes], [grpc.status.NOT_FOUND]);
    assert.equal((await client.unary('/t.T/Echo', Buffer.from('still'))).toString(), 'echo:still');
  });

  it('reports an unknown method as UNIMPLEMENTED', async () => {
    const err = (await client.unary('/t.T/Nope', Buffer.alloc(0)).catch((e: unknown) => e)) as GrpcCallError;
    assert.equal(err.code, grpc.status.UNIMPLEMENTED);
  });

  it('streams messages, split and packed across HTTP/2 frames', async () => {
    const r = await collect(client.call('/t.T/Count', Buffer.from([200, 0])));
    assert.equal(r.error, undefined);
    assert.equal(r.metadata, true);
    assert.equal(r.messages.length, 200);
    assert.ok(r.messages.every((m, i) => m.length === 1000 && m[0] === i));
  });

  it('reports an error after some messages', async () => {
    const r = await collect(client.call('/t.T/Count', Buffer.from([3, 1])));
    assert.equal(r.messages.length, 3);
    assert.equal(r.error?.code, grpc.status.UNAVAILABLE);
    assert.equal(r.error?.details, 'gone mid-stream');
  });

  it('ends a call at its deadline with DEADLINE_EXCEEDED, and the server sees it end', async () => {
    const cancelled = s.seen.cancelled;
    // the server would answer `late` after 500 ms: the call ends without that answer
    const err = (await client
      .unary('/t.T/Slow', Buffer.alloc(0), { deadline: Date.now() + 50 })
      .catch((e: unknown) => e)) as GrpcCallError;
    assert.ok(err instanceof GrpcCallError, String(err));
    assert.equal(err.code, grpc.status.DEADLINE_EXCEEDED);
    await waitFor('the server sees the call cancelled', () => s.seen.cancelled > cancelled);
  });

  it('cancels a call', async () => {
    const cancelled = s.seen.cancelled;
    const call = client.call('/t.T/Slow', Buffer.alloc(0));
    const r = collect(call);
    call.cancel();
    call.cancel();
    await waitFor('the server sees the call cancelled', () => s.seen.cancelled > cancelled);
    // a cancelled call reports nothing more
    const outcome = await Promise.race([r, new Promise((res) => setTimeout(() => res('quiet'), 700))]);
    assert.equal(outcome, 'quiet');
  });
});

describe('the gateway gRPC client when the server goes away', () => {
  it('answers UNAVAILABLE while the server is down, dialling again with backoff rather than per call, and reconnects by itself after', async () => {
    const first = await server();
    const client = new GrpcClient({
      target: `127.0.0.1:${first.port}`,
      reconnect: { initialDelayMs: 1000, maxDelayMs: 1000 },
    });
    let again: Awaited<ReturnType<typeof server>> | undefined;
    try {
      let dials = 0;
      client.upstream.on('dial', () => dials++);
      assert.equal((await client.unary('/t.T/Echo', Buffer.from('a'))).toString(), 'echo:a');
      first.server.forceShutdown();
      const down = (await client.unary('/t.T/Echo', Buffer.from('b')).catch((e: unknown) => e)) as GrpcCallError;
      assert.equal(down.code, grpc.status.UNAVAILABLE);
      await waitFor('the client knows the server is gone', () => client.upstream.state === 'unreachable');
      // one call after the other: each would find no session, and dial, if the client did not know better
      const since = performance.now();
      const dialsBefore = dials;
      for (let i = 0; i < 50; i++) {
        const err = (await client.unary('/t.T/Echo', Buffer.from('b')).catch((e: unknown) => e)) as GrpcCallError;
        assert.equal(err.code, grpc.status.UNAVAILABLE);
        assert.match(err.details, /^the gRPC server at 127\.0\.0\.1:\d+ is unreachable: ./);
      }
      // at most one attempt per backoff delay (at least 800 ms, jitter included)
      const allowed = 1 + Math.floor((performance.now() - since) / 800);
      assert.ok(
        dials - dialsBefore <= allowed,
        `${dials - dialsBefore} dials for 50 calls, at most ${allowed} expected`,
      );
      again = await server(first.port);
      await waitFor('calls are served again', () =>
        client.unary('/t.T/Echo', Buffer.from('c')).then(
          () => true,
          () => false,
        ),
      );
      assert.equal((await client.unary('/t.T/Echo', Buffer.from('c'))).toString(), 'echo:c');
      assert.equal(client.upstream.state, 'ready');
    } finally {
      client.close();
      first.server.forceShutdown();
      again?.server.forceShutdown();
    }
  });

  it('ends a call in flight with UNAVAILABLE when the connection to the server dies, not as cancelled', async () => {
    // the connection vanishes under a call, as when the server process is killed
    const h2 = http2.createServer();
    const sockets: Socket[] = [];
    h2.on('connection', (socket: Socket) => sockets.push(socket));
    h2.on('stream', () => setTimeout(() => sockets.forEach((socket) => socket.destroy()), 50));
    await new Promise<void>((r) => h2.listen(0, '127.0.0.1', r));
    const client = new GrpcClient({ target: `127.0.0.1:${(h2.address() as { port: number }).port}` });
    const calls = await Promise.all(
      Array.from({ length: 5 }, () => client.unary('/t.T/Echo', Buffer.alloc(0)).catch((e: GrpcCallError) => e.code)),
    );
    assert.deepEqual(calls, Array(5).fill(grpc.status.UNAVAILABLE));
    client.close();
    h2.close();
  });

  it('answers UNAVAILABLE when nothing listens', async () => {
    const client = new GrpcClient({ target: '127.0.0.1:1' });
    const err = (await client.unary('/t.T/Echo', Buffer.alloc(0)).catch((e: unknown) => e)) as GrpcCallError;
    assert.equal(err.code, grpc.status.UNAVAILABLE);
    assert.match(err.details, /^the gRPC server is unreachable: connect ECONNREFUSED/);
    // the next calls know it already
    const next = (await client.unary('/t.T/Echo', Buffer.alloc(0)).catch((e: unknown) => e)) as GrpcCallError;
    assert.equal(next.code, grpc.status.UNAVAILABLE);
    assert.equal(next.details, 'the gRPC server at 127.0.0.1:1 is unreachable: connect ECONNREFUSED 127.0.0.1:1');
    const ready = await checkReady(client);
    assert.deepEqual(ready, { ready: false, status: 'UNREACHABLE', reason: next.details, grpc: 'unreachable' });
    client.close();
  });
});

/**
 * A TCP proxy in front of a server that freezes it as SIGSTOP would: its
 * connections stay open but nothing is read or forwarded either way, and new
 * connections are taken (as the kernel takes a stopped server's) but not served.
 */
async function freezableProxy(backendPort: number): Promise<{
  port: number;
  /** connections taken so far */
  accepted: number;
  freeze(): void;
  thaw(): void;
  close(): void;
}> {
  const sockets: Socket[] = [];
  let frozen = false;
  let accepted = 0;
  const proxy = net.createServer((client) => {
    accepted++;
    const backend = net.connect(backendPort, '127.0.0.1');
    for (const [from, to] of [
      [client, backend],
      [backend, client],
    ] as const) {
      from.on('data', (d) => to.write(d));
      from.on('close', () => to.destroy());
      from.on('error', () => {});
      sockets.push(from);
      if (frozen) from.pause();
    }
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  return {
    port: (proxy.address() as net.AddressInfo).port,
    get accepted() {
      return accepted;
    },
    freeze() {
      frozen = true;
      for (const socket of sockets) socket.pause();
    },
    thaw() {
      frozen = false;
      for (const socket of sockets) socket.resume();
    },
    close() {
      for (const socket of sockets) socket.destroy();
      proxy.close();
    },
  };
}

describe('the gateway gRPC client when the server stops answering', () => {
  const keepalive = { intervalMs: 200, timeoutMs: 100, misses: 2 };
  const NOT_RESPONDING = /^the gRPC server at 127\.0\.0\.1:\d+ is not responding: no answer for \d+\.\d s$/;
  /** a deadline beyond the test: a call that ends was ended by the probe, not by its deadline */
  const far = (): number => Date.now() + 600_000;
  const refusedAsSilent = (err: unknown): void => {
    assert.ok(err instanceof GrpcCallError, String(err));
    assert.equal(err.code, grpc.status.UNAVAILABLE);
    assert.match(err.details, NOT_RESPONDING);
  };

  it(
    'ends the calls on a silent session and fails new ones at once with UNAVAILABLE; serves again when the server answers',
    { timeout: 60_000 },
    async () => {
      const s = await server();
      const proxy = await freezableProxy(s.port);
      const client = new GrpcClient({ target: `127.0.0.1:${proxy.port}`, keepalive });
      const states: UpstreamState[] = [];
      const probe = { pings: 0, misses: 0 };
      client.upstream.on('state', (c) => states.push(c.state));
      client.upstream.on('ping', () => probe.pings++);
      client.upstream.on('miss', () => probe.misses++);
      try {
        assert.equal((await client.unary('/t.T/Echo', Buffer.from('a'))).toString(), 'echo:a');
        // under way when the server stops: a unary call, an event stream, and a stream both ways (a batch)
        const unary = client.unary('/t.T/Never', Buffer.alloc(0), { deadline: far() }).catch((e: unknown) => e);
        const hold = client.call('/t.T/Hold', Buffer.alloc(0), { deadline: far() });
        const held = collect(hold);
        const chat = client.open('/t.T/Chat', { deadline: far() });
        const chatted = collect(chat);
        chat.write(encodeFrame(Buffer.from('1')));
        await Promise.all([once(hold, 'data'), once(chat, 'data')]);
        const cancelled = s.seen.cancelled;

        proxy.freeze();
        const [u, h, c] = await Promise.all([unary, held, chatted]);
        refusedAsSilent(u);
        refusedAsSilent(h.error);
        refusedAsSilent(c.error);
        assert.deepEqual(
          [h.messages.length, c.messages.map(String)],
          [1, ['re:1']],
          'the streams got what the server sent before it stopped',
        );
        assert.equal(client.upstream.state, 'not_responding');
        assert.ok(probe.misses >= keepalive.misses && probe.pings >= probe.misses, JSON.stringify(probe));

        // meanwhile every new call fails at once, whatever its deadline, saying why
        const refused = await Promise.all(
          Array.from({ length: 50 }, () =>
            client.unary('/t.T/Echo', Buffer.from('b'), { deadline: far() }).catch((e: unknown) => e),
          ),
        );
        refused.forEach(refusedAsSilent);
        const stream = await collect(client.call('/t.T/Count', Buffer.from([3, 0]), { deadline: far() }));
        refusedAsSilent(stream.error);
        assert.equal(stream.messages.length, 0);
        const ready = await checkReady(client);
        assert.deepEqual([ready.ready, ready.status, ready.grpc], [false, 'UNREACHABLE', 'not_responding']);
        assert.match(ready.reason!, NOT_RESPONDING);
        // the silent session is gone, and a new one waits for the server
        await waitFor('a new session is dialled', () => proxy.accepted >= 2);

        proxy.thaw();
        await waitFor('calls are served again', () =>
          client.unary('/t.T/Echo', Buffer.from('c')).then(
            () => true,
            () => false,
          ),
        );
        assert.equal((await client.unary('/t.T/Echo', Buffer.from('d'))).toString(), 'echo:d');
        assert.deepEqual(states, ['connecting', 'ready', 'not_responding', 'ready']);
        // readiness no longer says the connection is down (this server has no health service to say more)
        const readyAgain = await checkReady(client);
        assert.equal(readyAgain.grpc, undefined, JSON.stringify(readyAgain));
        // the server, running again, finds the calls of the dropped session gone
        await waitFor('the server sees the three calls end', () => s.seen.cancelled >= cancelled + 3);
      } finally {
        client.close();
        proxy.close();
        s.server.forceShutdown();
      }
    },
  );

  it(
    'declares a server that never answers a new session not responding, and serves once it does',
    { timeout: 60_000 },
    async () => {
      const s = await server();
      const proxy = await freezableProxy(s.port);
      proxy.freeze();
      const client = new GrpcClient({ target: `127.0.0.1:${proxy.port}`, keepalive });
      try {
        refusedAsSilent(
          await client.unary('/t.T/Echo', Buffer.from('a'), { deadline: far() }).catch((e: unknown) => e),
        );
        assert.equal(client.upstream.state, 'not_responding');
        refusedAsSilent(
          await client.unary('/t.T/Echo', Buffer.from('a'), { deadline: far() }).catch((e: unknown) => e),
        );
        proxy.thaw();
        await waitFor('calls are served', () =>
          client.unary('/t.T/Echo', Buffer.from('b')).then(
            () => true,
            () => false,
          ),
        );
        assert.equal(client.upstream.state, 'ready');
      } finally {
        client.close();
        proxy.close();
        s.server.forceShutdown();
      }
    },
  );

  it('does not blame the server for a busy event loop of its own', { timeout: 60_000 }, async () => {
    const s = await server();
    const client = new GrpcClient({ target: `127.0.0.1:${s.port}`, keepalive });
    const states: UpstreamState[] = [];
    client.upstream.on('state', (c) => states.push(c.state));
    // the server's answers wait in the socket while this process is busy for longer than the probe tolerates
    const busy = (): void => {
      const until = Date.now() + 3 * (keepalive.intervalMs * keepalive.misses + keepalive.timeoutMs);
      while (Date.now() < until);
    };
    try {
      client.connect();
      busy(); // before the session is answered
      assert.equal((await client.unary('/t.T/Echo', Buffer.from('a'))).toString(), 'echo:a');
      await new Promise((r) => setTimeout(r, keepalive.intervalMs));
      busy(); // while the probe watches it
      assert.equal((await client.unary('/t.T/Echo', Buffer.from('b'))).toString(), 'echo:b');
      assert.deepEqual(states, ['connecting', 'ready']);
    } finally {
      client.close();
      s.server.forceShutdown();
    }
  });

  it('leaves a server that is slow to answer a call, but answers pings, alone', { timeout: 60_000 }, async () => {
    const s = await server();
    // pings go out while the call waits (each interval without a word), and the server answers them
    const client = new GrpcClient({
      target: `127.0.0.1:${s.port}`,
      keepalive: { intervalMs: 100, timeoutMs: 250, misses: 2 },
    });
    const states: UpstreamState[] = [];
    let pings = 0;
    client.upstream.on('state', (c) => states.push(c.state));
    client.upstream.on('ping', () => pings++);
    try {
      assert.equal((await client.unary('/t.T/Slow', Buffer.alloc(0), { deadline: far() })).toString(), 'late');
      assert.ok(pings > 0, 'the probe pinged while the call waited');
      assert.deepEqual(states, ['connecting', 'ready']);
    } finally {
      client.close();
      s.server.forceShutdown();
    }
  });
});
