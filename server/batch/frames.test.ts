/**
 * ReplyWriter against real grpc-js calls: it finds the HTTP/2 stream under a
 * server call (with and without interceptors: the canary of the grpc-js
 * version package.json pins), and replies written through it reach a grpc-js
 * client whole, in order, before the call's status and trailers; it falls
 * back to call.write, counted and said once, where it must; it never
 * overtakes a reply queued in grpc-js; a failed write of the stream is handed
 * on once, never left as an unhandled 'error' event.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import {
  Client,
  credentials,
  Metadata,
  Server,
  ServerCredentials,
  ServerInterceptingCall,
  status,
  type ServerDuplexStream,
  type ServerInterceptor,
  type StatusObject,
} from '@grpc/grpc-js';
import { pino } from 'pino';
import { Counter, Registry } from 'prom-client';
import { baseCallOf, FastPathFallbacks, ReplyWriter, type BaseCall } from './frames.ts';

const id = (b: Buffer): Buffer => b;
const PATH = '/t.T/Echo';
type Call = ServerDuplexStream<Buffer, Buffer>;

/** Fallbacks counted in a registry of their own, and the warn lines logged. */
function fallbacks(): { fallbacks: FastPathFallbacks; counts(): Promise<Record<string, number>>; warnings: string[] } {
  const registry = new Registry();
  const counter = new Counter({ name: 'fallbacks', help: 'h', labelNames: ['reason'], registers: [registry] });
  const warnings: string[] = [];
  const sink = new Writable({
    write(line: Buffer, _enc, done) {
      warnings.push((JSON.parse(line.toString()) as { msg: string }).msg);
      done();
    },
  });
  return {
    fallbacks: new FastPathFallbacks(counter, pino({ level: 'warn' }, sink)),
    counts: async () => Object.fromEntries((await counter.get()).values.map((v) => [String(v.labels.reason), v.value])),
    warnings,
  };
}

