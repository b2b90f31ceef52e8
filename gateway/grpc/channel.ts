/** The gateway's one long-lived connection to the gRPC server, from its configuration. */
import { readFileSync } from 'node:fs';
import type { GatewayConfig } from '../config.ts';
import { GrpcClient } from './client.ts';

export function grpcClient(cfg: GatewayConfig): GrpcClient {
  const tls = cfg.grpcTls
    ? {
        ca: cfg.grpcCa ? readFileSync(cfg.grpcCa) : undefined,
        cert: cfg.grpcCert ? readFileSync(cfg.grpcCert) : undefined,
        key: cfg.grpcKey ? readFileSync(cfg.grpcKey) : undefined,
        servername: cfg.grpcServerName,
      }
    : undefined;
  return new GrpcClient({ target: cfg.grpcTarget, tls });
}
