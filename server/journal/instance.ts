/**
 * Which VPP process the server talks to. A process id alone repeats (in a
 * container VPP often gets the same one after every restart); VPP's stats
 * segment has `/sys/boottime`, the time VPP started, set once per process.
 * Both together tell a restarted VPP from the one the journal was applied to.
 */
import type { StatsReaderFactory } from '../stats/source.ts';
import type { VppInstance } from './record.ts';

/** Reads `/sys/boottime` from a fresh mapping of the segment (a kept one may still be the last VPP's). */
export async function readBoottime(socketPath: string, create: StatsReaderFactory): Promise<number> {
  const reader = create(socketPath);
  try {
    await reader.connect();
    const [entry] = await reader.dump(['^/sys/boottime$']);
    const v = entry?.value;
    if (v?.type === 'scalar') return v.value;
    throw new Error('the stats segment has no /sys/boottime');
  } finally {
    reader.close();
  }
}

/** Whether two instances are one VPP process; a boottime of 0 is unknown and leaves the pid to tell. */
export function sameInstance(a: VppInstance, b: VppInstance): boolean {
  if (a.pid !== b.pid) return false;
  if (a.boottime === 0 || b.boottime === 0) return true;
  return Math.abs(a.boottime - b.boottime) < 1e-6;
}

export const describeInstance = (i: VppInstance): string =>
  `pid ${i.pid}${i.boottime ? `, started ${new Date(i.boottime * 1000).toISOString()}` : ''}`;
