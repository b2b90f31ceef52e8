/**
 * TEST DOUBLE: a StatsReader over entries held in memory, for unit tests of
 * what is built on the reader (Stats service, Prometheus exporter). Never
 * used by the product; end-to-end tests read a real segment (VPP, simulator).
 */
import type { StatEntry, StatsReader, StatValue } from '../../vpp/stats/types.ts';

export class MemoryStatsReader implements StatsReader {
  epoch = 1;
  connected = false;
  /** set to make connect() (or dump(), once connected) fail with this */
  failure: string | undefined;
  dumps = 0;
  private readonly entries = new Map<string, StatValue>();

  constructor(entries: StatEntry[] = []) {
    for (const e of entries) this.entries.set(e.name, e.value);
  }

  set(name: string, value: StatValue): void {
    if (!this.entries.has(name)) this.epoch++;
    this.entries.set(name, value);
  }

  async connect(): Promise<void> {
    if (this.failure) throw new Error(this.failure);
    this.connected = true;
  }

  private matching(patterns?: string[]): string[] {
    const res = (patterns ?? []).map((p) => new RegExp(p));
    return [...this.entries.keys()].filter((n) => res.length === 0 || res.some((r) => r.test(n)));
  }

  async ls(patterns?: string[]): Promise<string[]> {
    return this.matching(patterns);
  }

  async dump(patterns?: string[]): Promise<StatEntry[]> {
    if (!this.connected) throw new Error('not connected');
    if (this.failure) throw new Error(this.failure);
    this.dumps++;
    return this.matching(patterns).map((name) => ({ name, value: structuredClone(this.entries.get(name)!) }));
  }

  close(): void {
    this.connected = false;
  }
}

/** /if/ entries of a VPP with these interfaces (index = sw_if_index) on `threads` threads, counters from `base`. */
export function interfaceEntries(names: string[], threads = 2, base = 0n): StatEntry[] {
  const counter = (k: bigint): StatValue => ({
    type: 'counter',
    values: Array.from({ length: threads }, (_, t) => names.map((_n, i) => base + k * 1000n + BigInt(i * 10 + t))),
  });
  const combined = (k: bigint): StatValue => ({
    type: 'combined',
    values: Array.from({ length: threads }, (_, t) =>
      names.map((_n, i) => ({
        packets: base + k * 1000n + BigInt(i * 10 + t),
        bytes: (base + BigInt(i * 10 + t)) * 64n,
      })),
    ),
  });
  return [
    { name: '/if/names', value: { type: 'name', names } },
    { name: '/if/drops', value: counter(1n) },
    { name: '/if/punt', value: counter(2n) },
    { name: '/if/ip4', value: counter(3n) },
    { name: '/if/rx-error', value: counter(4n) },
    { name: '/if/rx', value: combined(5n) },
    { name: '/if/tx', value: combined(6n) },
    { name: '/if/rx-multicast', value: combined(7n) },
  ];
}
