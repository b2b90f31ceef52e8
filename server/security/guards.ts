/**
 * The server's protections, assembled once at start from its settings: bearer
 * tokens, read-only and allow/deny, streams per client (gRPC interceptors, in
 * that order), and the array cap (behind the request decoders). What is off
 * adds nothing to a call.
 */
import type { ServerInterceptor } from '@grpc/grpc-js';
import type { Logger } from '../../lib/log.ts';
import type { Refusal } from '../../lib/policy.ts';
import { Slots } from '../../lib/slots.ts';
import { TokenFile } from '../../lib/tokens.ts';
import type { ApiModel } from '../../vpp/api/model.ts';
import { limitArrays } from './array-limit.ts';
import { authInterceptor, callToken } from './auth.ts';
import type { ServerConfig } from '../config.ts';
import { policyInterceptor, refusedRpcs } from './policy.ts';
import type { OwnRpc, Rpc } from '../rpcs.ts';
import { streamLimitInterceptor, type ClientKey } from './stream-limit.ts';

export interface ServerGuards {
  /** for grpc.Server's `interceptors` option; the first sees a call first */
  interceptors: ServerInterceptor[];
  /** the RPCs read-only mode and the allow/deny lists refuse, by gRPC path (batch items are checked against it) */
  refused: Map<string, Refusal>;
  /** what is on, for the start-up line */
  summary: Record<string, unknown>;
  close(): void;
}

export function serverGuards(
  cfg: ServerConfig,
  rpcs: Rpc[],
  model: ApiModel,
  log: Logger,
  own: OwnRpc[] = [],
): ServerGuards {
  const interceptors: ServerInterceptor[] = [];
  const tokens = cfg.authTokens ? new TokenFile(cfg.authTokens, log) : undefined;
  try {
    if (tokens) interceptors.push(authInterceptor(tokens, log));
    const refused = refusedRpcs(cfg, rpcs, own);
    if (refused.size > 0) interceptors.push(policyInterceptor(refused, log));
    if (cfg.maxStreamsPerClient > 0) {
      const address: ClientKey = (_md, call) => call.getConnectionInfo().remoteAddress ?? call.getPeer();
      const keyOf: ClientKey = tokens
        ? (md, call) => {
            const id = callToken(tokens, md);
            return id === undefined ? `address ${address(md, call)}` : `token ${id}`;
          }
        : address;
      interceptors.push(streamLimitInterceptor(new Slots(cfg.maxStreamsPerClient), keyOf, log));
    }
    const arrayChecked = limitArrays(rpcs, model, cfg.maxArrayLength);
    return {
      interceptors,
      refused,
      summary: {
        auth: tokens ? 'bearer' : 'off',
        refusedRpcs: refused.size,
        ...(cfg.readOnly ? { readOnly: true } : {}),
        ...(cfg.maxStreamsPerClient ? { maxStreamsPerClient: cfg.maxStreamsPerClient } : {}),
        ...(arrayChecked ? { maxArrayLength: cfg.maxArrayLength } : {}),
      },
      close: () => tokens?.close(),
    };
  } catch (e) {
    tokens?.close();
    throw e;
  }
}
