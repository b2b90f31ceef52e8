/**
 * A writer of the stats segment layout (version 2), for the simulator: the
 * same memory VPP keeps, in a memfd served over a SEQPACKET socket, written
 * the way VPP writes it. Directory and vector changes happen under the lock
 * (in_progress set, then epoch moved on unlock); counters move without it.
 *
 * Memory is a bump allocator over a fixed segment (VPP's is fixed too);
 * vectors grow by doubling, so a vector that outgrows its room moves once
 * per doubling and the space it leaves is not reused.
 */
import { rmSync } from 'node:fs';
import { statseg, type Mapping } from './native.ts';
import { ENTRY, HEADER, LAYOUT_VERSION, SegmentView, TYPE_NUMBER, VEC_HEADER } from './segment.ts';
import type { StatType } from './types.ts';

/** where the segment pretends to be mapped in the writer: pointers are base + offset */
const BASE = 0x7f10_0000_0000;
export const DEFAULT_SEGMENT_SIZE = 32 << 20;

interface Vec {
  off: number;
  capacity: number;
}

export class SegmentWriter {
  readonly view: SegmentView;
  private readonly mapping: Mapping & { fd: number };
  private next = 64;
  private directory: Vec;
  private length = 0;
  /** entry indexes whose slot is free again, reused first as VPP does */
  private readonly free: number[] = [];
  /** room of each vector we made, by data offset */
  private readonly room = new Map<number, number>();
  private server?: { handle: object; path: string };
  private locks = 0;

  constructor(size = DEFAULT_SEGMENT_SIZE) {
    this.mapping = statseg().createSegment('vpp-rpc-stats', size);
    this.view = new SegmentView(this.mapping.buffer);
    this.setNum(HEADER.version, LAYOUT_VERSION);
    this.setNum(HEADER.base, BASE);
    this.directory = this.allocVec(64, ENTRY.size);
    this.setNum(HEADER.directory, BASE + this.directory.off);
  }

  get epoch(): number {
    return this.view.epoch;
  }

  /** Serve the segment's descriptor on a SEQPACKET socket at `path` (made anew). */
  serve(path: string): void {
    rmSync(path, { force: true });
    this.server = { handle: statseg().serveSegment(path, this.mapping.fd), path };
  }

  close(): void {
    if (this.server) {
      statseg().stopServing(this.server.handle);
      rmSync(this.server.path, { force: true });
      this.server = undefined;
    }
    statseg().closeFd(this.mapping.fd);
    statseg().unmap(this.mapping.id, this.mapping.buffer);
  }

  /** Run `change` under the segment's lock; the epoch moves when it ends. */
  locked<T>(change: () => T): T {
    if (this.locks++ === 0) this.setNum(HEADER.inProgress, 1);
    try {
      return change();
    } finally {
      if (--this.locks === 0) {
        this.setNum(HEADER.epoch, this.view.epoch + 1);
        this.setNum(HEADER.inProgress, 0);
      }
    }
  }

  // ------------------------------------------------------------ entries (under the lock)

  /** A new directory entry; returns its index. */
  add(name: string, type: StatType): number {
    const index = this.free.pop() ?? this.length++;
    if (index >= this.directory.capacity) {
      this.directory = this.grow(this.directory, this.length, ENTRY.size);
      this.setNum(HEADER.directory, BASE + this.directory.off);
    }
    this.setVecLen(this.directory.off, this.length);
    const e = this.entryOff(index);
    this.view.u8.fill(0, e, e + ENTRY.size);
    this.view.u32[(e + ENTRY.type) >>> 2] = TYPE_NUMBER[type as keyof typeof TYPE_NUMBER] ?? 0;
    const bytes = Buffer.from(name, 'latin1').subarray(0, ENTRY.nameSize - 1);
    this.view.u8.set(bytes, e + ENTRY.name);
    return index;
  }

  /** The entry's slot is free: an empty, unnamed entry until reused. */
  remove(index: number): void {
    const e = this.entryOff(index);
    this.view.u8.fill(0, e, e + ENTRY.size);
    this.view.u32[(e + ENTRY.type) >>> 2] = TYPE_NUMBER.empty;
    this.free.push(index);
  }

  symlink(name: string, target: number, index: number): number {
    const i = this.add(name, 'symlink');
    const e = this.entryOff(i);
    this.view.u32[(e + ENTRY.index1) >>> 2] = target;
    this.view.u32[(e + ENTRY.index2) >>> 2] = index;
    return i;
  }

