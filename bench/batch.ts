/**
 * The bulk path in `make bench`: routes programmed through one
 * vpprpc.Batch/Call stream (several windows) and through the gateway's REST
 * batch route, beside the raw pipelined client, unary gRPC and unary REST
 * measured in the same run, each as a ratio to raw; then the peak RSS growth
 * of the server and the gateway during long batches (BENCH_BATCH_ROUTES,
 * 1,000,000 route operations: each route added, then deleted, so that VPP's
 * FIB stays small).
 *
 * The gRPC batch client is a lean one over node:http2 (as bench/run.ts
 * measures unary gRPC with the gateway's client): it pre-encodes items, writes
 * them in runs, and counts answers, so that the figure is the server's, not
 * grpc-js's client's. BENCH_REAL_VPP=1 makes bench/run.ts start ../shared/vpp
 * itself (polling, no VPP_POLL_SLEEP_USEC) and measure against it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type protobuf from 'protobufjs';
import { BatchCodec } from '../lib/grpc/batch-client.ts';
import { encodeFrames, FrameReader } from '../lib/grpc/wire.ts';
import { compileBinary } from '../lib/protobuf/index.ts';
import { PROJECT_ROOT } from '../lib/project.ts';
import { BATCH_PATH, GRPC_MEDIA_TYPE } from '../lib/wire-names.ts';
import type { Value } from '../vpp/codec/types.ts';
import { ndjsonChunks, restBatch } from './batch-rest.ts';
import { fmt, memoryOf, resetPeak } from './measure.ts';

const VPP_SH = join(PROJECT_ROOT, '..', 'shared', 'vpp', 'vpp.sh');

/** A real VPP started for the benchmark: polling, in a temporary folder. */
export function startBenchVpp(): { socket: string; stop(): void } {
  if (!existsSync(VPP_SH)) throw new Error(`BENCH_REAL_VPP=1: no ${VPP_SH}`);
  const dir = mkdtempSync(join(tmpdir(), 'vpp-bench-'));
  const env = { ...process.env };
  delete env.VPP_POLL_SLEEP_USEC;
  // vpp.sh's 32 MiB stats segment runs out (VPP panics) after a few thousand loopbacks; the
  // dump benchmark gives this VPP BENCH_INTERFACES (10,000) of them
  env.VPP_EXTRA_CONF = `statseg { size 512m page-size 4k socket-name ${join(dir, 'stats.sock')} }\n${env.VPP_EXTRA_CONF ?? ''}`;
  execFileSync('bash', [VPP_SH, 'start', dir], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    execFileSync('bash', [VPP_SH, 'stop', dir], { env, stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stop);
  return { socket: join(dir, 'api.sock'), stop };
}

/** The ip_route_add_del request for route `i` of `plane` in `table`: a /32 through 192.0.2.1. */
export function routeRequest(i: number, plane: number, table: number, isAdd = true): Value {
  return {
    is_add: isAdd,
    route: {
      table_id: table,
      prefix: `${10 + plane}.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`,
      paths: [{ sw_if_index: 4294967295, weight: 1, nh: { address: { ip4: '192.0.2.1' } } }],
    },
  };
}

export interface BatchBenchInput {
  root: protobuf.Root;
  grpcTarget: string;
  /** the gateway's base URL */
  rest: string;
  serverPid: number;
  gatewayPid: number;
  table: number;
  routes: number;
  /** routes/s of the paths bench/run.ts measured in this run */
  rates: { raw: number; grpc: number; rest: number };
  say(line?: string): void;
}

/** What the targets table of bench/run.ts reports. */
export interface BatchFigures {
  /** routes/s: the best gRPC batch window, and the REST batch route */
  grpc: number;
  rest: number;
  longRoutes: number;
  /** peak RSS growth in MiB during the long batches: the server's over gRPC, each process's over REST */
  growth: { grpcServer: number; restServer: number; restGateway: number };
}

/**
 * One Batch/Call stream over node:http2: items are framed ahead of time in
 * runs of `RUN`, written as the stream takes them; answers are counted, and
 * any error answer fails the run.
 */
export async function grpcBatch(
  target: string,
  items: Items,
  n: number,
  window: number,
  codec: BatchCodec,
): Promise<void> {
  const session = http2.connect(`http://${target}`);
  const stream = session.request({
    ':method': 'POST',
    ':path': BATCH_PATH,
    'content-type': GRPC_MEDIA_TYPE,
    te: 'trailers',
  });
  const RUN = 256;
  let answered = 0;
  let firstError: string | undefined;
  const done = new Promise<void>((resolve, reject) => {
    const reader = new FrameReader(64 * 1024 * 1024);
    stream.on('data', (chunk: Buffer) => {
      let messages: Buffer[];
      try {
        messages = reader.push(chunk);
      } catch (e) {
        stream.close(http2.constants.NGHTTP2_CANCEL);
        return reject(e as Error);
      }
      for (const msg of messages) {
        // tag 0x1a: the error arm of the oneof; decode only those
        if (firstError === undefined && msg.includes(0x1a) && codec.decode(msg).error)
          firstError = codec.decode(msg).error!.message;
        answered++;
      }
    });
    stream.on('trailers', (t) => {
      const s = Number(t['grpc-status']);
      if (s !== 0) reject(new Error(`Batch/Call ended with ${s}: ${String(t['grpc-message'])}`));
    });
    stream.on('end', () => resolve());
    stream.on('error', reject);
  });
  for (let i = 0; i < n; i += RUN) {
    const messages: Buffer[] = [];
    for (let j = i; j < Math.min(n, i + RUN); j++) messages.push(items(j, j === 0 ? { window } : undefined));
    if (!stream.write(encodeFrames(messages))) await new Promise((r) => stream.once('drain', r));
  }
  stream.end();
  await done;
  session.close();
  if (answered !== n) throw new Error(`Batch/Call answered ${answered} of ${n}`);
  if (firstError) throw new Error(`Batch/Call: an item failed: ${firstError}`);
}

/** The i-th item's BatchRequest bytes; the first one carries the stream's options. */
export type Items = (i: number, options?: { window: number }) => Buffer;

/** Routes/s of `run`, which programs `n` routes. */
async function rate(n: number, run: () => Promise<void>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await run();
  return (n / Number(process.hrtime.bigint() - t0)) * 1e9;
}

/** Peak RSS growth (MiB) of each of `pids` while `run` runs. */
async function growth(pids: number[], run: () => Promise<void>): Promise<number[]> {
  for (const pid of pids) resetPeak(pid);
  const before = pids.map((pid) => memoryOf(pid).rss);
  await run();
  return pids.map((pid, i) => memoryOf(pid).peak - before[i]!);
}

export async function benchBatch(input: BatchBenchInput): Promise<BatchFigures> {
  const { root, say, table } = input;
  const codec = new BatchCodec(root);
  const routeCodec = compileBinary(root.lookupType('vpp.ip.IpRouteAddDel'));
  const item =
    (request: (i: number) => Value): Items =>
    (i, options) =>
      codec.encode({
        id: i,
        rpc: 'Ip/IpRouteAddDel',
        value: routeCodec.encode(request(i)),
        ...(options ? { options } : {}),
      });
  const rest = async (n: number, request: (i: number) => Value): Promise<void> => {
    const r = await restBatch(input.rest, '/Ip/IpRouteAddDel/batch', ndjsonChunks(n, request));
    if (r.items !== n) throw new Error(`REST batch: ${r.items} answers for ${n} routes`);
    if (r.errors) throw new Error(`REST batch: ${r.errors} items failed, the first: ${r.firstError}`);
  };

  const n = input.routes;
  const windows = (process.env.BENCH_BATCH_WINDOWS ?? '64,256,1024').split(',').map(Number);
  const rows: [string, number][] = [];
  let plane = 20;
  for (const w of windows) {
    const p = plane++;
    const items = item((i) => routeRequest(i, p, table));
    rows.push([`gRPC batch (window ${w})`, await rate(n, () => grpcBatch(input.grpcTarget, items, n, w, codec))]);
  }
  const restPlane = plane++;
  const restRate = await rate(n, () => rest(n, (i) => routeRequest(i, restPlane, table)));
  rows.push([`REST batch (NDJSON, default window)`, restRate]);
  const r = input.rates;
  say(`## Bulk programming: ${n} routes (ip_route_add_del)`);
  say();
  say('| path | routes/s | vs raw |');
  say('| --- | ---: | ---: |');
  const line = (name: string, v: number): void => say(`| ${name} | ${fmt.int(v)} | ${(v / r.raw).toFixed(2)} |`);
  line('raw client (pipelined, 64 in flight)', r.raw);
  line('unary gRPC (64 in flight)', r.grpc);
  line('unary REST (64 in flight)', r.rest);
  for (const [name, v] of rows) line(name, v);
  say();

  // the long batches: each route added, then deleted, so that VPP's FIB stays small
  const long = Number(process.env.BENCH_BATCH_ROUTES ?? 1_000_000);
  const distinct = 50_000;
  const churn =
    (p: number) =>
    (i: number): Value =>
      routeRequest((i >> 1) % distinct, p, table, (i & 1) === 0);
  const pids = [input.serverPid, input.gatewayPid];
  let grpcLongRate = 0;
  let restLongRate = 0;
  const [grpcServer] = await growth([input.serverPid], async () => {
    grpcLongRate = await rate(long, () => grpcBatch(input.grpcTarget, item(churn(100)), long, 0, codec));
  });
  const [restServer, restGateway] = await growth(pids, async () => {
    restLongRate = await rate(long, () => rest(long, churn(101)));
  });
  say(`## A long batch: ${fmt.int(long)} route operations (added, then deleted) on one stream or request`);
  say();
  say('| path | server peak growth MiB | gateway peak growth MiB | routes/s |');
  say('| --- | ---: | ---: | ---: |');
  say(`| gRPC batch | ${fmt.mib(grpcServer!)} | – | ${fmt.int(grpcLongRate)} |`);
  say(`| REST batch (NDJSON) | ${fmt.mib(restServer!)} | ${fmt.mib(restGateway!)} | ${fmt.int(restLongRate)} |`);
  say();
  const best = Math.max(...rows.filter(([name]) => name.startsWith('gRPC batch')).map(([, v]) => v));
  return {
    grpc: best,
    rest: restRate,
    longRoutes: long,
    growth: { grpcServer: grpcServer!, restServer: restServer!, restGateway: restGateway! },
  };
}
