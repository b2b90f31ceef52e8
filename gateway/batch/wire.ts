/**
 * vpprpc.Batch's two messages (proto/vpprpc/batch.proto) written and read
 * field by field: the gateway only wraps bytes it encoded already in a few
 * fields, and unwraps replies the same way, with no second copy through a
 * codec per item. A request is written in place, prefix included, into a
 * buffer of its exact size; a reply's message is a view of the bytes read.
 */
import { readStatus, type RpcStatus } from '../../lib/grpc/status-details.ts';
import { PREFIX_BYTES, writePrefix } from '../../lib/grpc/wire.ts';
import { WireReader } from '../../lib/protobuf/wire-reader.ts';
import { WireType, WireWriter, tagOf, varintSize } from '../../lib/protobuf/wire-writer.ts';
import { TYPE_URL_PREFIX } from '../../lib/wire-names.ts';

const { VARINT, LEN } = WireType;

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

/** A string field on its own, tag and length included. */
function stringField(field: number, s: string): Buffer {
  const w = new WireWriter();
  w.tag(field, LEN);
  w.string(s);
  return w.finish();
}

/** `rpc`: the full gRPC method (`vpp.ip.Ip/IpRouteAddDel`); `typeName`: its request type (`vpp.ip.IpRouteAddDel`). */
export function batchTarget(rpc: string, typeName: string): BatchTarget {
  return {
    rpcField: stringField(2, rpc),
    typeUrlField: stringField(1, TYPE_URL_PREFIX + typeName),
  };
}

/** BatchOptions as field 4 of the first request, or undefined when all are defaults. */
export function optionsField(o: BatchOptions): Buffer | undefined {
  if (!o.stopOnError && o.window === 0) return undefined;
  const w = new WireWriter();
  w.tag(4, LEN);
  const at = w.beginLength();
  if (o.stopOnError) {
    w.tag(1, VARINT);
    w.bool(true);
  }
  if (o.window) {
    w.tag(2, VARINT);
    w.uint32(o.window);
  }
  w.endLength(at);
  return w.finish();
}

/** Keys of the fields written and read per item; all below 128, one byte each. */
const KEY = {
  /** BatchRequest.id, BatchReply.id */
  id: tagOf(1, VARINT),
  /** BatchRequest.request: the Any */
  request: tagOf(3, LEN),
  /** google.protobuf.Any.value */
  anyValue: tagOf(2, LEN),
  /** BatchReply.reply: the Any */
  reply: tagOf(2, LEN),
  /** BatchReply.error: a google.rpc.Status */
  error: tagOf(3, LEN),
} as const;
const KEY_BYTES = 1;

/** Writes each request into its own buffer, sized beforehand. */
const requestWriter = new WireWriter();

/** One BatchRequest{id, rpc, request: Any} in its 5-byte gRPC frame, `extra` (options) appended. */
export function batchRequestFrame(id: number, target: BatchTarget, request: Uint8Array, extra?: Buffer): Buffer {
  const valueLen = request.length ? KEY_BYTES + varintSize(request.length) + request.length : 0;
  const anyLen = target.typeUrlField.length + valueLen;
  const msgLen =
    (id ? KEY_BYTES + varintSize(id) : 0) +
    target.rpcField.length +
    KEY_BYTES +
    varintSize(anyLen) +
    anyLen +
    (extra ? extra.length : 0);
  const out = Buffer.allocUnsafe(PREFIX_BYTES + msgLen);
  const w = requestWriter.into(out, writePrefix(out, 0, msgLen));
  if (id) {
    w.byte(KEY.id);
    w.uint53(id);
  }
  w.raw(target.rpcField);
  w.byte(KEY.request);
  w.uint32(anyLen);
  w.raw(target.typeUrlField);
  if (request.length) {
    w.byte(KEY.anyValue);
    w.bytes(request);
  }
  if (extra) w.raw(extra);
  return out;
}

export type BatchAnswer = { id: number; reply: Uint8Array } | { id: number; error: RpcStatus };

const EMPTY = new Uint8Array();

/** google.protobuf.Any's value, as a view of the bytes: the reply message. */
function anyValue(r: WireReader, end: number): Uint8Array {
  let value: Uint8Array = EMPTY;
  while (r.pos < end) {
    const key = r.tag(end);
    if (key === KEY.anyValue) value = r.bytesView(end);
    else r.skip(key, end, 0);
  }
  return value;
}

/**
 * A BatchReply: the id and either the reply message's bytes (unwrapped from
 * Any) or the item's status. The id is a uint64: one past 2^53 cannot be told
 * from its neighbours, but the gateway numbers its items from 0 and never
 * gets that far.
 */
export function decodeBatchReply(bytes: Uint8Array): BatchAnswer {
  const r = new WireReader(bytes);
  const end = r.buf.length;
  let id = 0;
  let reply: Uint8Array = EMPTY;
  let error: RpcStatus | undefined;
  // the reply and the error are a oneof: the last one sent wins
  while (r.pos < end) {
    const key = r.tag(end);
    if (key === KEY.id) id = r.uint64Number(end);
    else if (key === KEY.reply) {
      reply = anyValue(r, r.lengthEnd(end));
      error = undefined;
    } else if (key === KEY.error) {
      error = readStatus(r, r.lengthEnd(end));
      reply = EMPTY;
    } else r.skip(key, end, 0);
  }
  return error ? { id, error } : { id, reply };
}
