/**
 * The fleet gateway's cost, against baselines measured in the same run:
 *
 * - a unary call (ShowVersion over REST) routed by X-VPP-Node through a
 *   gateway that knows 20 nodes, against the same call to a gateway of that
 *   node's server alone: p50 and calls/s, one at a time;
 * - a fan-out of ShowVersion to 1, 5 and 20 nodes: the time of one fan-out
 *   call, every node's line read;
 * - the gateway's resident memory with 20 (and 200) nodes known and
 *   connected, against a gateway of one server, and a fleet of one.
 *
 * What a node is here: a name and a gRPC address. The fleet's 20 names are
 * spread over SERVERS pairs of a simulator and a server (5 names each), not 20
 * pairs: on a machine of 2 cores the work of 20 servers is done 2 at a time
 * whatever the number of processes, and 40 processes would measure the
 * scheduler more than the gateway. The gateway cannot tell: each name is a
 * node of its own in its directory, with its own HTTP/2 connection, health
 * checks and liveness pings. A fan-out to 20 nodes thus puts 5 calls on each
 * server, where 20 machines would each take one; and the nodes share the
 * machine's 2 cores with the gateway, so a fan-out's time here is mostly the
 * nodes' work done 2 at a time: the gateway's own share is its CPU per call,
 * measured beside it.
 *
 * Each side runs twice, alternating, and keeps its better figure: the
 * machine is shared.
 *
 *   npx tsx bench/fleet.ts       (alone)
 */
import { pathToFileURL } from 'node:url';
import { Pool } from 'undici';
import { portOf, startChild, type Child } from '../lib/child.ts';
import { startSim } from '../test/support/stack.ts';
import { waitFor } from '../test/support/wait.ts';
import { NODE_CHECK_INTERVAL_MS } from '../gateway/fleet/fleet.ts';
import { cpuSeconds } from './footprint.ts';
import { fmt, memoryOf, sequential, type Latency } from './measure.ts';
import { startBenchServer } from './server.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SEQ = Number(process.env.BENCH_FLEET_SEQUENTIAL ?? 3000);
const FAN_OUT_CALLS = Number(process.env.BENCH_FLEET_FAN_OUT ?? 500);
/** sim+server pairs the fleet's names share */
const SERVERS = Number(process.env.BENCH_FLEET_SERVERS ?? 4);
const NODES = 20;
/** a larger fleet, for the gateway's memory per node */
const MANY = Number(process.env.BENCH_FLEET_MANY ?? 200);
/** calls each gateway serves before its memory is read */
const MEMORY_CALLS = 500;
const SETTLE_MS = 10_000;
const FAN_OUTS = [1, 5, 20];
const PATH = '/Vpe/ShowVersion/request';

export interface FanOut extends Latency {
  /** CPU the gateway spent per fan-out call */
  gatewayCpuMs: number;
  /** CPU the nodes' simulators and servers spent per fan-out call */
  nodesCpuMs: number;
}

export interface FleetFigures {
  servers: number;
  unary: { fleet: Latency; single: Latency };
  /** per fan-out call, by node count */
  fanOut: Record<number, FanOut>;
  /** MiB */
  rss: { single: number; fleetOfOne: number; fleet: number; many: number };
  /** % of a core, while no call comes */
  idleCpu: { single: number; fleetOfOne: number; fleet: number; many: number };
  nodes: number;
  many: number;
}

const env = { LOG_LEVEL: 'warn' };

const startServer = (socket: string): Promise<Child> => startBenchServer(socket);

function startGateway(args: string[]): Promise<Child> {
  return startChild({
    name: 'gateway',
    entry: 'gateway/main.ts',
    args: ['--listen', '127.0.0.1:0', '--metrics-listen', 'off', ...args],
    env,
    readyMessage: 'REST gateway listening',
  });
}

const restOf = (g: Child): string => `http://127.0.0.1:${portOf(g.ready.rest)}`;

/** `count` node names over the servers, round robin: node-000 on the first, node-001 on the second… */
function nodeList(count: number, targets: string[]): { names: string[]; arg: string } {
  const names = Array.from({ length: count }, (_, i) => `node-${String(i).padStart(3, '0')}`);
  return { names, arg: names.map((n, i) => `${n}=${targets[i % targets.length]}`).join(',') };
}

async function untilAllReady(rest: string, count: number): Promise<void> {
  await waitFor(
    `${count} nodes ready`,
    async () => {
      const r = await fetch(`${rest}/nodes`);
      const { nodes } = (await r.json()) as { nodes: { state: string }[] };
      return nodes.length === count && nodes.every((n) => n.state === 'ready');
    },
    180_000,
  );
}

