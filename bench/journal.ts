/**
 * The journal's cost and its replay, on a real VPP of ../shared/vpp started
 * here (the simulator where there is none), in one run:
 *
 * - a unary write (a route added, then deleted: the journal keeps nothing
 *   after the pair) through gRPC, p50, with the journal on and off;
 * - a Batch/Call stream of route adds and deletes, routes/s, on and off;
 * - a replay of BENCH_JOURNAL_REPLAY_ROUTES (100,000) routes into a VPP
 *   killed and started again, routes/s, from the journal's own report;
 * - the journal's size before and after BENCH_JOURNAL_CHURN (1,000,000)
 *   route adds and deletes.
 *
 * Each side runs twice, alternating, and keeps its better figure: the
 * machines are shared, and the other core is busy with VPP and the client.
 *
 *   npx tsx bench/journal.ts       (alone)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GrpcClient } from '../gateway/grpc/client.ts';
import { checkReady } from '../gateway/grpc/readiness.ts';
import { BatchCodec } from '../lib/grpc/batch-client.ts';
import { portOf, type Child } from '../lib/child.ts';
import { compileBinary, loadServiceRoot, type Value } from '../lib/protobuf/index.ts';
import { PROJECT_ROOT } from '../lib/project.ts';
import { startSim } from '../test/support/stack.ts';
import { VPP_SH } from '../test/support/real-vpp.ts';
import { grpcBatch, routeRequest } from './batch.ts';
import { fmt, sequential } from './measure.ts';
import { benchStateDir, startBenchServer } from './server.ts';

export const UNARY = Number(process.env.BENCH_JOURNAL_UNARY ?? 4000);
const BATCH = Number(process.env.BENCH_JOURNAL_BATCH ?? 200_000);
const REPLAY = Number(process.env.BENCH_JOURNAL_REPLAY_ROUTES ?? 100_000);
const CHURN = Number(process.env.BENCH_JOURNAL_CHURN ?? 1_000_000);
const TABLE = 4343;

export interface JournalFigures {
  vpp: 'real VPP' | 'simulator';
  unaryP50: { on: number; off: number };
  batch: { on: number; off: number };
  replay: { routes: number; ms: number; rate: number };
  churn: { routes: number; bytesBefore: number; bytesAfter: number; entriesAfter: number };
}

/** A VPP to measure against: real when ../shared/vpp is there. */
export interface BenchVpp {
  kind: JournalFigures['vpp'];
  socket: string;
  kill(): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startVpp(): Promise<BenchVpp> {
  const dir = mkdtempSync(join(tmpdir(), 'vpp-bench-journal-'));
  if (existsSync(VPP_SH)) {
    const env = { ...process.env };
    // polling: VPP_POLL_SLEEP_USEC adds up to a millisecond per message
    delete env.VPP_POLL_SLEEP_USEC;
    const sh = (...args: string[]): string =>
      execFileSync('bash', [VPP_SH, ...args, dir], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    let pid = Number(sh('start').trim().split('\n').pop());
    return {
      kind: 'real VPP',
      socket: join(dir, 'api.sock'),
      kill: () => process.kill(pid, 'SIGKILL'),
      async start() {
        sh('stop');
        pid = Number(sh('start').trim().split('\n').pop());
      },
      async stop() {
        sh('stop');
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const socket = join(dir, 'api.sock');
  let sim: Child = await startSim(socket);
  return {
    kind: 'simulator',
    socket,
    kill: () => sim.proc.kill('SIGKILL'),
    async start() {
      await sim.exited;
      sim = await startSim(socket);
    },
    async stop() {
      await sim.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `args`: more server flags (`--etcd` for the journal in etcd) */
function startServer(socket: string, journal: BenchJournal, stateDir: string, args: string[] = []): Promise<Child> {
  return startBenchServer(socket, {
    name: `server (journal ${journal})`,
    stateDir,
    args: ['--journal', journal, ...args],
  });
}

const root = loadServiceRoot(join(PROJECT_ROOT, 'proto'));
const batchCodec = new BatchCodec(root);
const routeCodec = compileBinary(root.lookupType('vpp.ip.IpRouteAddDel'));
const routeReply = compileBinary(root.lookupType('vpp.ip.IpRouteAddDelReply'));
const statusReply = compileBinary(root.lookupType('vpprpc.JournalStatus'));
const tableCodec = compileBinary(root.lookupType('vpp.ip.IpTableAddDel'));

/** The i-th batch item: routes added, and each deleted right after (`pairs`), or only added. */
const routeItems =
  (plane: number, pairs: boolean) =>
  (i: number, options?: { window: number }): Buffer =>
    batchCodec.encode({
      id: i,
      rpc: 'Ip/IpRouteAddDel',
      value: routeCodec.encode(routeRequest(pairs ? i >> 1 : i, plane, TABLE, pairs ? i % 2 === 0 : true)),
      ...(options ? { options } : {}),
    });

async function status(client: GrpcClient): Promise<Value> {
  return statusReply.decode(await client.unary('/vpprpc.Journal/Status', Buffer.alloc(0)));
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 600_000): Promise<void> {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export type BenchJournal = 'file' | 'etcd' | 'off';

/** One server in front of `vpp`: the unary p50 and the batch rate (of `batch` items) it gives. */
export async function measure(
  vpp: BenchVpp,
  journal: BenchJournal,
  opts: { args?: string[]; batch?: number } = {},
): Promise<{ p50: number; batch: number }> {
  const batch = opts.batch ?? BATCH;
  const server = await startServer(vpp.socket, journal, benchStateDir(), opts.args);
  const target = `127.0.0.1:${portOf(server.ready.grpc)}`;
  const client = new GrpcClient({ target });
  try {
    await until('the server serves', async () => (await checkReady(client)).ready);
    await client.unary('/vpp.ip.Ip/IpTableAddDel', tableCodec.encode({ is_add: true, table: { table_id: TABLE } }));
    let k = 0;
    const unary = await sequential(async () => {
      const i = k++;
      routeReply.decode(
        await client.unary('/vpp.ip.Ip/IpRouteAddDel', routeCodec.encode(routeRequest(i >> 1, 7, TABLE, i % 2 === 0))),
      );
    }, UNARY);
    const t0 = process.hrtime.bigint();
    await grpcBatch(target, routeItems(8, true), batch, 1024, batchCodec);
    const rate = (batch / Number(process.hrtime.bigint() - t0)) * 1e9;
    return { p50: unary.p50, batch: rate };
  } finally {
    client.close();
    await server.stop();
  }
}

export async function benchJournal(say: (s?: string) => void): Promise<JournalFigures> {
  const vpp = await startVpp();
  try {
    const on: { p50: number; batch: number }[] = [];
    const off: { p50: number; batch: number }[] = [];
    for (let round = 0; round < 2; round++) {
      off.push(await measure(vpp, 'off'));
      on.push(await measure(vpp, 'file'));
    }
    const best = (xs: { p50: number; batch: number }[]) => ({
      p50: Math.min(...xs.map((x) => x.p50)),
      batch: Math.max(...xs.map((x) => x.batch)),
    });
    const [bOn, bOff] = [best(on), best(off)];

    // replay and churn: one server with the journal, kept across a VPP restart
    const stateDir = benchStateDir();
    const server = await startServer(vpp.socket, 'file', stateDir);
    const target = `127.0.0.1:${portOf(server.ready.grpc)}`;
    const client = new GrpcClient({ target });
    // a fresh VPP: the routes the measurements above left in their table go
    vpp.kill();
    await vpp.start();
    await until('the journal serves a fresh VPP', async () => {
      try {
        return (await status(client)).state === 'ready';
      } catch {
        return false;
      }
    });
    await client.unary('/vpp.ip.Ip/IpTableAddDel', tableCodec.encode({ is_add: true, table: { table_id: TABLE } }));
    const bytesBefore = Number((await status(client)).bytes);
    const churnStarted = process.hrtime.bigint();
    await grpcBatch(target, routeItems(9, true), CHURN * 2, 1024, batchCodec);
    const churnSeconds = Number(process.hrtime.bigint() - churnStarted) / 1e9;
    // removed entries leave the file when it is rewritten, at the latest once the writes stop
    await until(
      'the journal rewritten after the churn',
      async () => Number((await status(client)).bytes) <= bytesBefore * 2,
    );
    const after = await status(client);

    await grpcBatch(target, routeItems(10, false), REPLAY, 1024, batchCodec);
    const killedAt = Date.now();
    vpp.kill();
    await vpp.start();
    let report: Value | undefined;
    await until('the journal replayed', async () => {
      try {
        const s = await status(client);
        const last = s.last_replay as Value | undefined;
        if (s.state !== 'ready' || !last?.started || Date.parse(String(last.started)) < killedAt) return false;
        report = last;
        return true;
      } catch {
        return false;
      }
    });
    client.close();
    await server.stop();
    const replayMs = Number(report!.duration_ms);
    const figures: JournalFigures = {
      vpp: vpp.kind,
      unaryP50: { on: bOn.p50, off: bOff.p50 },
      batch: { on: bOn.batch, off: bOff.batch },
      replay: { routes: Number(report!.items), ms: replayMs, rate: (Number(report!.items) / replayMs) * 1000 },
      churn: {
        routes: CHURN,
        bytesBefore,
        bytesAfter: Number(after.bytes),
        entriesAfter: Number(after.entries),
      },
    };
    say(`## The journal (${vpp.kind})`);
    say();
    say(`- command: \`npx tsx bench/journal.ts\` (env BENCH_JOURNAL_UNARY, _BATCH, _REPLAY_ROUTES, _CHURN)`);
    say(`- each side twice, alternating, the better figure kept`);
    say();
    say('| | journal off | journal on | on / off |');
    say('| --- | ---: | ---: | ---: |');
    say(
      `| unary write (route add or delete), gRPC, p50 ms (${fmt.int(UNARY)} calls) | ${fmt.ms(bOff.p50)} | ${fmt.ms(bOn.p50)} | ${(bOn.p50 / bOff.p50).toFixed(2)} |`,
    );
    say(
      `| Batch/Call, window 1024, routes/s (${fmt.int(BATCH)} adds and deletes) | ${fmt.int(bOff.batch)} | ${fmt.int(bOn.batch)} | ${(bOn.batch / bOff.batch).toFixed(2)} |`,
    );
    say();
    say(
      `Replay of ${fmt.int(figures.replay.routes)} entries (the routes and their table) into a VPP killed and started again: ` +
        `${fmt.int(replayMs)} ms, ${fmt.int(figures.replay.rate)} routes/s.`,
    );
    say(
      `Journal size: ${fmt.int(bytesBefore)} bytes before ${fmt.int(CHURN)} route adds and deletes ` +
        `(${fmt.int((CHURN * 2) / churnSeconds)} items/s), ${fmt.int(figures.churn.bytesAfter)} bytes and ` +
        `${figures.churn.entriesAfter} entries after.`,
    );
    say();
    return figures;
  } finally {
    await vpp.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await benchJournal((s = '') => console.log(s));
