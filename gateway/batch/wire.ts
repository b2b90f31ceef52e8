/**
 * vpprpc.Batch's two messages (proto/vpprpc/batch.proto) written and read by
 * hand: the gateway only wraps bytes it encoded already in a few fields, and
 * unwraps replies the same way, with no second copy through a codec per item.
 */
import { decodeStatus, readFields, type RpcStatus } from '../../lib/grpc/status-details.ts';
import { PREFIX_BYTES, writePrefix } from '../../lib/grpc/wire.ts';

export const BATCH_CALL_PATH = '/vpprpc.Batch/Call';

/** The fields that name one RPC in every BatchRequest to it, encoded once. */
export interface BatchTarget {
  /** `rpc` (field 2) */
  rpcField: Buffer;
  /** google.protobuf.Any's `type_url` (its field 1) */
  typeUrlField: Buffer;
}

export interface BatchOptions {
  stopOnError: boolean;
  /** 0: the server's default */
  window: number;
}

function varintSize(n: number): number {
  let size = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

function writeVarint(buf: Buffer, pos: number, n: number): number {
  while (n >= 128) {
    buf[pos++] = (n % 128) | 128;
    n = Math.floor(n / 128);
  }
  buf[pos++] = n;
  return pos;
}

/** A length-delimited field `field` holding `bytes`, tag and length included. */
function bytesField(field: number, bytes: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(1 + varintSize(bytes.length) + bytes.length);
  out[0] = (field << 3) | 2;
  out.set(bytes, writeVarint(out, 1, bytes.length));
  return out;
}

/** `rpc`: the full gRPC method (`vpp.ip.Ip/IpRouteAddDel`); `typeName`: its request type (`vpp.ip.IpRouteAddDel`). */
export function batchTarget(rpc: string, typeName: string): BatchTarget {
  return {
    rpcField: bytesField(2, Buffer.from(rpc)),
    typeUrlField: bytesField(1, Buffer.from(`type.googleapis.com/${typeName}`)),
  };
}

/** BatchOptions as field 4 of the first request, or undefined when all are defaults. */
export function optionsField(o: BatchOptions): Buffer | undefined {
  if (!o.stopOnError && o.window === 0) return undefined;
  const inner = Buffer.allocUnsafe(12);
  let p = 0;
  if (o.stopOnError) {
    inner[p++] = 0x08;
    inner[p++] = 1;
  }
  if (o.window) {
    inner[p++] = 0x10;
    p = writeVarint(inner, p, o.window);
  }
  return bytesField(4, inner.subarray(0, p));
}

/** One BatchRequest{id, rpc, request: Any} in its 5-byte gRPC frame, `extra` (options) appended. */
export function batchRequestFrame(id: number, target: BatchTarget, request: Uint8Array, extra?: Buffer): Buffer {
  const valueLen = request.length ? 1 + varintSize(request.length) + request.length : 0;
  const anyLen = target.typeUrlField.length + valueLen;
  const msgLen =
    (id ? 1 + varintSize(id) : 0) +
    target.rpcField.length +
    1 +
    varintSize(anyLen) +
    anyLen +
    (extra ? extra.length : 0);
  const out = Buffer.allocUnsafe(PREFIX_BYTES + msgLen);
  let p = writePrefix(out, 0, msgLen);
  if (id) {
    out[p++] = 0x08;
    p = writeVarint(out, p, id);
  }
  p += target.rpcField.copy(out, p);
  out[p++] = 0x1a;
  p = writeVarint(out, p, anyLen);
  p += target.typeUrlField.copy(out, p);
  if (request.length) {
    out[p++] = 0x12;
    p = writeVarint(out, p, request.length);
    out.set(request, p);
    p += request.length;
  }
  if (extra) extra.copy(out, p);
  return out;
}

export type BatchAnswer = { id: number; reply: Uint8Array } | { id: number; error: RpcStatus };

/** A BatchReply: the id and either the reply message's bytes (unwrapped from Any) or the item's status. */
export function decodeBatchReply(bytes: Uint8Array): BatchAnswer {
  const f = readFields(bytes);
  const id = f.get(1)?.at(-1);
  const any = f.get(2)?.at(-1);
  const error = f.get(3)?.at(-1);
  const n = typeof id === 'number' ? id : 0;
  if (error instanceof Uint8Array) return { id: n, error: decodeStatus(error) };
  const value = any instanceof Uint8Array ? readFields(any).get(2)?.at(-1) : undefined;
  return { id: n, reply: value instanceof Uint8Array ? value : new Uint8Array() };
}
