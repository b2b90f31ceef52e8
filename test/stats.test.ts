/**
 * vpprpc.Stats and VPP's counters on /metrics, end to end: simulator (or real
 * VPP), server and gateway as separate processes; REST with fetch and curl,
 * gRPC with Debian's Python grpcio, Prometheus text over HTTP.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { curl, post, request } from './support/http.ts';
import { parseExposition } from './support/prometheus.ts';
import { pythonStubs, runPython } from './support/python.ts';
import { describeRealVpp, describeSim, startRealVpp, type RealVpp } from './support/real-vpp.ts';
import { startStack, type Stack } from './support/stack.ts';
import { waitFor } from './support/wait.ts';

/** server and gateway parse every proto at start: slow on a busy machine */
const READY_MS = 120_000;
const SCRIPT = join(import.meta.dirname, 'python', 'stats_calls.py');

interface Itf {
  name: string;
  sw_if_index?: number;
  rx?: { packets: string; bytes: string };
  tx?: { packets: string; bytes: string };
  drops?: string;
}

async function interfaces(stack: Stack, filter: Record<string, unknown> = {}): Promise<Itf[]> {
  const r = await post(`${stack.rest}/Stats/InterfaceCounters/request`, filter);
  assert.equal(r.status, 200, r.text);
  return (r.json as { interfaces?: Itf[] }).interfaces ?? [];
}

async function scrape(stack: Stack): Promise<Map<string, string>> {
  const r = await request(`http://127.0.0.1:${stack.serverMetricsPort}/metrics`);
  assert.equal(r.status, 200);
  return parseExposition(r.text);
}

/** Scrapes until `ready` holds (the segment follows VPP's tables a moment later), then the last scrape. */
async function scrapeUntil(stack: Stack, ready: (s: Map<string, string>) => boolean): Promise<Map<string, string>> {
  let s = await scrape(stack);
  for (let i = 0; i < 50 && !ready(s); i++) {
    await sleep(200);
    s = await scrape(stack);
  }
  return s;
}

const rxOf = (name: string, index: number | undefined): string =>
  `vpp_interface_rx_packets_total{interface="${name}",sw_if_index="${index}",thread="0"}`;

function pythonCalls(stack: Stack, itf: string): Record<string, unknown> {
  return runPython(SCRIPT, [stack.grpcTarget, pythonStubs(), itf]) as Record<string, unknown>;
}