/** Sequential REST calls through a pool of one connection. */
function caller(rest: string): { call(headers?: Record<string, string>): Promise<string>; close(): Promise<void> } {
  const pool = new Pool(rest, { connections: 1, pipelining: 1 });
  return {
    async call(headers = {}) {
      const res = await pool.request({ path: PATH, method: 'POST', headers });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`${PATH}: HTTP ${res.statusCode} ${text.slice(0, 200)}`);
      return text;
    },
    close: () => pool.close(),
  };
}

const better = (a: Latency, b: Latency): Latency => (a.p50 <= b.p50 ? a : b);

/** The median of a few RSS samples over `ms`: a gateway's memory moves with its collector and its checks. */
async function settledRss(pid: number, ms = SETTLE_MS, samples = 5): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < samples; i++) {
    await new Promise((r) => setTimeout(r, ms / samples));
    xs.push(memoryOf(pid).rss);
  }
  return xs.sort((a, b) => a - b)[Math.floor(samples / 2)]!;
}

export async function benchFleet(say: (s?: string) => void): Promise<FleetFigures> {
  const children: Child[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'vpp-bench-fleet-'));
  try {
    // the servers, one after the other: the cores are shared
    const targets: string[] = [];
    const nodeProcesses: number[] = [];
    for (let i = 0; i < SERVERS; i++) {
      const socket = join(dir, `api-${i}.sock`);
      const sim = await startSim(socket);
      children.push(sim);
      const server = await startServer(socket);
      children.push(server);
      nodeProcesses.push(sim.proc.pid!, server.proc.pid!);
      targets.push(`127.0.0.1:${portOf(server.ready.grpc)}`);
    }
    const fleet = nodeList(NODES, targets);
    const single = await startGateway(['--grpc-target', targets[0]!]);
    children.push(single);
    const fleetGw = await startGateway(['--nodes', fleet.arg]);
    children.push(fleetGw);
    await untilAllReady(restOf(fleetGw), NODES);

    // (a) one node's call: routed among 20, or to a gateway of that server alone
    const toSingle = caller(restOf(single));
    const toFleet = caller(restOf(fleetGw));
    const first = { 'x-vpp-node': fleet.names[0]! };
    let singleBest: Latency | undefined;
    let fleetBest: Latency | undefined;
    for (let round = 0; round < 2; round++) {
      const s = await sequential(() => toSingle.call(), SEQ);
      const f = await sequential(() => toFleet.call(first), SEQ);
      singleBest = singleBest ? better(singleBest, s) : s;
      fleetBest = fleetBest ? better(fleetBest, f) : f;
    }
    await toSingle.close();

    // (b) fan-out: every node's line read; the CPU the gateway and the nodes' processes spent per call
    const fanOut: Record<number, FanOut> = {};
    const nodesCpu = (): number => nodeProcesses.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
    for (let round = 0; round < 2; round++)
      for (const k of FAN_OUTS) {
        // a list, even of one node (`node-000,`): the fan-out's own answer, a line per node
        const header = { 'x-vpp-node': k === 1 ? `${fleet.names[0]},` : fleet.names.slice(0, k).join(',') };
        const one = async (): Promise<void> => {
          const text = await toFleet.call(header);
          const lines = text.trimEnd().split('\n');
          if (lines.length !== k || lines.some((line) => !line.includes('"reply"')))
            throw new Error(`fan-out to ${k}: ${text.slice(0, 300)}`);
        };
        for (let i = 0; i < 50; i++) await one();
        const [gw0, nodes0] = [cpuSeconds(fleetGw.proc.pid!), nodesCpu()];
        const l = await sequential(one, FAN_OUT_CALLS, 0);
        const figures: FanOut = {
          ...l,
          gatewayCpuMs: ((cpuSeconds(fleetGw.proc.pid!) - gw0) * 1000) / FAN_OUT_CALLS,
          nodesCpuMs: ((nodesCpu() - nodes0) * 1000) / FAN_OUT_CALLS,
        };
        if (!fanOut[k] || figures.p50 < fanOut[k].p50) fanOut[k] = figures;
      }
    await toFleet.close();
    for (const c of [fleetGw, single]) {
      await c.stop(3000);
      children.splice(children.indexOf(c), 1);
    }

    // (c) memory: fresh gateways, each ready with all its nodes and given the same calls, then left to settle
    const many = nodeList(MANY, targets);
    const gateways = {
      single: await startGateway(['--grpc-target', targets[0]!]),
      fleetOfOne: await startGateway(['--nodes', `${fleet.names[0]}=${targets[0]}`]),
      fleet: await startGateway(['--nodes', fleet.arg]),
      many: await startGateway(['--nodes', many.arg]),
    };
    children.push(...Object.values(gateways));
    await untilAllReady(restOf(gateways.fleetOfOne), 1);
    await untilAllReady(restOf(gateways.fleet), NODES);
    await untilAllReady(restOf(gateways.many), MANY);
    for (const [name, g] of Object.entries(gateways)) {
      const c = caller(restOf(g));
      const fleetGateway = name !== 'single';
      await sequential(() => c.call(fleetGateway ? first : {}), MEMORY_CALLS, 0);
      // every node of a fleet called, each through its own connection
      await sequential(() => c.call(fleetGateway ? { 'x-vpp-node': '*' } : {}), 20, 0);
      await c.close();
    }
    // idle: what the gateways spend on their nodes' health checks and liveness pings while no call comes
    const pids = Object.values(gateways).map((g) => g.proc.pid!);
    const cpu0 = pids.map(cpuSeconds);
    const t0 = performance.now();
    const settled = await Promise.all(pids.map((pid) => settledRss(pid)));
    const idleSeconds = (performance.now() - t0) / 1000;
    const idle = pids.map((pid, i) => ((cpuSeconds(pid) - cpu0[i]!) / idleSeconds) * 100);
    const rss = { single: settled[0]!, fleetOfOne: settled[1]!, fleet: settled[2]!, many: settled[3]! };
    const idleCpu = { single: idle[0]!, fleetOfOne: idle[1]!, fleet: idle[2]!, many: idle[3]! };
    const figures: FleetFigures = {
      servers: SERVERS,
      unary: { fleet: fleetBest!, single: singleBest! },
      fanOut,
      rss,
      idleCpu,
      nodes: NODES,
      many: MANY,
    };
    const perNode = (rss.many - rss.fleetOfOne) / (MANY - 1);
    say('## A fleet gateway');
    say();
    say(`- command: \`npx tsx bench/fleet.ts\` (env BENCH_FLEET_SEQUENTIAL, _FAN_OUT, _SERVERS, _MANY)`);
    say(
      `- ${NODES} nodes (names, each with its own connection from the gateway) over ${SERVERS} simulator+server pairs, ` +
        `${NODES / SERVERS} names each: on 2 cores, 20 pairs would do the same work 2 at a time with more processes to schedule`,
    );
    say(
      `- the nodes share this machine's cores with the gateway: a fan-out's time is mostly the nodes' work done 2 at a time; ` +
        `the gateway's own share is its CPU per call`,
    );
    say(`- static \`--nodes\` lists; each side twice, alternating, the better figure kept`);
    say();
    say('| ShowVersion over REST, one at a time | p50 ms | p90 ms | calls/s |');
    say('| --- | ---: | ---: | ---: |');
    say(
      `| gateway of one server | ${fmt.ms(singleBest!.p50)} | ${fmt.ms(singleBest!.p90)} | ${fmt.int(singleBest!.rps)} |`,
    );
    say(
      `| fleet gateway of ${NODES} nodes, X-VPP-Node: one of them | ${fmt.ms(fleetBest!.p50)} | ${fmt.ms(fleetBest!.p90)} | ${fmt.int(fleetBest!.rps)} |`,
    );
    say(
      `| fleet / one server | ${(fleetBest!.p50 / singleBest!.p50).toFixed(2)}× | | ${(fleetBest!.rps / singleBest!.rps).toFixed(2)}× |`,
    );
    say();
    say(
      `| fan-out of ShowVersion (${FAN_OUT_CALLS} calls) | p50 ms | p90 ms | p50 vs 1 node | gateway CPU ms per call | nodes' CPU ms per call |`,
    );
    say('| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const k of FAN_OUTS) {
      const f = fanOut[k]!;
      say(
        `| ${k} node${k > 1 ? 's' : ''} | ${fmt.ms(f.p50)} | ${fmt.ms(f.p90)} | ${(f.p50 / fanOut[1]!.p50).toFixed(2)}× | ${f.gatewayCpuMs.toFixed(2)} | ${f.nodesCpuMs.toFixed(2)} |`,
      );
    }
    say();
    say(
      `| gateway, ready, after ${MEMORY_CALLS + 20} calls | RSS MiB (median of 5 over ${SETTLE_MS / 1000} s) | idle CPU, % of a core |`,
    );
    say('| --- | ---: | ---: |');
    const memoryRow = (what: string, k: keyof typeof rss): void =>
      say(`| ${what} | ${fmt.mib(rss[k])} | ${idleCpu[k].toFixed(1)} |`);
    memoryRow('of one server (--grpc-target)', 'single');
    memoryRow('fleet of 1 node', 'fleetOfOne');
    memoryRow(`fleet of ${NODES} nodes`, 'fleet');
    memoryRow(`fleet of ${MANY} nodes`, 'many');
    say();
    say(
      `Per node, from the fleets of 1 and ${MANY}: ${(perNode * 1024).toFixed(0)} KiB of memory, ` +
        `${((idleCpu.many - idleCpu.fleetOfOne) / (MANY - 1)).toFixed(3)}% of a core idle ` +
        `(a health check every ${NODE_CHECK_INTERVAL_MS / 1000} s, liveness pings).`,
    );
    say();
    return figures;
  } finally {
    for (const c of [...children].reverse()) await c.stop(3000);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await benchFleet((s = '') => console.log(s));
