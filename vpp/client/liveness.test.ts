/** A VPP that stops answering with its socket open (the simulator's stall): noticed, said, recovered from. */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { clientPool, eventually, simulatorPool } from '../../test/support/sim-harness.ts';
import type { StateChange } from './client.ts';
import { VppClientError } from './errors.ts';

const { fresh } = simulatorPool();
const connect = clientPool();

/** fast enough for a unit test; the defaults are for VPP */
const FAST = { intervalMs: 100, timeoutMs: 50, misses: 2 };
const RECONNECT = { initialDelayMs: 20, maxDelayMs: 100 };

async function simulator(opts = {}) {
  const { sim, vpp } = await fresh(opts);
  vpp.close();
  return sim;
}

const failure = (p: Promise<unknown>): Promise<VppClientError> =>
  p.then(
    () => assert.fail('the call succeeded'),
    (e: unknown) => {
      assert.ok(e instanceof VppClientError, String(e));
      return e;
    },
  );

describe('a VPP that stops answering', () => {
  it('is declared not responding; waiting and new calls fail at once, and service resumes when it answers', async (t) => {
    const sim = await simulator({ interfaces: 2 });
    const client = await connect(sim, { liveness: FAST, reconnect: RECONNECT });
    const states: StateChange[] = [];
    client.on('state', (c) => states.push(c));
    const interrupted: Error[] = [];
    await client.subscribe('want_interface_events', {}, { event() {}, interrupted: (e) => interrupted.push(e) });

    sim.stall(true);
    const stalledAt = performance.now();
    const waiting = failure(client.request('show_version'));
    const dump = failure(
      (async () => {
        for await (const _ of client.dump('sw_interface_dump', {}));
      })(),
    );
    const err = await waiting;
    const detectedMs = performance.now() - stalledAt;
    t.diagnostic(`detected ${detectedMs.toFixed(0)} ms after the stall`);
    assert.equal(err.code, 'NOT_RESPONDING');
    assert.match(err.message, /^VPP is not responding: no answer for \d+\.\d s$/);
    assert.equal((await dump).code, 'NOT_RESPONDING');
    assert.equal(client.state, 'not_responding');
    const change = states.find((s) => s.state === 'not_responding');
    assert.ok(change && change.silentMs! > 0, JSON.stringify(states));
    assert.equal(interrupted.length, 1);
    assert.match(interrupted[0]!.message, /VPP is not responding/);

    // new calls do not wait: they fail before the event loop turns, so before anything could come from VPP
    const now = await Promise.race([
      failure(client.request('control_ping')),
      new Promise<string>((r) => setImmediate(() => r('the call waited on a hung VPP'))),
    ]);
    assert.equal(typeof now === 'string' ? now : now.code, 'NOT_RESPONDING');
    // the state stays not_responding while the client waits on a new socket
    await eventually(() => sim.clients.length === 1 && sim.received('sockclnt_create') === 2, 'a new handshake');
    assert.equal(client.state, 'not_responding');
    assert.ok(!states.some((s) => s.state === 'disconnected' || s.state === 'reconnecting'), JSON.stringify(states));

    sim.stall(false);
    const resumedAt = performance.now();
    await eventually(() => client.state === 'connected', 'service back');
    t.diagnostic(`connected again ${(performance.now() - resumedAt).toFixed(0)} ms after the stall ended`);
    assert.equal(states.at(-1)!.state, 'connected');
    assert.ok(states.at(-1)!.silentMs! > 0);
    assert.equal((await client.request('show_version')).program, 'vpe');
    assert.equal(sim.clients.length, 1, 'the hung socket was dropped, one connection is left');
  });

  it('closes the socket it waits on for a hung VPP when the client is closed', async () => {
    const sim = await simulator();
    const client = await connect(sim, { liveness: FAST, reconnect: RECONNECT });
    sim.stall(true);
    await eventually(() => client.state === 'not_responding', 'not_responding');
    // the old socket is dropped, the new one waits on its handshake
    await eventually(() => sim.clients.length === 1 && sim.received('sockclnt_create') === 2, 'a new handshake');
    await client.close();
    await eventually(() => sim.clients.length === 0, 'no socket left');
  });

  it('never hands a late answer of a failed call to a new one', async () => {
    const sim = await simulator();
    const client = await connect(sim, { liveness: FAST, reconnect: RECONNECT });
    sim.stall(true);
    // contexts 1.. of the hung socket: the new socket counts from 1 again
    const failed = await Promise.all(Array.from({ length: 20 }, () => failure(client.request('show_version'))));
    assert.ok(failed.every((e) => e.code === 'NOT_RESPONDING'));
    sim.stall(false);
    await eventually(() => client.state === 'connected', 'service back');
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 2 ? client.request('control_ping') : client.request('cli_inband', { cmd: 'show version' }),
      ),
    );
    for (const [i, r] of replies.entries())
      if (i % 2) assert.equal(r.vpe_pid, client.vpePid, `reply ${i}`);
      else assert.match(String(r.reply), /vpp v/, `reply ${i}`);
  });

  it('does not call a slow VPP hung while it answers within an interval', async () => {
    const sim = await simulator();
    const client = await connect(sim, { liveness: FAST });
    const states: StateChange[] = [];
    client.on('state', (c) => states.push(c));
    // each ping misses its 50 ms, but its late answer shows VPP runs: more misses in a row than
    // FAST.misses allows, and VPP still counts as running
    sim.delay(80);
    const pings = sim.received('control_ping');
    await eventually(() => sim.received('control_ping') >= pings + 3 * FAST.misses, 'late pings');
    assert.deepEqual(states, []);
    assert.equal(client.state, 'connected');
  });

  it('bounds what waits on VPP: beyond the limit calls fail at once', async () => {
    const sim = await simulator();
    const client = await connect(sim, { liveness: false, limits: { maxInFlight: 8 } });
    sim.stall(true);
    const waiting = Array.from({ length: 8 }, () => client.request('show_version', {}, { timeoutMs: 60_000 }));
    const over = await failure(client.request('show_version'));
    assert.equal(over.code, 'OVERLOADED');
    assert.match(over.message, /8 requests already wait for VPP's answer \(the limit is 8\)/);
    const overDump = await failure(
      (async () => {
        for await (const _ of client.dump('sw_interface_dump', {}));
      })(),
    );
    assert.equal(overDump.code, 'OVERLOADED');
    sim.stall(false);
    for (const r of await Promise.all(waiting)) assert.equal(r.program, 'vpe');
  });

  it('bounds the bytes VPP has not read', async () => {
    const sim = await simulator();
    const client = await connect(sim, { liveness: false, limits: { maxBufferedBytes: 1 } });
    // one request goes beyond the bound; the next, in the same tick, finds it unsent
    const first = client.request('cli_inband', { cmd: 'show version' });
    const second = await failure(client.request('cli_inband', { cmd: 'show version' }));
    assert.equal(second.code, 'OVERLOADED');
    assert.match(second.message, /VPP is not reading its socket: \d+ bytes of requests wait/);
    assert.equal((await first).retval, 0);
    await eventually(() => client.inFlight === 0, 'the first call to end');
    assert.equal((await client.request('show_version')).program, 'vpe');
  });
});
