/**
 * The items of a vpprpc.Batch/Call stream: which RPC each one names, its
 * request decoded with that RPC's codec, and the BatchReply bytes it is
 * answered with. Tables built once at start; per item, map lookups only.
 */
import { Metadata, status } from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import {
  lazyBinary,
  servicesOf,
  type BinaryCodec,
  type IndexedMethod,
  type ProtoServices,
} from '../../lib/protobuf/index.ts';
import { shortService, type Refusal } from '../../lib/policy.ts';
import type { Value } from '../../vpp/codec/types.ts';
import { refusalFailure } from '../security/policy.ts';
import type { Rpc } from '../rpcs.ts';
import { invalidArgument, rpcFailure, type RpcFailure } from '../status.ts';
import { BATCH_SERVICE, STATUS_DETAILS_KEY, TYPE_URL_PREFIX } from '../../lib/wire-names.ts';

const KIND_NAMES = { dump: 'a dump', cursor: 'a dump (cursor stream)', events: 'an event subscription' } as const;

/** An RPC as items name it. */
interface Target {
  rpc: Rpc;
  /** full name of its request type */
  requestType: string;
  /** `type.googleapis.com/vpp.ip.IpRouteAddDelReply` */
  replyTypeUrl: string;
  /** PERMISSION_DENIED under read-only mode or the allow/deny lists */
  refused: RpcFailure | undefined;
}

export interface BatchOptions {
  stopOnError: boolean;
  /** 0: the server's default */
  window: number;
}

/** What one item resolved to: the RPC and its decoded request, or why it is answered with an error. */
export interface ResolvedItem {
  /** the caller's id (0 when left out) */
  id: bigint | number;
  /** set when the item names an RPC, also when it then fails (for metrics) */
  rpc: Rpc | undefined;
  request: Value | undefined;
  /** the request's protobuf bytes, as the caller sent them */
  requestBytes: Buffer | undefined;
  failure: RpcFailure | undefined;
}

export class BatchItems {
  private readonly byName = new Map<string, Target>();
  private readonly byType = new Map<string, Target>();
  private readonly requestCodec: BinaryCodec;
  private readonly replyCodec: BinaryCodec;
  private readonly statusCodec: BinaryCodec;
  private readonly targets = new Map<Rpc, Target>();

  /**
   * `protos`: the protos' index (or a root parsed whole). Item targets come
   * from the index by name; the codecs, and the files they are declared in,
   * are parsed at the first item that needs them.
   */
  constructor(protos: ProtoServices | protobuf.Root, rpcs: Rpc[], refused: Map<string, Refusal>) {
    const { services, types } = protos instanceof protobuf.Root ? servicesOf(protos) : protos;
    const batchFile = services.find((s) => s.name === BATCH_SERVICE)?.file;
    if (batchFile === undefined)
      throw new Error(`no service ${BATCH_SERVICE} in the protos: its proto file is missing`);
    // google.rpc.Status is imported by the batch proto: its file brings it along
    this.requestCodec = lazyBinary(() => types.type(batchFile, 'vpprpc.BatchRequest'));
    this.replyCodec = lazyBinary(() => types.type(batchFile, 'vpprpc.BatchReply'));
    this.statusCodec = lazyBinary(() => types.type(batchFile, 'google.rpc.Status'));
    const methods = new Map<string, IndexedMethod>();
    for (const s of services) for (const m of s.methods) methods.set(`/${s.name}/${m.name}`, m);
    for (const rpc of rpcs) {
      const method = methods.get(rpc.path)!;
      const refusal = refused.get(rpc.path);
      const target: Target = {
        rpc,
        requestType: method.requestType,
        replyTypeUrl: TYPE_URL_PREFIX + method.responseType,
        refused: refusal ? refusalFailure(refusal) : undefined,
      };
      this.targets.set(rpc, target);
      for (const name of [`${shortService(rpc.service)}/${rpc.method}`, `${rpc.service}/${rpc.method}`, rpc.path])
        this.byName.set(name, target);
      // a request type serves one RPC; keep the first should two ever share one
      if (!this.byType.has(target.requestType)) this.byType.set(target.requestType, target);
    }
  }

  /** The first message's options; a message that does not decode has none (its item fails on its own). */
  options(bytes: Buffer): BatchOptions {
    let o: Value | undefined;
    try {
      o = this.requestCodec.decode(bytes).options as Value | undefined;
    } catch {
      o = undefined;
    }
    return { stopOnError: o?.stop_on_error === true, window: (o?.window as number | undefined) ?? 0 };
  }

