/**
 * REST batch throughput and gateway memory: routes programmed through
 * `POST /Ip/IpRouteAddDel/batch` (one NDJSON body, answers streamed back),
 * beside the raw client pipelining the same requests on VPP's socket, in one
 * run; and the gateway's peak RSS growth over a 1,000,000-route batch.
 *
 *   node --import tsx bench/batch-rest.ts              # the simulator
 *   BENCH_REAL_VPP=1 node --import tsx bench/batch-rest.ts   # starts ../shared/vpp itself
 *   VPP_API_SOCKET=/tmp/vpp1/api.sock node --import tsx bench/batch-rest.ts
 *
 * `restBatchRoutes` is what bench/run.ts (or bench/batch.ts) calls.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { portOf, startChild, type Child } from '../lib/child.ts';
import { PROJECT_ROOT } from '../lib/project.ts';
import { loadErrorTable } from '../vpp/api/errors.ts';
import { loadProtoDir } from '../vpp/api/load-proto.ts';
import { VppClient } from '../vpp/client/index.ts';
import { createCodec } from '../vpp/codec/index.ts';
import type { Value } from '../vpp/codec/types.ts';
import { READY_MS, startSim } from '../test/support/stack.ts';
import { concurrent, fmt, memoryOf, resetPeak } from './measure.ts';

/** The ip_route_add_del request for route `i` of `plane`, in `table`: a /32 through 192.0.2.1. */
export function routeRequest(i: number, plane: number, table: number): Value {
  return {
    is_add: true,
    route: {
      table_id: table,
      prefix: `${10 + plane}.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`,
      paths: [{ sw_if_index: 4294967295, weight: 1, nh: { address: { ip4: '192.0.2.1' } } }],
    },
  };
}

/** The NDJSON body of `n` routes, in chunks of about 64 KiB (made before the clock starts). */
export function routeBody(n: number, plane: number, table: number): Buffer[] {
  const chunks: Buffer[] = [];
  let text = '';
  for (let i = 0; i < n; i++) {
    text += JSON.stringify(routeRequest(i, plane, table)) + '\n';
    if (text.length >= 65536) {
      chunks.push(Buffer.from(text));
      text = '';
    }
  }
  if (text) chunks.push(Buffer.from(text));
  return chunks;
}

export interface RestBatchResult {
  items: number;
  /** answers that were errors */
  errors: number;
  ms: number;
  perSecond: number;
  /** the gateway's peak RSS growth during the batch, MiB (when its pid is given) */
  gatewayGrowthMiB?: number;
}

/**
 * POST `body` to `${rest}${path}` in one request, streaming it as the gateway
 * takes it while the answers are counted as they come (newlines, and lines
 * with an error `code`).
 */
export function restBatch(rest: string, path: string, body: Buffer[], gatewayPid?: number): Promise<RestBatchResult> {
  if (gatewayPid) resetPeak(gatewayPid);
  const before = gatewayPid ? memoryOf(gatewayPid).rss : 0;
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    let items = 0;
    let errors = 0;
    const req = http.request(
      new URL(path, rest),
      { method: 'POST', headers: { 'content-type': 'application/x-ndjson' } },
      (res) => {
        if (res.statusCode !== 200) reject(new Error(`${path}: HTTP ${res.statusCode}`));
        let tail = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const text = tail + chunk;
          let from = 0;
          for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
            // an error line starts {"code": (the unary error shape); replies have no "code" first
            if (text.startsWith('{"code":', from)) errors++;
            items++;
            from = nl + 1;
          }
          tail = text.slice(from);
        });
        res.on('end', () => {
          const ms = Number(process.hrtime.bigint() - t0) / 1e6;
          const growth = gatewayPid ? memoryOf(gatewayPid).peak - before : undefined;
          resolve({ items, errors, ms, perSecond: (items / ms) * 1000, gatewayGrowthMiB: growth });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    let i = 0;
    const write = (): void => {
      while (i < body.length) if (!req.write(body[i++]!)) return void req.once('drain', write);
      req.end();
    };
    write();
  });
}

/** Routes/s through the REST batch route: `n` routes of `plane` into `table`. */
export async function restBatchRoutes(
  rest: string,
  n: number,
  plane: number,
  table: number,
  gatewayPid?: number,
): Promise<RestBatchResult> {
  const r = await restBatch(rest, '/Ip/IpRouteAddDel/batch', routeBody(n, plane, table), gatewayPid);
  if (r.items !== n) throw new Error(`REST batch: ${r.items} answers for ${n} routes`);
  return r;
}

