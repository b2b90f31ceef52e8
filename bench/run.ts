/**
 * make bench: each hop of the chain measured in one run, side by side.
 *
 *   raw client ──▶ VPP                                  (the baseline)
 *   gRPC client ──▶ server ──▶ VPP
 *   HTTP client ──▶ gateway ──▶ server ──▶ VPP
 *
 * Against the simulator (started here with 10,000 loopbacks), or against a
 * real VPP when VPP_API_SOCKET points at one (then nothing is created but the
 * routes, in a table of their own that is removed afterwards).
 * Prints a table and writes bench/RESULTS.md.
 */
import { startBenchServer } from './server.ts';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { cpus, totalmem, type as osType, release } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { GrpcClient } from '../gateway/grpc/client.ts';
import { portOf, startChild, type Child } from '../lib/child.ts';
import { compileBinary, compileJson } from '../lib/protobuf/index.ts';
import { PROJECT_ROOT } from '../lib/project.ts';
import { loadProtoDir, messageTypes } from '../vpp/api/load-proto.ts';
import type { Value } from '../vpp/codec/types.ts';
import { startSim } from '../test/support/stack.ts';
import { rawClient } from './raw-client.ts';
import { benchBatch, routeRequest, startBenchVpp } from './batch.ts';
import { footprint } from './footprint.ts';
import { concurrent, fmt, memoryOf, resetPeak, sequential, type Latency } from './measure.ts';
import { benchPrometheus } from './stats-prometheus.ts';
import { benchStats } from './stats.ts';
import { benchJournal } from './journal.ts';
import { benchJournalEtcd } from './journal-etcd.ts';
import { benchFleet } from './fleet.ts';
import { NDJSON_MEDIA_TYPE } from '../lib/wire-names.ts';

const SEQ = Number(process.env.BENCH_SEQUENTIAL ?? 5000);
const LOAD = Number(process.env.BENCH_REQUESTS ?? 20000);
const DUMP = Number(process.env.BENCH_INTERFACES ?? 10000);
const ROUTES = Number(process.env.BENCH_ROUTES ?? 10000);
const ROUTE_TABLE = 4242;
const ARTICLE = { meanMs: 4.8, rps: 207 };

// BENCH_REAL_VPP=1: a real VPP of ../shared/vpp, started here (bench/batch.ts)
const benchVpp = process.env.BENCH_REAL_VPP === '1' ? startBenchVpp() : undefined;
const realSocket = benchVpp?.socket ?? process.env.VPP_API_SOCKET;
const useReal = Boolean(realSocket && existsSync(realSocket));
const env = { LOG_LEVEL: 'warn' };
const lines: string[] = [];
const say = (s = ''): void => {
  console.log(s);
  lines.push(s);
};

// ---------------------------------------------------------------- 0. footprint, on processes of its own, first
const api = loadProtoDir(join(PROJECT_ROOT, 'proto'));
const types = messageTypes(api.root);
const footprinted = await footprint(types);

// ---------------------------------------------------------------- the stack
const children: Child[] = [];
let socket = realSocket ?? '';
if (!useReal) {
  socket = join('/tmp', `vpp-rpc-bench-${process.pid}.sock`);
  children.push(await startSim(socket, ['--interfaces', String(DUMP)]));
}
const server = await startBenchServer(socket, { env });
children.push(server);
const grpcTarget = `127.0.0.1:${portOf(server.ready.grpc)}`;
const gateway = await startChild({
  name: 'gateway',
  entry: 'gateway/main.ts',
  args: ['--listen', '127.0.0.1:0', '--grpc-target', grpcTarget, '--metrics-listen', 'off'],
  env,
  readyMessage: 'REST gateway listening',
});
children.push(gateway);
const rest = `http://127.0.0.1:${portOf(gateway.ready.rest)}`;
const floor = await startChild({ name: 'floor', entry: 'bench/floor-server.ts', readyMessage: 'floor listening' });
children.push(floor);
const stopAll = async (): Promise<void> => {
  for (const c of [...children].reverse()) await c.stop(3000);
};
process.on('SIGINT', () => void stopAll().then(() => process.exit(130)));

// ---------------------------------------------------------------- the three callers
const raw = await rawClient(socket, api.model);
// a VPP started here gets as many loopbacks as the simulator has interfaces, so that the dump measures as much;
// a VPP of the caller's (VPP_API_SOCKET) is dumped as it is
if (benchVpp) await concurrent(() => raw.request('create_loopback', {}), DUMP, 64);

