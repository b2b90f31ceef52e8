/**
 * The reader's entries as vpprpc.Stats messages (proto/vpprpc/stats.proto):
 * counters summed over threads (each thread's on request), and the rates per
 * second between two samples of a watch.
 */
import type { Value } from '../../lib/protobuf/index.ts';
import type { PacketsBytes, StatEntry, StatType } from '../../vpp/stats/types.ts';

/** vpprpc.StatType by the reader's type name. */
export const STAT_TYPE_NUMBER: Record<StatType, number> = {
  empty: 0,
  scalar: 1,
  counter: 2,
  combined: 3,
  error: 4,
  name: 5,
  symlink: 6,
  gauge: 7,
  histogram: 8,
  ring: 9,
};

/** vpprpc.StatsCounter and vpprpc.StatsCombined, as JS values. */
interface CounterValue {
  total: bigint;
  threads?: bigint[];
  rate?: number;
}
interface CombinedValue {
  total: PacketsBytes;
  threads?: PacketsBytes[];
  packets_rate?: number;
  bytes_rate?: number;
}

const sum = (xs: readonly bigint[]): bigint => {
  let t = 0n;
  for (const x of xs) t += x;
  return t;
};

const sumPb = (xs: readonly PacketsBytes[]): PacketsBytes => {
  let packets = 0n;
  let bytes = 0n;
  for (const x of xs) {
    packets += x.packets;
    bytes += x.bytes;
  }
  return { packets, bytes };
};

function counter(threads: bigint[], perThread: boolean): CounterValue {
  return perThread ? { total: sum(threads), threads } : { total: sum(threads) };
}

function combined(threads: PacketsBytes[], perThread: boolean): CombinedValue {
  return perThread ? { total: sumPb(threads), threads } : { total: sumPb(threads) };
}

/** [thread][index] → [index][thread] (threads may have fewer indexes than others: VPP grows them lazily). */
function byIndex<T>(values: T[][]): T[][] {
  let n = 0;
  for (const t of values) n = Math.max(n, t.length);
  const out: T[][] = [];
  for (let i = 0; i < n; i++) {
    const column: T[] = [];
    for (const t of values) if (i < t.length) column.push(t[i]!);
    out.push(column);
  }
  return out;
}

/** One reader entry as a vpprpc.StatsEntry. */
export function entryMessage(e: StatEntry, perThread: boolean): Value {
  const v = e.value;
  const out: Value = { name: e.name, type: STAT_TYPE_NUMBER[v.type] };
  switch (v.type) {
    case 'scalar':
      out.scalar = v.value;
      break;
    case 'gauge':
      out.gauge = v.value;
      break;
    case 'counter':
      out.counter = { values: byIndex(v.values).map((t) => counter(t, perThread)) };
      break;
    case 'combined':
      out.combined = { values: byIndex(v.values).map((t) => combined(t, perThread)) };
      break;
    case 'error':
      out.error = counter(v.values, perThread);
      break;
    case 'name':
      out.names = { names: v.names };
      break;
    case 'symlink':
      out.symlink = {
        target: v.target,
        index: v.index,
        ...(v.counter ? { counter: counter(v.counter, perThread) } : {}),
        ...(v.combined ? { combined: combined(v.combined, perThread) } : {}),
      };
      break;
  }
  return out;
}

/** Per second over `seconds`; a counter that went back (VPP restarted, cleared) has no rate. */
const rate = (now: bigint, before: bigint, seconds: number): number =>
  now >= before ? Number(now - before) / seconds : 0;

function counterRate(now: CounterValue, before: CounterValue | undefined, seconds: number): void {
  if (before) now.rate = rate(now.total, before.total, seconds);
}

function combinedRate(now: CombinedValue, before: CombinedValue | undefined, seconds: number): void {
  if (!before) return;
  now.packets_rate = rate(now.total.packets, before.total.packets, seconds);
  now.bytes_rate = rate(now.total.bytes, before.total.bytes, seconds);
}

type Vector<T> = { values: T[] } | undefined;

/**
 * Sets the rates of `entries` (vpprpc.StatsEntry values) against the previous
 * sample's, by entry name and index; entries new since then have none.
 */
export function addRates(entries: Value[], previous: Map<string, Value>, seconds: number): void {
  if (!(seconds > 0)) return;
  for (const e of entries) {
    const p = previous.get(e.name as string);
    if (!p) continue;
    if (e.error) counterRate(e.error as CounterValue, p.error as CounterValue | undefined, seconds);
    const c = e.counter as Vector<CounterValue>;
    if (c) c.values.forEach((v, i) => counterRate(v, (p.counter as Vector<CounterValue>)?.values[i], seconds));
    const b = e.combined as Vector<CombinedValue>;
    if (b) b.values.forEach((v, i) => combinedRate(v, (p.combined as Vector<CombinedValue>)?.values[i], seconds));
    const s = e.symlink as { counter?: CounterValue; combined?: CombinedValue } | undefined;
    const ps = p.symlink as typeof s;
    if (s?.counter) counterRate(s.counter, ps?.counter, seconds);
    if (s?.combined) combinedRate(s.combined, ps?.combined, seconds);
  }
}
