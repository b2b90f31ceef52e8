/** Every error the gateway answers, as `{code, message, details}` with the HTTP status of its gRPC code. */
import { status } from '../lib/grpc/status.ts';
import type { GrpcCallError } from './grpc/client.ts';
import { decodeStatus, type StatusDetail } from '../lib/grpc/status-details.ts';
import { BAD_REQUEST_TYPE_URL } from '../lib/wire-names.ts';
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
    details: [{ '@type': BAD_REQUEST_TYPE_URL, field_violations: [{ field, description }] }],
  });
}

export function gatewayError(code: status, message: string, httpStatus?: number): GatewayError {
  return new GatewayError({ code, message, details: [] }, httpStatus);
}

/** A failed gRPC call, with the details the server put in grpc-status-details-bin. */
export function fromCallError(err: GrpcCallError): GatewayError {
  let details: StatusDetail[] = [];
  if (err.statusDetails) {
    try {
      details = decodeStatus(err.statusDetails).details;
    } catch {
      // a server that is not vpp-rpc may send other bytes here: keep the plain status
    }
  }
  return new GatewayError({ code: err.code, message: err.details || (status[err.code] ?? 'error'), details });
}
