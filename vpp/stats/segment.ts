/**
 * The layout of VPP's stats segment, directory version 2 (VPP's
 * src/vlib/stats/shared.h), shared by the reader and the simulator's writer.
 *
 *   header   u64 version, ptr base, u64 epoch, u64 in_progress, ptr directory_vector
 *   entry    u32 type, (pad), union { u32 index1, index2 | u64 value | ptr data }, char name[128]
 *   vector   u32 len, u8 hdr_size, u8 log2_align, u8 grow, u8 pad, then the elements
 *
 * Pointers are VPP's virtual addresses: subtract the header's `base` to get an
 * offset into the mapping. Everything is little-endian (the host's order), so
 * typed arrays over the mapping read it without copies.
 */
import type { StatType } from './types.ts';

export const LAYOUT_VERSION = 2;

export const HEADER = { version: 0, base: 8, epoch: 16, inProgress: 24, directory: 32, size: 40 } as const;
export const ENTRY = { type: 0, index1: 8, index2: 12, value: 8, name: 16, nameSize: 128, size: 144 } as const;
/** the vec header before a vector's elements: its u32 length is at -8 */
export const VEC_HEADER = 8;

/** stat_directory_type_t, by number */
export const TYPE_BY_NUMBER: readonly StatType[] = [
  'empty', // ILLEGAL: never listed by VPP's clients as a value
  'scalar',
  'counter',
  'combined',
  'name',
  'empty',
  'symlink',
  'histogram',
  'ring',
  'gauge',
];
export const TYPE_NUMBER = {
  scalar: 1,
  counter: 2,
  combined: 3,
  name: 4,
  empty: 5,
  symlink: 6,
  histogram: 7,
  ring: 8,
  gauge: 9,
} as const;

/** A pointer that leads outside the mapping: the segment moved under us (or is corrupt). */
export class SegmentRace extends Error {}

/** Typed views over one mapping of a segment. */
export class SegmentView {
  readonly u8: Uint8Array;
  readonly u32: Uint32Array;
  readonly u64: BigUint64Array;
  readonly size: number;
  readonly bytes: Buffer;

  constructor(readonly buffer: ArrayBuffer) {
    this.size = buffer.byteLength;
    this.u8 = new Uint8Array(buffer);
    this.u32 = new Uint32Array(buffer, 0, this.size >>> 2);
    this.u64 = new BigUint64Array(buffer, 0, Math.floor(this.size / 8));
    this.bytes = Buffer.from(buffer);
  }

  /** a u64 as a number: exact below 2^53, which holds for addresses, lengths and epochs */
  num(offset: number): number {
    const i = offset >>> 2;
    return this.u32[i]! + this.u32[i + 1]! * 0x1_0000_0000;
  }

  get version(): number {
    return this.num(HEADER.version);
  }
  get base(): number {
    return this.num(HEADER.base);
  }
  get epoch(): number {
    return this.num(HEADER.epoch);
  }
  get inProgress(): boolean {
    return this.u32[HEADER.inProgress >>> 2] !== 0 || this.u32[(HEADER.inProgress >>> 2) + 1] !== 0;
  }

  /** the offset a pointer stands for; `bytes` more must fit too */
  offset(pointer: number, bytes = 0): number {
    const off = pointer - this.base;
    if (off < VEC_HEADER || off + bytes > this.size || off % 8 !== 0) {
      throw new SegmentRace(`pointer 0x${pointer.toString(16)} is outside the segment`);
    }
    return off;
  }

  /** a vector's element count */
  vecLen(offset: number): number {
    return this.u32[(offset - VEC_HEADER) >>> 2]!;
  }

  /** a vector pointed at: its offset, checked to hold `len` elements of `elementSize` bytes */
  vector(pointer: number, elementSize: number): { off: number; len: number } {
    const off = this.offset(pointer);
    const len = this.vecLen(off);
    if (off + len * elementSize > this.size) throw new SegmentRace(`a vector of ${len} runs past the segment`);
    return { off, len };
  }

  /** the directory: its offset and entry count */
  directory(): { off: number; len: number } {
    return this.vector(this.num(HEADER.directory), ENTRY.size);
  }

  entryType(entryOff: number): number {
    return this.u32[(entryOff + ENTRY.type) >>> 2]!;
  }

  entryName(entryOff: number): string {
    const start = entryOff + ENTRY.name;
    let end = start;
    const limit = start + ENTRY.nameSize;
    while (end < limit && this.u8[end] !== 0) end++;
    return this.bytes.toString('latin1', start, end);
  }

  /** a string vector element (u8 vector, NUL counted in its length); '' for a null pointer */
  string(pointer: number): string {
    if (pointer === 0) return '';
    const off = this.offset(pointer);
    let end = off + this.vecLen(off);
    if (end > this.size) throw new SegmentRace('a string runs past the segment');
    while (end > off && this.u8[end - 1] === 0) end--;
    return this.bytes.toString('latin1', off, end);
  }
}
