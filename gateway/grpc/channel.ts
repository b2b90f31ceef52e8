/** The gateway's long-lived connections to gRPC servers, from its configuration (TLS, liveness probe). */
import { readFileSync } from 'node:fs';
import { parseHostPort } from '../../lib/listen.ts';
import type { GatewayConfig } from '../config.ts';
import { GrpcClient, type GrpcClientOptions } from './client.ts';

/** How the gateway connects to the server at `target`; `what` names it in the error of a target it cannot read. */
export function grpcClientOptions(cfg: GatewayConfig, target: string, what: string): GrpcClientOptions {
  // the connection is opened at start: a target it cannot name stops the gateway there, saying which
  parseHostPort(target, what);
  const tls = cfg.grpcTls
    ? {
        ca: cfg.grpcCa ? readFileSync(cfg.grpcCa) : undefined,
        cert: cfg.grpcCert ? readFileSync(cfg.grpcCert) : undefined,
        key: cfg.grpcKey ? readFileSync(cfg.grpcKey) : undefined,
        servername: cfg.grpcServerName,
      }
    : undefined;
  return {
    target,
    tls,
    keepalive: cfg.grpcPingIntervalMs > 0 && {
      intervalMs: cfg.grpcPingIntervalMs,
      timeoutMs: cfg.grpcPingTimeoutMs,
      misses: cfg.grpcPingMisses,
    },
  };
}

/** The connection to the one gRPC server of `--grpc-target`. */
export function grpcClient(cfg: GatewayConfig): GrpcClient {
  return new GrpcClient(grpcClientOptions(cfg, cfg.grpcTarget, '--grpc-target'));
}
