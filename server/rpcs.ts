/**
 * The RPC table: every method of every service in proto/, with its VPP
 * service entry, its shape and its compiled codecs. Built once at start.
 */
import type protobuf from 'protobufjs';
import { rpcShape, type RpcShape } from '../vpp/api/mapping.ts';
import type { ApiModel, ServiceDef } from '../vpp/api/model.ts';
import { compileBinary, type BinaryCodec } from '../lib/protobuf/index.ts';

export interface Rpc {
  /** `vpp.vpe.Vpe` */
  service: string;
  /** `ShowVersion` */
  method: string;
  /** `/vpp.vpe.Vpe/ShowVersion` */
  path: string;
  vpp: ServiceDef;
  shape: RpcShape;
  request: BinaryCodec;
  response: BinaryCodec;
}

function methodInfo(m: protobuf.Method): { request?: string } {
  for (const o of (m.parsedOptions ?? []) as unknown as Record<string, unknown>[]) {
    const v = o['(vpprpc.method)'];
    if (v) return v as { request?: string };
  }
  return {};
}

/** Every RPC of the proto root that carries a (vpprpc.method) option. */
export function buildRpcTable(root: protobuf.Root, model: ApiModel): Rpc[] {
  const rpcs: Rpc[] = [];
  const visit = (ns: protobuf.NamespaceBase): void => {
    for (const obj of ns.nestedArray) {
      if ('methodsArray' in obj) {
        const svc = obj as protobuf.Service;
        const service = svc.fullName.replace(/^\./, '');
        for (const m of svc.methodsArray) {
          const request = methodInfo(m).request;
          const vpp = request === undefined ? undefined : model.services.get(request);
          if (!vpp) throw new Error(`rpc ${service}.${m.name} names no VPP service (option (vpprpc.method))`);
          m.resolve();
          rpcs.push({
            service,
            method: m.name,
            path: `/${service}/${m.name}`,
            vpp,
            shape: rpcShape(vpp),
            request: compileBinary(m.resolvedRequestType!),
            response: compileBinary(m.resolvedResponseType!),
          });
        }
      } else if ('nestedArray' in obj) visit(obj as protobuf.Namespace);
    }
  };
  visit(root);
  return rpcs;
}
