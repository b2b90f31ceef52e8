/**
 * The gateway image's health check: /healthz answers 200, over HTTPS when the
 * gateway serves HTTPS (VPP_RPC_TLS_CERT). Loopback only, so the certificate
 * is not verified: the check asks whether the process answers, not who it is.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { parseHostPort } from '../lib/listen.ts';

const { port } = parseHostPort(process.env.VPP_RPC_REST_LISTEN || '0.0.0.0:9191', 'VPP_RPC_REST_LISTEN');
const request = process.env.VPP_RPC_TLS_CERT ? httpsRequest : httpRequest;
const req = request({ host: '127.0.0.1', port, path: '/healthz', timeout: 2500, rejectUnauthorized: false }, (res) => {
  res.resume();
  process.exit(res.statusCode === 200 ? 0 : 1);
});
req.on('error', () => process.exit(1));
req.on('timeout', () => process.exit(1));
req.end();
