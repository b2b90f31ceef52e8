/**
 * The bulk path in `make bench`: routes programmed through one
 * vpprpc.Batch/Call stream, beside the raw pipelined client, unary gRPC and
 * unary REST measured in the same run, each as a ratio to raw; then the
 * server's peak RSS growth during a long batch (BENCH_BATCH_ROUTES, 1,000,000
 * route operations: each route added, then deleted, so that VPP's FIB stays small).
 *
 * The batch client is a lean one over node:http2 (as bench/run.ts measures
 * unary gRPC with the gateway's client): it pre-encodes items, writes them in
 * runs, and counts answers, so that the figure is the server's, not grpc-js's
 * client's. BENCH_REAL_VPP=1 makes bench/run.ts start ../shared/vpp itself
 * (polling, no VPP_POLL_SLEEP_USEC) and measure against it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type protobuf from 'protobufjs';
import { BatchCodec, BATCH_PATH } from '../cli/batch-client.ts';
import { compileBinary } from '../lib/protobuf/index.ts';
import { PROJECT_ROOT } from '../lib/project.ts';
import { fmt, memoryOf, resetPeak } from './measure.ts';

const VPP_SH = join(PROJECT_ROOT, '..', 'shared', 'vpp', 'vpp.sh');

/** A real VPP started for the benchmark: polling, in a temporary folder. */
export function startBenchVpp(): { socket: string; stop(): void } {
  if (!existsSync(VPP_SH)) throw new Error(`BENCH_REAL_VPP=1: no ${VPP_SH}`);
  const dir = mkdtempSync(join(tmpdir(), 'vpp-bench-'));
  const env = { ...process.env };
  delete env.VPP_POLL_SLEEP_USEC;
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

export interface BatchBenchInput {
  root: protobuf.Root;
  grpcTarget: string;
  serverPid: number;
  table: number;
  routes: number;
  /** routes/s of the paths bench/run.ts measured in this run */
  rates: { raw: number; grpc: number; rest: number };
  say(line?: string): void;
}

/**
 * Another batch path (the REST batch route, say): it programs `n` routes of
 * `plane` into `table` and resolves when every answer is in; a row is printed for it.
 */
export interface BatchPath {
  name: string;
  run(n: number, plane: number, table: number): Promise<void>;
}

/** Paths other modules add (REST batch: gateway's `/Ip/IpRouteAddDel/batch` belongs here). */
export const extraBatchPaths: BatchPath[] = [];

/**
 * One Batch/Call stream over node:http2: items are framed ahead of time in
 * runs of `RUN`, written as the stream takes them; answers are counted, and
 * any error answer fails the run.
 */
async function grpcBatch(target: string, items: Items, n: number, window: number, codec: BatchCodec): Promise<void> {
  const session = http2.connect(`http://${target}`);
  const stream = session.request({
    ':method': 'POST',
    ':path': BATCH_PATH,
    'content-type': 'application/grpc',
    te: 'trailers',
  });
  const RUN = 256;
  let answered = 0;
  let firstError: string | undefined;
  const done = new Promise<void>((resolve, reject) => {
    let buf: Buffer = Buffer.alloc(0);
    stream.on('data', (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      let p = 0;
      while (buf.length - p >= 5) {
        const len = buf.readUInt32BE(p + 1);
        if (buf.length - p - 5 < len) break;
        const msg = buf.subarray(p + 5, p + 5 + len);
        // tag 0x1a: the error arm of the oneof; decode only those
        if (firstError === undefined && msg.includes(0x1a) && codec.decode(msg).error)
          firstError = codec.decode(msg).error!.message;
        answered++;
        p += 5 + len;
      }
      buf = buf.subarray(p);
    });
    stream.on('trailers', (t) => {
      const s = Number(t['grpc-status']);
      if (s !== 0) reject(new Error(`Batch/Call ended with ${s}: ${String(t['grpc-message'])}`));
    });
    stream.on('end', () => resolve());
    stream.on('error', reject);
  });
  for (let i = 0; i < n; i += RUN) {
    const frames: Buffer[] = [];
    for (let j = i; j < Math.min(n, i + RUN); j++) {
      const m = items(j, j === 0 ? { window } : undefined);
      const head = Buffer.allocUnsafe(5);
      head[0] = 0;
      head.writeUInt32BE(m.length, 1);
      frames.push(head, m);
    }
    if (!stream.write(Buffer.concat(frames))) await new Promise((r) => stream.once('drain', r));
  }
  stream.end();
  await done;
  session.close();
  if (answered !== n) throw new Error(`Batch/Call answered ${answered} of ${n}`);
  if (firstError) throw new Error(`Batch/Call: an item failed: ${firstError}`);
}

/** The i-th item's BatchRequest bytes; the first one carries the stream's options. */
type Items = (i: number, options?: { window: number }) => Buffer;

export async function benchBatch(input: BatchBenchInput): Promise<void> {
  const { root, say } = input;
  const codec = new BatchCodec(root);
  const routeCodec = compileBinary(root.lookupType('vpp.ip.IpRouteAddDel'));
  const routeItem = (id: number, prefix: string, isAdd: boolean, options?: { window: number }): Buffer =>
    codec.encode({
      id,
      rpc: 'Ip/IpRouteAddDel',
      value: routeCodec.encode({
        is_add: isAdd,
        route: {
          table_id: input.table,
          prefix,
          paths: [{ sw_if_index: 4294967295, weight: 1, nh: { address: { ip4: '192.0.2.1' } } }],
        },
      }),
      ...(options ? { options } : {}),
    });
  const planeItems =
    (plane: number): Items =>
    (i, options) =>
      routeItem(i, `10.${plane}.${(i >> 8) & 255}.${i & 255}/32`, true, options);
  const timed = async (run: () => Promise<void>, n: number): Promise<number> => {
    const t0 = process.hrtime.bigint();
    await run();
    return (n / Number(process.hrtime.bigint() - t0)) * 1e9;
  };
  const n = input.routes;
  const windows = (process.env.BENCH_BATCH_WINDOWS ?? '64,256,1024').split(',').map(Number);
  const rows: [string, number][] = [];
  let plane = 20;
  for (const w of windows) {
    const p = plane++;
    rows.push([
      `gRPC batch (window ${w})`,
      await timed(() => grpcBatch(input.grpcTarget, planeItems(p), n, w, codec), n),
    ]);
  }
  for (const path of extraBatchPaths) {
    const p = plane++;
    rows.push([path.name, await timed(() => path.run(n, p, input.table), n)]);
  }
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

  // the long batch: peak RSS of the server against its RSS before
  const long = Number(process.env.BENCH_BATCH_ROUTES ?? 1_000_000);
  const distinct = 50_000;
  const longItems: Items = (i, options) => {
    const k = (i >> 1) % distinct;
    return routeItem(i, `10.${100 + (k >> 16)}.${(k >> 8) & 255}.${k & 255}/32`, (i & 1) === 0, options);
  };
  resetPeak(input.serverPid);
  const before = memoryOf(input.serverPid);
  const rate = await timed(() => grpcBatch(input.grpcTarget, longItems, long, 0, codec), long);
  const after = memoryOf(input.serverPid);
  say(`## A long batch: ${long} route operations (added, then deleted) on one stream`);
  say();
  say('| process | RSS before MiB | peak MiB | peak growth MiB | routes/s |');
  say('| --- | ---: | ---: | ---: | ---: |');
  say(
    `| server | ${fmt.mib(before.rss)} | ${fmt.mib(after.peak)} | ${fmt.mib(after.peak - before.rss)} | ${fmt.int(rate)} |`,
  );
  say();
  const best = Math.max(...rows.filter(([name]) => name.startsWith('gRPC batch')).map(([, v]) => v));
  say(`- gRPC batch at least 0.5 of raw: ${(best / r.raw).toFixed(2)} (${best / r.raw >= 0.5 ? 'met' : 'missed'})`);
  say(
    `- server memory growth under 50 MiB for ${long} routes: ${fmt.mib(after.peak - before.rss)} MiB (${after.peak - before.rss < 50 * 2 ** 20 ? 'met' : 'missed'})`,
  );
  say();
}
