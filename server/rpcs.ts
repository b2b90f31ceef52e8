/**
 * The RPC table: every method of every service in proto/, with its VPP
 * service entry, its shape and its compiled codecs. Built once at start.
 */
import type protobuf from 'protobufjs';
import { rpcShape, type RpcShape } from '../vpp/api/mapping.ts';
import type { ApiModel, ServiceDef } from '../vpp/api/model.ts';
import { compileBinary, optionOf, serviceMethods, type BinaryCodec } from '../lib/protobuf/index.ts';

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

/** Every RPC of the proto root that carries a (vpprpc.method) option. */
export function buildRpcTable(root: protobuf.Root, model: ApiModel): Rpc[] {
  return serviceMethods(root).map(({ service, method: m }) => {
    const request = optionOf<{ request?: string }>(m, '(vpprpc.method)')?.request;
    const vpp = request === undefined ? undefined : model.services.get(request);
    if (!vpp) throw new Error(`rpc ${service}.${m.name} names no VPP service (option (vpprpc.method))`);
    return {
      service,
      method: m.name,
      path: `/${service}/${m.name}`,
      vpp,
      shape: rpcShape(vpp),
      request: compileBinary(m.resolvedRequestType!),
      response: compileBinary(m.resolvedResponseType!),
    };
  });
}