/** A server whose one bidi method hands each call to `handle` once the client has sent every message. */
async function serve(
  interceptors: ServerInterceptor[],
  handle: (call: Call, got: Buffer[]) => void,
  options: Record<string, number> = {},
): Promise<{ port: number; server: Server }> {
  const server = new Server({ interceptors, ...options });
  server.register(
    PATH,
    (call: Call) => {
      const got: Buffer[] = [];
      call.on('data', (b: Buffer) => got.push(b));
      call.on('end', () => handle(call, got));
    },
    id,
    id,
    'bidi',
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  return { port, server };
}

function echo(port: number, messages: Buffer[]): Promise<{ got: Buffer[]; status: StatusObject }> {
  const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
  return new Promise((resolve) => {
    const got: Buffer[] = [];
    const call = client.makeBidiStreamRequest(PATH, id, id);
    call.on('data', (b: Buffer) => got.push(b));
    call.on('error', () => {});
    call.on('status', (s: StatusObject) => {
      client.close();
      resolve({ got, status: s });
    });
    for (const m of messages) call.write(m);
    call.end();
  });
}

/** Resolves once grpc-js has handed every reply written through call.write to the HTTP/2 stream. */
async function grpcQueueEmpty(call: Call): Promise<void> {
  while (call.writableLength > 0) await new Promise((r) => setImmediate(r));
}

const passThrough: ServerInterceptor = (_d, call) => new ServerInterceptingCall(call);
const interceptorSets = [
  ['without interceptors', []],
  ['behind two interceptors', [passThrough, passThrough]],
] as const;
const noError = (e: Error): never => assert.fail(e);

describe('ReplyWriter', () => {
  for (const [name, interceptors] of interceptorSets)
    it(`writes replies a grpc-js client reads whole and in order, before the trailers (${name})`, async () => {
      const f = fallbacks();
      let maxBytes = 0;
      const { port, server } = await serve([...interceptors], (call, got) => {
        const replies = new ReplyWriter(call, f.fallbacks, noError);
        maxBytes = replies.maxMessageBytes;
        // two writes of several messages each, then the status
        replies.write(got.slice(0, 2));
        replies.write([...got.slice(2), Buffer.alloc(0)]);
        const md = new Metadata();
        md.set('x-count', String(got.length));
        call.end(md);
      });
      try {
        const sent = [Buffer.from('one'), Buffer.alloc(70_000, 7), Buffer.from('three'), Buffer.from([0, 1, 2])];
        const { got, status: s } = await echo(port, sent);
        assert.equal(s.code, status.OK, s.details);
        assert.deepEqual(s.metadata.get('x-count'), ['4']);
        assert.deepEqual(got, [...sent, Buffer.alloc(0)]);
        assert.equal(maxBytes, Infinity); // grpc-js sets no limit by default
        // the direct path all along
        assert.deepEqual(await f.counts(), { internals_not_found: 0, headers_pending: 0, grpc_js_queue: 0 });
        assert.deepEqual(f.warnings, []);
      } finally {
        server.forceShutdown();
      }
    });

  it('finds the HTTP/2 stream and the send limit of the grpc-js version package.json pins', async () => {
    const found: (BaseCall | undefined)[] = [];
    let max = 0;
    const { port, server } = await serve(
      [passThrough],
      (call) => {
        found.push(baseCallOf(call));
        max = new ReplyWriter(call, fallbacks().fallbacks, noError).maxMessageBytes;
        call.end();
      },
      { 'grpc.max_send_message_length': 1234 },
    );
    try {
      assert.equal((await echo(port, [])).status.code, status.OK);
      assert.equal(found.length, 1);
      assert.equal(typeof found[0]?.stream.write, 'function');
      assert.equal(max, 1234);
    } finally {
      server.forceShutdown();
    }
  });

  it('falls back to call.write where the internals are not found: counted per call, said once', async () => {
    const f = fallbacks();
    const { port, server } = await serve([], (call, got) => {
      const replies = new ReplyWriter(call, f.fallbacks, noError, () => undefined);
      assert.equal(replies.maxMessageBytes, Infinity);
      replies.write(got);
      replies.write([Buffer.from('last')]);
      call.end();
    });
    try {
      for (let i = 0; i < 2; i++) {
        const { got, status: s } = await echo(port, [Buffer.from('a'), Buffer.from('b')]);
        assert.equal(s.code, status.OK);
        assert.deepEqual(got, [Buffer.from('a'), Buffer.from('b'), Buffer.from('last')]);
      }
      assert.deepEqual(await f.counts(), { internals_not_found: 2, headers_pending: 0, grpc_js_queue: 0 });
      assert.deepEqual(f.warnings, ['grpc-js internals not found: batch replies go through call.write']);
    } finally {
      server.forceShutdown();
    }
  });

  for (const [name, interceptors] of interceptorSets)
    it(`never overtakes replies queued through call.write, and takes the direct path again once they are out (${name})`, async () => {
      const f = fallbacks();
      const { port, server } = await serve([...interceptors], (call) => {
        void (async () => {
          const replies = new ReplyWriter(call, f.fallbacks, noError);
          // the first goes to the HTTP/2 stream at once, the second waits in grpc-js for it
          call.write(Buffer.from('queued 1'));
          call.write(Buffer.from('queued 2'));
          assert.ok(call.writableLength > 0);
          replies.write([Buffer.from('after 1'), Buffer.from('after 2')]);
          await grpcQueueEmpty(call);
          replies.write([Buffer.from('direct')]);
          call.end();
        })();
      });
      try {
        const { got, status: s } = await echo(port, []);
        assert.equal(s.code, status.OK, s.details);
        assert.deepEqual(
          got.map((b) => b.toString()),
          ['queued 1', 'queued 2', 'after 1', 'after 2', 'direct'],
        );
        // one flush behind grpc-js's queue, the last one direct again
        assert.deepEqual(await f.counts(), { internals_not_found: 0, headers_pending: 0, grpc_js_queue: 1 });
        assert.equal(f.warnings.length, 1);
        assert.match(f.warnings[0]!, /queued in grpc-js/);
      } finally {
        server.forceShutdown();
      }
    });

  it('hands a failed write of the HTTP/2 stream on once, its error events all handled', async () => {
    const errors: Error[] = [];
    const { port, server } = await serve([], (call) => {
      const stream = baseCallOf(call)!.stream;
      // a stream whose writes fail, and which says so twice (grpc-js listens to the first 'error' only)
      stream.write = ((_chunk: unknown, cb?: (err?: Error | null) => void) => {
        const err = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
        process.nextTick(() => {
          cb?.(err);
          stream.emit('error', err);
          stream.emit('error', err);
        });
        return true;
      }) as typeof stream.write;
      const replies = new ReplyWriter(call, fallbacks().fallbacks, (err) => {
        errors.push(err);
        call.emit('error', { code: status.INTERNAL, details: `writing failed: ${err.message}` });
      });
      replies.write([Buffer.from('lost')]);
      // written after the failure: dropped, not a second report
      replies.write([Buffer.from('lost too')]);
    });
    try {
      const { got, status: s } = await echo(port, []);
      assert.deepEqual(got, []);
      assert.equal(s.code, status.INTERNAL);
      assert.equal(s.details, 'writing failed: write EPIPE');
      assert.deepEqual(
        errors.map((e) => e.message),
        ['write EPIPE'],
      );
    } finally {
      server.forceShutdown();
    }
  });
});