describeSim('Stats over REST, gRPC and Prometheus (simulator)', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ simArgs: ['--interfaces', '2'], readyTimeoutMs: READY_MS });
  });
  after(() => stack?.stop());

  it("gives loop0's counters by name over REST (curl), and they move", async () => {
    const text = await curl([
      '-X',
      'POST',
      `${stack.rest}/Stats/InterfaceCounters/request`,
      '-H',
      'content-type: application/json',
      '-d',
      '{"name":"loop0"}',
    ]);
    const first = (JSON.parse(text) as { interfaces: Itf[] }).interfaces;
    assert.deepEqual(
      first.map((i) => [i.name, i.sw_if_index]),
      [['loop0', 1]],
    );
    const rx = async (): Promise<bigint> => {
      const [again] = await interfaces(stack, { sw_if_index: 1 });
      assert.equal(again!.name, 'loop0');
      return BigInt(again!.rx!.packets);
    };
    await waitFor('rx packets grow', async () => (await rx()) > BigInt(first[0]!.rx?.packets ?? '0'));
    const all = await interfaces(stack);
    assert.deepEqual(
      all.map((i) => i.name),
      ['local0', 'loop0', 'loop1'],
    );
  });

  it('lists, reads and watches entries over REST', async () => {
    const names = await post(`${stack.rest}/Stats/ListNames/request`, { patterns: ['^/if/(rx|names)$'] });
    const listed = (names.json as { names: { name: string }[] }).names;
    assert.deepEqual(
      listed.sort((a, b) => a.name.localeCompare(b.name)),
      [
        { name: '/if/names', type: 'STAT_NAME' },
        { name: '/if/rx', type: 'STAT_COMBINED' },
      ],
    );
    const read = await post(`${stack.rest}/Stats/Read/request`, { patterns: ['^/if/rx$'], perThread: true });
    const rx = (read.json as { entries: { combined: { values: { total: unknown; threads: unknown[] }[] } }[] })
      .entries[0]!.combined.values;
    assert.equal(rx.length, 3);
    assert.ok(rx[1]!.threads.length >= 1);

    const bad = await post(`${stack.rest}/Stats/Read/request`, { patterns: ['(['] });
    assert.equal(bad.status, 400);
    assert.match((bad.json as { message: string }).message, /not a regular expression/);

    const watch = await post(
      `${stack.rest}/Stats/Watch/request?timeout=1s`,
      { patterns: ['^/if/rx$'], interval_ms: 300 },
      { accept: 'application/x-ndjson' },
    );
    assert.equal(watch.status, 200);
    const samples = watch.text
      .trim()
      .split('\n')
      .map(
        (l) => JSON.parse(l) as { seconds?: number; entries: { combined: { values: { packets_rate?: number }[] } }[] },
      );
    assert.ok(samples.length >= 2, `${samples.length} samples`);
    assert.equal(samples[0]!.seconds, 0); // the first sample has no rates
    assert.ok(samples[1]!.seconds! > 0.2);
    assert.ok(samples[1]!.entries[0]!.combined.values[1]!.packets_rate! > 0, 'loop0 receives packets');
  });

  it('answers gRPC calls from Python grpcio', () => {
    const out = pythonCalls(stack, 'loop1');
    assert.deepEqual(
      (out.interfaces as Itf[]).map((i) => [i.name, i.sw_if_index]),
      [['loop1', 2]],
    );
    assert.deepEqual(out.read, {
      name: '/if/rx',
      type: 'STAT_COMBINED',
      indexes: 3,
      threads: (out.read as { threads: number }).threads,
      epoch: (out.read as { epoch: number }).epoch,
    });
    assert.ok((out.read as { threads: number }).threads >= 1);
    const names = out.names as { name: string; type: string }[];
    assert.deepEqual(names.map((n) => n.name).sort(), ['/if/names', '/sys/vector_rate']);
    assert.equal(names.find((n) => n.name === '/if/names')!.type, 'STAT_NAME');
    assert.equal((out.watch as unknown[]).length, 2);
    assert.equal(out.bad_pattern, 'INVALID_ARGUMENT');
  });

  it("exports VPP's counters on the server's /metrics", async () => {
    const s = await scrape(stack);
    assert.ok(BigInt(s.get('vpp_interface_rx_packets_total{interface="loop0",sw_if_index="1",thread="0"}')!) > 0n);
    assert.ok(s.has('vpp_interface_tx_bytes_total{interface="loop1",sw_if_index="2",thread="0"}'));
    assert.equal(s.get('vpp_rpc_stats_up'), '1');
    assert.ok(s.has('vpp_rpc_vpp_connected'), 'the product metrics are there too');
    assert.ok(![...s.keys()].some((k) => k.startsWith('vpp_interfaces_')), 'no copies of the /interfaces/ symlinks');
  });

  it('names an interface created after the last scrape on /metrics', async () => {
    assert.ok(!(await scrape(stack)).has(rxOf('loop2', 3)));
    const r = await post(`${stack.rest}/Interface/CreateLoopback/request`, {});
    assert.equal(r.status, 200, r.text);
    const index = (r.json as { sw_if_index: number }).sw_if_index;
    const s = await scrapeUntil(stack, (m) => m.has(rxOf('loop2', index)));
    assert.ok(s.has(rxOf('loop2', index)), 'the new loopback has its counters');
    assert.ok(s.has(rxOf('loop0', 1)), 'and the others keep theirs');
  });

  it('counts an interface as soon as its create call is answered, as VPP does', async () => {
    const r = await post(`${stack.rest}/Interface/CreateLoopback/request`, {});
    assert.equal(r.status, 200, r.text);
    const index = (r.json as { sw_if_index: number }).sw_if_index;
    assert.deepEqual(
      (await interfaces(stack, { sw_if_index: index })).map((i) => [i.name, i.sw_if_index]),
      [[`loop${index - 1}`, index]],
    );
    const del = await post(`${stack.rest}/Interface/DeleteLoopback/request`, { sw_if_index: index });
    assert.equal(del.status, 200, del.text);
    assert.deepEqual(await interfaces(stack, { sw_if_index: index }), []);
  });
});

