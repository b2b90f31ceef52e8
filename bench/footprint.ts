/**
 * What each process costs a small box, started the way users start it
 * (lib/child.ts): time from launch to listening (wall and CPU), resident
 * memory when idle after start and after one call of every RPC shape, and
 * the first call of each shape against the same call once warm.
 */
import { startBenchServer } from './server.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'undici';
import { GrpcClient } from '../gateway/grpc/client.ts';
import { portOf, startChild, type Child } from '../lib/child.ts';
import { compileBinary } from '../lib/protobuf/index.ts';
import { startSim } from '../test/support/stack.ts';
import type { Value } from '../vpp/codec/types.ts';
import type protobuf from 'protobufjs';
import { fmt, memoryOf } from './measure.ts';
import { NDJSON_MEDIA_TYPE } from '../lib/wire-names.ts';

const LAUNCHES = Number(process.env.BENCH_LAUNCHES ?? 3);
const WARM_CALLS = 200;
const SETTLE_MS = 5000;
/** a loaded machine starts slowly: measure it rather than fail */
const START_TIMEOUT_MS = 180_000;
const env = { LOG_LEVEL: 'warn' };

/** CPU seconds a process has used (user + system), from /proc (clock ticks of 1/100 s). */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface Launch {
  child: Child;
  wallMs: number;
  cpuMs: number;
}

async function launch(start: () => Promise<Child>): Promise<Launch> {
  const t0 = process.hrtime.bigint();
  const child = await start();
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  return { child, wallMs, cpuMs: cpuSeconds(child.proc.pid!) * 1000 };
}

type Proc = 'sim' | 'server' | 'gateway';
const PROCS: Proc[] = ['sim', 'server', 'gateway'];

async function startAll(socket: string): Promise<Record<Proc, Launch>> {
  const sim = await launch(() => startSim(socket, [], false));
  const server = await launch(() => startBenchServer(socket, { env, timeoutMs: START_TIMEOUT_MS }));
  const gateway = await launch(() =>
    startChild({
      name: 'gateway',
      entry: 'gateway/main.ts',
      args: ['--listen', '127.0.0.1:0', '--grpc-target', grpcTargetOf(server.child), '--metrics-listen', 'off'],
      env,
      readyMessage: 'REST gateway listening',
      timeoutMs: START_TIMEOUT_MS,
    }),
  );
  return { sim, server, gateway };
}

const grpcTargetOf = (server: Child): string => `127.0.0.1:${portOf(server.ready.grpc)}`;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const elapsedMs = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;

/** One RPC of each shape, as gRPC bytes and as a REST call. */
interface Shape {
  shape: string;
  grpcPath: string;
  restPath: string;
  request: Value;
  requestType: string;
  /** an event stream: timed to its first response headers, then cancelled */
  events?: boolean;
}

const SHAPES: Shape[] = [
  {
    shape: 'unary',
    grpcPath: '/vpp.vpe.Vpe/ShowVersion',
    restPath: '/Vpe/ShowVersion/request',
    request: {},
    requestType: 'show_version',
  },
  {
    shape: 'unary, nested types',
    grpcPath: '/vpp.ip.Ip/IpRouteAddDel',
    restPath: '/Ip/IpRouteAddDel/request',
    request: {
      is_add: true,
      route: {
        table_id: 0,
        prefix: '10.9.0.0/24',
        paths: [{ sw_if_index: 4294967295, weight: 1, nh: { address: { ip4: '192.0.2.1' } } }],
      },
    },
    requestType: 'ip_route_add_del',
  },
  {
    shape: 'dump',
    grpcPath: '/vpp.interface.Interface/SwInterfaceDump',
    restPath: '/Interface/SwInterfaceDump/request',
    request: {},
    requestType: 'sw_interface_dump',
  },
  {
    shape: 'events',
    grpcPath: '/vpp.interface.Interface/WantInterfaceEvents',
    restPath: '/Interface/WantInterfaceEvents/request',
    request: {},
    requestType: 'want_interface_events',
    events: true,
  },
];

function grpcOnce(client: GrpcClient, s: Shape, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    const call = client.call(s.grpcPath, bytes);
    if (s.events)
      call.once('metadata', () => {
        call.cancel();
        resolve();
      });
    call.on('data', () => {});
    call.on('end', resolve);
    call.on('error', (e) => (s.events ? resolve() : reject(e)));
  });
}

async function restOnce(pool: Pool, s: Shape, body: string): Promise<void> {
  const res = await pool.request({
    path: s.restPath,
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', accept: NDJSON_MEDIA_TYPE },
  });
  if (res.statusCode !== 200) throw new Error(`${s.restPath}: HTTP ${res.statusCode} ${await res.body.text()}`);
  if (s.events) res.body.destroy();
  else await res.body.text();
}

