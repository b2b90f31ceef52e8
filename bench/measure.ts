/** Measuring helpers for the benchmarks: latency loops, concurrent throughput, process memory. */
import { readFileSync, writeFileSync } from 'node:fs';

export interface Latency {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  /** calls per second of the sequential loop */
  rps: number;
}

/** `fn` called one after the other: latency percentiles in milliseconds. */
export async function sequential(fn: () => Promise<unknown>, n: number, warmup = Math.min(500, n)): Promise<Latency> {
  for (let i = 0; i < warmup; i++) await fn();
  const xs = new Float64Array(n);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await fn();
    xs[i] = Number(process.hrtime.bigint() - t) / 1e6;
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  xs.sort();
  const at = (q: number): number => xs[Math.min(n - 1, Math.floor(q * n))]!;
  return { n, p50: at(0.5), p90: at(0.9), p99: at(0.99), mean: xs.reduce((a, b) => a + b, 0) / n, rps: n / seconds };
}

/** `concurrency` loops calling `fn` until `n` calls are done in all: calls per second. */
export async function concurrent(fn: (i: number) => Promise<unknown>, n: number, concurrency: number): Promise<number> {
  let next = 0;
  const t0 = process.hrtime.bigint();
  const worker = async (): Promise<void> => {
    while (next < n) await fn(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return n / (Number(process.hrtime.bigint() - t0) / 1e9);
}

/** Resident memory of a process, and its peak since the last reset, in MiB (Linux /proc). */
export function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/** Start counting a process's peak memory afresh (writes 5 to clear_refs; needs the same user). */
export function resetPeak(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // not permitted: the peak then counts from the process's start
  }
}

export const fmt = {
  ms: (v: number): string => v.toFixed(3),
  int: (v: number): string => Math.round(v).toLocaleString('en-US'),
  ratio: (v: number): string => `${v.toFixed(1)}×`,
  mib: (v: number): string => v.toFixed(1),
};
