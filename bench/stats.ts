/**
 * The stats segment reader against VPP's own vpp_get_stats, on the same
 * segment in the same run: a full read of every counter, and one counter.
 *
 * By default it starts the real VPP of ../shared/vpp itself, measures, creates
 * BENCH_STATS_LOOPBACKS (1000) loopbacks over the binary API (pipelined) and
 * measures again. VPP_STATS_SOCKET: measure a VPP that runs already instead
 * (nothing is created). BENCH_STATS=off: skip.
 *
 *   npx tsx bench/stats.ts            (alone)
 *   make bench                        (called from bench/run.ts)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { dumpLines } from '../vpp/stats/format.ts';
import { SegmentReader } from '../vpp/stats/reader.ts';
import { PROJECT_ROOT } from '../lib/project.ts';
import { rawClient } from './raw-client.ts';
import { fmt } from './measure.ts';

const SHARED_VPP = join(PROJECT_ROOT, '..', 'shared', 'vpp', 'vpp.sh');
const LOOPBACKS = Number(process.env.BENCH_STATS_LOOPBACKS ?? 1000);
const RUNS = Number(process.env.BENCH_STATS_RUNS ?? 30);

interface Timing {
  meanMs: number;
  p50Ms: number;
}

async function timeIt(runs: number, fn: () => unknown): Promise<Timing> {
  await fn(); // warm up
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { meanMs: ms.reduce((s, x) => s + x, 0) / runs, p50Ms: ms[Math.floor(runs / 2)]! };
}

/** vpp_get_stats as people run it: a process per read, its output to /dev/null */
function vppGetStats(binary: string, socket: string, args: string[]): () => void {
  return () => {
    const r = spawnSync(binary, ['socket-name', socket, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.status !== 0) throw new Error(`vpp_get_stats ${args.join(' ')}: ${r.stderr}`);
  };
}

async function measure(say: (s?: string) => void, socket: string, binary: string, label: string): Promise<void> {
  const reader = new SegmentReader({ socketPath: socket });
  const all = await reader.dump();
  const values = all.reduce((n, e) => n + dumpLines(e).length, 0);
  const rows: [string, Timing][] = [
    ['vpp-rpc reader: every entry, as StatEntry values', await timeIt(RUNS, () => reader.dump())],
    [
      'vpp-rpc reader: every entry, printed as vpp_get_stats prints it',
      await timeIt(RUNS, async () => (await reader.dump()).flatMap(dumpLines).join('\n')),
    ],
    ['vpp_get_stats dump (a process per read)', await timeIt(RUNS, vppGetStats(binary, socket, ['dump']))],
    ['vpp-rpc reader: one counter vector (^/if/rx$)', await timeIt(RUNS * 10, () => reader.dump(['^/if/rx$']))],
    ['vpp-rpc reader: one scalar (^/sys/heartbeat$)', await timeIt(RUNS * 10, () => reader.dump(['^/sys/heartbeat$']))],
    ['vpp_get_stats dump ^/if/rx$', await timeIt(RUNS, vppGetStats(binary, socket, ['dump', '^/if/rx$']))],
  ];
  reader.close();
  say(`### ${label}: ${all.length} entries, ${values} values (lines of vpp_get_stats dump)`);
  say();
  say('| read | mean ms | p50 ms |');
  say('| --- | ---: | ---: |');
  for (const [what, t] of rows) say(`| ${what} | ${fmt.ms(t.meanMs)} | ${fmt.ms(t.p50Ms)} |`);
  const ours = rows[0]![1].p50Ms;
  const theirs = rows[2]![1].p50Ms;
  say();
  say(
    `A full read takes ${(ours / theirs).toFixed(2)}× the time of vpp_get_stats dump at p50 (${ours < theirs ? 'faster' : 'slower'}).`,
  );
  say();
}

async function createLoopbacks(apiSocket: string, n: number): Promise<number> {
  const client = await rawClient(apiSocket);
  const t = performance.now();
  for (let done = 0; done < n; done += 64) {
    const batch = Math.min(64, n - done);
    await Promise.all(Array.from({ length: batch }, () => client.request('create_loopback', {})));
  }
  const ms = performance.now() - t;
  await client.close();
  return ms;
}

/** The stats section of the benchmarks; says nothing when skipped. */
export async function benchStats(say: (s?: string) => void): Promise<void> {
  if (process.env.BENCH_STATS === 'off') return;
  const home = process.env.VPP_HOME ?? `/tmp/vpp-26.06-${process.getuid?.() ?? 0}`;
  const binary = join(home, 'bin', 'vpp_get_stats');
  say('## Stats segment: a full read and one counter, beside VPP’s vpp_get_stats');
  say();
  const given = process.env.VPP_STATS_SOCKET;
  if (given) {
    await measure(say, given, binary, `the VPP at ${given}`);
    return;
  }
  if (!existsSync(SHARED_VPP)) {
    say(`(not measured: no real VPP at ${SHARED_VPP} and no VPP_STATS_SOCKET)`);
    say();
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'vpp-bench-stats-'));
  const vppSh = (...args: string[]): string => {
    const r = spawnSync('bash', [SHARED_VPP, ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`vpp.sh ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  try {
    vppSh('start', dir);
    const socket = join(dir, 'stats.sock');
    say(`- the real VPP of ../shared/vpp, started here; ${RUNS} reads each (single counters: ${RUNS * 10})`);
    say(`- command: \`npx tsx bench/stats.ts\` or \`make bench\` (env BENCH_STATS_RUNS, BENCH_STATS_LOOPBACKS)`);
    say();
    await measure(say, socket, binary, 'a fresh VPP');
    const ms = await createLoopbacks(join(dir, 'api.sock'), LOOPBACKS);
    say(`(${LOOPBACKS} loopbacks created over the binary API, 64 in flight, in ${fmt.ms(ms)} ms)`);
    say();
    await measure(say, socket, binary, `with ${LOOPBACKS} loopbacks`);
  } finally {
    spawnSync('bash', [SHARED_VPP, 'stop', dir]);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await benchStats((s = '') => console.log(s));
}
