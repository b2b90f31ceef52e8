/**
 * The RPC table: every method of every service in proto/, with its VPP
 * service entry, its shape and its codecs. Built once at start from the
 * services' index; each codec compiles, and its proto file is parsed, on the
 * RPC's first call.
 */
import protobuf from 'protobufjs';
import { isRead } from '../lib/policy.ts';
import { rpcShape, type RpcShape } from '../vpp/api/mapping.ts';
import type { ApiModel, ServiceDef } from '../vpp/api/model.ts';
import {
  indexedOption,
  lazyBinary,
  lazyJson,
  servicesOf,
  type BinaryCodec,
  type JsonCodec,
  type IndexedMethod,
  type ProtoServices,
} from '../lib/protobuf/index.ts';

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
  /** the request's proto3 JSON (journal export, replay reports) */
  requestJson: JsonCodec;
  /** a request/reply RPC that changes VPP's state: what --read-only refuses, and what the journal keeps */
  write: boolean;
}

/** What names a call for logs, metrics and policy: a VPP RPC or one of the product's own. */
export type RpcId = Pick<Rpc, 'service' | 'method' | 'path'>;

/** An RPC of the product's own services (vpprpc.Stats…): it carries (vpprpc.own), not (vpprpc.method). */
export const isOwnRpc = (m: IndexedMethod): boolean => indexedOption(m, '(vpprpc.own)') !== undefined;

const vppRequestOf = (m: IndexedMethod): string | undefined =>
  indexedOption<{ request?: string }>(m, '(vpprpc.method)')?.request;

const indexOf = (protos: ProtoServices | protobuf.Root): ProtoServices =>
  protos instanceof protobuf.Root ? servicesOf(protos) : protos;

/**
 * Every RPC of the protos' VPP services (an index, or a root parsed whole).
 * The product's own services are registered separately (server/app.ts):
 * those whose methods carry (vpprpc.own) (vpprpc.Stats), and those none of
 * whose methods carries a (vpprpc.method) option (vpprpc.Batch). A VPP
 * service's method without one is an error.
 */
export function buildRpcTable(protos: ProtoServices | protobuf.Root, model: ApiModel): Rpc[] {
  const { services, types } = indexOf(protos);
  return services
    .filter((s) => s.methods.some((m) => !isOwnRpc(m) && vppRequestOf(m) !== undefined))
    .flatMap((s) =>
      s.methods
        .filter((m) => !isOwnRpc(m))
        .map((m) => {
          const request = vppRequestOf(m);
          const vpp = request === undefined ? undefined : model.services.get(request);
          if (!vpp) throw new Error(`rpc ${s.name}.${m.name} names no VPP service (option (vpprpc.method))`);
          const shape = rpcShape(vpp);
          return {
            service: s.name,
            method: m.name,
            path: `/${s.name}/${m.name}`,
            vpp,
            shape,
            request: lazyBinary(() => types.type(s.file, m.requestType)),
            response: lazyBinary(() => types.type(s.file, m.responseType)),
            requestJson: lazyJson(() => types.type(s.file, m.requestType)),
            write: shape.kind === 'unary' && !isRead(vpp.request, 'unary'),
          };
        }),
    );
}

/** An RPC of the product's own services: its codecs and what (vpprpc.own) says of it. */
export interface OwnRpc extends RpcId {
  responseStream: boolean;
  reads: boolean;
  request: BinaryCodec;
  response: BinaryCodec;
}

/** The RPCs of one of the product's own services (`vpprpc.Stats`), from the protos' index or a root. */
export function ownRpcTable(protos: ProtoServices | protobuf.Root, service: string): OwnRpc[] {
  const { services, types } = indexOf(protos);
  const rpcs = services
    .filter((s) => s.name === service)
    .flatMap((s) =>
      s.methods.filter(isOwnRpc).map((m) => ({
        service,
        method: m.name,
        path: `/${service}/${m.name}`,
        responseStream: m.responseStream,
        reads: indexedOption<{ reads_only?: boolean }>(m, '(vpprpc.own)')?.reads_only === true,
        request: lazyBinary(() => types.type(s.file, m.requestType)),
        response: lazyBinary(() => types.type(s.file, m.responseType)),
      })),
    );
  if (rpcs.length === 0) throw new Error(`no service ${service} in the protos: its proto file is missing`);
  return rpcs;
}
