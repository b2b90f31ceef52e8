/**
 * The stats segment reader against VPP's own reader, vpp_get_stats, on the
 * same segment: the real VPP of ../shared/vpp, and the simulator (whose
 * segment vpp_get_stats reads too). Plus what the reader does without its
 * native part, on a segment that stays locked, and on bad input.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, afterEach, before, it } from 'node:test';
import { VppClient } from '../client/index.ts';
import { loadApi, startSimulator, tempSocket } from '../../test/support/sim-harness.ts';
import {
  describeRealVpp,
  describeSim,
  realVppUnavailable,
  startRealVpp,
  VPP_SH,
  type RealVpp,
} from '../../test/support/real-vpp.ts';
import type { VppSimulator } from '../sim/simulator.ts';
import { StatsError } from './errors.ts';
import { dumpLines } from './format.ts';
import { SegmentReader } from './reader.ts';
import { HEADER } from './segment.ts';
import type { StatEntry } from './types.ts';
import { SegmentWriter } from './writer.ts';

/** What the shared tests need of a VPP, real or simulated. */
interface Target {
  statsSocket: string;
  /** VPP's vpp_get_stats on the target's segment (never synchronous: the simulator serves from this event loop) */
  vppGetStats(...args: string[]): Promise<string>;
  /** creates loopbacks; returns their names */
  createLoopbacks(n: number): Promise<string[]>;
  restart(): Promise<void>;
  stop(): Promise<void>;
  /** the share of entries expected to stay still between two reads (the simulator's counters move often) */
  stillShare: number;
}

/** vpp_get_stats dump lines by entry name (every line ends with the name, which starts with /) */
function byName(lines: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of lines) {
    const at = line.indexOf(' /');
    if (at < 0) continue;
    const name = line.slice(at + 1);
    out.set(name, [...(out.get(name) ?? []), line]);
  }
  return out;
}

const linesOf = (text: string): string[] => text.split('\n').filter((l) => l !== '');

/** Reads `patterns` with our reader, then vpp_get_stats, then ours again: entries that stayed still must agree. */
async function compareDump(reader: SegmentReader, t: Target, patterns: string[]) {
  const first = await reader.dump(patterns);
  const theirs = byName(linesOf(await t.vppGetStats('dump', ...patterns)));
  const second = new Map((await reader.dump(patterns)).map((e) => [e.name, dumpLines(e)]));
  const still = first.filter((e) => JSON.stringify(dumpLines(e)) === JSON.stringify(second.get(e.name)));
  for (const e of still)
    assert.deepEqual(theirs.get(e.name) ?? [], dumpLines(e), `${e.name} differs from vpp_get_stats`);
  return { compared: still.length, total: first.length, entries: first };
}

