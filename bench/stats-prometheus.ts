/**
 * A Prometheus scrape of VPP's counters on a real VPP (../shared/vpp) with
 * 1,000 loopbacks (BENCH_PROMETHEUS_INTERFACES), made through the project's VppClient,
 * pipelined. Measured in one run:
 *
 *   reader    the segment read alone (vpp/stats, the exporter's patterns)
 *   exporter  read + exposition bytes (what /metrics adds per scrape)
 *   /metrics  GET of the server process's endpoint (its own metrics too)
 *   baseline  VPP's own `vpp_get_stats dump` of the same entries (a process each)
 *
 *   npx tsx bench/stats-prometheus.ts     (alone)
 *   benchPrometheus(say)                  (from bench/run.ts; BENCH_PROMETHEUS=off skips it)
 */
import { startBenchServer } from './server.ts';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { portOf, type Child } from '../lib/child.ts';
import { PROJECT_ROOT } from '../lib/project.ts';
import { DEFAULT_VPP_METRICS_PATTERNS, VppMetricsExporter } from '../server/stats/prometheus.ts';
import { statsReaderFactory } from '../server/stats/reader.ts';
import { StatsSource } from '../server/stats/source.ts';
import { rawClient } from './raw-client.ts';

const VPP_SH = join(PROJECT_ROOT, '..', 'shared', 'vpp', 'vpp.sh');
const INTERFACES = Number(process.env.BENCH_PROMETHEUS_INTERFACES ?? 1000);
const RUNS = Number(process.env.BENCH_PROMETHEUS_RUNS ?? 50);
/** the target for one scrape of a VPP with 1,000 interfaces */
const TARGET_MS = 50;

interface Timing {
  runs: number;
  median: number;
  p95: number;
  /** CPU time per call: see cpuOf in timed() */
  cpu: number;
}

/**
 * `fn` timed `runs` times after 3 warm-up calls. CPU per call is this
 * process's (median), or, with `cpuOf`, the mean of what that returns (CPU ms
 * of another process, counted in clock ticks: only a mean over runs is exact).
 */
async function timed(runs: number, fn: () => Promise<unknown> | unknown, cpuOf?: () => number): Promise<Timing> {
  for (let i = 0; i < 3; i++) await fn();
  const ms: number[] = [];
  const cpu: number[] = [];
  const otherBefore = cpuOf?.() ?? 0;
  for (let i = 0; i < runs; i++) {
    const c = process.cpuUsage();
    const t = process.hrtime.bigint();
    await fn();
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
    const u = process.cpuUsage(c);
    cpu.push((u.user + u.system) / 1000);
  }
  const other = cpuOf ? (cpuOf() - otherBefore) / runs : undefined;
  ms.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  const at = (xs: number[], q: number): number => xs[Math.min(xs.length - 1, Math.floor(xs.length * q))]!;
  return { runs, median: at(ms, 0.5), p95: at(ms, 0.95), cpu: other ?? at(cpu, 0.5) };
}

const TICK_MS = 10; // Linux's USER_HZ is 100

/** CPU ms a process used so far, or (children) what its finished children used (/proc/<pid>/stat) */
function procCpuMs(pid: number | 'self', children = false): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // after the command: state is field 3; utime, stime, cutime, cstime are fields 14 to 17
  const [utime, stime, cutime, cstime] = fields.slice(11, 15).map(Number) as [number, number, number, number];
  return (children ? cutime + cstime : utime + stime) * TICK_MS;
}

const ms = (v: number): string => v.toFixed(2);

/**
 * The Prometheus section of the benchmarks; says nothing when skipped (BENCH_PROMETHEUS=off).
 * Resolves to the median ms of a GET /metrics, when measured.
 */
