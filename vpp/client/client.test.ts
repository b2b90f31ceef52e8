/** VppClient against the VPP simulator over a real unix socket: calls, concurrency, events, the transport's manners. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientPool, eventually, simulatorPool, until } from '../../test/support/sim-harness.ts';
import type { Value } from '../codec/types.ts';
import type { VppClientError } from './errors.ts';
import { VppApiError, VppIncompatibleError } from './errors.ts';

const { fresh, track } = simulatorPool();
const connect = clientPool();

async function simulator(opts = {}) {
  const { sim, vpp } = await fresh(opts);
  vpp.close(); // the harness's raw client is not needed here
  return sim;
}

const mac = (i: number): string =>
  `02:00:00:00:${((i >> 8) & 0xff).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`;

describe('VppClient with the simulator', () => {
  it('requests, replies and VPP errors', async () => {
    const sim = await simulator({ vpePid: 321 });
    const client = await connect(sim);
    assert.equal(client.state, 'connected');
    assert.equal(client.vpePid, 321);
    assert.deepEqual(await client.request('show_version'), {
      retval: 0,
      program: 'vpe',
      version: '26.06-release',
      build_date: '2026-06-24T10:00:00',
      build_directory: '',
    });
    const err = await client
      .request('sw_interface_set_flags', { sw_if_index: 9999, flags: [1] })
      .catch((e: Error) => e);
    assert.ok(err instanceof VppApiError);
    assert.deepEqual(
      [err.code, err.retval, err.symbol, err.request],
      ['VPP_ERROR', -2, 'INVALID_SW_IF_INDEX', 'sw_interface_set_flags'],
    );
  });

  it('an unimplemented dump is an UNIMPLEMENTED error, not an empty list', async () => {
    const client = await connect(await simulator());
    const seen: Value[] = [];
    const err = await (async () => {
      for await (const d of client.dump('l2_fib_table_dump', { bd_id: 1 })) seen.push(d);
    })().catch((e: Error) => e);
    assert.ok(err instanceof VppApiError);
    assert.deepEqual([err.retval, err.symbol, err.request], [-9, 'UNIMPLEMENTED', 'l2_fib_table_dump']);
    assert.deepEqual(seen, []);
  });

  it('1,000 requests in flight at once are all answered, each with its own reply', async () => {
    const sim = await simulator();
    const client = await connect(sim);
    const n = 1000;
    const replies = await Promise.all(
      Array.from({ length: n }, (_, i) => client.request('create_loopback', { mac_address: mac(i) })),
    );
    assert.equal(sim.state.interfaces.size, n + 1);
    const macOf = new Map<number, string>();
    for await (const d of client.dump('sw_interface_dump', {}))
      macOf.set(d.sw_if_index as number, String(d.l2_address));
    replies.forEach((r, i) => assert.equal(macOf.get(r.sw_if_index as number), mac(i), `request ${i}`));
    assert.equal(new Set(replies.map((r) => r.sw_if_index)).size, n);
    assert.equal(client.inFlight, 0);
  });

  it('events: two listeners both hear sw_interface_event; VPP is unsubscribed when the last one leaves', async () => {
    const sim = await simulator({ interfaces: 1 });
    const client = await connect(sim);
    const [clientIndex] = sim.clients.map((c) => c.clientIndex);
    const heard: [string, Value][] = [];
    const a = await client.subscribe('want_interface_events', {}, { event: (n, v) => heard.push(['a', v]) });
    assert.deepEqual([...sim.state.interfaceEventClients], [[clientIndex, process.pid]]);
    await client.request('sw_interface_set_flags', { sw_if_index: 1, flags: [1] });
    await eventually(() => heard.length === 1, 'the first event');
    const b = await client.subscribe('want_interface_events', {}, { event: (n, v) => heard.push(['b', v]) });
    assert.equal(sim.received('want_interface_events'), 1, 'VPP is asked once for both');
    assert.equal(client.subscriberCount('want_interface_events'), 2);
    assert.equal(client.subscriberCount(), 2);
    await client.request('sw_interface_set_flags', { sw_if_index: 1, flags: [] });
    await eventually(() => heard.length === 3, 'the event to both listeners');
    const ev = (flags: number[]): Value => ({ pid: process.pid, sw_if_index: 1, flags, deleted: false });
    assert.deepEqual(heard, [
      ['a', ev([1, 2])],
      ['a', ev([])],
      ['b', ev([])],
    ]);
    await a.close();
    assert.equal(sim.state.interfaceEventClients.size, 1, 'one listener left');
    await b.close();
    assert.equal(sim.state.interfaceEventClients.size, 0);
    assert.equal(client.subscriberCount(), 0);
    assert.equal(sim.received('want_interface_events'), 2);
  });

  it('ends every subscription on request: each listener hears why, and VPP is unsubscribed', async () => {
    const sim = await simulator({ interfaces: 1 });
    const client = await connect(sim);
    const failed: string[] = [];
    for (const name of ['a', 'b'])
      await client.subscribe(
        'want_interface_events',
        {},
        { event() {}, failed: (e) => failed.push(`${name}: ${e.message}`) },
      );
    await client.endSubscriptions(new Error('going away'));
    assert.deepEqual(failed, ['a: going away', 'b: going away']);
    assert.equal(client.subscriberCount(), 0);
    assert.equal(sim.state.interfaceEventClients.size, 0);
  });

  it('answers the keepalives VPP sends', async () => {
    const sim = await simulator();
    await connect(sim);
    const replied = new Promise((r) => sim.once('keepalive-reply', r));
    assert.equal(sim.sendKeepalive(), 1);
    assert.deepEqual(await replied, sim.clients[0]);
  });

  it('unsubscribes and says goodbye with sockclnt_delete when it closes', async () => {
    const sim = await simulator();
    const client = await connect(sim);
    await client.subscribe('want_interface_events', {}, { event() {} });
    await client.close();
    assert.equal(client.state, 'closed');
    assert.equal(sim.received('want_interface_events'), 2, 'subscribed, then unsubscribed');
    assert.equal(sim.received('sockclnt_delete'), 1);
    await until(sim, ['disconnect'], () => sim.clients.length === 0);
  });

  it('reports messages VPP lacks or has with another CRC, and refuses to send them', async () => {
    const sim = await simulator({
      messageTable: {
        crc: { show_version: '0xdeadbeef' },
        omit: ['show_vpe_system_time', 'show_vpe_system_time_reply'],
      },
    });
    const client = await connect(sim);
    const report = client.compatibility()!;
    assert.deepEqual(report.changed, [{ name: 'show_version', ours: '0x51077d14', vpp: '0xdeadbeef' }]);
    assert.deepEqual(report.missing, ['show_vpe_system_time', 'show_vpe_system_time_reply']);
    assert.deepEqual(report.unknown, []);
    const changed = await client.request('show_version').catch((e: Error) => e);
    assert.ok(changed instanceof VppIncompatibleError);
    assert.equal(changed.code, 'INCOMPATIBLE');
    assert.match(changed.message, /show_version.*0xdeadbeef.*0x51077d14/);
    const missing = await client.request('show_vpe_system_time').catch((e: Error) => e);
    assert.ok(missing instanceof VppIncompatibleError);
    assert.match(missing.message, /does not have show_vpe_system_time \(CRC 0x51077d14\)/);
    assert.equal(sim.received('show_version'), 0, 'nothing was sent');
    assert.deepEqual(await client.request('control_ping'), { retval: 0, vpe_pid: sim.vpePid });
  });

  it('refuses transport messages and shapes the call does not take', async () => {
    const client = await connect(track(await simulator()));
    await assert.rejects(client.request('sockclnt_delete', {}), (e: VppClientError) => e.code === 'NOT_SUPPORTED');
    await assert.rejects(client.request('sw_interface_dump', {}), /is a dump call: use dump\(\)/);
  });
});
