/**
 * A reader of VPP's stats segment (StatsReader). It maps the segment that VPP
 * hands over its stats socket and copies values out under VPP's optimistic
 * lock: note the epoch, wait while in_progress, copy, and start again if
 * either changed. The directory is read again whenever the epoch moved. A VPP
 * restart makes a new socket and a new segment: the reader notices the socket
 * changed (checked at most every `recheckMs`) and maps the new one by itself.
 */
import { statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { StatsError } from './errors.ts';
import { statseg, type Mapping } from './native.ts';
import { ENTRY, LAYOUT_VERSION, SegmentRace, SegmentView, TYPE_BY_NUMBER, TYPE_NUMBER } from './segment.ts';
import type { PacketsBytes, StatEntry, StatsReader, StatValue } from './types.ts';

export const DEFAULT_STATS_SOCKET = '/run/vpp/stats.sock';

export interface StatsReaderOptions {
  socketPath?: string;
  /** how long to wait for VPP to send the segment's descriptor */
  connectTimeoutMs?: number;
  /** how long a segment may stay locked (in_progress) before a call gives up */
  lockTimeoutMs?: number;
  /** how often to look whether the socket was made again (VPP restarted) */
  recheckMs?: number;
}

interface Directory {
  epoch: number;
  names: string[];
  types: Uint8Array;
  /** selections by pattern set, valid for this directory only */
  selections: Map<string, number[]>;
}

const MAX_CACHED_SELECTIONS = 64;

export class SegmentReader implements StatsReader {
  readonly socketPath: string;
  private readonly connectTimeoutMs: number;
  private readonly lockTimeoutMs: number;
  private readonly recheckMs: number;
  private view?: SegmentView;
  private mapping?: Mapping;
  private dir?: Directory;
  /** the socket file's identity when we connected: a new one means VPP restarted */
  private socketIdentity = '';
  private checkedAt = 0;
  private connecting?: Promise<void>;
  private closed = false;

  constructor(opts: StatsReaderOptions = {}) {
    this.socketPath = opts.socketPath ?? DEFAULT_STATS_SOCKET;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 2000;
    this.lockTimeoutMs = opts.lockTimeoutMs ?? 1000;
    this.recheckMs = opts.recheckMs ?? 500;
  }

  get epoch(): number {
    return this.view?.epoch ?? 0;
  }

  /** whether a segment is mapped */
  get connected(): boolean {
    return this.view !== undefined;
  }

  connect(): Promise<void> {
    this.closed = false;
    this.connecting ??= this.open().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async open(): Promise<void> {
    const addon = statseg();
    const identity = this.identityOfSocket();
    if (!identity) throw this.gone();
    let mapping: Mapping;
    try {
      mapping = await addon.openSegment(this.socketPath, this.connectTimeoutMs);
    } catch (err) {
      throw new StatsError(
        'UNAVAILABLE',
        `cannot get VPP's stats segment from ${this.socketPath}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    const view = new SegmentView(mapping.buffer);
    if (view.size < 64 || view.version !== LAYOUT_VERSION) {
      addon.unmap(mapping.id, mapping.buffer);
      throw new StatsError(
        'FAILED_PRECONDITION',
        `VPP's stats segment at ${this.socketPath} has layout version ${view.size < 64 ? '?' : view.version}; this reader knows version ${LAYOUT_VERSION}`,
      );
    }
    this.unmap();
    this.mapping = mapping;
    this.view = view;
    this.dir = undefined;
    this.socketIdentity = identity;
    this.checkedAt = Date.now();
    if (this.closed) this.unmap(); // closed while connecting
  }

  close(): void {
    this.closed = true;
    this.unmap();
  }

  private unmap(): void {
    if (this.mapping) statseg().unmap(this.mapping.id, this.mapping.buffer);
    this.mapping = undefined;
    this.view = undefined;
    this.dir = undefined;
  }

  private identityOfSocket(): string | undefined {
    const st = statSync(this.socketPath, { throwIfNoEntry: false, bigint: true });
    return st ? `${st.dev}:${st.ino}:${st.ctimeNs}` : undefined;
  }

  private gone(): StatsError {
    return new StatsError(
      'UNAVAILABLE',
      `VPP's stats socket ${this.socketPath} does not exist (is VPP running, with statseg { socket-name ${this.socketPath} }?)`,
    );
  }

  /** the mapped segment, (re)connecting when there is none or VPP restarted */
  private async ready(): Promise<SegmentView> {
    if (this.closed) throw new StatsError('UNAVAILABLE', 'the stats reader is closed');
    if (this.view && Date.now() - this.checkedAt >= this.recheckMs) {
      this.checkedAt = Date.now();
      const identity = this.identityOfSocket();
      if (identity !== this.socketIdentity) {
        this.unmap();
        if (!identity) throw this.gone();
      }
    }
    if (!this.view) await this.connect();
    return this.view!;
  }

  async ls(patterns: string[] = []): Promise<string[]> {
    const match = compile(patterns);
    return this.locked((view) => {
      const dir = this.directory(view);
      return this.select(dir, patterns, match).map((i) => dir.names[i]!);
    });
  }

  async dump(patterns: string[] = []): Promise<StatEntry[]> {
    const match = compile(patterns);
    return this.locked((view) => {
      const dir = this.directory(view);
      return this.select(dir, patterns, match).map((i) => ({ name: dir.names[i]!, value: readEntry(view, dir, i) }));
    });
  }

  /** Run `read` under the segment's optimistic lock until it gets a consistent copy. */
  private async locked<T>(read: (view: SegmentView) => T): Promise<T> {
    let view = await this.ready();
    const deadline = Date.now() + this.lockTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) {
        if (Date.now() > deadline) {
          throw new StatsError(
            'UNAVAILABLE',
            `VPP's stats segment stayed locked or kept changing for ${this.lockTimeoutMs} ms (is VPP stopped mid-update?)`,
          );
        }
        // let VPP finish its update; spinning here would hold up the event loop
        await sleep(attempt < 4 ? 0 : 1);
        view = await this.ready();
      }
      const epoch = view.epoch;
      if (view.inProgress) continue;
      let result: T;
      try {
        result = read(view);
      } catch (err) {
        if (err instanceof SegmentRace) {
          this.dir = undefined;
          continue;
        }
        throw err;
      }
      if (!view.inProgress && view.epoch === epoch) return result;
    }
  }

  /** the directory of this epoch (read again when the epoch moved) */
  private directory(view: SegmentView): Directory {
    const epoch = view.epoch;
    if (this.dir && this.dir.epoch === epoch) return this.dir;
    const { off, len } = view.directory();
    const names = new Array<string>(len);
    const types = new Uint8Array(len);
    for (let i = 0, e = off; i < len; i++, e += ENTRY.size) {
      types[i] = view.entryType(e);
      names[i] = view.entryName(e);
    }
    this.dir = { epoch, names, types, selections: new Map() };
    return this.dir;
  }

  private select(dir: Directory, patterns: string[], match: (name: string) => boolean): number[] {
    const key = patterns.join('\0');
    let indexes = dir.selections.get(key);
    if (indexes) return indexes;
    indexes = [];
    for (let i = 0; i < dir.names.length; i++) {
      // unnamed or illegal slots are free entries nobody can ask for
      if (dir.types[i] !== 0 && dir.names[i] !== '' && match(dir.names[i]!)) indexes.push(i);
    }
    if (dir.selections.size >= MAX_CACHED_SELECTIONS) dir.selections.clear();
    dir.selections.set(key, indexes);
    return indexes;
  }
}

