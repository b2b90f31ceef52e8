/**
 * Reads protobuf wire primitives from a buffer. Every read is bounded by the
 * `end` of the message being read (not of the buffer), so a value that runs
 * past its enclosing length is reported as truncated. Errors carry no path:
 * the compiled decoders add the field names as they unwind.
 */
import { isUtf8 } from 'node:buffer';
import { ProtoError } from './errors.ts';

/** Deepest nesting of messages (and unknown groups) a decoder accepts. */
export const MAX_DEPTH = 100;

const TWO_32 = 4294967296;
/** |hi| below 2^21 keeps hi * 2^32 + lo inside the safe integers */
const SAFE_HI = 2097152;

function truncated(what: string): ProtoError {
  return new ProtoError('truncated', '', `${what} runs past the end of the message`);
}

export function tooDeep(): ProtoError {
  return new ProtoError('too-deep', '', `messages nested deeper than ${MAX_DEPTH}`);
}

/**
 * Buffer's slice decoders: undocumented, but in every Node release and used
 * by Buffer#toString itself; calling them directly skips its argument checks,
 * which cost as much as the decoding for short strings.
 */
interface SliceDecoders {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}

/** Strings and bytes shorter than this are copied byte by byte, which beats a native call. */
const SHORT = 16;

export class WireReader {
  readonly buf: Buffer;
  pos = 0;
  /** the two halves of the last 64-bit value read by varint64 / fixed64 */
  private lo = 0;
  private hi = 0;

  constructor(bytes: Uint8Array) {
    this.buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** A field's key: number << 3 | wire type. Field number 0 and keys beyond 32 bits are malformed. */
  tag(end: number): number {
    const b = this.buf;
    const p = this.pos;
    if (p < end) {
      const x = b[p]!;
      if (x < 128 && x >= 8) {
        this.pos = p + 1;
        return x;
      }
    }
    return this.tagSlow(end);
  }

  private tagSlow(end: number): number {
    const b = this.buf;
    let p = this.pos;
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (p >= end) throw truncated('a field tag');
      const x = b[p++]!;
      if (shift === 28 && x > 15) throw new ProtoError('bad-varint', '', 'a field tag longer than 32 bits');
      value |= (x & 127) << shift;
      if (x < 128) {
        this.pos = p;
        value >>>= 0;
        if (value < 8) throw new ProtoError('bad-wire-type', '', 'field number 0');
        return value;
      }
    }
    throw new ProtoError('bad-varint', '', 'a field tag longer than 32 bits');
  }

  /** The low 32 bits of a varint, as a signed integer (int32, enum). */
  int32(end: number): number {
    const p = this.pos;
    if (p < end) {
      const x = this.buf[p]!;
      if (x < 128) {
        this.pos = p + 1;
        return x;
      }
    }
    return this.varint32Slow(end);
  }

  uint32(end: number): number {
    return this.int32(end) >>> 0;
  }

  sint32(end: number): number {
    const z = this.int32(end);
    return (z >>> 1) ^ -(z & 1);
  }

  /** Any varint up to 10 bytes; keeps the low 32 bits (proto3 truncates wider values for 32-bit fields). */
  private varint32Slow(end: number): number {
    const b = this.buf;
    let p = this.pos;
    let value = 0;
    for (let i = 0; i < 10; i++) {
      if (p >= end) throw truncated('a varint');
      const x = b[p++]!;
      if (i < 5) value |= (x & 127) << (7 * i);
      if (x < 128) {
        this.pos = p;
        return value | 0;
      }
    }
    throw new ProtoError('bad-varint', '', 'a varint longer than 10 bytes');
  }

