/**
 * The RPC table: every method of every service in proto/, with its VPP
 * service entry, its shape and its codecs. Built once at start from the
 * services' index; each codec compiles, and its proto file is parsed, on the
 * RPC's first call.
 */
import protobuf from 'protobufjs';
import { rpcShape, type RpcShape } from '../vpp/api/mapping.ts';
import type { ApiModel, ServiceDef } from '../vpp/api/model.ts';
import { indexedOption, lazyBinary, servicesOf, type BinaryCodec, type ProtoServices } from '../lib/protobuf/index.ts';

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

/** Every RPC of the protos (an index, or a root parsed whole) that carries a (vpprpc.method) option. */
export function buildRpcTable(protos: ProtoServices | protobuf.Root, model: ApiModel): Rpc[] {
  const { services, types } = protos instanceof protobuf.Root ? servicesOf(protos) : protos;
  return services.flatMap((s) =>
    s.methods.map((m) => {
      const request = indexedOption<{ request?: string }>(m, '(vpprpc.method)')?.request;
      const vpp = request === undefined ? undefined : model.services.get(request);
      if (!vpp) throw new Error(`rpc ${s.name}.${m.name} names no VPP service (option (vpprpc.method))`);
      return {
        service: s.name,
        method: m.name,
        path: `/${s.name}/${m.name}`,
        vpp,
        shape: rpcShape(vpp),
        request: lazyBinary(() => types.type(s.file, m.requestType)),
        response: lazyBinary(() => types.type(s.file, m.responseType)),
      };
    }),
  );
}
