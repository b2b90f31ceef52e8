/** /readyz: the gRPC server answers its health check with SERVING (it is, while VPP is connected). */
import { status } from '@grpc/grpc-js';
import { GrpcCallError, type GrpcClient } from './grpc-client.ts';

export interface Readiness {
  ready: boolean;
  status: string;
  reason?: string;
}

const HEALTH_STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

export async function checkReady(client: GrpcClient, timeoutMs = 1000): Promise<Readiness> {
  let res: Buffer;
  try {
    // HealthCheckRequest{service: ""} is the empty message
    res = await client.unary('/grpc.health.v1.Health/Check', Buffer.alloc(0), { deadline: Date.now() + timeoutMs });
  } catch (e) {
    const err = e as GrpcCallError;
    const unreachable =
      !(err instanceof GrpcCallError) || err.code === status.UNAVAILABLE || err.code === status.DEADLINE_EXCEEDED;
    return {
      ready: false,
      status: 'UNREACHABLE',
      reason: unreachable ? 'the gRPC server is unreachable' : err.details,
    };
  }
  // HealthCheckResponse{status = 1}: field 1 varint
  const code = res.length >= 2 && res[0] === 0x08 ? res[1]! : 0;
  const name = HEALTH_STATUS[code] ?? 'UNKNOWN';
  return code === 1
    ? { ready: true, status: name }
    : { ready: false, status: name, reason: 'the gRPC server is not connected to VPP' };
}
