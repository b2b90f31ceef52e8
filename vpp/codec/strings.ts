/**
 * Text strings and byte strings. `string x[N]` is N bytes, NUL-padded, with
 * room for the NUL; `string x[]` is a u32 length then the UTF-8 bytes. u8
 * arrays are bytes (Uint8Array), decoded as copies so that a value never
 * keeps a large payload alive.
 */
import { expected, fixedNode, need, zero, type CountedNode, type Node, type Reader } from './node.ts';
import { invalid } from './problem.ts';
import { getU32, putU32 } from './scalars.ts';

function asString(v: unknown): string {
  if (v == null) return '';
  if (typeof v !== 'string') throw expected('a string', v);
  return v;
}

function asBytes(v: unknown): Uint8Array {
  if (v == null) return EMPTY_BYTES;
  if (!(v instanceof Uint8Array)) throw expected('bytes (Uint8Array)', v);
  return v;
}

const EMPTY_BYTES = new Uint8Array(0);

function copyOut(b: Buffer, start: number, end: number): Buffer {
  return Buffer.from(b.subarray(start, end));
}

export function fixedStringNode(n: number): Node {
  return fixedNode(
    n,
    (b, o, v) => {
      const s = asString(v);
      const len = s.length;
      // most strings are short ASCII: copy them without a UTF-8 encoder
      let i = 0;
      if (len < n)
        for (; i < len; i++) {
          const c = s.charCodeAt(i);
          if (c >= 0x80 || c === 0) break;
          b[o + i] = c;
        }
      if (i < len || len >= n) {
        const bytes = Buffer.byteLength(s, 'utf8');
        if (bytes > n - 1) throw invalid(`${bytes} bytes of UTF-8 do not fit a string[${n}] (at most ${n - 1})`);
        if (s.includes('\0')) throw invalid('a fixed-size string cannot hold a NUL character');
        i = b.write(s, o, 'utf8');
      }
      zero(b, o + i, o + n);
      return o + n;
    },
    (r) => {
      const b = r.buf;
      const start = r.pos;
      const end = start + n;
      let nul = start;
      while (nul < end && b[nul] !== 0) nul++;
      r.pos = end;
      return nul === start ? '' : b.toString('utf8', start, nul);
    },
  );
}

/** `string x[]`: a u32 byte count, then UTF-8 without a NUL (trailing NULs are dropped on reading). */
export const openStringNode: Node = {
  fixed: -1,
  min: 4,
  size: (v) => 4 + Buffer.byteLength(asString(v), 'utf8'),
  write(b, o, v) {
    const n = b.write(asString(v), o + 4, 'utf8');
    putU32(b, o, n);
    return o + 4 + n;
  },
  read(r: Reader) {
    need(r, 4);
    const n = getU32(r.buf, r.pos);
    r.pos += 4;
    need(r, n);
    const start = r.pos;
    r.pos += n;
    // some VPP handlers count the terminating NUL in the length (selog_track_details): text has none
    let end = r.pos;
    while (end > start && r.buf[end - 1] === 0) end--;
    return r.buf.toString('utf8', start, end);
  },
};

/** `u8 x[N]`: at most N bytes, zero padded; decodes to exactly N. */
export function fixedBytesNode(n: number): Node {
  return fixedNode(
    n,
    (b, o, v) => {
      const bytes = asBytes(v);
      if (bytes.length > n) throw invalid(`${bytes.length} bytes do not fit u8[${n}]`);
      b.set(bytes, o);
      zero(b, o + bytes.length, o + n);
      return o + n;
    },
    (r) => copyOut(r.buf, r.pos, (r.pos += n)),
  );
}

/** `u8 x[len]`: as many bytes as the length field says. */
export const countedBytesNode: CountedNode = {
  count: (v) => asBytes(v).length,
  size: (v) => asBytes(v).length,
  write(b, o, v) {
    const bytes = asBytes(v);
    b.set(bytes, o);
    return o + bytes.length;
  },
  read(r, n) {
    need(r, n);
    return copyOut(r.buf, r.pos, (r.pos += n));
  },
};

/** `u8 x[0]` without a length field: every byte to the end of the message. */
export const openBytesNode: Node = {
  fixed: -1,
  min: 0,
  size: (v) => asBytes(v).length,
  write: countedBytesNode.write,
  read: (r) => copyOut(r.buf, r.pos, (r.pos = r.end)),
};