describeSim('Stats without a segment, and in read-only mode (simulator)', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({
      simArgs: ['--stats-socket', 'off'],
      serverArgs: ['--read-only'],
      gatewayArgs: ['--read-only'],
      readyTimeoutMs: READY_MS,
    });
  });
  after(() => stack?.stop());

  it('answers UNAVAILABLE naming why, while every other call works', async () => {
    const r = await post(`${stack.rest}/Stats/InterfaceCounters/request`, {});
    assert.equal(r.status, 503);
    assert.match((r.json as { message: string }).message, /stats\.sock/);
    const v = await post(`${stack.rest}/Vpe/ShowVersion/request`, {});
    assert.equal(v.status, 200);
    const s = await scrape(stack);
    assert.equal(s.get('vpp_rpc_stats_up'), '0');
    assert.equal(s.get('vpp_rpc_vpp_connected'), '1');
  });

  it('serves Stats in read-only mode, which refuses writes', async () => {
    const w = await post(`${stack.rest}/Stats/Watch/request?timeout=200ms`, {}, { accept: 'application/x-ndjson' });
    assert.notEqual(w.status, 403);
    const l = await post(`${stack.rest}/Interface/CreateLoopback/request`, {});
    assert.equal(l.status, 403);
  });
});

describeRealVpp('Stats over REST, gRPC and Prometheus', () => {
  let vpp: RealVpp;
  let stack: Stack;
  before(async () => {
    vpp = await startRealVpp();
    // no journal: the restart below must bring a VPP that knows none of the interfaces made before
    stack = await startStack({ vppSocket: vpp.apiSocket, readyTimeoutMs: READY_MS, serverArgs: ['--journal', 'off'] });
  });
  after(async () => {
    await stack?.stop();
    await vpp?.stop();
  });

  /** sw_if_index → name, as VPP's own vpp_get_stats reads /if/names */
  const vppNames = (): Map<number, string> =>
    new Map(
      [...vpp.stats('dump', '^/if/names$').matchAll(/\[(\d+)\]: (\S+) \/if\/names/g)].map((m) => [Number(m[1]), m[2]!]),
    );

  it('gives the counters of loopbacks created over REST, as vpp_get_stats names them', async () => {
    const made: number[] = [];
    for (let i = 0; i < 2; i++) {
      const r = await post(`${stack.rest}/Interface/CreateLoopback/request`, {});
      assert.equal(r.status, 200, r.text);
      made.push((r.json as { sw_if_index: number }).sw_if_index);
    }
    const all = await interfaces(stack);
    const names = vppNames();
    assert.deepEqual(
      all.map((i) => [i.sw_if_index ?? 0, i.name]),
      [...names.entries()],
    );
    for (const idx of made) assert.ok(all.some((i) => i.sw_if_index === idx && /^loop\d+$/.test(i.name)));
    const [loop0] = await interfaces(stack, { name: 'loop0' });
    assert.equal(loop0!.sw_if_index, made[0]);
  });

  it('reads the same values as vpp_get_stats for static entries', async () => {
    const r = await post(`${stack.rest}/Stats/Read/request`, { patterns: ['^/buffer-pools/.*/available$'] });
    const ours = (r.json as { entries: { name: string; scalar?: number; gauge?: string }[] }).entries;
    const theirs = vpp.stats('dump', '^/buffer-pools/.*/available$');
    assert.ok(ours.length > 0);
    // VPP 26.06 publishes these as gauges (u64); vpp_get_stats prints every number with two decimals
    for (const e of ours) {
      const value = e.scalar ?? Number(e.gauge);
      assert.ok(Number.isFinite(value), `${e.name} has a value: ${JSON.stringify(e)}`);
      assert.match(theirs, new RegExp(`^${value.toFixed(2)} ${e.name}$`, 'm'));
    }
    const listed = await post(`${stack.rest}/Stats/ListNames/request`, { patterns: ['^/err/ip4-input/'] });
    const vppListed = vpp.stats('ls', '^/err/ip4-input/').trim().split('\n');
    assert.deepEqual((listed.json as { names: { name: string }[] }).names.map((n) => n.name).sort(), vppListed.sort());
  });

  it('answers gRPC calls from Python grpcio', () => {
    const out = pythonCalls(stack, 'loop0');
    assert.equal((out.interfaces as Itf[])[0]!.name, 'loop0');
    assert.equal((out.read as { type: string }).type, 'STAT_COMBINED');
    assert.equal((out.watch as unknown[]).length, 2);
    assert.equal(out.bad_pattern, 'INVALID_ARGUMENT');
  });

  it("exports VPP's counters on /metrics with interface names, errors, buffers and memory", async () => {
    const s = await scrape(stack);
    const names = vppNames();
    for (const [idx, name] of names)
      assert.ok(
        s.has(`vpp_interface_rx_packets_total{interface="${name}",sw_if_index="${idx}",thread="0"}`),
        `rx of ${name}`,
      );
    const errors = vpp.stats('ls', '^/err/').trim().split('\n').length;
    assert.equal([...s.keys()].filter((k) => k.startsWith('vpp_error_total{')).length, errors);
    assert.ok(s.has('vpp_buffer_pool_available{pool="default-numa-0"}'));
    assert.ok(Number(s.get('vpp_memory_used_bytes{heap="main heap"}')) > 0);
    assert.ok(s.has('vpp_sys_vector_rate'));
    assert.equal(s.get('vpp_rpc_stats_up'), '1');
  });

  it('follows a renamed interface and a new one on /metrics', async () => {
    const before = await scrape(stack);
    const r = await post(`${stack.rest}/Interface/CreateLoopback/request`, {});
    assert.equal(r.status, 200, r.text);
    const index = (r.json as { sw_if_index: number }).sw_if_index;
    const name = vppNames().get(index)!;
    assert.ok(!before.has(rxOf(name, index)));
    let s = await scrapeUntil(stack, (m) => m.has(rxOf(name, index)));
    assert.ok(s.has(rxOf(name, index)), `the new ${name} has its counters`);

    const renamed = await post(`${stack.rest}/Interface/SwInterfaceSetInterfaceName/request`, {
      sw_if_index: index,
      name: 'uplink-renamed',
    });
    assert.equal(renamed.status, 200, renamed.text);
    // VPP 26.06 renames the interface but keeps its first name in /if/names: /metrics says what the segment says
    const names = vppNames();
    s = await scrapeUntil(stack, (m) => [...names].every(([idx, n]) => m.has(rxOf(n, idx))));
    for (const [idx, n] of names) assert.ok(s.has(rxOf(n, idx)), `rx of ${n}`);
    const labelled = [...s.keys()].filter((k) => k.startsWith('vpp_interface_rx_packets_total{')).length;
    assert.equal(labelled, names.size, 'one series per interface and thread, under one name each');
  });

  it('keeps reading across a VPP restart', async () => {
    const old = vppNames();
    await vpp.restart();
    let found: Itf[] = [];
    await waitFor(
      'a loopback made on the new VPP',
      async () => {
        const r = await post(`${stack.rest}/Interface/CreateLoopback/request`, {});
        if (r.status === 200) found = await interfaces(stack, { name: 'loop0' });
        return r.status === 200;
      },
      READY_MS,
      200,
    );
    assert.equal(found[0]?.name, 'loop0');
    assert.deepEqual(
      (await interfaces(stack)).map((i) => i.name),
      [...vppNames().values()],
    );
    // /metrics names the interfaces of the new VPP, and none of the old one's
    const names = vppNames();
    const s = await scrapeUntil(stack, (m) => [...names].every(([idx, n]) => m.has(rxOf(n, idx))));
    for (const [idx, n] of names) assert.ok(s.has(rxOf(n, idx)), `rx of ${n}`);
    for (const [idx, n] of old)
      if (names.get(idx) !== n) assert.ok(!s.has(rxOf(n, idx)), `no ${n} of the VPP before the restart`);
    assert.ok(old.size > names.size, 'the VPP before had more interfaces');
    assert.equal(s.get('vpp_rpc_stats_up'), '1');
  });
});