/** Patterns as vpp_get_stats takes them: regular expressions, matched anywhere in the name. */
function compile(patterns: string[]): (name: string) => boolean {
  if (patterns.length === 0) return () => true;
  const res = patterns.map((p) => {
    try {
      return new RegExp(p);
    } catch (err) {
      throw new StatsError('INVALID_ARGUMENT', `pattern ${JSON.stringify(p)}: ${(err as Error).message}`);
    }
  });
  return (name) => res.some((re) => re.test(name));
}

// ------------------------------------------------------------ value copies

/**
 * Most counters of a VPP are small (idle interfaces, rare errors): those share
 * preallocated BigInts instead of allocating one per value read.
 */
const SMALL = Array.from({ length: 4096 }, (_, i) => BigInt(i));
const ZERO_PB: PacketsBytes = Object.freeze({ packets: 0n, bytes: 0n });

/** the u64 at u64 index k */
function big(view: SegmentView, k: number): bigint {
  const lo = view.u32[k * 2]!;
  return view.u32[k * 2 + 1] === 0 && lo < 4096 ? SMALL[lo]! : view.u64[k]!;
}

function packetsBytes(view: SegmentView, k: number): PacketsBytes {
  const u32 = view.u32;
  if (u32[k * 2] === 0 && u32[k * 2 + 1] === 0 && u32[k * 2 + 2] === 0 && u32[k * 2 + 3] === 0) return ZERO_PB;
  return { packets: big(view, k), bytes: big(view, k + 1) };
}

