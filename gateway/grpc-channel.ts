/** One long-lived gRPC channel to the server; calls carry pre-encoded bytes. */
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import type { GatewayConfig } from './config.ts';

export const passBytes = (b: Buffer): Buffer => b;

export function grpcClient(cfg: GatewayConfig): grpc.Client {
  const creds = cfg.grpcTls
    ? grpc.credentials.createSsl(
        cfg.grpcCa ? readFileSync(cfg.grpcCa) : null,
        cfg.grpcKey ? readFileSync(cfg.grpcKey) : null,
        cfg.grpcCert ? readFileSync(cfg.grpcCert) : null,
      )
    : grpc.credentials.createInsecure();
  const options: grpc.ChannelOptions = {
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
    // reconnect fast after the server restarts: the gateway must not need a restart itself
    'grpc.initial_reconnect_backoff_ms': 100,
    'grpc.max_reconnect_backoff_ms': 2000,
    'grpc.keepalive_time_ms': 30_000,
  };
  if (cfg.grpcServerName) options['grpc.ssl_target_name_override'] = cfg.grpcServerName;
  return new grpc.Client(cfg.grpcTarget, creds, options);
}
