/**
 * The container health check: healthy when the gRPC server answers its
 * health service at all. Whether VPP is connected (SERVING) is readiness,
 * reported by the same service and by the gateway's /readyz.
 */
import { Client, credentials, Metadata } from '@grpc/grpc-js';
import { parseHostPort } from '../lib/listen.ts';

const { port } = parseHostPort(process.env.VPP_RPC_GRPC_LISTEN || '0.0.0.0:9111', 'VPP_RPC_GRPC_LISTEN');
const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
const id = (b: Buffer): Buffer => b;
client.makeUnaryRequest(
  '/grpc.health.v1.Health/Check',
  id,
  id,
  Buffer.alloc(0),
  new Metadata(),
  { deadline: Date.now() + 2500 },
  (err) => {
    client.close();
    process.exit(err ? 1 : 0);
  },
);