// a direct HTTP/2 gRPC client, as the gateway uses: it measures the server, not grpc-js's client,
// which costs about twice as much CPU per call
const grpc = new GrpcClient({ target: grpcTarget });
function grpcCall(path: string, request: string, reply: string): (v: Value) => Promise<Value> {
  const enc = compileBinary(types.get(request)!);
  const dec = compileBinary(types.get(reply)!);
  return async (v) => dec.decode(await grpc.unary(path, enc.encode(v)));
}
function grpcStream(path: string, request: string, item: string, v: Value): Promise<number> {
  const enc = compileBinary(types.get(request)!);
  const dec = compileBinary(types.get(item)!);
  return new Promise((resolve, reject) => {
    let n = 0;
    const call = grpc.call(path, enc.encode(v));
    call.on('data', (b: Buffer) => {
      dec.decode(b);
      n++;
    });
    call.on('end', () => resolve(n));
    call.on('error', reject);
  });
}

const pool = new Pool(rest, { connections: 64, pipelining: 1 });
async function restCall(path: string, body?: string, accept?: string): Promise<string> {
  const res = await pool.request({
    path,
    method: 'POST',
    body,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(accept ? { accept } : {}) },
  });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`${path}: HTTP ${res.statusCode} ${text.slice(0, 200)}`);
  return text;
}

// ---------------------------------------------------------------- 1. round trips, one at a time
const version = await raw.request('show_version');
say(`# vpp-rpc benchmarks`);
say();
say(`- date: ${new Date().toISOString()}`);
say(
  `- machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${osType()} ${release()}`,
);
say(
  `- node ${process.version}; VPP: ${useReal ? `${String(version.version)} at ${socket}` : `the simulator (${String(version.version)}) with ${DUMP} loopbacks`}`,
);
say(
  `- command: \`make bench\` (env: BENCH_SEQUENTIAL=${SEQ} BENCH_REQUESTS=${LOAD} BENCH_INTERFACES=${DUMP} BENCH_ROUTES=${ROUTES})`,
);
say(`- every hop runs as its own process on this machine; the load generator shares the same cores`);
say(
  `- gRPC calls use a direct HTTP/2 gRPC client (the one the gateway uses); grpc-js's own client costs about twice the CPU per call`,
);
say();

const showVersionGrpc = grpcCall('/vpp.vpe.Vpe/ShowVersion', 'show_version', 'show_version_reply');
const pingGrpc = grpcCall('/vpp.memclnt.Memclnt/ControlPing', 'control_ping', 'control_ping_reply');
const latency: Record<string, Latency> = {};

/** A TCP echo client: one byte there and back. */
async function tcpEcho(port: number): Promise<{ call: () => Promise<void>; close(): void }> {
  const socket = createConnection({ port, host: '127.0.0.1' });
  socket.setNoDelay(true);
  await new Promise((r) => socket.once('connect', r));
  let pending: (() => void) | undefined;
  socket.on('data', () => pending?.());
  return {
    call: () =>
      new Promise<void>((resolve) => {
        pending = resolve;
        socket.write('x');
      }),
    close: () => socket.destroy(),
  };
}
latency['raw control_ping'] = await sequential(() => raw.request('control_ping'), SEQ);
latency['raw show_version'] = await sequential(() => raw.request('show_version'), SEQ);
latency['gRPC control_ping'] = await sequential(() => pingGrpc({}), SEQ);
latency['gRPC show_version'] = await sequential(() => showVersionGrpc({}), SEQ);
latency['REST control_ping'] = await sequential(
  async () => JSON.parse(await restCall('/Memclnt/ControlPing/request')),
  SEQ,
);
latency['REST show_version'] = await sequential(
  async () => JSON.parse(await restCall('/Vpe/ShowVersion/request')),
  SEQ,
);
// the same hops with no work behind them: what this machine and Node charge per round trip
const floorTcp = await tcpEcho(Number(floor.ready.tcp));
const floorHttp = new Pool(`http://127.0.0.1:${String(floor.ready.http)}`, { connections: 1 });
const floorH2 = new GrpcClient({ target: `127.0.0.1:${String(floor.ready.h2)}` });
latency['floor: TCP echo'] = await sequential(floorTcp.call, SEQ);
latency['floor: HTTP/1.1'] = await sequential(
  async () => (await floorHttp.request({ path: '/', method: 'POST' })).body.text(),
  SEQ,
);
latency['floor: HTTP/2 gRPC-shaped'] = await sequential(() => floorH2.unary('/f.F/F', Buffer.alloc(0)), SEQ);
floorTcp.close();
await floorHttp.close();
say(`## Round trips, one at a time (${SEQ} calls each)`);
say();
say('| call | p50 ms | p90 ms | p99 ms | mean ms | calls/s | p50 vs raw |');
say('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const [name, l] of Object.entries(latency)) {
  const base = latency[`raw ${name.split(' ')[1]}`];
  const ratio = base ? fmt.ratio(l.p50 / base.p50) : '';
  say(
    `| ${name} | ${fmt.ms(l.p50)} | ${fmt.ms(l.p90)} | ${fmt.ms(l.p99)} | ${fmt.ms(l.mean)} | ${fmt.int(l.rps)} | ${ratio} |`,
  );
}
say();
say(
  'The floor rows are round trips to a process that does nothing: a TCP echo, an HTTP/1.1 answer, and a gRPC-shaped ' +
    'HTTP/2 answer from node:http2. A REST call crosses one HTTP/1.1 hop, one HTTP/2 hop and one unix-socket hop, so ' +
    'the sum of those floors is the least it can take on this machine with Node.',
);
say();

