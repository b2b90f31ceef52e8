/**
 * Every failure of an RPC as a gRPC status: VPP's retval by meaning, bad
 * input as INVALID_ARGUMENT naming the field, VPP away as UNAVAILABLE.
 * The message reads `SYMBOL: text (retval N)`; retval and symbol also travel in
 * metadata (`vpp-retval`, `vpp-symbol`) and as a google.rpc.ErrorInfo detail.
 */
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { encodeStatus, type StatusDetail } from '../lib/grpc/status-details.ts';
import { BAD_REQUEST_TYPE_URL, ERROR_INFO_TYPE_URL, STATUS_DETAILS_KEY } from '../lib/wire-names.ts';
import { CodecError } from '../vpp/codec/types.ts';
import { VppApiError, VppClientError, VppIncompatibleError } from '../vpp/client/errors.ts';

export const ERROR_DOMAIN = 'vpp.fd.io';

/** gRPC code for a VPP error symbol, chosen by what the symbol means. */
export function codeForSymbol(symbol: string): status {
  if (/^(UNIMPLEMENTED|UNSUPPORTED|UNSUPPORTED_JNI_VERSION|BFD_NOTSUPP|BIER_BSL_UNSUP)$/.test(symbol))
    return status.UNIMPLEMENTED;
  if (
    /^(INVALID_(SUB_)?SW_IF_INDEX(_2)?|NO_SUCH_.*|SUBIF_DOESNT_EXIST|UNKNOWN_DESTINATION|BFD_ENOENT|NO_MATCHING_INTERFACE)$|NOT_FOUND|NOT_PRESENT/.test(
      symbol,
    )
  )
    return status.NOT_FOUND;
  if (/ALREADY_EXISTS|_EXIST$|EEXIST|^ADDRESS_FOUND_FOR_INTERFACE$|ALREADY_(ATTACHED|CONNECTED|HAS_)/.test(symbol))
    return status.ALREADY_EXISTS;
  if (/^(TABLE_TOO_BIG|QUEUE_FULL|LIMIT_EXCEEDED)$/.test(symbol)) return status.RESOURCE_EXHAUSTED;
  if (/^(BUSY|EAGAIN|BFD_EAGAIN|RESPONSE_NOT_READY)$/.test(symbol)) return status.UNAVAILABLE;
  if (/^(NOT_RUNNING_AS_ROOT|APP_WRONG_NS_SECRET|APP_CONNECT_FILTERED)$/.test(symbol)) return status.PERMISSION_DENIED;
  if (
    /^(UNSPECIFIED|SYSCALL_ERROR_\d+|BUG|INIT_FAILED|NETLINK_ERROR|API_ENDIAN_FAILED)$|CREATE_FAIL|^CANNOT_/.test(
      symbol,
    )
  )
    return status.INTERNAL;
  if (
    /^INVALID_|_INVALID$|^(ADDRESS_LENGTH_MISMATCH|SAME_SRC_DST|KEY_LENGTH|ILLEGAL_NAME|NO_PATHS_IN_ROUTE|FIB_PATH_UNSUPPORTED_NH_PROTO|BD_ID_EXCEED_MAX|APP_UNSUPPORTED_CFG|NAME_SERVER_FORMAT_ERROR)$/.test(
      symbol,
    )
  )
    return status.INVALID_ARGUMENT;
  if (/^VPP_ERROR_/.test(symbol)) return status.UNKNOWN;
  return status.FAILED_PRECONDITION;
}

export interface RpcFailure extends ServiceError {
  code: status;
}

export function rpcFailure(
  code: status,
  message: string,
  details: StatusDetail[] = [],
  extra: Record<string, string> = {},
): RpcFailure {
  const metadata = new Metadata();
  for (const [k, v] of Object.entries(extra)) metadata.set(k, v);
  if (details.length) metadata.set(STATUS_DETAILS_KEY, encodeStatus({ code, message, details }));
  return Object.assign(new Error(message), { code, details: message, metadata }) as RpcFailure;
}

export function invalidArgument(field: string, description: string): RpcFailure {
  const message = field ? `${field}: ${description}` : description;
  return rpcFailure(status.INVALID_ARGUMENT, message, [
    { '@type': BAD_REQUEST_TYPE_URL, field_violations: [{ field, description }] },
  ]);
}

function isRpcFailure(err: unknown): err is RpcFailure {
  return (
    err instanceof Error &&
    typeof (err as RpcFailure).code === 'number' &&
    (err as RpcFailure).metadata instanceof Metadata
  );
}

/** Any error thrown while serving an RPC, as the status to send. */
export function toStatus(err: unknown, request: string): RpcFailure {
  if (isRpcFailure(err)) return err;
  if (err instanceof VppApiError) {
    const details: StatusDetail[] = [
      {
        '@type': ERROR_INFO_TYPE_URL,
        reason: err.symbol,
        domain: ERROR_DOMAIN,
        metadata: { retval: String(err.retval), message: request },
      },
    ];
    return rpcFailure(codeForSymbol(err.symbol), err.message, details, {
      'vpp-retval': String(err.retval),
      'vpp-symbol': err.symbol,
    });
  }
  if (err instanceof VppIncompatibleError) {
    const details: StatusDetail[] = [
      {
        '@type': ERROR_INFO_TYPE_URL,
        reason: err.vppCrc === undefined ? 'MESSAGE_MISSING' : 'CRC_MISMATCH',
        domain: ERROR_DOMAIN,
        metadata: { message: err.messageName, crc: err.ourCrc, ...(err.vppCrc ? { vpp_crc: err.vppCrc } : {}) },
      },
    ];
    return rpcFailure(status.FAILED_PRECONDITION, err.message, details);
  }
  if (err instanceof VppClientError) {
    const code = {
      VPP_ERROR: status.UNKNOWN,
      DISCONNECTED: status.UNAVAILABLE,
      TIMEOUT: status.DEADLINE_EXCEEDED,
      ABORTED: status.CANCELLED,
      INCOMPATIBLE: status.FAILED_PRECONDITION,
      NOT_SUPPORTED: status.UNIMPLEMENTED,
      OVERRUN: status.RESOURCE_EXHAUSTED,
      NOT_RESPONDING: status.UNAVAILABLE,
      OVERLOADED: status.RESOURCE_EXHAUSTED,
      CLOSED: status.UNAVAILABLE,
    }[err.code];
    return rpcFailure(code, err.message);
  }
  if (err instanceof CodecError) {
    if (err.kind === 'invalid-value')
      return invalidArgument(err.path, err.message.slice(err.path ? err.path.length + 2 : 0));
    return rpcFailure(status.INTERNAL, `VPP sent a reply vpp-rpc cannot read: ${err.message}`);
  }
  const e = err as { name?: string; path?: string; message?: string };
  if (e?.name === 'ProtoError') return invalidArgument(e.path ?? '', e.message ?? 'malformed request');
  return rpcFailure(status.INTERNAL, `internal error: ${e?.message ?? String(err)}`);
}
