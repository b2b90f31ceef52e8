/**
 * /readyz: the gRPC server answers its health check with SERVING (it is, while
 * VPP is connected). Otherwise the check's trailers say what VPP's connection
 * is (`vpp-state`: not_responding, reconnecting, …) and why.
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
    const unreachable =
      !(err instanceof GrpcCallError) || err.code === status.UNAVAILABLE || err.code === status.DEADLINE_EXCEEDED;
    return {
      ready: false,
      status: 'UNREACHABLE',
      reason: unreachable ? 'the gRPC server is unreachable' : err.details,
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
