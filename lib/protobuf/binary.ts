/**
 * compileBinary: a message type's proto3 wire codec, compiled once. The
 * type and every type it reaches are generated into one scope, so nested
 * messages are direct calls (recursive types included), and each of them is
 * cached as a codec of its own.
 */
import type protobuf from 'protobufjs';
import { decoderSource } from './binary-decode.ts';
import { encoderSource } from './binary-encode.ts';
import { compileTypes } from './codegen.ts';
import { ProtoError, within } from './errors.ts';
import { mergeMessage } from './merge.ts';
import { enumNumberOf, floatOf, int64Of, invalidValue, isPlainObject, uint64Of, type Value } from './values.ts';
import { MAX_DEPTH, tooDeep, WireReader } from './wire-reader.ts';
import { WireWriter } from './wire-writer.ts';

export interface BinaryCodec {
  /** proto3 canonical bytes of `value`; throws ProtoError naming the field of a value that does not fit */
  encode(value: Value): Buffer;
  /** the value of `bytes`; throws ProtoError with the field path on malformed input */
  decode(bytes: Uint8Array): Value;
}

type Encoder = (w: WireWriter, v: Value, depth: number) => void;
type Decoder = (r: WireReader, end: number, depth: number) => Value;

const RUNTIME = {
  MAX_DEPTH,
  tooDeep,
  within,
  mergeMessage,
  invalidValue,
  int64Of,
  uint64Of,
  floatOf,
  enumNumberOf,
  isPlainObject,
  oneofConflict: (first: string) =>
    new ProtoError('invalid-value', '', `${first} is set too: only one member of a oneof may be`),
  wrongWireType: (tag: number) => new ProtoError('wrong-wire-type', '', `unexpected wire type ${tag & 7}`),
};

/** One writer for every encode; a nested call (from a getter, say) gets a fresh one. */
const sharedWriter = new WireWriter();
let sharedWriterBusy = false;

function codec(encodeMessage: Encoder, decodeMessage: Decoder): BinaryCodec {
  return {
    encode(value: Value): Buffer {
      if (!isPlainObject(value)) throw invalidValue('a message object', value);
      const own = !sharedWriterBusy;
      const w = own ? sharedWriter : new WireWriter();
      sharedWriterBusy = true;
      try {
        encodeMessage(w, value, 0);
        return w.finish();
      } catch (e) {
        w.reset();
        throw e;
      } finally {
        if (own) sharedWriterBusy = false;
      }
    },
    decode(bytes: Uint8Array): Value {
      if (!(bytes instanceof Uint8Array)) throw invalidValue('bytes (a Uint8Array)', bytes);
      const r = new WireReader(bytes);
      return decodeMessage(r, r.buf.length, 0);
    },
  };
}

const cache = new WeakMap<protobuf.Type, BinaryCodec>();

export function compileBinary(type: protobuf.Type): BinaryCodec {
  const cached = cache.get(type);
  if (cached) return cached;
  for (const { type: t, fns } of compileTypes(type, { enc: encoderSource, dec: decoderSource }, RUNTIME))
    if (!cache.has(t)) cache.set(t, codec(fns.enc as Encoder, fns.dec as Decoder));
  return cache.get(type)!;
}
