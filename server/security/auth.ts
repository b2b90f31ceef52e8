/**
 * Bearer tokens on gRPC: every call but the health service's must carry the
 * metadata `authorization: Bearer <token>`, else UNAUTHENTICATED. Reflection
 * follows the same rule; health stays open so that probes work without a secret.
 */
import { status, type Metadata, type ServerInterceptor } from '@grpc/grpc-js';
import type { Logger } from '../../lib/log.ts';
import { bearerToken, type TokenCheck } from '../../lib/tokens.ts';
import { HEALTH_SERVICE } from '../../lib/wire-names.ts';
import { gate, untouched } from './gate.ts';
import { rpcFailure } from '../status.ts';

const OPEN = `/${HEALTH_SERVICE}/`;

/** The id of the call's valid token, undefined when it has none or a wrong one. */
export function callToken(tokens: TokenCheck, md: Metadata): string | undefined {
  const header = md.get('authorization')[0];
  const token = typeof header === 'string' ? bearerToken(header) : undefined;
  return token === undefined ? undefined : tokens.identify(token);
}

export function authInterceptor(tokens: TokenCheck, log: Logger): ServerInterceptor {
  return (method, call) => {
    if (method.path.startsWith(OPEN)) return untouched(call);
    return gate(call, (md) => {
      if (callToken(tokens, md) !== undefined) return undefined;
      const missing = md.get('authorization').length === 0;
      const message = missing
        ? 'authentication required: send the metadata "authorization: Bearer <token>"'
        : 'the bearer token is not valid';
      log.debug({ rpc: method.path, peer: call.getPeer() }, missing ? 'no token' : 'invalid token');
      return rpcFailure(status.UNAUTHENTICATED, message);
    });
  };
}