async function eventually<T>(what: string, attempt: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 20_000;
  let last: unknown;
  for (;;) {
    try {
      const v = await attempt();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what} never happened (last error: ${String(last)})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function names(entries: StatEntry[], name = '/if/names'): string[] {
  const v = entries.find((e) => e.name === name)?.value;
  return v?.type === 'name' ? v.names : [];
}

function readerTests(start: () => Promise<Target>): void {
  let t: Target;
  let reader: SegmentReader;
  let created: string[] = [];
  before(async () => {
    t = await start();
    reader = new SegmentReader({ socketPath: t.statsSocket, recheckMs: 0 });
  });
  after(async () => {
    reader?.close();
    await t?.stop();
  });

  it('lists every name vpp_get_stats lists, and no other', async () => {
    const theirs = linesOf(await t.vppGetStats('ls'));
    const ours = await reader.ls();
    assert.ok(theirs.length > 20, `vpp_get_stats lists ${theirs.length} names`);
    assert.deepEqual(
      theirs.filter((n) => !ours.includes(n)),
      [],
      'names vpp_get_stats lists that we do not',
    );
    assert.deepEqual([...ours].sort(), [...theirs].sort());
    assert.deepEqual(await reader.ls(['^/if/', 'heartbeat']), linesOf(await t.vppGetStats('ls', '^/if/', 'heartbeat')));
  });

  it('reads the values vpp_get_stats reads, for every entry that stays still between reads', async () => {
    const { compared, total } = await compareDump(reader, t, []);
    assert.ok(compared >= total * t.stillShare, `only ${compared} of ${total} entries stayed still`);
    assert.ok(reader.epoch > 0);
  });

  it('sees new loopbacks: the epoch moves, names and counters agree with vpp_get_stats', async () => {
    const epoch = reader.epoch;
    created = await t.createLoopbacks(3);
    const entries = await eventually('the new loopbacks in /if/names', async () => {
      const d = await reader.dump(['^/if/', '^/interfaces/']);
      return created.every((n) => names(d).includes(n)) ? d : undefined;
    });
    assert.notEqual(reader.epoch, epoch);
    for (const n of created)
      assert.ok(
        entries.some((e) => e.name === `/interfaces/${n}/rx`),
        `/interfaces/${n}/rx`,
      );
    const { compared } = await compareDump(reader, t, ['^/if/names$']);
    assert.equal(compared, 1);
    const rx = await compareDump(reader, t, ['^/if/', '^/interfaces/']);
    assert.ok(rx.compared > 0);
    // a symlink is one column of its target
    const target = rx.entries.find((e) => e.name === '/if/rx')!.value;
    const sw = names(rx.entries).indexOf(created[0]!);
    const link = rx.entries.find((e) => e.name === `/interfaces/${created[0]}/rx`)!.value;
    assert.ok(target.type === 'combined' && link.type === 'symlink' && link.combined);
    assert.equal(link.target, '/if/rx');
    assert.equal(link.index, sw);
  });

  it('survives a restart: maps the new segment by itself', async () => {
    const before = await reader.ls();
    await t.restart();
    const after = await eventually('a read of the new segment', async () => {
      const now = await reader.ls();
      return now.length !== before.length ? now : undefined;
    });
    assert.deepEqual([...after].sort(), linesOf(await t.vppGetStats('ls')).sort());
    const now = names(await reader.dump(['^/if/names$']));
    assert.ok(now.includes('local0'));
    assert.ok(created.length === 3 && created.every((n) => !now.includes(n)), `${created} after the restart`);
  });
}

describeRealVpp('stats reader', () => {
  readerTests(async () => {
    const vpp: RealVpp = await startRealVpp();
    // vpp.sh waits for api.sock; VPP makes stats.sock a moment later
    await eventually('stats.sock', async () => existsSync(vpp.statsSocket) || undefined);
    return {
      statsSocket: vpp.statsSocket,
      vppGetStats: async (...args) => vpp.stats(...args),
      async createLoopbacks(n) {
        const out: string[] = [];
        for (let i = 0; i < n; i++) out.push(vpp.cli('create', 'loopback', 'interface').trim());
        vpp.cli('set', 'interface', 'state', out[0]!, 'up');
        return out;
      },
      restart: () => vpp.restart(),
      stop: () => vpp.stop(),
      stillShare: 0.9,
    };
  });
});

describeSim('stats reader [simulator]', () => {
  readerTests(async () => {
    const socketPath = tempSocket();
    const statsSocket = join(dirname(socketPath), 'stats.sock');
    const sim: VppSimulator = await startSimulator({ socketPath, statsSocket, interfaces: 2, statsIntervalMs: 50 });
    let client: Promise<VppClient> | undefined;
    const api = (): Promise<VppClient> =>
      (client ??= (async () => {
        const c = new VppClient({ ...loadApi(), socketPath, reconnect: false });
        await c.connect();
        return c;
      })());
    return {
      statsSocket,
      async vppGetStats(...args) {
        if (realVppUnavailable()) throw new Error(realVppUnavailable());
        return (await promisify(execFile)('bash', [VPP_SH, 'stats', dirname(socketPath), ...args])).stdout;
      },
      async createLoopbacks(n) {
        const c = await api();
        const out: string[] = [];
        for (let i = 0; i < n; i++) {
          const r = (await c.request('create_loopback', {})) as { sw_if_index: number };
          out.push(sim.state.interfaces.get(r.sw_if_index)!.name);
        }
        return out;
      },
      async restart() {
        await (await client)?.close();
        client = undefined;
        await sim.restart();
      },
      async stop() {
        await (await client)?.close();
        await sim.stop();
      },
      stillShare: 0.75,
    };
  });
});

describeSim('stats reader: failures', () => {
  const saved = process.env.VPP_STATS_ADDON;
  afterEach(() => {
    if (saved === undefined) delete process.env.VPP_STATS_ADDON;
    else process.env.VPP_STATS_ADDON = saved;
  });
  const rejectsWith = (p: Promise<unknown>, code: string, message: RegExp) =>
    assert.rejects(p, (err: unknown) => {
      assert.ok(err instanceof StatsError, String(err));
      assert.equal(err.code, code);
      assert.match(err.message, message);
      return true;
    });

  it('answers UNAVAILABLE naming why when the native part is missing or turned off', async () => {
    process.env.VPP_STATS_ADDON = '/nonexistent/statseg.node';
    await rejectsWith(
      new SegmentReader({ socketPath: tempSocket() }).ls(),
      'UNAVAILABLE',
      /\/nonexistent\/statseg\.node is missing/,
    );
    process.env.VPP_STATS_ADDON = 'off';
    await rejectsWith(new SegmentReader({ socketPath: tempSocket() }).dump(), 'UNAVAILABLE', /turned off/);
  });

  it('answers UNAVAILABLE when no VPP serves the socket, INVALID_ARGUMENT for a bad pattern', async () => {
    const missing = tempSocket('stats.sock');
    await rejectsWith(new SegmentReader({ socketPath: missing }).ls(), 'UNAVAILABLE', /does not exist/);
    await rejectsWith(new SegmentReader({ socketPath: missing }).ls(['(']), 'INVALID_ARGUMENT', /pattern "\("/);
  });

  it("waits while VPP's lock is held, and gives up with UNAVAILABLE on a lock that stays", async () => {
    const writer = new SegmentWriter(1 << 20);
    const socketPath = tempSocket('stats.sock');
    writer.serve(socketPath);
    const gauge = writer.locked(() => writer.add('/test/gauge', 'gauge'));
    writer.setGauge(gauge, 42n);
    const reader = new SegmentReader({ socketPath, lockTimeoutMs: 100 });
    try {
      const inProgress = HEADER.inProgress >>> 2;
      writer.view.u32[inProgress] = 1;
      await rejectsWith(reader.dump(), 'UNAVAILABLE', /stayed locked/);
      // a reader that waits long enough sees the value once the lock is let go
      const patient = new SegmentReader({ socketPath, lockTimeoutMs: 60_000 });
      const read = patient.dump(['gauge']).finally(() => patient.close());
      setTimeout(() => (writer.view.u32[inProgress] = 0), 20);
      const [entry] = await read;
      assert.deepEqual(entry, { name: '/test/gauge', value: { type: 'gauge', value: 42n } });
    } finally {
      reader.close();
      writer.close();
    }
  });
});
