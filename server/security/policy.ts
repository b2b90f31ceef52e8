/**
 * Read-only mode and allow/deny lists on gRPC: the refused RPCs are known at
 * start, so a call costs one map lookup, and an allowed one nothing more.
 */
import { status, type ServerInterceptor } from '@grpc/grpc-js';
import type { Logger } from '../../lib/log.ts';
import {
  refusalInfo,
  refusals,
  shortService,
  type PolicyOptions,
  type Refusal,
  type RpcName,
} from '../../lib/policy.ts';
import { gate, untouched } from './gate.ts';
import type { OwnRpc, Rpc } from '../rpcs.ts';
import { rpcFailure, type RpcFailure } from '../status.ts';

/** `vpp.vpe.Vpe` `ShowVersion` → the names the patterns and the read rule look at. */
export function rpcName(rpc: Rpc): RpcName {
  return { service: shortService(rpc.service), method: rpc.method, request: rpc.vpp.request, kind: rpc.shape.kind };
}

/** An RPC of the product's own services: no VPP request; (vpprpc.own) says whether it only reads. */
export function ownRpcName(rpc: OwnRpc): RpcName {
  const kind = rpc.responseStream ? 'dump' : 'unary';
  return { service: shortService(rpc.service), method: rpc.method, request: '', kind, reads: rpc.reads };
}

/** The RPCs the options refuse, by gRPC path; throws when a pattern matches no RPC. */
export function refusedRpcs(opts: PolicyOptions, rpcs: Rpc[], own: OwnRpc[] = []): Map<string, Refusal> {
  return refusals(opts, [
    ...rpcs.map((r): [string, RpcName] => [r.path, rpcName(r)]),
    ...own.map((r): [string, RpcName] => [r.path, ownRpcName(r)]),
  ]);
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