/** The first call, then the median of warm ones. */
async function firstAndWarm(call: () => Promise<void>): Promise<{ first: number; warm: number }> {
  let t = process.hrtime.bigint();
  await call();
  const first = elapsedMs(t);
  const xs: number[] = [];
  for (let i = 0; i < WARM_CALLS; i++) {
    t = process.hrtime.bigint();
    await call();
    xs.push(elapsedMs(t));
  }
  return { first, warm: median(xs) };
}

/**
 * Runs the footprint measurements on processes of their own, started and
 * stopped here; returns the report's lines. `types` gives the proto type of
 * each VPP message (vpp/api/load-proto.ts messageTypes).
 */
/** The footprint section's lines, and the figures the targets table reads: median launch → listening ms and idle RSS MiB. */
export interface Footprint {
  lines: string[];
  launchMs: Record<Proc, number>;
  idleMiB: Record<Proc, number>;
}

export async function footprint(types: Map<string, protobuf.Type>): Promise<Footprint> {
  const socket = join('/tmp', `vpp-rpc-footprint-${process.pid}.sock`);
  const launches: Record<Proc, Launch[]> = { sim: [], server: [], gateway: [] };
  let last: Record<Proc, Launch> | undefined;
  for (let i = 0; i < LAUNCHES; i++) {
    if (last) for (const p of [...PROCS].reverse()) await last[p].child.stop(3000);
    last = await startAll(socket);
    for (const p of PROCS) launches[p].push(last[p]);
  }
  const running = last!;
  try {
    await sleep(SETTLE_MS);
    const idle = Object.fromEntries(PROCS.map((p) => [p, memoryOf(running[p].child.proc.pid!).rss]));

    const grpc = new GrpcClient({ target: grpcTargetOf(running.server.child) });
    const pool = new Pool(`http://127.0.0.1:${portOf(running.gateway.child.ready.rest)}`, { connections: 1 });
    const calls: string[] = [];
    // gRPC first: each shape's first call meets a cold server; REST's then meets a cold gateway only
    const grpcTimes = [];
    for (const s of SHAPES) {
      const bytes = compileBinary(types.get(s.requestType)!).encode(s.request);
      grpcTimes.push(await firstAndWarm(() => grpcOnce(grpc, s, bytes)));
    }
    for (const [i, s] of SHAPES.entries()) {
      const r = await firstAndWarm(() => restOnce(pool, s, JSON.stringify(s.request)));
      const g = grpcTimes[i]!;
      calls.push(
        `| ${s.shape} (${s.grpcPath.split('/')[2]}) | ${fmt.ms(g.first)} | ${fmt.ms(g.warm)} | ${fmt.ms(r.first)} | ${fmt.ms(r.warm)} |`,
      );
    }
    grpc.close();
    await pool.close();
    await sleep(SETTLE_MS);
    const used = Object.fromEntries(PROCS.map((p) => [p, memoryOf(running[p].child.proc.pid!).rss]));

    const out: string[] = [];
    out.push(`## Footprint of each process (started as \`make run\` starts it; median of ${LAUNCHES} launches)`);
    out.push('');
    out.push(
      '| process | launch → listening ms | CPU ms to listening | idle RSS MiB | RSS MiB after one call of each shape |',
    );
    out.push('| --- | ---: | ---: | ---: | ---: |');
    for (const p of PROCS)
      out.push(
        `| ${p} | ${median(launches[p].map((l) => l.wallMs)).toFixed(0)} | ${median(launches[p].map((l) => l.cpuMs)).toFixed(0)} | ${fmt.mib(idle[p]!)} | ${fmt.mib(used[p]!)} |`,
      );
    out.push('');
    out.push(
      `Launch → listening is the wall time from spawn to the process's "listening" log line, CPU the user + system ` +
        `time it used by then; idle RSS is read ${SETTLE_MS / 1000} s after the last launch; the calls are those below.`,
    );
    out.push('');
    out.push(`## First call of each RPC shape against warm calls (ms; warm = median of ${WARM_CALLS})`);
    out.push('');
    out.push('| shape | gRPC first | gRPC warm | REST first | REST warm |');
    out.push('| --- | ---: | ---: | ---: | ---: |');
    out.push(...calls);
    out.push('');
    out.push(
      'gRPC calls go to the server first, so their first call meets a server that has done nothing for that RPC; ' +
        "the REST call after it meets a cold gateway and a warm server. An event stream's call is timed to its " +
        'first response headers (the subscription is live), then cancelled.',
    );
    out.push('');
    return {
      lines: out,
      launchMs: Object.fromEntries(PROCS.map((p) => [p, median(launches[p].map((l) => l.wallMs))])) as Record<
        Proc,
        number
      >,
      idleMiB: idle as Record<Proc, number>,
    };
  } finally {
    for (const p of [...PROCS].reverse()) await running[p].child.stop(3000);
  }
}
