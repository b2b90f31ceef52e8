/** Errors of the VPP client, each with a stable `code` for callers to map. */
import { seconds } from '../../lib/backoff.ts';
import type { VppErrorInfo } from '../api/errors.ts';

export type VppClientErrorCode =
  | 'VPP_ERROR' // VPP answered with a nonzero retval
  | 'DISCONNECTED' // no connection to VPP, or it went away with the request in flight
  | 'TIMEOUT' // no answer in time
  | 'ABORTED' // the caller gave up (AbortSignal)
  | 'INCOMPATIBLE' // VPP does not have this message, or has it with another CRC
  | 'NOT_SUPPORTED' // a transport message, or a shape the call does not take
  | 'OVERRUN' // a stream's reader fell behind while other calls waited on the socket
  | 'NOT_RESPONDING' // VPP's socket is open but VPP answers nothing (hung, stopped)
  | 'OVERLOADED' // too many requests wait for VPP already
  | 'CLOSED'; // the client was closed

export class VppClientError extends Error {
  constructor(
    readonly code: VppClientErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'VppClientError';
  }
}

/** A reply whose retval is not 0. */
export class VppApiError extends VppClientError {
  readonly retval: number;
  readonly symbol: string;
  readonly text: string;

  constructor(
    readonly request: string,
    info: VppErrorInfo,
    /** the whole reply, for callers that want its other fields */
    readonly reply: Record<string, unknown>,
  ) {
    super('VPP_ERROR', `${info.symbol}: ${info.text} (retval ${info.retval})`);
    this.name = 'VppApiError';
    this.retval = info.retval;
    this.symbol = info.symbol;
    this.text = info.text;
  }
}

/** A message VPP's table lacks or knows with another CRC. */
export class VppIncompatibleError extends VppClientError {
  constructor(
    readonly messageName: string,
    readonly ourCrc: string,
    /** VPP's CRC for the same name, or undefined when VPP lacks the message */
    readonly vppCrc: string | undefined,
  ) {
    super(
      'INCOMPATIBLE',
      vppCrc === undefined
        ? `VPP does not have ${messageName} (CRC ${ourCrc}): its plugin is not loaded or the API is another version`
        : `VPP has ${messageName} with CRC ${vppCrc}, vpp-rpc was generated for CRC ${ourCrc}: regenerate the protos for this VPP`,
    );
    this.name = 'VppIncompatibleError';
  }
}

export const disconnected = (why: string, cause?: unknown): VppClientError =>
  new VppClientError('DISCONNECTED', `VPP disconnected: ${why}`, { cause });

export const notResponding = (silentMs: number): VppClientError =>
  new VppClientError('NOT_RESPONDING', `VPP is not responding: no answer for ${seconds(silentMs)}`);
