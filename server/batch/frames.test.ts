/**
 * frameWriter finds the HTTP/2 stream under a grpc-js server call (with and
 * without interceptors), and messages written through it reach a grpc-js
 * client whole, in order, before the call's status and trailers.
 */
import assert from 'node:assert/strict';
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
import { frameWriter } from './frames.ts';

const id = (b: Buffer): Buffer => b;
const PATH = '/t.T/Echo';

/** A server whose one bidi method answers each run of messages through `frameWriter`, then ends OK with a trailer. */
async function serve(interceptors: ServerInterceptor[]): Promise<{ port: number; server: Server; found: boolean[] }> {
  const found: boolean[] = [];
  const server = new Server({ interceptors });
  server.register(
    PATH,
    (call: ServerDuplexStream<Buffer, Buffer>) => {
      const w = frameWriter(call);
      found.push(w !== undefined && w.ready());
      const got: Buffer[] = [];
      call.on('data', (b: Buffer) => got.push(b));
      call.on('end', () => {
        // two writes of several messages each, then the status
        w!.write(got.slice(0, 2));
        w!.write([...got.slice(2), Buffer.alloc(0)]);
        const md = new Metadata();
        md.set('x-count', String(got.length));
        call.end(md);
      });
    },
    id,
    id,
    'bidi',
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  return { port, server, found };
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

const passThrough: ServerInterceptor = (_d, call) => new ServerInterceptingCall(call);

describe('frameWriter', () => {
  for (const [name, interceptors] of [
    ['without interceptors', []],
    ['behind two interceptors', [passThrough, passThrough]],
  ] as const)
    it(`writes framed messages a grpc-js client reads whole and in order, before the trailers (${name})`, async () => {
      const { port, server, found } = await serve([...interceptors]);
      try {
        const sent = [Buffer.from('one'), Buffer.alloc(70_000, 7), Buffer.from('three'), Buffer.from([0, 1, 2])];
        const { got, status: s } = await echo(port, sent);
        assert.deepEqual(found, [true]);
        assert.equal(s.code, status.OK, s.details);
        assert.deepEqual(s.metadata.get('x-count'), ['4']);
        assert.deepEqual(got, [...sent, Buffer.alloc(0)]);
      } finally {
        server.forceShutdown();
      }
    });
});
