/**
 * The container health check: healthy when the gRPC server answers its
 * health service at all. Whether VPP is connected (SERVING) is readiness,
 * reported by the same service and by the gateway's /readyz.
 *
 * With TLS on (VPP_RPC_TLS_CERT), the check speaks TLS over loopback without
 * verifying the server: it asks whether the process answers, not who it is.
 * Under mutual TLS it presents the server's own certificate, which then needs
 * the clientAuth usage too (or no extended key usage at all).
 */
import { readFileSync } from 'node:fs';
import { Client, credentials, Metadata } from '@grpc/grpc-js';
import { parseHostPort } from '../lib/listen.ts';
import { HEALTH_CHECK_PATH } from '../lib/wire-names.ts';

const env = process.env;
const { port } = parseHostPort(env.VPP_RPC_GRPC_LISTEN || '0.0.0.0:9111', 'VPP_RPC_GRPC_LISTEN');
const mutual = Boolean(env.VPP_RPC_TLS_CLIENT_CA);
const creds =
  env.VPP_RPC_TLS_CERT && env.VPP_RPC_TLS_KEY
    ? credentials.createSsl(
        null,
        mutual ? readFileSync(env.VPP_RPC_TLS_KEY) : null,
        mutual ? readFileSync(env.VPP_RPC_TLS_CERT) : null,
        { rejectUnauthorized: false, checkServerIdentity: () => undefined },
      )
    : credentials.createInsecure();
const client = new Client(`127.0.0.1:${port}`, creds);
const id = (b: Buffer): Buffer => b;
client.makeUnaryRequest(
  HEALTH_CHECK_PATH,
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
