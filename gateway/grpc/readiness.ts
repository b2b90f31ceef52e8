/**
 * /readyz: the gRPC server answers its health check with SERVING (it is, while
 * VPP is connected). Otherwise the check's trailers say what VPP's connection
 * is (`vpp-state`: not_responding, reconnecting, …) and why. While the gateway
 * knows the server itself to be unreachable or not responding, it says so at
 * once, in the words its calls fail with (`grpc`: the connection's state).
 */
import type { IncomingHttpHeaders } from 'node:http2';
import { status } from '../../lib/grpc/status.ts';
import { GrpcCallError, type GrpcClient } from './client.ts';

export interface Readiness {
  ready: boolean;
  status: string;
  reason?: string;
  /** the server's VPP connection: connected, not_responding, reconnecting, … */
  vpp?: string;
  /** the connection to the gRPC server, when it is down: unreachable, not_responding */
  grpc?: string;
}

const header = (t: IncomingHttpHeaders | undefined, name: string): string | undefined => {
  const v = t?.[name];
  return Array.isArray(v) ? v[0] : v;
};

const HEALTH_STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

export async function checkReady(client: GrpcClient, timeoutMs = 1000): Promise<Readiness> {
  const down = client.unavailable();
  if (down) return { ready: false, status: 'UNREACHABLE', reason: down.details, grpc: client.upstream.state };
  let res: Buffer;
  let trailers: IncomingHttpHeaders | undefined;
  try {
    // HealthCheckRequest{service: ""} is the empty message
    res = await client.unary(
      '/grpc.health.v1.Health/Check',
      Buffer.alloc(0),
      { deadline: Date.now() + timeoutMs },
      (t) => (trailers = t),
    );
  } catch (e) {
    const err = e as GrpcCallError;
    const state = client.upstream.state;
    return {
      ready: false,
      status: 'UNREACHABLE',
      reason: !(err instanceof GrpcCallError)
        ? 'the gRPC server is unreachable'
        : err.code === status.DEADLINE_EXCEEDED
          ? `the gRPC server did not answer its health check within ${timeoutMs} ms`
          : err.details,
      ...(state === 'unreachable' || state === 'not_responding' ? { grpc: state } : {}),
    };
  }
  // HealthCheckResponse{status = 1}: field 1 varint
  const code = res.length >= 2 && res[0] === 0x08 ? res[1]! : 0;
  const name = HEALTH_STATUS[code] ?? 'UNKNOWN';
  const vpp = header(trailers, 'vpp-state');
  if (code === 1) return { ready: true, status: name };
  return {
    ready: false,
    status: name,
    reason: header(trailers, 'vpp-reason') ?? 'the gRPC server is not connected to VPP',
    ...(vpp ? { vpp } : {}),
  };
}
