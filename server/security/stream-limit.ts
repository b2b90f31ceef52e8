/**
 * Open streams per client. A dump, an event subscription, a health Watch or a
 * reflection session holds memory (and for events a VPP subscription) as long
 * as it lasts: past the limit a new one is refused with RESOURCE_EXHAUSTED
 * before it starts. Unary calls are not counted.
 */
import {
  ServerInterceptingCall,
  status,
  type Metadata,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
} from '@grpc/grpc-js';
import type { Logger } from '../../lib/log.ts';
import type { Slots } from '../../lib/slots.ts';
import { refuse, untouched } from './gate.ts';
import { rpcFailure } from '../status.ts';

/** Who a call counts against: its token's id when it has a valid one, else its address (not its port). */
export type ClientKey = (md: Metadata, call: ServerInterceptingCallInterface) => string;

export function streamLimitInterceptor(slots: Slots, keyOf: ClientKey, log: Logger): ServerInterceptor {
  return (method, call) => {
    if (!method.responseStream) return untouched(call);
    let held: string | undefined;
    const release = (): void => {
      if (held === undefined) return;
      slots.release(held);
      held = undefined;
    };
    return new ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(md, pass) {
            const key = keyOf(md, call);
            if (slots.take(key)) {
              held = key;
              pass(md);
              return;
            }
            log.debug({ rpc: method.path, peer: call.getPeer(), open: slots.count(key) }, 'too many streams');
            refuse(
              call,
              rpcFailure(
                status.RESOURCE_EXHAUSTED,
                `this client has ${slots.max} streams open already (--max-streams-per-client): end one first`,
              ),
            );
          },
          onCancel: release,
        });
      },
      sendStatus(s, next) {
        release();
        next(s);
      },
    });
  };
}
