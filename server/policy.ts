/**
 * Read-only mode and allow/deny lists on gRPC: the refused RPCs are known at
 * start, so a call costs one map lookup, and an allowed one nothing more.
 */
import { status, type ServerInterceptor } from '@grpc/grpc-js';
import type { Logger } from '../lib/log.ts';
import { refusalInfo, refusals, shortService, type PolicyOptions, type Refusal, type RpcName } from '../lib/policy.ts';
import { gate, untouched } from './gate.ts';
import type { Rpc } from './rpcs.ts';
import { rpcFailure, type RpcFailure } from './status.ts';

/** `vpp.vpe.Vpe` `ShowVersion` → the names the patterns and the read rule look at. */
export function rpcName(rpc: Rpc): RpcName {
  return { service: shortService(rpc.service), method: rpc.method, request: rpc.vpp.request, kind: rpc.shape.kind };
}

/** The RPCs the options refuse, by gRPC path; throws when a pattern matches no RPC. */
export function refusedRpcs(opts: PolicyOptions, rpcs: Rpc[]): Map<string, Refusal> {
  return refusals(
    opts,
    rpcs.map((r) => [r.path, rpcName(r)]),
  );
}

/** What a refused call (or batch item) is answered. */
export function refusalFailure(refusal: Refusal): RpcFailure {
  return rpcFailure(status.PERMISSION_DENIED, refusal.message, [refusalInfo(refusal)]);
}

export function policyInterceptor(refused: Map<string, Refusal>, log: Logger): ServerInterceptor {
  return (method, call) => {
    const refusal = refused.get(method.path);
    if (!refusal) return untouched(call);
    return gate(call, () => {
      log.debug({ rpc: method.path, peer: call.getPeer(), rule: refusal.rule }, 'refused by policy');
      return refusalFailure(refusal);
    });
  };
}