export async function benchPrometheus(say: (s?: string) => void): Promise<number | undefined> {
  if (process.env.BENCH_PROMETHEUS === 'off') return undefined;
  say(`## Prometheus scrape of a VPP with ${INTERFACES.toLocaleString('en-US')} interfaces`);
  say();
  if (!existsSync(VPP_SH)) {
    say(`(not measured: no real VPP at ${VPP_SH})`);
    say();
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'bench-stats-prom-'));
  const start = spawnSync('bash', [VPP_SH, 'start', dir], { encoding: 'utf8' });
  const source = new StatsSource(join(dir, 'stats.sock'), statsReaderFactory);
  let server: Child | undefined;
  try {
    if (start.status !== 0) throw new Error(`VPP did not start: ${start.stderr}`);
    const client = await rawClient(join(dir, 'api.sock'));
    const made = Date.now();
    await Promise.all(Array.from({ length: INTERFACES }, () => client.request('create_loopback', {})));
    const madeMs = Date.now() - made;
    await client.close();

    const exporter = new VppMetricsExporter(source);
    const text = await exporter.text();
    const samples = text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;
    const interfaceSamples = text.split('\n').filter((l) => l.startsWith('vpp_interface_rx_packets_total{')).length;

    const reader = await timed(RUNS, () => source.dump(DEFAULT_VPP_METRICS_PATTERNS));
    const exported = await timed(RUNS, () => exporter.parts());
    server = await startBenchServer(join(dir, 'api.sock'), {
      metricsListen: '127.0.0.1:0',
      timeoutMs: 300_000,
    });
    const url = `http://127.0.0.1:${portOf(server.ready.metrics)}/metrics`;
    const serverPid = server.proc.pid!;
    const http = await timed(
      RUNS,
      async () => {
        const r = await fetch(url);
        await r.arrayBuffer();
      },
      () => procCpuMs(serverPid),
    );
    const vppGetStats = await timed(
      Math.min(RUNS, 10),
      () =>
        execFileSync('bash', [VPP_SH, 'stats', dir, 'dump', ...DEFAULT_VPP_METRICS_PATTERNS], { maxBuffer: 1 << 28 }),
      () => procCpuMs('self', true),
    );

    say(
      `- the real VPP of ../shared/vpp with ${INTERFACES} loopbacks (created over the binary API, pipelined, in ${madeMs} ms); ` +
        `load average ${loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')} on ${cpus().length} cores`,
    );
    say(
      `- one scrape of VPP's counters: ${samples.toLocaleString('en-US')} samples, ${(text.length / 1024).toFixed(0)} KiB; ` +
        `rx packets of ${interfaceSamples} interface-threads; patterns ${DEFAULT_VPP_METRICS_PATTERNS.join(' ')}`,
    );
    say('- command: `npx tsx bench/stats-prometheus.ts` (env BENCH_PROMETHEUS_INTERFACES, BENCH_PROMETHEUS_RUNS)');
    say(
      '- CPU ms: reader and exporter, this process per call (median); GET /metrics, the server process per scrape ' +
        '(mean, from clock ticks); vpp_get_stats, the process it runs per dump (mean)',
    );
    say();
    say('| path | median ms | p95 ms | CPU ms | runs |');
    say('| --- | ---: | ---: | ---: | ---: |');
    const rows: [string, Timing][] = [
      ["reader: the exporter's entries", reader],
      ['exporter: read + exposition bytes', exported],
      ['GET /metrics of the server process', http],
      ['vpp_get_stats dump of the same entries (baseline)', vppGetStats],
    ];
    for (const [what, t] of rows) say(`| ${what} | ${ms(t.median)} | ${ms(t.p95)} | ${ms(t.cpu)} | ${t.runs} |`);
    say();
    say(
      `GET /metrics / vpp_get_stats dump at the median: ${(http.median / vppGetStats.median).toFixed(2)}× ` +
        `(server CPU ${ms(http.cpu)} ms per scrape against vpp_get_stats' ${ms(vppGetStats.cpu)} ms).`,
    );
    say();
    say(
      `Prometheus scrape of ${INTERFACES.toLocaleString('en-US')} interfaces under ${TARGET_MS} ms: ${ms(http.median)} ms ` +
        `(${http.median < TARGET_MS ? 'met' : 'missed'}; GET /metrics, median)`,
    );
    say();
    return http.median;
  } finally {
    await server?.stop();
    source.close();
    const stopped = spawnSync('bash', [VPP_SH, 'stop', dir], { encoding: 'utf8' });
    // never leave a VPP polling a core: kill it by its pid when stop did not end it
    const pid = Number(start.stdout.trim().split('\n').pop());
    try {
      if (pid > 0) process.kill(pid, 'SIGKILL');
    } catch {
      /* stopped */
    }
    if (stopped.status !== 0) console.error(`vpp.sh stop: ${stopped.stderr}`);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await benchPrometheus((s = '') => console.log(s));
}
