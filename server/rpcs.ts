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

/** What names a call for logs, metrics and policy: a VPP RPC or one of the product's own. */
export type RpcId = Pick<Rpc, 'service' | 'method' | 'path'>;

/** An RPC of the product's own services (vpprpc.Stats…): it carries (vpprpc.own), not (vpprpc.method). */
export const isOwnRpc = (m: protobuf.Method): boolean => optionOf(m, '(vpprpc.own)') !== undefined;

const vppRequestOf = (m: protobuf.Method): string | undefined =>
  optionOf<{ request?: string }>(m, '(vpprpc.method)')?.request;

/**
 * Every RPC of the proto root's VPP services. The product's own services are
 * registered separately (server/app.ts): those whose methods carry
 * (vpprpc.own) (vpprpc.Stats), and those none of whose methods carries a
 * (vpprpc.method) option (vpprpc.Batch). A VPP service's method without one is an error.
 */
export function buildRpcTable(root: protobuf.Root, model: ApiModel): Rpc[] {
  const methods = serviceMethods(root).filter(({ method }) => !isOwnRpc(method));
  const vppServices = new Set(methods.filter(({ method }) => vppRequestOf(method) !== undefined).map((s) => s.service));
  return methods
    .filter(({ service }) => vppServices.has(service))
    .map(({ service, method: m }) => {
      const request = vppRequestOf(m);
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

/** An RPC of the product's own services: its codecs and what (vpprpc.own) says of it. */
export interface OwnRpc extends RpcId {
  responseStream: boolean;
  reads: boolean;
  request: BinaryCodec;
  response: BinaryCodec;
}

/** The RPCs of one of the product's own services (`vpprpc.Stats`), from the proto root. */
export function ownRpcTable(root: protobuf.Root, service: string): OwnRpc[] {
  const rpcs = serviceMethods(root)
    .filter((s) => s.service === service && isOwnRpc(s.method))
    .map(({ method: m }) => ({
      service,
      method: m.name,
      path: `/${service}/${m.name}`,
      responseStream: Boolean(m.responseStream),
      reads: optionOf<{ reads_only?: boolean }>(m, '(vpprpc.own)')?.reads_only === true,
      request: compileBinary(m.resolvedRequestType!),
      response: compileBinary(m.resolvedResponseType!),
    }));
  if (rpcs.length === 0) throw new Error(`no service ${service} in the protos: its proto file is missing`);
  return rpcs;
}
