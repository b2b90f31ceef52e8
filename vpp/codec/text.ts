/**
 * The text forms of VPP's well-known types (mapping.TEXT_TYPES) and their
 * bytes on the wire: "10.0.0.1", "2001:db8::1", "10.1.1.1/24" (host bits
 * kept), "02:fe:00:00:00:01". Parsing is strict; IPv6 is written as RFC 5952
 * says. An empty string stands for an absent value: all zero bytes.
 * textNode() puts each type in the codec, with its errors.
 */
import type { TextFormat } from '../api/mapping.ts';
import { expected, fixedNode, zero, type Node } from './node.ts';
import { badFrame, invalid } from './problem.ts';

/** Text that is not what its type needs, or bytes that have no text form. */
export class TextError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'TextError';
  }
}

export interface TextCodec {
  /** bytes on the wire */
  readonly size: number;
  /** write the bytes of `text` at `off` (every one of `size` bytes) */
  write(buf: Uint8Array, off: number, text: string): void;
  read(buf: Uint8Array, off: number): string;
}

// VPP's address_family values, and the sizes of its address union arms
const AF_IP4 = 0;
const AF_IP6 = 1;
const IP4_SIZE = 4;
const IP6_SIZE = 16;
const MAC_SIZE = 6;
/** vl_api_address_t: u8 af, then a 16-byte union */
const ADDRESS_SIZE = 1 + IP6_SIZE;

const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

const quote = (text: string): string => JSON.stringify(text.length > 60 ? text.slice(0, 60) + '…' : text);

/** Dotted-quad IPv4 at text[from, to); no leading zeros (they read as octal elsewhere). */
function writeIp4(text: string, from: number, to: number, buf: Uint8Array, off: number): boolean {
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = from; i <= to; i++) {
    const c = i < to ? text.charCodeAt(i) : 0x2e; // a virtual '.' closes the last part
    if (c >= 0x30 && c <= 0x39) {
      if (digits > 0 && value === 0) return false;
      value = value * 10 + (c - 0x30);
      if (++digits > 3 || value > 255) return false;
    } else if (c === 0x2e) {
      if (digits === 0 || part === 4) return false;
      buf[off + part++] = value;
      value = 0;
      digits = 0;
    } else return false;
  }
  return part === 4;
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/**
 * Colon-separated groups of text[from, to) into `groups`; the last may be a
 * dotted quad (two groups). Returns how many groups, or -1 if malformed.
 */
function readGroups(text: string, from: number, to: number, groups: number[], v4: Uint8Array): number {
  if (from === to) return 0;
  let n = 0;
  let start = from;
  for (let i = from; i <= to; i++) {
    if (i < to && text.charCodeAt(i) !== 0x3a) continue;
    const len = i - start;
    if (len === 0 || n >= 8) return -1;
    const dot = text.indexOf('.', start);
    if (i === to && dot >= 0 && dot < to) {
      if (n > 6 || !writeIp4(text, start, to, v4, 0)) return -1;
      groups[n++] = (v4[0]! << 8) | v4[1]!;
      groups[n++] = (v4[2]! << 8) | v4[3]!;
      return n;
    }
    if (len > 4) return -1;
    let g = 0;
    for (let j = start; j < i; j++) {
      const d = hexDigit(text.charCodeAt(j));
      if (d < 0) return -1;
      g = (g << 4) | d;
    }
    groups[n++] = g;
    start = i + 1;
  }
  return n;
}

const scratchGroups: number[] = [0, 0, 0, 0, 0, 0, 0, 0];
const scratchTail: number[] = [0, 0, 0, 0, 0, 0, 0, 0];
const scratchV4 = new Uint8Array(4);

