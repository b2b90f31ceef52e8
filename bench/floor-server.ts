/**
 * The floor of each kind of hop on this machine: a process that echoes over
 * TCP, answers HTTP/1.1, and answers a gRPC-shaped HTTP/2 request, with no
 * work at all. The benchmark measures round trips to it next to the product's.
 */
import { createServer as createHttp } from 'node:http';
import { createServer as createHttp2 } from 'node:http2';
import { createServer as createTcp } from 'node:net';
import { encodeFrame } from '../lib/grpc/wire.ts';
import { announceReady, createLogger } from '../lib/log.ts';
import { GRPC_MEDIA_TYPE } from '../lib/wire-names.ts';

const log = createLogger('floor', 'info');
/** a 20-byte message, the size of a small VPP reply */
const reply = encodeFrame(Buffer.alloc(20));

const tcp = createTcp((s) => {
  s.setNoDelay(true);
  s.on('data', (d) => s.write(d));
}).listen(0, '127.0.0.1');

const http = createHttp((req, res) => {
  req.resume();
  req.on('end', () => res.end('{"retval":0}'));
}).listen(0, '127.0.0.1');

const h2 = createHttp2();
h2.on('stream', (stream) => {
  stream.resume();
  stream.on('end', () => {
    stream.respond({ ':status': 200, 'content-type': GRPC_MEDIA_TYPE }, { waitForTrailers: true });
    stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    stream.end(reply);
  });
});
h2.listen(0, '127.0.0.1');

const port = (s: { address(): unknown }): number => (s.address() as { port: number }).port;
await Promise.all([tcp, http, h2].map((s) => new Promise((r) => s.once('listening', r))));
announceReady(log, { tcp: port(tcp), http: port(http), h2: port(h2) }, 'floor listening');