  /**
   * Counters of `threads` threads with at least `count` indexes each
   * (simple: 8 bytes an index, combined: 16); grows them under the lock.
   */
  validate(index: number, threads: number, count: number): void {
    const e = this.entryOff(index);
    const elementSize = this.view.entryType(e) === TYPE_NUMBER.combined ? 16 : 8;
    let pointer = this.view.num(e + ENTRY.value);
    if (pointer === 0) {
      const t = this.allocVec(threads, 8);
      this.setVecLen(t.off, threads);
      for (let k = 0; k < threads; k++) this.setNum(t.off + k * 8, BASE + this.allocVec(count, elementSize).off);
      pointer = BASE + t.off;
      this.setNum(e + ENTRY.value, pointer);
    }
    const tOff = pointer - BASE;
    for (let k = 0; k < threads; k++) {
      const off = this.view.num(tOff + k * 8) - BASE;
      const vec = this.grow({ off, capacity: this.room.get(off)! }, count, elementSize);
      this.setVecLen(vec.off, Math.max(count, this.view.vecLen(vec.off)));
      this.setNum(tOff + k * 8, BASE + vec.off);
    }
  }

  /** the u64 index (into view.u64) of a counter: packets at it, bytes at it + 1 for combined */
  counterSlot(index: number, thread: number, at: number): number {
    const e = this.entryOff(index);
    const elementSize = this.view.entryType(e) === TYPE_NUMBER.combined ? 16 : 8;
    const tOff = this.view.num(e + ENTRY.value) - BASE;
    return (this.view.num(tOff + thread * 8) - BASE + at * elementSize) >>> 3;
  }

  /** a name vector's contents ('' leaves an index without a name) */
  setNames(index: number, names: readonly string[]): void {
    const e = this.entryOff(index);
    let pointer = this.view.num(e + ENTRY.value);
    const old = pointer === 0 ? undefined : { off: pointer - BASE, capacity: this.room.get(pointer - BASE)! };
    const vec = old ? this.grow(old, names.length, 8) : this.allocVec(Math.max(names.length, 8), 8);
    pointer = BASE + vec.off;
    for (let i = 0; i < names.length; i++) {
      const current = this.view.num(vec.off + i * 8);
      const name = names[i]!;
      if (current !== 0 && this.view.string(current) === name) continue;
      if (name === '') {
        this.setNum(vec.off + i * 8, 0);
        continue;
      }
      const bytes = Buffer.from(name + '\0', 'latin1');
      const s = this.allocVec(bytes.length, 1);
      this.view.u8.set(bytes, s.off);
      this.setVecLen(s.off, bytes.length);
      this.setNum(vec.off + i * 8, BASE + s.off);
    }
    this.setVecLen(vec.off, names.length);
    this.setNum(e + ENTRY.value, pointer);
  }

  // ------------------------------------------------------------ values (no lock, as VPP)

  setGauge(index: number, value: bigint): void {
    this.view.u64[(this.entryOff(index) + ENTRY.value) >>> 3] = value;
  }

  /** VPP keeps scalars as the f64 converted to u64 */
  setScalar(index: number, value: number): void {
    this.setGauge(index, BigInt(Math.max(0, Math.trunc(value))));
  }

  // ------------------------------------------------------------ memory

  private entryOff(index: number): number {
    return this.directory.off + index * ENTRY.size;
  }

  private setNum(offset: number, value: number): void {
    this.view.u32[offset >>> 2] = value % 0x1_0000_0000;
    this.view.u32[(offset >>> 2) + 1] = Math.floor(value / 0x1_0000_0000);
  }

  private setVecLen(off: number, len: number): void {
    this.view.u32[(off - VEC_HEADER) >>> 2] = len;
  }

  /** room for `capacity` elements after a vec header; length 0, zeroed */
  private allocVec(capacity: number, elementSize: number): Vec {
    const off = this.next + VEC_HEADER;
    const end = off + Math.ceil((capacity * elementSize) / 8) * 8;
    if (end > this.view.size) {
      throw new RangeError(`the stats segment (${this.view.size} bytes) is full`);
    }
    this.next = end;
    this.view.u8.fill(0, off - VEC_HEADER, end);
    this.room.set(off, capacity);
    return { off, capacity };
  }

  /** the same vector with room for `count`: moved (copied) when it lacks room */
  private grow(vec: Vec, count: number, elementSize: number): Vec {
    if (count <= vec.capacity) return vec;
    let capacity = Math.max(vec.capacity, 1);
    while (capacity < count) capacity *= 2;
    const moved = this.allocVec(capacity, elementSize);
    const len = this.view.vecLen(vec.off);
    this.view.u8.copyWithin(moved.off, vec.off, vec.off + vec.capacity * elementSize);
    this.setVecLen(moved.off, len);
    this.room.delete(vec.off);
    return moved;
  }
}