function writeIp6(text: string, from: number, to: number, buf: Uint8Array, off: number): boolean {
  const gap = text.indexOf('::', from);
  const compressed = gap >= 0 && gap < to;
  const second = compressed ? text.indexOf('::', gap + 1) : -1;
  if (second >= 0 && second < to) return false;
  const headEnd = compressed ? gap : to;
  const head = readGroups(text, from, headEnd, scratchGroups, scratchV4);
  if (head < 0) return false;
  // a dotted quad may only end the address
  if (compressed && head > 0 && text.lastIndexOf('.', headEnd) >= from) return false;
  const tail = compressed ? readGroups(text, gap + 2, to, scratchTail, scratchV4) : 0;
  if (tail < 0) return false;
  if (compressed ? head + tail > 7 : head !== 8) return false;
  zero(buf, off, off + IP6_SIZE);
  for (let i = 0; i < head; i++) {
    buf[off + 2 * i] = scratchGroups[i]! >> 8;
    buf[off + 2 * i + 1] = scratchGroups[i]! & 0xff;
  }
  const tailAt = off + 2 * (8 - tail);
  for (let i = 0; i < tail; i++) {
    buf[tailAt + 2 * i] = scratchTail[i]! >> 8;
    buf[tailAt + 2 * i + 1] = scratchTail[i]! & 0xff;
  }
  return true;
}

export function formatIp4(buf: Uint8Array, off: number): string {
  return `${buf[off]}.${buf[off + 1]}.${buf[off + 2]}.${buf[off + 3]}`;
}

/** RFC 5952: lowercase, no leading zeros, the first longest run of 2+ zero groups as "::". */
export function formatIp6(buf: Uint8Array, off: number): string {
  let bestAt = -1;
  let bestLen = 1;
  let runAt = -1;
  for (let i = 0; i <= 8; i++) {
    const zero = i < 8 && buf[off + 2 * i] === 0 && buf[off + 2 * i + 1] === 0;
    if (zero) {
      if (runAt < 0) runAt = i;
    } else if (runAt >= 0) {
      if (i - runAt > bestLen) {
        bestAt = runAt;
        bestLen = i - runAt;
      }
      runAt = -1;
    }
  }
  // RFC 5952 §5: IPv4-mapped addresses end in dotted-quad form
  if (bestAt === 0 && bestLen === 5 && buf[off + 10] === 0xff && buf[off + 11] === 0xff)
    return '::ffff:' + formatIp4(buf, off + 12);
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestAt) {
      out += i === 0 ? '::' : ':';
      i += bestLen - 1;
      continue;
    }
    out += ((buf[off + 2 * i]! << 8) | buf[off + 2 * i + 1]!).toString(16);
    if (i < 7) out += ':';
  }
  return out;
}

function ip4(text: string, from: number, to: number, buf: Uint8Array, off: number): void {
  if (!writeIp4(text, from, to, buf, off))
    throw new TextError(`${quote(text.slice(from, to))} is not an IPv4 address (a.b.c.d)`);
}

function ip6(text: string, from: number, to: number, buf: Uint8Array, off: number): void {
  if (!writeIp6(text, from, to, buf, off)) throw new TextError(`${quote(text.slice(from, to))} is not an IPv6 address`);
}

/** An IPv4 or IPv6 address as vl_api_address_t: the family byte, then the union. Returns its bits. */
function address(text: string, from: number, to: number, buf: Uint8Array, off: number): number {
  const v6 = text.indexOf(':', from);
  if (v6 >= 0 && v6 < to) {
    buf[off] = AF_IP6;
    ip6(text, from, to, buf, off + 1);
    return 128;
  }
  buf[off] = AF_IP4;
  if (!writeIp4(text, from, to, buf, off + 1))
    throw new TextError(`${quote(text.slice(from, to))} is not an IPv4 or IPv6 address`);
  zero(buf, off + 1 + IP4_SIZE, off + ADDRESS_SIZE);
  return 32;
}

function readAddress(buf: Uint8Array, off: number): string {
  const af = buf[off];
  if (af === AF_IP4) return formatIp4(buf, off + 1);
  if (af === AF_IP6) return formatIp6(buf, off + 1);
  throw new TextError(`address family ${af} is neither IPv4 (0) nor IPv6 (1)`);
}

/** Where the "/" of a prefix is, and the length after it. */
function splitPrefix(text: string): { slash: number; len: number } {
  const slash = text.lastIndexOf('/');
  const digits = slash < 0 ? '' : text.slice(slash + 1);
  if (slash < 0 || !/^(0|[1-9][0-9]{0,2})$/.test(digits))
    throw new TextError(`${quote(text)} is not a prefix (address/length)`);
  return { slash, len: Number(digits) };
}

