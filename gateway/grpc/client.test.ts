import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { GrpcCallError, GrpcClient, type GrpcCall } from './client.ts';

const id = (b: Buffer): Buffer => b;
const method = (path: string, responseStream: boolean): grpc.MethodDefinition<Buffer, Buffer> => ({
  path,
  requestStream: false,
  responseStream,
  requestSerialize: id,
  requestDeserialize: id,
  responseSerialize: id,
  responseDeserialize: id,
});

/** A grpc-js server with the calls the tests need. */
async function server(
  port = 0,
): Promise<{ server: grpc.Server; port: number; seen: { auth?: string; deadline?: number } }> {
  const seen: { auth?: string; deadline?: number } = {};
  const s = new grpc.Server();
  s.addService(
    {
      Echo: method('/t.T/Echo', false),
      Fail: method('/t.T/Fail', false),
      Slow: method('/t.T/Slow', false),
      Count: method('/t.T/Count', true),
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
      Slow: (_call: unknown, cb: grpc.sendUnaryData<Buffer>) => setTimeout(() => cb(null, Buffer.from('late')), 500),
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

  it('ends a call at its deadline with DEADLINE_EXCEEDED', async () => {
    const t0 = Date.now();
    const err = (await client
      .unary('/t.T/Slow', Buffer.alloc(0), { deadline: Date.now() + 50 })
      .catch((e: unknown) => e)) as GrpcCallError;
    assert.equal(err.code, grpc.status.DEADLINE_EXCEEDED);
    assert.ok(Date.now() - t0 < 450, 'before the server answered');
  });

  it('cancels a call', async () => {
    const call = client.call('/t.T/Slow', Buffer.alloc(0));
    const r = collect(call);
    call.cancel();
    call.cancel();
    // a cancelled call reports nothing more
    const outcome = await Promise.race([r, new Promise((res) => setTimeout(() => res('quiet'), 700))]);
    assert.equal(outcome, 'quiet');
  });
});

describe('the gateway gRPC client when the server goes away', () => {
  it('answers UNAVAILABLE while the server is down and reconnects by itself after', async () => {
    const first = await server();
    const client = new GrpcClient({ target: `127.0.0.1:${first.port}` });
    assert.equal((await client.unary('/t.T/Echo', Buffer.from('a'))).toString(), 'echo:a');
    first.server.forceShutdown();
    const down = (await client.unary('/t.T/Echo', Buffer.from('b')).catch((e: unknown) => e)) as GrpcCallError;
    assert.equal(down.code, grpc.status.UNAVAILABLE);
    const again = await server(first.port);
    let reply: string | undefined;
    for (let i = 0; i < 50 && reply === undefined; i++)
      reply = await client.unary('/t.T/Echo', Buffer.from('c')).then(
        (b) => b.toString(),
        () => new Promise<undefined>((r) => setTimeout(() => r(undefined), 50)),
      );
    assert.equal(reply, 'echo:c');
    client.close();
    again.server.forceShutdown();
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
    assert.match(err.details, /unreachable/);
    client.close();
  });
});