for (const l of footprinted.lines) say(l);

// ---------------------------------------------------------------- 2. throughput at 1, 16, 64 in flight
say(`## Throughput of show_version (${LOAD} calls per cell, calls/s)`);
say();
say('| in flight | raw (pipelined) | gRPC | REST | gRPC / raw | REST / raw | floor: HTTP/2 gRPC-shaped |');
say('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
const throughput: Record<number, { raw: number; grpc: number; rest: number }> = {};
let floorRate = 0;
for (const c of [1, 16, 64]) {
  const r = await concurrent(() => raw.request('show_version'), LOAD, c);
  const g = await concurrent(() => showVersionGrpc({}), LOAD, c);
  const h = await concurrent(async () => JSON.parse(await restCall('/Vpe/ShowVersion/request')), LOAD, c);
  const f = await concurrent(() => floorH2.unary('/f.F/F', Buffer.alloc(0)), LOAD, c);
  floorRate = f;
  throughput[c] = { raw: r, grpc: g, rest: h };
  say(
    `| ${c} | ${fmt.int(r)} | ${fmt.int(g)} | ${fmt.int(h)} | ${(g / r).toFixed(2)} | ${(h / r).toFixed(2)} | ${fmt.int(f)} |`,
  );
}
say();

// ---------------------------------------------------------------- 3. a big dump
const dumpRows: string[] = [];
const timed = async (name: string, run: () => Promise<number>): Promise<void> => {
  for (const c of [server, gateway]) resetPeak(c.proc.pid!);
  const before = { server: memoryOf(server.proc.pid!), gateway: memoryOf(gateway.proc.pid!) };
  const t0 = process.hrtime.bigint();
  const n = await run();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const after = { server: memoryOf(server.proc.pid!), gateway: memoryOf(gateway.proc.pid!) };
  const grew = (k: 'server' | 'gateway'): string =>
    name.startsWith('raw') || (k === 'gateway' && name.startsWith('gRPC'))
      ? '–'
      : fmt.mib(after[k].peak - before[k].rss);
  dumpRows.push(
    `| ${name} | ${fmt.int(n)} | ${ms.toFixed(0)} | ${fmt.int((n / ms) * 1000)} | ${grew('server')} | ${grew('gateway')} |`,
  );
};
await timed('raw client', async () => {
  let n = 0;
  for await (const _ of raw.dump('sw_interface_dump', {})) n++;
  return n;
});
await timed('gRPC stream', () =>
  grpcStream('/vpp.interface.Interface/SwInterfaceDump', 'sw_interface_dump', 'sw_interface_details', {}),
);
await timed(
  'REST JSON array',
  async () => (JSON.parse(await restCall('/Interface/SwInterfaceDump/request')) as unknown[]).length,
);
await timed('REST NDJSON', async () => {
  const res = await pool.request({
    path: '/Interface/SwInterfaceDump/request',
    method: 'POST',
    headers: { accept: NDJSON_MEDIA_TYPE },
  });
  let n = 0;
  let rest = '';
  for await (const chunk of res.body) {
    rest += chunk.toString();
    let i: number;
    while ((i = rest.indexOf('\n')) >= 0) {
      JSON.parse(rest.slice(0, i));
      rest = rest.slice(i + 1);
      n++;
    }
  }
  return n;
});
say(`## Dump of every interface (sw_interface_dump)`);
say();
say('| path | details | ms | details/s | server peak growth MiB | gateway peak growth MiB |');
say('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const r of dumpRows) say(r);
say();

// ---------------------------------------------------------------- 4. programming routes
const routeJson = compileJson(types.get('ip_route_add_del')!);
const route = (i: number, plane: number): Value => routeRequest(i, plane, ROUTE_TABLE);
await raw.request('ip_table_add_del', {
  is_add: true,
  table: { table_id: ROUTE_TABLE, is_ip6: false, name: 'vpp-rpc-bench' },
});
const routeGrpc = grpcCall('/vpp.ip.Ip/IpRouteAddDel', 'ip_route_add_del', 'ip_route_add_del_reply');
const routes = {
  raw: await concurrent((i) => raw.request('ip_route_add_del', route(i, 1)), ROUTES, 64),
  grpc: await concurrent((i) => routeGrpc(route(i, 2)), ROUTES, 64),
  rest: await concurrent((i) => restCall('/Ip/IpRouteAddDel/request', routeJson.toJson(route(i, 3))), ROUTES, 64),
};
const batch = await benchBatch({
  root: api.root,
  grpcTarget,
  rest,
  serverPid: server.proc.pid!,
  gatewayPid: gateway.proc.pid!,
  table: ROUTE_TABLE,
  routes: ROUTES,
  rates: routes,
  say,
});
await raw.request('ip_table_add_del', { is_add: false, table: { table_id: ROUTE_TABLE, is_ip6: false, name: '' } });

// the stack and its VPP stop here: the stats benchmarks start VPPs of their own
await pool.close();
floorH2.close();
grpc.close();
await raw.close();
await stopAll();
benchVpp?.stop();

// ---------------------------------------------------------------- 5. the stats segment, on VPPs of their own
await benchStats(say);
const scrapeMs = await benchPrometheus(say);
// ---------------------------------------------------------------- 6. the journal, on a VPP of its own
const journal = process.env.BENCH_JOURNAL === 'off' ? undefined : await benchJournal(say);
const journalEtcd = process.env.BENCH_JOURNAL === 'off' ? undefined : await benchJournalEtcd(say);
// ---------------------------------------------------------------- 7. a fleet gateway, on servers of its own
const fleet = process.env.BENCH_FLEET === 'off' ? undefined : await benchFleet(say);

// ---------------------------------------------------------------- 8. against the targets
const restSeq = latency['REST show_version']!;
const rawSeq = latency['raw show_version']!;
say('## Against the targets');
say();
say('| target | measured | met |');
say('| --- | --- | :---: |');
const row = (what: string, measured: string, ok: boolean): void =>
  say(`| ${what} | ${measured} | ${ok ? 'yes' : 'no'} |`);
row('REST sequential p50 below 0.5 ms', `${fmt.ms(restSeq.p50)} ms`, restSeq.p50 < 0.5);
row(
  `REST sequential at least 20× the article's ${ARTICLE.rps}/s (4,140/s)`,
  `${fmt.int(restSeq.rps)}/s (${(restSeq.rps / ARTICLE.rps).toFixed(1)}×)`,
  restSeq.rps >= 20 * ARTICLE.rps,
);
row(
  'REST p50 under 5× the raw client at concurrency 1',
  fmt.ratio(restSeq.p50 / rawSeq.p50),
  restSeq.p50 / rawSeq.p50 < 5,
);
const ndjsonGrowth = Number(/\| REST NDJSON \|.*\| ([\d.]+) \|$/.exec(dumpRows.at(-1) ?? '')?.[1] ?? NaN);
row(
  `gateway memory growth under 50 MiB for the ${DUMP}-entry NDJSON dump`,
  `${fmt.mib(ndjsonGrowth)} MiB`,
  ndjsonGrowth < 50,
);
row(
  'route programming through a gRPC batch at least 0.5 of the raw rate',
  `${(batch.grpc / routes.raw).toFixed(2)} of raw`,
  batch.grpc >= routes.raw * 0.5,
);
row(
  'route programming through a REST batch at least 0.35 of the raw rate',
  `${(batch.rest / routes.raw).toFixed(2)} of raw`,
  batch.rest >= routes.raw * 0.35,
);
for (const [what, v] of [
  ['server, gRPC batch', batch.growth.grpcServer],
  ['server, REST batch', batch.growth.restServer],
  ['gateway, REST batch', batch.growth.restGateway],
] as const)
  row(`${what}: peak RSS growth under 50 MiB for ${fmt.int(batch.longRoutes)} routes`, `${fmt.mib(v)} MiB`, v < 50);
for (const [p, most] of [
  ['server', 90],
  ['gateway', 80],
] as const)
  row(`${p}: idle RSS at most ${most} MiB`, `${fmt.mib(footprinted.idleMiB[p])} MiB`, footprinted.idleMiB[p] <= most);
for (const p of ['server', 'gateway', 'sim'] as const)
  row(
    `${p}: launch to listening under 0.7 s`,
    `${footprinted.launchMs[p].toFixed(0)} ms`,
    footprinted.launchMs[p] < 700,
  );
if (scrapeMs !== undefined)
  row('Prometheus scrape of a VPP with 1,000 interfaces under 50 ms', `${fmt.ms(scrapeMs)} ms`, scrapeMs < 50);
if (journalEtcd) {
  const { unaryP50: u, batch: b } = journalEtcd;
  row(
    `journal in etcd: unary write p50 at most 2× the file's (${journalEtcd.vpp})`,
    `${(u.etcd / u.file).toFixed(2)}×`,
    u.etcd <= 2 * u.file,
  );
  row(
    `journal in etcd: gRPC batch at least 0.5× the file's (${journalEtcd.vpp})`,
    `${(b.etcd / b.file).toFixed(2)}×`,
    b.etcd >= 0.5 * b.file,
  );
}
if (journal) {
  const unary = journal.unaryP50.on / journal.unaryP50.off;
  row(`journal on: unary write p50 at most 1.15× off (${journal.vpp})`, `${unary.toFixed(2)}×`, unary <= 1.15);
  const batch = journal.batch.on / journal.batch.off;
  row(`journal on: gRPC batch at least 0.9× off (${journal.vpp})`, `${batch.toFixed(2)}×`, batch >= 0.9);
  row(
    `journal replay of ${fmt.int(journal.replay.routes)} routes at 20,000 routes/s or more`,
    `${fmt.int(journal.replay.rate)} routes/s`,
    journal.replay.rate >= 20_000,
  );
  row(
    `journal back to its size after ${fmt.int(journal.churn.routes)} route adds and deletes`,
    `${fmt.int(journal.churn.bytesBefore)} → ${fmt.int(journal.churn.bytesAfter)} bytes, ${journal.churn.entriesAfter} entries`,
    journal.churn.bytesAfter <= journal.churn.bytesBefore * 2,
  );
}
if (fleet) {
  const { unary, fanOut, nodes } = fleet;
  const p50 = unary.fleet.p50 / unary.single.p50;
  row(
    `fleet gateway of ${nodes} nodes: unary p50 at most 1.1× a gateway of one server`,
    `${p50.toFixed(2)}×`,
    p50 <= 1.1,
  );
  const rate = unary.single.rps / unary.fleet.rps;
  row(
    `fleet gateway of ${nodes} nodes: one-at-a-time rate at least 1/1.1 of a gateway of one server`,
    `${(unary.fleet.rps / unary.single.rps).toFixed(2)}×`,
    rate <= 1.1,
  );
  const wide = fanOut[20]!.p50 / fanOut[1]!.p50;
  row('fan-out to 20 nodes within 3× one node (p50)', `${wide.toFixed(2)}×`, wide <= 3);
}
const floorSum =
  latency['floor: HTTP/1.1']!.p50 + latency['floor: HTTP/2 gRPC-shaped']!.p50 + latency['floor: TCP echo']!.p50;
say(
  `\nThe floor of a REST call on this machine (an HTTP/1.1, an HTTP/2 and a socket round trip to processes that do nothing) ` +
    `is ${fmt.ms(floorSum)} ms at p50; REST show_version takes ${fmt.ms(restSeq.p50)} ms, ${(restSeq.p50 / floorSum).toFixed(2)}× that floor. ` +
    `At 64 in flight a do-nothing HTTP/2 server answers ${fmt.int(floorRate)}/s; gRPC show_version reaches ${fmt.int(throughput[64]!.grpc)}/s.`,
);
say(
  `\nThe article's stack: ${ARTICLE.meanMs} ms mean, ${ARTICLE.rps} calls/s for curl → REST → gRPC → VPP show_version; here: ${fmt.ms(restSeq.mean)} ms mean, ${fmt.int(restSeq.rps)} calls/s.`,
);

say();

const out = join(PROJECT_ROOT, 'bench/RESULTS.md');
const notes = existsSync(out) ? readFileSync(out, 'utf8').split('\n<!-- notes -->\n')[1] : undefined;
writeFileSync(out, lines.join('\n') + '\n' + (notes !== undefined ? `\n<!-- notes -->\n${notes}` : ''));
console.log(`\nwritten to ${out}`);
