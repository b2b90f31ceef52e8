/**
 * The compiled form of one VPP type: how to size, write and read its values.
 * Nodes are built once per type and shared by every message that uses it.
 */
import { badFrame, describe, invalid, type Problem } from './problem.ts';

/** A payload being read: the bytes, the read position, and the header fields met on the way. */
export class Reader {
  pos = 0;
  context: number | undefined = undefined;
  clientIndex: number | undefined = undefined;
  constructor(
    readonly buf: Buffer,
    readonly end: number,
  ) {}
}

export interface Node {
  /** bytes of every value, or -1 when the size depends on the value */
  readonly fixed: number;
  /** the fewest bytes a value takes: bounds element counts read from a payload */
  readonly min: number;
  /** bytes that `v` takes (called only when `fixed` is -1) */
  size(v: unknown): number;
  /** write `v` (undefined or null: absent) at `o`, every byte of it; returns the offset after it */
  write(b: Buffer, o: number, v: unknown): number;
  /**
   * Read a value at `r.pos` and move past it. A fixed-size node trusts its
   * caller to have checked that `fixed` bytes are there; others check.
   */
  read(r: Reader): unknown;
}

/** Throw unless `n` more bytes are there to read. */
export function need(r: Reader, n: number): void {
  if (r.end - r.pos < n) throw short(r, n);
}

export function short(r: Reader, n: number): Problem {
  return badFrame(`needs ${n} bytes at offset ${r.pos}, ${Math.max(0, r.end - r.pos)} left`);
}

export function expected(what: string, v: unknown): Problem {
  return invalid(`expected ${what}, got ${describe(v)}`);
}

/** A node of constant size whose size() is never asked for. */
export function fixedNode(
  size: number,
  write: (b: Buffer, o: number, v: unknown) => number,
  read: (r: Reader) => unknown,
): Node {
  return { fixed: size, min: size, size: () => size, write, read };
}

/** An array or byte string whose element count travels in an earlier length field. */
export interface CountedNode {
  /** element count of `v`; throws on a value of the wrong type */
  count(v: unknown): number;
  size(v: unknown): number;
  write(b: Buffer, o: number, v: unknown): number;
  /** read `n` elements, after checking that the payload can hold them */
  read(r: Reader, n: number): unknown;
}

/** Zero b[from, to). Short runs (string and union padding) are cheaper as a loop than a fill() call. */
export function zero(b: Uint8Array, from: number, to: number): void {
  if (to - from > 64) b.fill(0, from, to);
  else for (let i = from; i < to; i++) b[i] = 0;
}
