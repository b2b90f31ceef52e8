/** Every error the gateway answers, as `{code, message, details}` with the HTTP status of its gRPC code. */
import { status, type ServiceError } from '@grpc/grpc-js';
import { decodeStatus, type StatusDetail } from '../lib/grpc/status-details.ts';
import { httpStatusOf } from './http-status.ts';

export interface ErrorBody {
  /** gRPC status code */
  code: number;
  message: string;
  details: StatusDetail[];
}

export class GatewayError extends Error {
  readonly httpStatus: number;
  constructor(
    readonly body: ErrorBody,
    httpStatus?: number,
  ) {
    super(body.message);
    this.httpStatus = httpStatus ?? httpStatusOf(body.code);
  }
}

export function badRequest(field: string, description: string): GatewayError {
  return new GatewayError({
    code: status.INVALID_ARGUMENT,
    message: field ? `${field}: ${description}` : description,
    details: [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', field_violations: [{ field, description }] }],
  });
}

export function gatewayError(code: status, message: string, httpStatus?: number): GatewayError {
  return new GatewayError({ code, message, details: [] }, httpStatus);
}

/** A failed gRPC call, with the details the server put in grpc-status-details-bin. */
export function fromServiceError(err: ServiceError): GatewayError {
  let details: StatusDetail[] = [];
  const raw = err.metadata?.get('grpc-status-details-bin')[0];
  if (raw instanceof Buffer) {
    try {
      details = decodeStatus(raw).details;
    } catch {
      // a server that is not vpp-rpc may send other bytes here: keep the plain status
    }
  }
  const code = typeof err.code === 'number' ? err.code : status.UNKNOWN;
  const message =
    err.details || (code === status.UNAVAILABLE ? 'the gRPC server is unreachable' : (status[code] ?? 'error'));
  return new GatewayError({ code, message, details });
}