function readEntry(view: SegmentView, dir: Directory, index: number): StatValue {
  const entryOff = dirEntryOffset(view, index);
  const type = TYPE_BY_NUMBER[dir.types[index]!] ?? 'empty';
  switch (type) {
    case 'scalar':
      // VPP stores the f64 converted to u64 (vlib_stats_set_scalar_value)
      return { type, value: view.num(entryOff + ENTRY.value) };
    case 'gauge':
      return { type, value: big(view, (entryOff + ENTRY.value) >>> 3) };
    case 'counter':
      return { type, values: simpleCounters(view, view.num(entryOff + ENTRY.value)) };
    case 'combined':
      return { type, values: combinedCounters(view, view.num(entryOff + ENTRY.value)) };
    case 'name':
      return { type, names: nameVector(view, view.num(entryOff + ENTRY.value)) };
    case 'symlink':
      return symlink(view, dir, entryOff);
    case 'histogram':
    case 'ring':
    case 'empty':
    default:
      return { type: type as 'histogram' | 'ring' | 'empty' };
  }
}

function dirEntryOffset(view: SegmentView, index: number): number {
  const { off, len } = view.directory();
  if (index >= len) throw new SegmentRace('the directory shrank');
  return off + index * ENTRY.size;
}

/** [thread][index] of u64 */
function simpleCounters(view: SegmentView, pointer: number): bigint[][] {
  if (pointer === 0) return [];
  const threads = view.vector(pointer, 8);
  const out = new Array<bigint[]>(threads.len);

  for (let t = 0; t < threads.len; t++) {
    const v = view.vector(view.num(threads.off + t * 8), 8);
    const row = new Array<bigint>(v.len);
    const first = v.off >>> 3;
    for (let i = 0; i < v.len; i++) row[i] = big(view, first + i);
    out[t] = row;
  }
  return out;
}

/** [thread][index] of {packets, bytes} */
function combinedCounters(view: SegmentView, pointer: number): PacketsBytes[][] {
  if (pointer === 0) return [];
  const threads = view.vector(pointer, 8);
  const out = new Array<PacketsBytes[]>(threads.len);

  for (let t = 0; t < threads.len; t++) {
    const v = view.vector(view.num(threads.off + t * 8), 16);
    const row = new Array<PacketsBytes>(v.len);
    let k = v.off >>> 3;
    for (let i = 0; i < v.len; i++, k += 2) row[i] = packetsBytes(view, k);
    out[t] = row;
  }
  return out;
}

function nameVector(view: SegmentView, pointer: number): string[] {
  if (pointer === 0) return [];
  const v = view.vector(pointer, 8);
  const out = new Array<string>(v.len);
  for (let i = 0; i < v.len; i++) out[i] = view.string(view.num(v.off + i * 8));
  return out;
}

/** one index of another entry's counters, per thread */
function symlink(view: SegmentView, dir: Directory, entryOff: number): StatValue {
  const target = view.u32[(entryOff + ENTRY.index1) >>> 2]!;
  const index = view.u32[(entryOff + ENTRY.index2) >>> 2]!;
  if (target >= dir.names.length) throw new SegmentRace('a symlink to an entry beyond the directory');
  const targetOff = dirEntryOffset(view, target);
  const targetType = view.entryType(targetOff);
  const name = dir.names[target]!;
  const pointer = view.num(targetOff + ENTRY.value);
  // each shape made whole at once: objects of one shape keep the loop fast
  if (targetType === TYPE_NUMBER.counter && pointer !== 0) {
    const threads = view.vector(pointer, 8);
    const counter = new Array<bigint>(threads.len);
    for (let t = 0; t < threads.len; t++) {
      const v = view.vector(view.num(threads.off + t * 8), 8);
      counter[t] = index < v.len ? big(view, (v.off >>> 3) + index) : 0n;
    }
    return { type: 'symlink', target: name, index, counter };
  }
  if (targetType === TYPE_NUMBER.combined && pointer !== 0) {
    const threads = view.vector(pointer, 8);
    const combined = new Array<PacketsBytes>(threads.len);
    for (let t = 0; t < threads.len; t++) {
      const v = view.vector(view.num(threads.off + t * 8), 16);
      combined[t] = index < v.len ? packetsBytes(view, (v.off >>> 3) + index * 2) : ZERO_PB;
    }
    return { type: 'symlink', target: name, index, combined };
  }
  return { type: 'symlink', target: name, index };
}
