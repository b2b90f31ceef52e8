/**
 * Exposition text written straight into UTF-8 bytes. A scrape of a VPP with
 * 1,000 interfaces is some 3 MB of text: as a JavaScript string built piece by
 * piece, flattening and encoding it for the socket cost more than making it.
 * Line prefixes are encoded once (see the exporter's plan); a scrape copies
 * them and writes the digits of each value.
 */

/** u64 values up to here are written digit by digit from a number; larger ones through their string */
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const NEWLINE = 10;
const ZERO = 48;

export class ExpositionBytes {
  private buf: Buffer;
  /** bytes written */
  length = 0;

  constructor(capacity = 4096) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(bigger, 0, 0, this.length);
    this.buf = bigger;
  }

  /** bytes as they are (an encoded prefix) */
  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  /** any text, UTF-8 */
  text(s: string): void {
    this.room(Buffer.byteLength(s));
    this.length += this.buf.write(s, this.length);
  }

  /** a counter's value then the line's end */
  bigint(v: bigint): void {
    if (v >= 0n && v <= MAX_SAFE) this.uint(Number(v));
    else this.text(String(v));
    this.newline();
  }

  /** a text value (a number already formatted) then the line's end */
  value(s: string): void {
    this.text(s);
    this.newline();
  }

  newline(): void {
    this.room(1);
    this.buf[this.length++] = NEWLINE;
  }

  /** a whole number below 2^53, in decimal */
  uint(n: number): void {
    this.room(16);
    const buf = this.buf;
    if (n < 10) {
      buf[this.length++] = ZERO + n;
      return;
    }
    let digits = 1;
    for (let m = n; m >= 10; m = Math.floor(m / 10)) digits++;
    const end = this.length + digits;
    for (let i = end - 1; i >= this.length; i--) {
      buf[i] = ZERO + (n % 10);
      n = Math.floor(n / 10);
    }
    this.length = end;
  }

  /** the bytes written so far (a view: valid until the next write) */
  view(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}
