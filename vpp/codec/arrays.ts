/**
 * Arrays of any element type other than u8 (those are bytes):
 * `t x[N]` (fixed: fewer elements are zero padded, decodes to exactly N),
 * `t x[len]` (counted by an earlier length field) and `t x[0]` without a
 * length field (to the end of the message).
 */
import { expected, need, zero, type CountedNode, type Node, type Reader } from './node.ts';
import { badFrame, invalid, within } from './problem.ts';

const NO_ELEMENTS: readonly unknown[] = [];

function asArray(v: unknown): readonly unknown[] {
  if (v == null) return NO_ELEMENTS;
  if (!Array.isArray(v)) throw expected('an array', v);
  return v;
}

function sizeOfAll(e: Node, items: readonly unknown[], from: number, to: number): number {
  if (e.fixed >= 0) return (to - from) * e.fixed;
  let size = 0;
  let i = from;
  try {
    for (; i < to; i++) size += e.size(items[i]);
  } catch (err) {
    throw within(err, `[${i}]`);
  }
  return size;
}

function writeAll(e: Node, b: Buffer, o: number, items: readonly unknown[]): number {
  let i = 0;
  try {
    for (; i < items.length; i++) o = e.write(b, o, items[i]);
  } catch (err) {
    throw within(err, `[${i}]`);
  }
  return o;
}

function readAll(e: Node, r: Reader, n: number): unknown[] {
  const out: unknown[] = [];
  let i = 0;
  try {
    for (; i < n; i++) out.push(e.read(r));
  } catch (err) {
    throw within(err, `[${i}]`);
  }
  return out;
}

export function fixedArrayNode(e: Node, n: number): Node {
  const fixed = e.fixed >= 0 ? n * e.fixed : -1;
  const checked = (v: unknown): readonly unknown[] => {
    const items = asArray(v);
    if (items.length > n) throw invalid(`${items.length} elements do not fit an array of ${n}`);
    return items;
  };
  return {
    fixed,
    min: n * e.min,
    size(v) {
      const items = checked(v);
      return sizeOfAll(e, items, 0, items.length) + sizeOfAll(e, NO_ELEMENTS, items.length, n);
    },
    write(b, o, v) {
      const items = checked(v);
      o = writeAll(e, b, o, items);
      if (e.fixed >= 0) {
        const end = o + (n - items.length) * e.fixed;
        zero(b, o, end);
        return end;
      }
      for (let i = items.length; i < n; i++) o = e.write(b, o, undefined);
      return o;
    },
    read: (r) => readAll(e, r, n),
  };
}

export function countedArrayNode(e: Node): CountedNode {
  // bounds the count by the bytes present before anything is allocated
  const least = Math.max(e.min, 1);
  return {
    count: (v) => asArray(v).length,
    size(v) {
      const items = asArray(v);
      return sizeOfAll(e, items, 0, items.length);
    },
    write: (b, o, v) => writeAll(e, b, o, asArray(v)),
    read(r, n) {
      if (n * least > r.end - r.pos)
        throw badFrame(`claims ${n} elements of at least ${least} bytes, ${r.end - r.pos} bytes left`);
      return readAll(e, r, n);
    },
  };
}

/** Elements of a fixed size, as many as the rest of the message holds. */
export function openArrayNode(e: Node): Node {
  if (e.fixed <= 0) throw new Error('an array to the end of the message needs elements of a fixed size');
  return {
    fixed: -1,
    min: 0,
    size: (v) => sizeOfAll(e, asArray(v), 0, asArray(v).length),
    write: (b, o, v) => writeAll(e, b, o, asArray(v)),
    read(r) {
      const n = Math.floor((r.end - r.pos) / e.fixed);
      need(r, n * e.fixed);
      return readAll(e, r, n);
    },
  };
}
