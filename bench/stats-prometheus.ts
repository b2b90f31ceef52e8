/**
 * npx tsx bench/stats-prometheus.ts: a Prometheus scrape of VPP's counters on
 * a real VPP (../shared/vpp) with 1,000 loopbacks (BENCH_INTERFACES), made
 * through the project's VppClient, pipelined. Measured in one run:
 *
 *   reader    the segment read alone (vpp/stats, the exporter's patterns)
 *   exporter  read + Prometheus text (what /metrics adds per scrape)
 *   /metrics  GET of the server process's endpoint (its own metrics too)
 *   baseline  VPP's own `vpp_get_stats dump` of the same entries (a process each)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { portOf, startChild } from '../lib/child.ts';
import { PROJECT_ROOT } from '../lib/project.ts';
import { DEFAULT_VPP_METRICS_PATTERNS, VppMetricsExporter } from '../server/stats-prometheus.ts';
import { statsReaderFactory } from '../server/stats-reader.ts';
import { StatsSource } from '../server/stats-source.ts';
import { loadErrorTable } from '../vpp/api/errors.ts';
import { loadProtoDir } from '../vpp/api/load-proto.ts';
import { VppClient } from '../vpp/client/index.ts';
import { createCodec } from '../vpp/codec/index.ts';

const VPP_SH = join(PROJECT_ROOT, '..', 'shared', 'vpp', 'vpp.sh');
const INTERFACES = Number(process.env.BENCH_INTERFACES ?? 1000);
const RUNS = Number(process.env.BENCH_RUNS ?? 50);

interface Timing {
  median: number;
  p95: number;
  /** CPU time of this process per call (all its threads), median: what a busy machine does not inflate */
  cpu: number;
}

async function timed(runs: number, fn: () => Promise<unknown> | unknown): Promise<Timing> {
  for (let i = 0; i < 3; i++) await fn();
  const ms: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c = process.cpuUsage();
    const t = process.hrtime.bigint();
    await fn();
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
    const u = process.cpuUsage(c);
    cpu.push((u.user + u.system) / 1000);
  }
  ms.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  return { median: ms[Math.floor(runs / 2)]!, p95: ms[Math.floor(runs * 0.95)]!, cpu: cpu[Math.floor(runs / 2)]! };
}

const fmt = (r: Timing): string =>
  `median ${r.median.toFixed(2).padStart(7)} ms, p95 ${r.p95.toFixed(2).padStart(7)} ms, cpu ${r.cpu.toFixed(2).padStart(7)} ms`;

const dir = mkdtempSync(join(tmpdir(), 'bench-stats-prom-'));
const start = spawnSync('bash', [VPP_SH, 'start', dir], { encoding: 'utf8' });
if (start.status !== 0) throw new Error(`VPP did not start: ${start.stderr}`);
const source = new StatsSource(join(dir, 'stats.sock'), statsReaderFactory);
let server: Awaited<ReturnType<typeof startChild>> | undefined;
try {
  const protoDir = join(PROJECT_ROOT, 'proto');
  const { model } = loadProtoDir(protoDir);
  const client = new VppClient({
    model,
    codec: createCodec(model),
    errors: loadErrorTable(protoDir),
    socketPath: join(dir, 'api.sock'),
    reconnect: false,
  });
  await client.connect();
  const made = Date.now();
  await Promise.all(Array.from({ length: INTERFACES }, () => client.request('create_loopback', {})));
  console.log(`${INTERFACES} loopbacks created, pipelined, in ${Date.now() - made} ms`);
  await client.close();

  const exporter = new VppMetricsExporter(source);
  const text = await exporter.text();
  const samples = text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;
  const interfaceSamples = text.split('\n').filter((l) => l.startsWith('vpp_interface_rx_packets_total{')).length;
  console.log(
    `one scrape: ${samples} samples, ${(text.length / 1024).toFixed(0)} KiB; rx_packets of ${interfaceSamples} interface-threads\n`,
  );

  const reader = await timed(RUNS, () => source.dump(DEFAULT_VPP_METRICS_PATTERNS));
  const exported = await timed(RUNS, () => exporter.text());
  server = await startChild({
    name: 'server',
    entry: 'server/main.ts',
    args: ['--vpp-socket', join(dir, 'api.sock'), '--listen', '127.0.0.1:0', '--metrics-listen', '127.0.0.1:0'],
    env: { LOG_LEVEL: 'warn' },
    readyMessage: 'gRPC server listening',
    timeoutMs: 300_000,
  });
  const url = `http://127.0.0.1:${portOf(server.ready.metrics)}/metrics`;
  const http = await timed(RUNS, async () => {
    const r = await fetch(url);
    await r.text();
  });
  const vppGetStats = await timed(Math.min(RUNS, 10), () =>
    execFileSync('bash', [VPP_SH, 'stats', dir, 'dump', ...DEFAULT_VPP_METRICS_PATTERNS], { maxBuffer: 1 << 28 }),
  );
  console.log(`reader dump (exporter's entries)       ${fmt(reader)}`);
  console.log(`exporter text (read + format)          ${fmt(exported)}`);
  console.log(`GET /metrics of the server process     ${fmt(http)}`);
  console.log(
    `vpp_get_stats dump, same entries       ${fmt(vppGetStats)}  (baseline: a process per dump; cpu not counted)`,
  );
  console.log(
    `load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${cpus().length} cores`,
  );
  console.log(`\nexporter / vpp_get_stats: ${(exported.median / vppGetStats.median).toFixed(2)}`);
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
