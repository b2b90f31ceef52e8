/** /readyz: the gRPC server answers its health check with SERVING (it is, while VPP is connected). */
import { status, type Client, type ServiceError } from '@grpc/grpc-js';
import { passBytes } from './grpc-channel.ts';

export interface Readiness {
  ready: boolean;
  status: string;
  reason?: string;
}

const HEALTH_STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

export function checkReady(client: Client, timeoutMs = 1000): Promise<Readiness> {
  return new Promise((resolve) => {
    // HealthCheckRequest{service: ""} is the empty message
    client.makeUnaryRequest(
      '/grpc.health.v1.Health/Check',
      passBytes,
      passBytes,
      Buffer.alloc(0),
      { deadline: Date.now() + timeoutMs },
      (err: ServiceError | null, res?: Buffer) => {
        if (err) {
          const reason = err.code === status.UNAVAILABLE ? 'the gRPC server is unreachable' : err.details;
          resolve({ ready: false, status: 'UNREACHABLE', reason });
          return;
        }
        // HealthCheckResponse{status = 1}: field 1 varint
        const code = res && res.length >= 2 && res[0] === 0x08 ? res[1]! : 0;
        const name = HEALTH_STATUS[code] ?? 'UNKNOWN';
        resolve(
          code === 1
            ? { ready: true, status: name }
            : { ready: false, status: name, reason: 'the gRPC server is not connected to VPP' },
        );
      },
    );
  });
}