  /** Reads a varint into lo/hi. */
  private varint64(end: number): void {
    const b = this.buf;
    let p = this.pos;
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (p >= end) throw truncated('a varint');
      const x = b[p++]! & 127;
      if (i < 4) lo |= x << (7 * i);
      else if (i === 4) {
        lo |= x << 28;
        hi |= x >>> 4;
      } else hi |= x << (7 * i - 32);
      if (b[p - 1]! < 128) {
        this.pos = p;
        this.lo = lo >>> 0;
        this.hi = hi >>> 0;
        return;
      }
    }
    throw new ProtoError('bad-varint', '', 'a varint longer than 10 bytes');
  }

  bool(end: number): boolean {
    const p = this.pos;
    if (p < end) {
      const x = this.buf[p]!;
      if (x < 128) {
        this.pos = p + 1;
        return x !== 0;
      }
    }
    this.varint64(end);
    return this.lo !== 0 || this.hi !== 0;
  }

  int64(end: number): bigint {
    this.varint64(end);
    return signed64(this.lo, this.hi);
  }

  uint64(end: number): bigint {
    this.varint64(end);
    return unsigned64(this.lo, this.hi);
  }

  /**
   * A uint64 as a JS number: exact below 2^53, the nearest number above. For
   * ids a caller compares with the numbers it sent, without a BigInt per read.
   */
  uint64Number(end: number): number {
    const p = this.pos;
    if (p < end) {
      const x = this.buf[p]!;
      if (x < 128) {
        this.pos = p + 1;
        return x;
      }
    }
    this.varint64(end);
    return this.hi * TWO_32 + this.lo;
  }

  sint64(end: number): bigint {
    this.varint64(end);
    const sign = -(this.lo & 1);
    const lo = ((this.lo >>> 1) | (this.hi << 31)) ^ sign;
    const hi = (this.hi >>> 1) ^ sign;
    return signed64(lo >>> 0, hi >>> 0);
  }

  private need(n: number, end: number, what: string): number {
    const p = this.pos;
    if (end - p < n) throw truncated(what);
    this.pos = p + n;
    return p;
  }

  fixed32(end: number): number {
    return this.buf.readUInt32LE(this.need(4, end, 'a fixed32'));
  }

  sfixed32(end: number): number {
    return this.buf.readInt32LE(this.need(4, end, 'a fixed32'));
  }

  float(end: number): number {
    return this.buf.readFloatLE(this.need(4, end, 'a float'));
  }

  double(end: number): number {
    return this.buf.readDoubleLE(this.need(8, end, 'a double'));
  }

  private fixed64(end: number): void {
    const p = this.need(8, end, 'a fixed64');
    this.lo = this.buf.readUInt32LE(p);
    this.hi = this.buf.readUInt32LE(p + 4);
  }

  fixed64u(end: number): bigint {
    this.fixed64(end);
    return unsigned64(this.lo, this.hi);
  }

  sfixed64(end: number): bigint {
    this.fixed64(end);
    return signed64(this.lo, this.hi);
  }

  /** A length prefix; returns where the length-delimited value ends. */
  lengthEnd(end: number): number {
    const p = this.pos;
    if (p < end) {
      const x = this.buf[p]!;
      if (x < 128) {
        if (x > end - p - 1) throw truncated(`a length-delimited value of ${x} bytes`);
        this.pos = p + 1;
        return p + 1 + x;
      }
    }
    this.varint64(end);
    const room = end - this.pos;
    if (this.hi !== 0 || this.lo > room)
      throw truncated(`a length-delimited value of ${unsigned64(this.lo, this.hi)} bytes`);
    return this.pos + this.lo;
  }

  string(end: number): string {
    const stop = this.lengthEnd(end);
    const start = this.pos;
    this.pos = stop;
    const b = this.buf;
    if (stop - start < SHORT) {
      let s = '';
      for (let i = start; i < stop; i++) {
        const c = b[i]!;
        if (c >= 128) return utf8(b, start, stop);
        s += String.fromCharCode(c);
      }
      return s;
    }
    for (let i = start; i < stop; i++) if (b[i]! >= 128) return utf8(b, start, stop);
    return (b as unknown as SliceDecoders).latin1Slice(start, stop);
  }

  /** A copy, so that the value does not keep (or alias) the whole input alive. */
  bytes(end: number): Buffer {
    const stop = this.lengthEnd(end);
    const start = this.pos;
    this.pos = stop;
    const out = Buffer.allocUnsafe(stop - start);
    this.buf.copy(out, 0, start, stop);
    return out;
  }

  /** A view of a length-delimited value's bytes, not a copy: for bytes used before the input is let go. */
  bytesView(end: number): Buffer {
    const stop = this.lengthEnd(end);
    const start = this.pos;
    this.pos = stop;
    return this.buf.subarray(start, stop);
  }

  /** Skips a field the message does not know, of any valid wire type. */
  skip(tag: number, end: number, depth: number): void {
    switch (tag & 7) {
      case 0:
        this.varint64(end);
        return;
      case 1:
        this.need(8, end, `unknown field ${tag >>> 3}`);
        return;
      case 2:
        this.pos = this.lengthEnd(end);
        return;
      case 3:
        this.skipGroup(tag >>> 3, end, depth + 1);
        return;
      case 4:
        throw new ProtoError('bad-wire-type', '', `an end-group for field ${tag >>> 3} without its start`);
      case 5:
        this.need(4, end, `unknown field ${tag >>> 3}`);
        return;
      default:
        throw new ProtoError('bad-wire-type', '', `invalid wire type ${tag & 7} (field ${tag >>> 3})`);
    }
  }

  private skipGroup(field: number, end: number, depth: number): void {
    if (depth > MAX_DEPTH) throw tooDeep();
    for (;;) {
      if (this.pos >= end) throw truncated(`the group of field ${field}`);
      const tag = this.tag(end);
      if ((tag & 7) === 4) {
        if (tag >>> 3 !== field) throw new ProtoError('bad-wire-type', '', `group ${field} closed as ${tag >>> 3}`);
        return;
      }
      this.skip(tag, end, depth);
    }
  }
}

/** Invalid UTF-8 is rejected, not replaced: a string field that is not text is a broken message. */
function utf8(b: Buffer, start: number, stop: number): string {
  if (!isUtf8(b.subarray(start, stop))) throw new ProtoError('invalid-utf8', '', 'a string that is not valid UTF-8');
  return (b as unknown as SliceDecoders).utf8Slice(start, stop);
}

export function signed64(lo: number, hi: number): bigint {
  const h = hi | 0;
  if (h < SAFE_HI && h >= -SAFE_HI) return BigInt(h * TWO_32 + lo);
  return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
}

export function unsigned64(lo: number, hi: number): bigint {
  if (hi < SAFE_HI) return BigInt(hi * TWO_32 + lo);
  return (BigInt(hi) << 32n) | BigInt(lo);
}