function prefixLength(text: string, len: number, max: number): number {
  if (len > max) throw new TextError(`prefix length ${len} of ${quote(text)} is out of range 0..${max}`);
  return len;
}

function writeMac(buf: Uint8Array, off: number, text: string): void {
  let ok = text.length === 17;
  for (let i = 0; ok && i < MAC_SIZE; i++) {
    const hi = hexDigit(text.charCodeAt(3 * i));
    const lo = hexDigit(text.charCodeAt(3 * i + 1));
    ok = hi >= 0 && lo >= 0 && (i === 5 || text.charCodeAt(3 * i + 2) === 0x3a);
    buf[off + i] = (hi << 4) | lo;
  }
  if (!ok) throw new TextError(`${quote(text)} is not a MAC address (xx:xx:xx:xx:xx:xx)`);
}

function readMac(buf: Uint8Array, off: number): string {
  let out = HEX_BYTE[buf[off]!]!;
  for (let i = 1; i < MAC_SIZE; i++) out += ':' + HEX_BYTE[buf[off + i]!]!;
  return out;
}

/** Fixed-size text types whose absent value ("") is all zeros. */
function textCodec(
  size: number,
  write: (buf: Uint8Array, off: number, text: string) => void,
  read: (buf: Uint8Array, off: number) => string,
): TextCodec {
  return {
    size,
    write(buf, off, text) {
      if (text === '') zero(buf, off, off + size);
      else write(buf, off, text);
    },
    read,
  };
}

/** ip4_prefix and ip6_prefix: the address, then a u8 length. */
function familyPrefix(
  size: number,
  bits: number,
  parse: (text: string, from: number, to: number, buf: Uint8Array, off: number) => void,
  format: (buf: Uint8Array, off: number) => string,
): TextCodec {
  return textCodec(
    size + 1,
    (b, o, t) => {
      const { slash, len } = splitPrefix(t);
      parse(t, 0, slash, b, o);
      b[o + size] = prefixLength(t, len, bits);
    },
    (b, o) => `${format(b, o)}/${b[o + size]}`,
  );
}

export const TEXT_CODECS: Readonly<Record<TextFormat, TextCodec>> = {
  ip4_address: textCodec(IP4_SIZE, (b, o, t) => ip4(t, 0, t.length, b, o), formatIp4),
  ip6_address: textCodec(IP6_SIZE, (b, o, t) => ip6(t, 0, t.length, b, o), formatIp6),
  mac_address: textCodec(MAC_SIZE, writeMac, readMac),
  address: textCodec(ADDRESS_SIZE, (b, o, t) => void address(t, 0, t.length, b, o), readAddress),
  prefix: textCodec(
    ADDRESS_SIZE + 1,
    (b, o, t) => {
      const { slash, len } = splitPrefix(t);
      b[o + ADDRESS_SIZE] = prefixLength(t, len, address(t, 0, slash, b, o));
    },
    (b, o) => `${readAddress(b, o)}/${b[o + ADDRESS_SIZE]}`,
  ),
  ip4_prefix: familyPrefix(IP4_SIZE, 32, ip4, formatIp4),
  ip6_prefix: familyPrefix(IP6_SIZE, 128, ip6, formatIp6),
};

/** A text type as a codec node: bad text is an invalid value, bytes without a text form a bad frame. */
export function textNode(format: TextFormat): Node {
  const codec = TEXT_CODECS[format];
  const size = codec.size;
  return fixedNode(
    size,
    (b, o, v) => {
      if (v == null) v = '';
      else if (typeof v !== 'string') throw expected(`${format} text`, v);
      try {
        codec.write(b, o, v as string);
      } catch (e) {
        throw e instanceof TextError ? invalid(e.message) : e;
      }
      return o + size;
    },
    (r) => {
      let s: string;
      try {
        s = codec.read(r.buf, r.pos);
      } catch (e) {
        throw e instanceof TextError ? badFrame(e.message) : e;
      }
      r.pos += size;
      return s;
    },
  );
}
