/**
 * One item of a REST batch, from its NDJSON line or its JSON array element, as
 * the request to send or the error that answers it without a call: bad JSON,
 * an unknown field (INVALID_ARGUMENT naming the field), an unknown RPC, or an
 * RPC the gateway's policy refuses (PERMISSION_DENIED, as the unary route).
 */
import { status } from '../../lib/grpc/status.ts';
import { refusalInfo, shortService, type Refusal } from '../../lib/policy.ts';
import { applyRefs, BatchRefError, parseRefs, type BatchRef } from '../../lib/batch-refs.ts';
import { batchTarget, type BatchTarget } from './wire.ts';
import { badRequest, GatewayError, type ErrorBody } from '../errors.ts';
import { LineTooLong } from '../ndjson-lines.ts';
import { encodeValue } from '../request-body.ts';
import type { Route } from '../routes.ts';

/** A unary RPC as batches call it. */
export interface BatchRpc {
  route: Route;
  target: BatchTarget;
  /** the gateway's policy refuses it */
  refusal: Refusal | undefined;
}

/** An element of a JSON array body, parsed already. */
export class Parsed {
  constructor(readonly value: unknown) {}
}

export type RawItem = string | LineTooLong | Parsed;

/**
 * `id`: the caller's id of a mixed batch item, echoed as given (undefined:
 * none given). An item with refs is encoded once the lines it names are
 * answered (encodeWithRefs).
 */
export type Item =
  | { rpc: BatchRpc; bytes: Buffer; id?: unknown }
  | { rpc: BatchRpc; request: unknown; refs: BatchRef[]; id?: unknown }
  | { error: ErrorBody; id?: unknown };

export type ItemParser = (raw: RawItem) => Item;

export function batchRpc(route: Route, refusal: Refusal | undefined): BatchRpc {
  return { route, target: batchTarget(route.grpcPath.slice(1), route.requestType), refusal };
}

function valueOf(raw: RawItem): unknown {
  if (raw instanceof Parsed) return raw.value;
  if (raw instanceof LineTooLong)
    throw new GatewayError({
      code: status.INVALID_ARGUMENT,
      message: `the line is ${raw.bytes} bytes, more than --body-limit allows for one item`,
      details: [],
    });
  try {
    return JSON.parse(raw);
  } catch (e) {
    throw badRequest('', `the line is not valid JSON: ${(e as Error).message}`);
  }
}

function errorOf(e: unknown): ErrorBody {
  if (e instanceof GatewayError) return e.body;
  return { code: status.INTERNAL, message: `internal error in the gateway: ${(e as Error).message}`, details: [] };
}

/** Items of `POST /{Service}/{Rpc}/batch`: each one the unary route's body. */
export function singleRpcItems(rpc: BatchRpc): ItemParser {
  return (raw) => {
    try {
      return { rpc, bytes: encodeValue(rpc.route, valueOf(raw)) };
    } catch (e) {
      return { error: errorOf(e) };
    }
  };
}

function refused(r: Refusal): ErrorBody {
  return { code: status.PERMISSION_DENIED, message: r.message, details: [refusalInfo(r)] };
}

const MIXED_FIELDS = new Set(['rpc', 'id', 'request', 'refs']);

/** Items of `POST /batch`: `{"rpc": "Ip/IpRouteAddDel", "id": …, "request": {…}}`. */
export function mixedItems(rpcs: ReadonlyMap<string, BatchRpc>): ItemParser {
  return (raw) => {
    let id: unknown;
    try {
      const v = valueOf(raw);
      if (typeof v !== 'object' || v === null || Array.isArray(v))
        throw badRequest('', 'an item is an object: {"rpc": "Service/Rpc", "id": …, "request": {…}}');
      const item = v as Record<string, unknown>;
      if (typeof item.id === 'string' || typeof item.id === 'number') id = item.id;
      else if (item.id !== undefined && item.id !== null) throw badRequest('id', 'a string or a number');
      for (const k of Object.keys(item))
        if (!MIXED_FIELDS.has(k)) throw badRequest(k, 'unknown field: an item has rpc, id, request and refs');
      if (typeof item.rpc !== 'string') throw badRequest('rpc', 'the RPC to call, as "Service/Rpc"');
      const rpc = rpcs.get(item.rpc);
      if (!rpc) throw badRequest('rpc', `no unary RPC ${item.rpc}: name it as "Service/Rpc", e.g. "Vpe/ShowVersion"`);
      if (rpc.refusal) return { error: refused(rpc.refusal), id };
      let refs: BatchRef[];
      try {
        refs = parseRefs(item.refs);
      } catch (e) {
        throw badRequest('refs', (e as Error).message);
      }
      if (refs.length) return { rpc, request: item.request ?? {}, refs, id };
      return { rpc, bytes: encodeValue(rpc.route, item.request ?? {}, 'request'), id };
    } catch (e) {
      return { error: errorOf(e), id };
    }
  };
}

/**
 * An item with refs, encoded with the numbers the replies of the lines it
 * names handed out (`replies`: by line id); the error that answers it when a
 * line it names has none (FAILED_PRECONDITION) or its request is bad.
 */
export function encodeWithRefs(
  item: { rpc: BatchRpc; request: unknown; refs: BatchRef[] },
  replies: Map<string, Record<string, number>>,
): Buffer | ErrorBody {
  try {
    applyRefs(item.request, item.refs, replies);
    return encodeValue(item.rpc.route, item.request, 'request');
  } catch (e) {
    if (e instanceof BatchRefError)
      return { code: status.FAILED_PRECONDITION, message: `refs: ${e.message}`, details: [] };
    return errorOf(e);
  }
}

/** The unary RPCs by the names a mixed item may give: `Ip/IpRouteAddDel` and `vpp.ip.Ip/IpRouteAddDel`. */
export function rpcsByName(rpcs: BatchRpc[]): Map<string, BatchRpc> {
  const out = new Map<string, BatchRpc>();
  for (const r of rpcs) {
    out.set(`${shortService(r.route.service)}/${r.route.method}`, r);
    out.set(`${r.route.service}/${r.route.method}`, r);
  }
  return out;
}
