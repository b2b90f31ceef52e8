/** Timeouts, cancellation, a VPP that restarts, and frames that make no sense, against the simulator. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientPool, eventually, loadApi, simulatorPool, until } from '../../test/support/sim-harness.ts';
import type { Value } from '../codec/types.ts';
import { VppClient, type StateChange } from './client.ts';
import { VppClientError } from './errors.ts';

const { fresh } = simulatorPool();
const connect = clientPool();

async function simulator(opts = {}) {
  const { sim, vpp } = await fresh(opts);
  vpp.close();
  return sim;
}

const code = (e: unknown): string | undefined => (e instanceof VppClientError ? e.code : undefined);

describe('a client that copes', () => {
  it('times out a slow reply, and a slow dump, and goes on working', async () => {
    const sim = await simulator({ interfaces: 2 });
    const client = await connect(sim);
    sim.delay(400, 'show_version');
    const slow = await client.request('show_version', {}, { timeoutMs: 50 }).catch((e: Error) => e);
    assert.equal(code(slow), 'TIMEOUT');
    assert.match((slow as Error).message, /no answer from VPP to show_version within 50 ms/);
    sim.delay(400, 'sw_interface_dump');
    const dump = await (async () => {
      for await (const _ of client.dump('sw_interface_dump', {}, { timeoutMs: 50 }));
    })().catch((e: Error) => e);
    assert.equal(code(dump), 'TIMEOUT');
    sim.clearFaults();
    assert.equal((await client.request('show_version')).program, 'vpe');
    assert.equal(client.state, 'connected');
  });

  it('turns off a subscription that VPP answered too late', async () => {
    const sim = await simulator({ interfaces: 1 });
    const client = await connect(sim);
    sim.delay(200, 'want_interface_events');
    const err = await client.subscribe('want_interface_events', {}, { event() {} }, { timeoutMs: 20 }).catch((e) => e);
    assert.equal(code(err), 'TIMEOUT');
    assert.equal(client.subscriberCount('want_interface_events'), 0);
    // VPP took the request: it is told to stop again
    await eventually(() => sim.received('want_interface_events') === 2, 'the unsubscribe');
    assert.equal(sim.state.interfaceEventClients.size, 0);
  });

  it('takes a timeout longer than a timer can wait as a long one, not as none left', async () => {
    const sim = await simulator();
    const client = await connect(sim);
    assert.equal((await client.request('show_version', {}, { timeoutMs: 2 ** 32 })).retval, 0);
  });

  it('cancels calls with an AbortSignal', async () => {
    const sim = await simulator({ interfaces: 3 });
    const client = await connect(sim);
    const done = new AbortController();
    done.abort('no longer needed');
    assert.equal(
      code(await client.request('show_version', {}, { signal: done.signal }).catch((e: Error) => e)),
      'ABORTED',
    );
    sim.stall(true);
    const ac = new AbortController();
    const pending = client.request('show_version', {}, { signal: ac.signal }).catch((e: Error) => e);
    ac.abort('the user gave up');
    const err = await pending;
    assert.equal(code(err), 'ABORTED');
    assert.match((err as Error).message, /the user gave up/);
    const dumpAc = new AbortController();
    const dump = client.dump('sw_interface_dump', {}, { signal: dumpAc.signal });
    const next = dump.next().catch((e: Error) => e);
    dumpAc.abort();
    assert.equal(code(await next), 'ABORTED');
    sim.stall(false);
    assert.deepEqual(await client.request('control_ping'), { retval: 0, vpe_pid: sim.vpePid });
  });

  it('rides out a VPP restart: backs off, reconnects, reads the new ids, renews its subscription', async () => {
    const sim = await simulator({ interfaces: 1 });
    const changes: StateChange[] = [];
    const client = await connect(sim, { reconnect: { initialDelayMs: 10, maxDelayMs: 1000 } });
    client.on('state', (c) => changes.push(c));
    const events: Value[] = [];
    let resumed = 0;
    let interrupted = 0;
    await client.subscribe(
      'want_interface_events',
      {},
      { event: (_n, v) => events.push(v), resumed: () => resumed++, interrupted: () => interrupted++ },
    );
    const oldPid = sim.vpePid;
    const oldId = sim.messageId('sw_interface_set_flags');
    const restarted = new Promise<{ previousPid: number; vpePid: number }>((r) => client.once('restart', r));
    // VPP stays away until the client has failed twice
    const twoFailures = until(client, ['state'], () =>
      changes.some((c) => c.state === 'reconnecting' && c.attempt === 2),
    );
    await sim.restart({ until: twoFailures });
    assert.deepEqual(await restarted, { previousPid: oldPid, vpePid: sim.vpePid });
    assert.notEqual(sim.messageId('sw_interface_set_flags'), oldId);
    const waits = changes.filter((c) => c.state === 'reconnecting' && c.delayMs !== undefined).map((c) => c.delayMs!);
    assert.ok(waits.length >= 2);
    assert.ok(waits[1]! > waits[0]!, `backoff grows: ${waits.join(', ')}`);
    assert.equal(interrupted, 1);
    await eventually(() => resumed === 1, 'the subscription is renewed');
    assert.equal(sim.state.interfaceEventClients.size, 1);
    await client.request('sw_interface_set_flags', { sw_if_index: 1, flags: [1] });
    await eventually(() => events.length === 1, 'an event after the restart');
    assert.deepEqual(events[0], { pid: process.pid, sw_if_index: 1, flags: [1, 2], deleted: false });
  });

  it('drops a connection that sends a malformed frame and comes back; ignores unknown ids', async () => {
    const sim = await simulator();
    const changes: StateChange[] = [];
    const client = await connect(sim, { reconnect: { initialDelayMs: 10 } });
    client.on('state', (c) => changes.push(c));
    sim.malformed('unknown-id');
    assert.deepEqual(await client.request('control_ping'), { retval: 0, vpe_pid: sim.vpePid });
    assert.equal(changes.length, 0);
    sim.malformed('truncated');
    await until(client, ['state'], () => changes.some((c) => c.state === 'connected'));
    assert.match(changes[0]!.reason!, /control_ping_reply needs 18 bytes/);
    changes.length = 0;
    sim.malformed('bad-length');
    await until(client, ['state'], () => changes.some((c) => c.state === 'connected'));
    assert.match(changes[0]!.reason!, /frame of 1 bytes has no message id/);
    assert.equal((await client.request('show_version')).retval, 0);
  });

  it('waits for a VPP that is not there yet', async () => {
    const sim = await simulator();
    await sim.stop();
    const changes: StateChange[] = [];
    const client = new VppClient({ ...loadApi(), socketPath: sim.socketPath, reconnect: { initialDelayMs: 10 } });
    client.on('state', (c) => changes.push(c));
    const connected = client.connect();
    await until(client, ['state'], () => changes.some((c) => c.state === 'reconnecting' && c.attempt === 2));
    await sim.start();
    await connected;
    assert.equal(client.vpePid, sim.vpePid);
    await client.close();
    await sim.stop();
  });

  it('gives up on a handshake VPP does not answer', async () => {
    const sim = await simulator();
    sim.stall(true);
    const client = new VppClient({ ...loadApi(), socketPath: sim.socketPath, reconnect: false, connectTimeoutMs: 100 });
    const err = await client.connect().catch((e: Error) => e);
    assert.equal(code(err), 'DISCONNECTED');
    assert.match((err as Error).message, /no answer to sockclnt_create in 100 ms/);
    assert.equal(client.state, 'idle');
    await client.close();
  });
});
