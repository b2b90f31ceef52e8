/**
 * Writes protobuf wire primitives into one growing buffer. A nested message
 * or packed list reserves one byte for its length and moves its content only
 * in the rare case that the length needs more. Values arrive validated by the
 * compiled encoders; this class only lays out bytes.
 */

const INITIAL_SIZE = 4096;
/** A writer that grew past this gives its buffer back after the message. */
const KEEP_LIMIT = 1 << 20;
/** A string of fewer UTF-16 units needs fewer than 128 bytes: its length fits the reserved byte. */
const SHORT_STRING = 43;

/** How a field's value is laid out: the low 3 bits of its key (groups, 3 and 4, are never written). */
export const WireType = { VARINT: 0, I64: 1, LEN: 2, I32: 5 } as const;

/** A field's key as written on the wire. */
export const tagOf = (id: number, wireType: number): number => ((id << 3) | wireType) >>> 0;

/** Bytes of the varint of `n`, a non-negative safe integer. */
export function varintSize(n: number): number {
  if (n < 268435456) return n < 128 ? 1 : n < 16384 ? 2 : n < 2097152 ? 3 : 4;
  let size = 5;
  for (let rest = Math.floor(n / 34359738368); rest >= 1; rest = Math.floor(rest / 128)) size++;
  return size;
}

export class WireWriter {
  buf: Buffer = Buffer.allocUnsafe(INITIAL_SIZE);
  pos = 0;

  /**
   * Writes from now on into `buf`, from `pos`. Given a buffer of the
   * message's exact size, the message is written in place and needs no copy
   * out (no `finish`); one writer serves message after message this way.
   * Near the buffer's end no write asks for more room than it takes, so such
   * a buffer is never traded for a larger one.
   */
  into(buf: Buffer, pos: number): this {
    this.buf = buf;
    this.pos = pos;
    return this;
  }

  private ensure(n: number): void {
    if (this.pos + n > this.buf.length) this.grow(n);
  }

  private grow(n: number): void {
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** The bytes written, copied out; the writer is ready for the next message. */
  finish(): Buffer {
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    this.reset();
    return out;
  }

  reset(): void {
    this.pos = 0;
    if (this.buf.length > KEEP_LIMIT) this.buf = Buffer.allocUnsafe(INITIAL_SIZE);
  }

  /** An unsigned 32-bit varint (tags, lengths, uint32, enum values >= 0). */
  uint32(x: number): void {
    // room for the longest varint, else for this one: a buffer sized for the message never grows
    if (this.pos + 5 > this.buf.length) this.ensure(varintSize(x >>> 0));
    const b = this.buf;
    let p = this.pos;
    while (x > 127) {
      b[p++] = (x & 127) | 128;
      x >>>= 7;
    }
    b[p++] = x;
    this.pos = p;
  }

  /** A field's key. */
  tag(field: number, wireType: number): void {
    this.uint32(tagOf(field, wireType));
  }

  /** An unsigned varint of a non-negative safe integer (below 2^53): ids and counts kept as numbers. */
  uint53(x: number): void {
    if (x < 4294967296) this.uint32(x);
    else this.varint64(x >>> 0, Math.floor(x / 4294967296));
  }

  /** A signed 32-bit value: negative ones are sign-extended to 10 bytes. */
  int32(x: number): void {
    if (x >= 0) this.uint32(x);
    else this.varint64(x >>> 0, 0xffffffff);
  }

  sint32(x: number): void {
    this.uint32(((x << 1) ^ (x >> 31)) >>> 0);
  }

  varint64(lo: number, hi: number): void {
    if (this.pos + 10 > this.buf.length) this.ensure(hi === 0 ? varintSize(lo) : varintSize(hi * 4294967296 + lo));
    const b = this.buf;
    let p = this.pos;
    while (hi !== 0 || lo > 127) {
      b[p++] = (lo & 127) | 128;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    b[p++] = lo;
    this.pos = p;
  }

  /** A 64-bit varint of a range-checked value; negative values in two's complement. */
  varintBig(x: bigint): void {
    if (x >= 0n && x <= 0xffffffffn) this.uint32(Number(x));
    else {
      const u = BigInt.asUintN(64, x);
      this.varint64(Number(u & 0xffffffffn), Number(u >> 32n));
    }
  }

  sint64(x: bigint): void {
    this.varintBig(BigInt.asUintN(64, (x << 1n) ^ (x >> 63n)));
  }

  fixed64Big(x: bigint): void {
    const u = BigInt.asUintN(64, x);
    this.fixed64(Number(u & 0xffffffffn), Number(u >> 32n));
  }

  fixed32(x: number): void {
    this.ensure(4);
    this.pos = this.buf.writeUInt32LE(x >>> 0, this.pos);
  }

  private fixed64(lo: number, hi: number): void {
    this.ensure(8);
    this.buf.writeUInt32LE(lo, this.pos);
    this.pos = this.buf.writeUInt32LE(hi, this.pos + 4);
  }

  float(x: number): void {
    this.ensure(4);
    this.pos = this.buf.writeFloatLE(x, this.pos);
  }

  double(x: number): void {
    this.ensure(8);
    this.pos = this.buf.writeDoubleLE(x, this.pos);
  }

  /** One byte: a one-byte tag. */
  byte(x: number): void {
    this.ensure(1);
    this.buf[this.pos++] = x;
  }

  bool(x: boolean): void {
    this.byte(x ? 1 : 0);
  }

  /**
   * A length-prefixed UTF-8 string. Lone surrogates become U+FFFD, as with
   * TextEncoder and Buffer: JS strings may hold them, UTF-8 cannot.
   */
  string(s: string): void {
    const n = s.length;
    // short strings take the fast path where the buffer has room for their longest UTF-8
    if (n < SHORT_STRING && this.pos + 1 + n * 3 <= this.buf.length) {
      const b = this.buf;
      const start = this.pos;
      let p = start + 1;
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c < 0x80) b[p++] = c;
        else {
          // Anything else goes through Buffer's encoder, which shares our surrogate policy.
          p = start + 1 + b.write(s, start + 1, 'utf8');
          break;
        }
      }
      b[start] = p - start - 1;
      this.pos = p;
      return;
    }
    const len = Buffer.byteLength(s, 'utf8');
    this.uint32(len);
    this.ensure(len);
    this.pos += this.buf.write(s, this.pos, len, 'utf8');
  }

  bytes(x: Uint8Array): void {
    const n = x.length;
    this.uint32(n);
    this.ensure(n);
    this.buf.set(x, this.pos);
    this.pos += n;
  }

  /** Bytes encoded already (whole fields), as they are. */
  raw(x: Uint8Array): void {
    const n = x.length;
    this.ensure(n);
    this.buf.set(x, this.pos);
    this.pos += n;
  }

  /** Reserves the length byte of a nested message or packed list; returns its position. */
  beginLength(): number {
    this.ensure(1);
    return this.pos++;
  }

  /** Writes the length of what followed `beginLength`, moving it if the length needs more than one byte. */
  endLength(at: number): void {
    const len = this.pos - at - 1;
    if (len < 128) {
      this.buf[at] = len;
      return;
    }
    const extra = varintSize(len) - 1;
    this.ensure(extra);
    this.buf.copyWithin(at + 1 + extra, at + 1, this.pos);
    this.pos += extra;
    let p = at;
    let x = len;
    while (x > 127) {
      this.buf[p++] = (x & 127) | 128;
      x >>>= 7;
    }
    this.buf[p] = x;
  }
}
