/** The gateway's one long-lived connection to the gRPC server, from its configuration (TLS, liveness probe). */
import { readFileSync } from 'node:fs';
import { parseHostPort } from '../../lib/listen.ts';
import type { GatewayConfig } from '../config.ts';
import { GrpcClient } from './client.ts';

export function grpcClient(cfg: GatewayConfig): GrpcClient {
  // the connection is opened at start: a target it cannot name stops the gateway there, saying which flag
  parseHostPort(cfg.grpcTarget, '--grpc-target');
  const tls = cfg.grpcTls
    ? {
        ca: cfg.grpcCa ? readFileSync(cfg.grpcCa) : undefined,
        cert: cfg.grpcCert ? readFileSync(cfg.grpcCert) : undefined,
        key: cfg.grpcKey ? readFileSync(cfg.grpcKey) : undefined,
        servername: cfg.grpcServerName,
      }
    : undefined;
  return new GrpcClient({
    target: cfg.grpcTarget,
    tls,
    keepalive: cfg.grpcPingIntervalMs > 0 && {
      intervalMs: cfg.grpcPingIntervalMs,
      timeoutMs: cfg.grpcPingTimeoutMs,
      misses: cfg.grpcPingMisses,
    },
  });
}
