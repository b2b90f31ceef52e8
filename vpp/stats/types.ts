/**
 * What a reader of VPP's stats segment gives its users (the gRPC Stats
 * service, the Prometheus exporter, `vpp-rpc stats`). The segment's layout
 * (directory version 2) and its locking live behind this interface.
 */

/** The directory entry types of layout version 2 (VPP's stat_directory_type_t). */
export type StatType =
  | 'scalar' // f64 gauge: /sys/vector_rate, /mem/.../used, …
  | 'counter' // simple counters: per thread, per index (u64)
  | 'combined' // combined counters: per thread, per index, packets and bytes
  | 'error' // error counters: per thread (u64)
  | 'name' // name vectors: per index a string (/if/names)
  | 'symlink' // an alias of one index of another entry (/interfaces/loop0/rx)
  | 'gauge' // u64 gauge
  | 'histogram'
  | 'ring'
  | 'empty';

export interface PacketsBytes {
  packets: bigint;
  bytes: bigint;
}

/** One entry's value, as read under the segment's lock. Indexes are VPP's (sw_if_index, node index…). */
export type StatValue =
  | { type: 'scalar'; value: number }
  | { type: 'gauge'; value: bigint }
  /** [thread][index] */
  | { type: 'counter'; values: bigint[][] }
  /** [thread][index] */
  | { type: 'combined'; values: PacketsBytes[][] }
  /** [thread] */
  | { type: 'error'; values: bigint[] }
  /** [index]; an empty string where VPP keeps no name */
  | { type: 'name'; names: string[] }
  /** a symlink resolved to its target's value at one index: [thread] */
  | { type: 'symlink'; target: string; index: number; counter?: bigint[]; combined?: PacketsBytes[] }
  /** listed, with no values read */
  | { type: 'histogram' | 'ring' | 'empty' };

export interface StatEntry {
  name: string;
  value: StatValue;
}

export interface StatsReader {
  /** connect (or reconnect) to the stats socket and map the segment; rejects with why when it cannot */
  connect(): Promise<void>;
  /** names matching any of the patterns (regular expressions, as vpp_get_stats takes them); none: all */
  ls(patterns?: string[]): Promise<string[]>;
  /** values of the entries matching any pattern; one consistent copy per entry */
  dump(patterns?: string[]): Promise<StatEntry[]>;
  /** the segment's epoch (moves when the directory changes) */
  readonly epoch: number;
  close(): void;
}
