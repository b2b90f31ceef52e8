/**
 * A server interceptor's way to refuse a call on its metadata, before the
 * request is read or a handler runs.
 */
import {
  ServerInterceptingCall,
  type Metadata,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
} from '@grpc/grpc-js';
import type { RpcFailure } from '../status.ts';

/** `check` answers a failure to refuse the call with, or undefined to let it through. */
export function gate(
  call: ServerInterceptingCallInterface,
  check: (md: Metadata) => RpcFailure | undefined,
): ServerInterceptingCall {
  return new ServerInterceptingCall(call, {
    start(next) {
      next({
        onReceiveMetadata(md, pass) {
          const failure = check(md);
          if (failure) refuse(call, failure);
          else pass(md);
        },
      });
    },
  });
}

/** Ends the call with `failure` as its status. */
export function refuse(call: ServerInterceptingCallInterface, failure: RpcFailure): void {
  call.sendStatus({ code: failure.code, details: failure.details, metadata: failure.metadata });
}

/** Calls an interceptor leaves alone go on as they are: no wrapper, no cost. */
export const untouched = (call: ServerInterceptingCallInterface): ServerInterceptingCall =>
  call as ServerInterceptingCall;

export type { ServerInterceptor };