  /** Decodes one BatchRequest into `out`: its RPC and request, or the failure to answer it with. */
  resolve(bytes: Buffer, out: ResolvedItem): void {
    out.id = 0;
    out.rpc = undefined;
    out.request = undefined;
    out.requestBytes = undefined;
    out.failure = undefined;
    let item: Value;
    try {
      item = this.requestCodec.decode(bytes);
    } catch (e) {
      out.failure = invalidArgument('', `not a vpprpc.BatchRequest: ${(e as Error).message}`);
      return;
    }
    out.id = (item.id as bigint | undefined) ?? 0;
    const any = item.request as { type_url?: string; value?: Uint8Array } | undefined;
    const target = this.targetOf(item.rpc as string | undefined, any?.type_url, out);
    if (!target) return;
    out.rpc = target.rpc;
    if (target.rpc.shape.kind !== 'unary') {
      const path = `${shortService(target.rpc.service)}/${target.rpc.method}`;
      out.failure = rpcFailure(
        status.UNIMPLEMENTED,
        `${path} is ${KIND_NAMES[target.rpc.shape.kind]}: a batch carries request/reply RPCs only; call it on its own`,
      );
      return;
    }
    if (target.refused) {
      out.failure = target.refused;
      return;
    }
    try {
      out.requestBytes = Buffer.isBuffer(any?.value) ? any.value : Buffer.from(any?.value ?? EMPTY);
      out.request = target.rpc.request.decode(out.requestBytes);
    } catch (e) {
      const failure = e as { name?: string; path?: string; message?: string };
      // the same words as the unary RPC's INVALID_ARGUMENT, under `request.value` of this item
      out.failure =
        failure?.name === 'ProtoError'
          ? invalidArgument(
              failure.path ? `request.${failure.path}` : 'request',
              `not a ${target.requestType}: ${failure.message ?? 'malformed'}`,
            )
          : invalidArgument('request', String(failure?.message ?? e));
    }
  }

  private targetOf(rpc: string | undefined, typeUrl: string | undefined, out: ResolvedItem): Target | undefined {
    let fromType: Target | undefined;
    let type: string | undefined;
    if (typeUrl) {
      const slash = typeUrl.lastIndexOf('/');
      type = typeUrl.slice(slash + 1);
      if (slash < 0 || !type) {
        out.failure = invalidArgument(
          'request.type_url',
          `"${typeUrl}" is not a type URL (type.googleapis.com/<type>)`,
        );
        return undefined;
      }
      fromType = this.byType.get(type);
    }
    if (rpc) {
      const target = this.byName.get(rpc);
      if (!target) {
        out.failure = rpcFailure(
          status.UNIMPLEMENTED,
          `rpc "${rpc}": no such RPC (give "Service/Rpc" as in its REST route, e.g. "Ip/IpRouteAddDel", or "vpp.ip.Ip/IpRouteAddDel")`,
        );
        return undefined;
      }
      if (type !== undefined && type !== target.requestType) {
        out.failure = invalidArgument('request.type_url', `${rpc} takes ${target.requestType}, not ${type}`);
        return undefined;
      }
      return target;
    }
    if (fromType) return fromType;
    out.failure =
      type === undefined
        ? invalidArgument('rpc', 'the item names no RPC: set rpc, or request with its type_url')
        : invalidArgument('request.type_url', `no RPC takes ${type} as its request`);
    return undefined;
  }

  /** BatchReply bytes of a reply from VPP. */
  reply(id: bigint | number, rpc: Rpc, value: Value): Buffer {
    const target = this.targets.get(rpc)!;
    return this.replyCodec.encode({
      id,
      reply: { type_url: target.replyTypeUrl, value: rpc.response.encode(value) },
    });
  }

  /** BatchReply bytes of a failed item: the google.rpc.Status the unary RPC would have ended with. */
  error(id: bigint | number, failure: RpcFailure): Buffer {
    return this.replyCodec.encode({ id, error: this.statusValue(failure) });
  }

  /** A failure as google.rpc.Status, details included (they travel as grpc-status-details-bin on unary calls). */
  statusValue(failure: RpcFailure): Value {
    const bin = failure.metadata instanceof Metadata ? failure.metadata.get(STATUS_DETAILS_KEY)[0] : undefined;
    if (Buffer.isBuffer(bin)) return this.statusCodec.decode(bin);
    return { code: failure.code, message: failure.details };
  }
}

const EMPTY = Buffer.alloc(0);
