/**
 * A client of vpprpc.Batch/Call over grpc-js: items go out as encoded
 * BatchRequest bytes, replies come back as decoded BatchReply values. Used by
 * `vpp-rpc apply` and by the tests.
 */
import * as grpc from '@grpc/grpc-js';
import type protobuf from 'protobufjs';
import { compileBinary, type BinaryCodec } from '../protobuf/index.ts';
import type { Value } from '../protobuf/index.ts';
import { BATCH_PATH, TYPE_URL_PREFIX } from '../wire-names.ts';

export interface BatchItem {
  id?: bigint | number;
  /** "Service/Rpc" or the full gRPC method */
  rpc?: string;
  /** full name of the request type; sent as the Any's type_url */
  type?: string;
  /** the request message's bytes */
  value?: Uint8Array;
  /** first item only */
  options?: { stop_on_error?: boolean; window?: number };
}

export interface BatchAnswer {
  id: bigint;
  /** the reply's type (full name) and bytes */
  reply?: { type: string; value: Buffer };
  error?: { code: number; message: string; details: { type_url: string; value: Buffer }[] };
}

export class BatchCodec {
  private readonly request: BinaryCodec;
  private readonly reply: BinaryCodec;

  constructor(root: protobuf.Root) {
    this.request = compileBinary(root.lookupType('vpprpc.BatchRequest'));
    this.reply = compileBinary(root.lookupType('vpprpc.BatchReply'));
  }

  encode(item: BatchItem): Buffer {
    const v: Value = {};
    if (item.id !== undefined) v.id = BigInt(item.id);
    if (item.rpc) v.rpc = item.rpc;
    if (item.type !== undefined || item.value !== undefined)
      v.request = { type_url: item.type === undefined ? '' : TYPE_URL_PREFIX + item.type, value: item.value ?? EMPTY };
    if (item.options) v.options = item.options;
    return this.request.encode(v);
  }

  decode(bytes: Buffer): BatchAnswer {
    const v = this.reply.decode(bytes) as {
      id?: bigint;
      reply?: { type_url?: string; value?: Buffer };
      error?: { code?: number; message?: string; details?: { type_url: string; value: Buffer }[] };
    };
    const out: BatchAnswer = { id: v.id ?? 0n };
    if (v.reply) {
      const url = v.reply.type_url ?? '';
      out.reply = { type: url.slice(url.lastIndexOf('/') + 1), value: v.reply.value ?? EMPTY };
    }
    if (v.error)
      out.error = { code: v.error.code ?? 0, message: v.error.message ?? '', details: v.error.details ?? [] };
    return out;
  }
}

const EMPTY = Buffer.alloc(0);
const identity = (b: Buffer): Buffer => b;

/** Opens one Batch/Call stream on a grpc-js client (any service's client reaches the path). */
export function openBatch(
  client: grpc.Client,
  opts: { deadline?: grpc.Deadline; metadata?: grpc.Metadata } = {},
): grpc.ClientDuplexStream<Buffer, Buffer> {
  return client.makeBidiStreamRequest(
    BATCH_PATH,
    identity,
    identity,
    opts.metadata ?? new grpc.Metadata(),
    opts.deadline === undefined ? {} : { deadline: opts.deadline },
  );
}
