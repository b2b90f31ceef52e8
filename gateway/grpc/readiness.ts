/**
 * /readyz: the gRPC server answers its health check with SERVING (it is, while
 * VPP is connected). Otherwise the check's trailers say what VPP's connection
 * is (`vpp-state`: not_responding, reconnecting, …) and why. While the gateway
 * knows the server itself to be unreachable or not responding, it says so at
 * once, in the words its calls fail with (`grpc`: the connection's state).
 */
import type { IncomingHttpHeaders } from 'node:http2';
import { status } from '../../lib/grpc/status.ts';
import { WireReader } from '../../lib/protobuf/wire-reader.ts';
import { WireType, tagOf } from '../../lib/protobuf/wire-writer.ts';
import { HEALTH_CHECK_PATH, VPP_REASON_KEY, VPP_STATE_KEY } from '../../lib/wire-names.ts';
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
const STATUS_KEY = tagOf(1, WireType.VARINT);

/** HealthCheckResponse's `status` (field 1, an enum; UNKNOWN when left out). */
export function servingStatus(res: Buffer): number {
  const r = new WireReader(res);
  let code = 0;
  while (r.pos < res.length) {
    const key = r.tag(res.length);
    if (key === STATUS_KEY) code = r.int32(res.length);
    else r.skip(key, res.length, 0);
  }
  return code;
}

export async function checkReady(client: GrpcClient, timeoutMs = 1000): Promise<Readiness> {
  const down = client.unavailable();
  if (down) return { ready: false, status: 'UNREACHABLE', reason: down.details, grpc: client.upstream.state };
  let res: Buffer;
  let trailers: IncomingHttpHeaders | undefined;
  try {
    // HealthCheckRequest{service: ""} is the empty message
    res = await client.unary(
      HEALTH_CHECK_PATH,
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
  let code: number;
  try {
    code = servingStatus(res);
  } catch (e) {
    return {
      ready: false,
      status: 'UNKNOWN',
      reason: `the health check's answer does not decode: ${(e as Error).message}`,
    };
  }
  const name = HEALTH_STATUS[code] ?? 'UNKNOWN';
  const vpp = header(trailers, VPP_STATE_KEY);
  if (code === 1) return { ready: true, status: name };
  return {
    ready: false,
    status: name,
    reason: header(trailers, VPP_REASON_KEY) ?? 'the gRPC server is not connected to VPP',
    ...(vpp ? { vpp } : {}),
  };
}