// ---------------------------------------------------------------- run on its own
async function main(): Promise<void> {
  const ROUTES = Number(process.env.BENCH_BATCH_ROUTES ?? 100_000);
  const MEMORY_ROUTES = Number(process.env.BENCH_BATCH_MEMORY_ROUTES ?? 1_000_000);
  const TABLE = 4243;
  const children: Child[] = [];
  let vppDir: string | undefined;
  const vppSh = join(PROJECT_ROOT, '..', 'shared', 'vpp', 'vpp.sh');
  let socket = process.env.VPP_API_SOCKET ?? '';
  const env = { LOG_LEVEL: 'warn' };
  try {
    if (!socket && process.env.BENCH_REAL_VPP) {
      vppDir = mkdtempSync(join(tmpdir(), 'vpp-bench-'));
      const r = spawnSync('bash', [vppSh, 'start', vppDir], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`VPP did not start: ${r.stderr}`);
      socket = join(vppDir, 'api.sock');
    } else if (!socket || !existsSync(socket)) {
      socket = join(tmpdir(), `vpp-rpc-bench-batch-${process.pid}.sock`);
      children.push(await startSim(socket));
    }
    const server = await startChild({
      name: 'server',
      entry: 'server/main.ts',
      args: ['--vpp-socket', socket, '--listen', '127.0.0.1:0', '--metrics-listen', 'off'],
      env,
      readyMessage: 'gRPC server listening',
      timeoutMs: READY_MS,
    });
    children.push(server);
    const gateway = await startChild({
      name: 'gateway',
      entry: 'gateway/main.ts',
      args: [
        '--listen',
        '127.0.0.1:0',
        '--grpc-target',
        `127.0.0.1:${portOf(server.ready.grpc)}`,
        '--metrics-listen',
        'off',
      ],
      env,
      readyMessage: 'REST gateway listening',
      timeoutMs: READY_MS,
    });
    children.push(gateway);
    const rest = `http://127.0.0.1:${portOf(gateway.ready.rest)}`;

    const api = loadProtoDir(join(PROJECT_ROOT, 'proto'));
    const raw = new VppClient({
      model: api.model,
      codec: createCodec(api.model),
      errors: loadErrorTable(join(PROJECT_ROOT, 'proto')),
      socketPath: socket,
    });
    await raw.connect();
    const table = (isAdd: boolean): Promise<Value> =>
      raw.request('ip_table_add_del', {
        is_add: isAdd,
        table: { table_id: TABLE, is_ip6: false, name: isAdd ? 'vpp-rpc-bench-batch' : '' },
      });
    await table(true);
    try {
      const version = await raw.request('show_version');
      console.log(
        `# REST batch: ${vppDir || process.env.VPP_API_SOCKET ? `VPP ${String(version.version)}` : 'the simulator'}`,
      );
      const rawRate = await concurrent((i) => raw.request('ip_route_add_del', routeRequest(i, 1, TABLE)), ROUTES, 64);
      const batch = await restBatchRoutes(rest, ROUTES, 2, TABLE);
      console.log();
      console.log(`| path (${fmt.int(ROUTES)} routes) | routes/s | vs raw |`);
      console.log('| --- | ---: | ---: |');
      console.log(`| raw client (64 in flight) | ${fmt.int(rawRate)} | 1.00 |`);
      console.log(`| REST batch | ${fmt.int(batch.perSecond)} | ${(batch.perSecond / rawRate).toFixed(2)} |`);
      if (batch.errors) console.log(`REST batch: ${batch.errors} items failed`);
      if (MEMORY_ROUTES > 0) {
        const big = await restBatchRoutes(rest, MEMORY_ROUTES, 3, TABLE, gateway.proc.pid);
        console.log();
        console.log(
          `REST batch of ${fmt.int(MEMORY_ROUTES)} routes: ${fmt.int(big.perSecond)} routes/s, ${big.errors} errors, gateway peak RSS growth ${fmt.mib(big.gatewayGrowthMiB!)} MiB`,
        );
      }
    } finally {
      await table(false);
      await raw.close();
    }
  } finally {
    for (const c of children.reverse()) await c.stop(3000);
    if (vppDir) {
      spawnSync('bash', [vppSh, 'stop', vppDir]);
      rmSync(vppDir, { recursive: true, force: true });
    }
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
