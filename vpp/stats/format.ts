/**
 * Stats entries as text, the way VPP's own vpp_get_stats prints them (so the
 * two can be compared line by line), and summed over threads for people.
 */
import type { PacketsBytes, StatEntry } from './types.ts';

/** vpp_get_stats `dump` lines of one entry (symlinks print as their target's column) */
export function dumpLines(e: StatEntry): string[] {
  const v = e.value;
  const out: string[] = [];
  const simple = (rows: bigint[][]): void => {
    rows.forEach((row, k) => row.forEach((n, j) => out.push(`[${j} @ ${k}]: ${n} packets ${e.name}`)));
  };
  const combined = (rows: PacketsBytes[][]): void => {
    rows.forEach((row, k) =>
      row.forEach((c, j) => out.push(`[${j} @ ${k}]: ${c.packets} packets, ${c.bytes} bytes ${e.name}`)),
    );
  };
  switch (v.type) {
    case 'scalar':
      out.push(`${v.value.toFixed(2)} ${e.name}`);
      break;
    case 'gauge':
      out.push(`${v.value}.00 ${e.name}`);
      break;
    case 'counter':
      simple(v.values);
      break;
    case 'combined':
      combined(v.values);
      break;
    case 'error':
      v.values.forEach((n, k) => out.push(`[0 @ ${k}]: ${n} packets ${e.name}`));
      break;
    case 'name':
      v.names.forEach((n, k) => n && out.push(`[${k}]: ${n} ${e.name}`));
      break;
    case 'symlink':
      if (v.counter) simple(v.counter.map((n) => [n]));
      if (v.combined) combined(v.combined.map((c) => [c]));
      break;
    default:
      break;
  }
  return out;
}

/** One counter summed over threads: the value a person (or a rate) wants. */
export interface Total {
  /** entry name, and `[index]` for vectors */
  key: string;
  packets: bigint;
  /** combined counters only */
  bytes?: bigint;
  /** scalars and gauges: a level, not a count (no rate) */
  level?: number;
  /** a name vector's element */
  text?: string;
}

export function totals(e: StatEntry): Total[] {
  const v = e.value;
  const sumRows = (rows: bigint[][]): Total[] => {
    const n = Math.max(0, ...rows.map((r) => r.length));
    return Array.from({ length: n }, (_, j) => ({
      key: `${e.name}[${j}]`,
      packets: rows.reduce((s, r) => s + (r[j] ?? 0n), 0n),
    }));
  };
  switch (v.type) {
    case 'scalar':
      return [{ key: e.name, packets: 0n, level: v.value }];
    case 'gauge':
      return [{ key: e.name, packets: 0n, level: Number(v.value) }];
    case 'counter':
      return sumRows(v.values);
    case 'error':
      return [{ key: e.name, packets: v.values.reduce((s, n) => s + n, 0n) }];
    case 'combined': {
      const n = Math.max(0, ...v.values.map((r) => r.length));
      return Array.from({ length: n }, (_, j) => ({
        key: `${e.name}[${j}]`,
        packets: v.values.reduce((s, r) => s + (r[j]?.packets ?? 0n), 0n),
        bytes: v.values.reduce((s, r) => s + (r[j]?.bytes ?? 0n), 0n),
      }));
    }
    case 'name':
      return v.names.map((t, j) => ({ key: `${e.name}[${j}]`, packets: 0n, text: t }));
    case 'symlink':
      if (v.combined) {
        return [
          {
            key: e.name,
            packets: v.combined.reduce((s, c) => s + c.packets, 0n),
            bytes: v.combined.reduce((s, c) => s + c.bytes, 0n),
          },
        ];
      }
      return [{ key: e.name, packets: (v.counter ?? []).reduce((s, n) => s + n, 0n) }];
    default:
      return [];
  }
}
