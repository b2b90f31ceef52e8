/** `vpp-rpc stats ls|dump|watch`: VPP's stats segment read directly, no server needed. */
import { StatsError } from '../vpp/stats/errors.ts';
import { dumpLines, totals, type Total } from '../vpp/stats/format.ts';
import { SegmentReader } from '../vpp/stats/reader.ts';

export interface StatsCliOptions {
  statsSocket: string;
  /** watch: seconds between reads */
  interval: number;
  /** watch: stop after this many reads (0: until interrupted) */
  count: number;
}

function fail(message: string): never {
  process.stderr.write(`vpp-rpc: ${message}\n`);
  process.exit(1);
}

export async function statsCommand(action: string, patterns: string[], o: StatsCliOptions): Promise<void> {
  // `… | head` closes the pipe: a normal end, not a crash
  process.stdout.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' ? process.exit(0) : fail(e.message)));
  const reader = new SegmentReader({ socketPath: o.statsSocket });
  try {
    if (action === 'ls') {
      for (const name of await reader.ls(patterns)) process.stdout.write(`${name}\n`);
    } else if (action === 'dump') {
      const lines = (await reader.dump(patterns)).flatMap(dumpLines);
      process.stdout.write(lines.length ? lines.join('\n') + '\n' : '');
    } else {
      await watch(reader, patterns, o);
    }
  } catch (e) {
    if (e instanceof StatsError) fail(e.message);
    throw e;
  } finally {
    reader.close();
  }
}

const rate = (now: bigint, before: bigint | undefined, seconds: number): string =>
  before === undefined || seconds <= 0 ? '' : ` (${(Number(now - before) / seconds).toFixed(1)}/s)`;

/** values summed over threads, and their rates since the previous read */
async function watch(reader: SegmentReader, patterns: string[], o: StatsCliOptions): Promise<void> {
  let previous = new Map<string, Total>();
  let previousAt = 0;
  for (let n = 0; o.count === 0 || n < o.count; n++) {
    if (n > 0) await new Promise((r) => setTimeout(r, o.interval * 1000));
    const entries = await reader.dump(patterns);
    const at = performance.now();
    const seconds = previousAt ? (at - previousAt) / 1000 : 0;
    const now = new Map<string, Total>();
    const lines = [`--- ${new Date().toISOString()} epoch ${reader.epoch}`];
    for (const t of entries.flatMap(totals)) {
      now.set(t.key, t);
      const p = previous.get(t.key);
      if (t.text !== undefined) {
        if (t.text) lines.push(`${t.key}: ${t.text}`);
      } else if (t.level !== undefined) {
        lines.push(`${t.key}: ${t.level}`);
      } else if (t.bytes !== undefined) {
        lines.push(
          `${t.key}: ${t.packets} packets${rate(t.packets, p?.packets, seconds)}, ${t.bytes} bytes${rate(t.bytes, p?.bytes, seconds)}`,
        );
      } else {
        lines.push(`${t.key}: ${t.packets}${rate(t.packets, p?.packets, seconds)}`);
      }
    }
    process.stdout.write(lines.join('\n') + '\n');
    previous = now;
    previousAt = at;
  }
}
