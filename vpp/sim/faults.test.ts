/** Each fault the simulator injects, as a client sees it, and the control socket that drives them. */
import assert from 'node:assert/strict';
import { existsSync, renameSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { RawVpp } from '../../test/support/raw-vpp.ts';
import {
  eventually,
  loadApi,
  simulatorPool,
  startSimulator,
  tempSocket,
  until,
} from '../../test/support/sim-harness.ts';
import { ControlServer, runControlCommand } from './control.ts';
import { VppSimulator } from './simulator.ts';

const api = loadApi();
const { codec } = api;
const { fresh, track } = simulatorPool();

/** Which of two reads finishes first. */
async function first(a: Promise<unknown>, b: Promise<unknown>): Promise<'a' | 'b'> {
  const order: string[] = [];
  await Promise.all([a.then(() => order.push('a')), b.then(() => order.push('b'))]);
  return order[0] as 'a' | 'b';
}

describe('simulator faults', () => {
  it('delay: a delayed reply is late, and later replies to the same client wait behind it', async () => {
    const { sim, vpp } = await fresh();
    const other = await RawVpp.register(sim.socketPath, codec, 'other');
    sim.delay(300, 'show_version');
    vpp.send('show_version', undefined, 1);
    vpp.send('control_ping', undefined, 2);
    other.send('control_ping', undefined, 3);
    assert.equal(await first(vpp.next(), other.next()), 'b', 'the undelayed client is answered first');
    const ping = await vpp.nextMessage();
    assert.deepEqual([ping.name, ping.msg.context], ['control_ping_reply', 2], 'in order after show_version');
    sim.delay(0, 'show_version');
    sim.delay(200);
    assert.deepEqual(sim.faults.describe(), { delayMs: 200, delays: {}, stalled: false, dropAfter: null });
    other.send('control_ping', undefined, 4);
    assert.equal((await other.nextMessage()).msg.context, 4);
    other.close();
  });

  it('stall: nothing is answered until resumed, then everything held is', async () => {
    const { sim, vpp } = await fresh();
    sim.stall(true);
    vpp.send('show_version', undefined, 1);
    vpp.send('control_ping', undefined, 2);
    await eventually(() => (sim.describe().clients as { held: number }[])[0]!.held === 2, 'both held');
    assert.equal(vpp.buffered, 0);
    assert.equal(sim.received('show_version'), 0);
    sim.stall(false);
    assert.equal((await vpp.nextMessage()).name, 'show_version_reply');
    assert.equal((await vpp.nextMessage()).name, 'control_ping_reply');
  });

  it('drop: every connection closes at once', async () => {
    const { sim, vpp } = await fresh();
    const other = await RawVpp.register(sim.socketPath, codec, 'other');
    assert.equal(sim.dropConnections(), 2);
    await Promise.all([vpp.closed, other.closed]);
    await until(sim, ['disconnect'], () => sim.clients.length === 0);
  });

  it('drop-after: exactly N more messages go out, then the connections close', async () => {
    const { sim, vpp } = await fresh({ interfaces: 100 });
    sim.dropAfter(10);
    vpp.send('sw_interface_dump', {}, 5);
    vpp.send('control_ping', undefined, 5);
    let got = 0;
    await assert.rejects(async () => {
      for (;;) {
        await vpp.next();
        got++;
      }
    }, /the socket closed/);
    assert.equal(got, 10);
    assert.equal(sim.faults.describe().dropAfter, null, 'the fault is spent');
  });

  it('restart: clients dropped, new pid, new ids for every module but memclnt, fresh state', async () => {
    const { sim, vpp } = await fresh({ vpePid: 1000 });
    await vpp.call('create_loopback', {});
    const before = new Map(sim.table.idOf);
    await sim.restart();
    await vpp.closed;
    assert.equal(sim.vpePid, 1001);
    assert.equal(sim.generation, 1);
    for (const name of ['sockclnt_create', 'sockclnt_delete', 'memclnt_keepalive', 'control_ping'])
      assert.equal(sim.messageId(name), before.get(name), name);
    assert.notEqual(sim.messageId('show_version'), before.get('show_version'));
    assert.notEqual(sim.messageId('sw_interface_dump'), before.get('sw_interface_dump'));
    const again = await RawVpp.register(sim.socketPath, codec);
    assert.equal(again.clientIndex, 0x80000001);
    assert.equal(again.ids.get('show_version'), sim.messageId('show_version'));
    const { details, ping } = await again.dump('sw_interface_dump', {});
    assert.deepEqual(
      details.map((d) => d.interface_name),
      ['local0'],
    );
    assert.equal(ping.vpe_pid, 1001);
    again.close();
  });

  it('restart with downtime: the socket is gone until the simulator comes back', async () => {
    const { sim, vpp } = await fresh();
    let back!: () => void;
    const restarting = sim.restart({ until: new Promise<void>((r) => (back = r)) });
    await vpp.closed;
    await eventually(() => !existsSync(sim.socketPath), 'the socket file goes');
    await assert.rejects(RawVpp.connect(sim.socketPath, codec), /ENOENT/);
    back();
    await restarting;
    assert.ok(sim.listening);
    (await RawVpp.register(sim.socketPath, codec)).close();
  });

  it('malformed: a truncated reply, an unknown id with garbage, a header without a message', async () => {
    const { sim, vpp } = await fresh();
    assert.equal(sim.malformed('truncated'), 1);
    const truncated = await vpp.next();
    assert.equal(truncated.length, 6);
    assert.equal(truncated.readUInt16BE(0), sim.messageId('control_ping_reply'));
    assert.throws(() => codec.message('control_ping_reply').decode(truncated), /needs 18 bytes/);
    sim.malformed('unknown-id');
    const unknown = await vpp.next();
    assert.equal(sim.table.nameOf[unknown.readUInt16BE(0)], undefined);
    sim.malformed('bad-length');
    await assert.rejects(vpp.next(), /has no message id/);
  });

  it('keepalive: clients get memclnt_keepalive, and their replies are counted', async () => {
    const { sim, vpp } = await fresh();
    assert.equal(sim.sendKeepalive(), 1);
    const ka = await vpp.nextMessage();
    assert.equal(ka.name, 'memclnt_keepalive');
    assert.equal(ka.msg.clientIndex, vpp.clientIndex);
    const replied = new Promise((r) => sim.once('keepalive-reply', r));
    vpp.send('memclnt_keepalive_reply', { retval: 0 }, ka.msg.context ?? 0);
    assert.deepEqual(await replied, { clientIndex: vpp.clientIndex, name: 'raw-test' });
    assert.equal((sim.describe().clients as { keepaliveReplies: number }[])[0]!.keepaliveReplies, 1);
  });

  it('replace a stale socket file, and refuse a socket another process listens on', async () => {
    const path = tempSocket();
    const moved = `${path}.moved`;
    const old = createServer();
    await new Promise<void>((r) => old.listen(path, r));
    renameSync(path, moved); // closing no longer removes it: a socket file nobody listens on
    await new Promise((r) => old.close(r));
    renameSync(moved, path);
    const sim = new VppSimulator({ ...api, socketPath: path });
    await track(sim).start();
    (await RawVpp.register(path, codec)).close();
    const second = new VppSimulator({ ...api, socketPath: path });
    await assert.rejects(second.start(), /another process is listening/);
  });
});

describe('control socket', () => {
  it('runs each command and says what it did', async () => {
    const { sim } = await fresh({ vpePid: 7 });
    const run = (c: Record<string, unknown>): Promise<Record<string, unknown>> => runControlCommand(sim, c);
    assert.deepEqual(await run({ cmd: 'delay', ms: 50, message: 'show_version' }), { ok: true });
    assert.equal(sim.faults.delayFor('show_version'), 50);
    assert.deepEqual(await run({ cmd: 'stall', on: true }), { ok: true });
    assert.equal(sim.faults.stalled, true);
    assert.deepEqual(await run({ cmd: 'drop-after', messages: 3 }), { ok: true });
    assert.equal(sim.faults.describe().dropAfter, 3);
    assert.deepEqual(await run({ cmd: 'clear' }), { ok: true });
    assert.deepEqual(sim.faults.describe(), { delayMs: 0, delays: {}, stalled: false, dropAfter: null });
    assert.deepEqual(await run({ cmd: 'keepalive' }), { ok: true, sent: 1 });
    assert.deepEqual(await run({ cmd: 'malformed', kind: 'unknown-id' }), { ok: true, sent: 1 });
    assert.deepEqual(await run({ cmd: 'drop' }), { ok: true, dropped: 1 });
    assert.deepEqual(await run({ cmd: 'restart' }), { ok: true, vpePid: 8, generation: 1 });
    const state = (await run({ cmd: 'state' })).state as Record<string, unknown>;
    assert.equal(state.vpePid, 8);
    await assert.rejects(run({ cmd: 'malformed', kind: 'weird' }), /"kind" must be one of/);
    await assert.rejects(run({ cmd: 'stall' }), /"on" must be true or false/);
    await assert.rejects(run({ cmd: 'delay', ms: -1 }), /"ms" must be an integer/);
    await assert.rejects(run({ cmd: 'explode' }), /unknown command "explode"/);
  });

  it('answers one JSON line per command line over its socket', async () => {
    const sim = track(await startSimulator());
    const path = tempSocket('control.sock');
    const control = await ControlServer.start(sim, path, pino({ level: 'silent' }));
    const socket = createConnection({ path });
    const lines = createInterface({ input: socket })[Symbol.asyncIterator]();
    const ask = async (line: string): Promise<Record<string, unknown>> => {
      socket.write(`${line}\n`);
      return JSON.parse((await lines.next()).value as string) as Record<string, unknown>;
    };
    assert.deepEqual(await ask('{"cmd":"delay","ms":20}'), { ok: true });
    assert.equal(sim.faults.delayFor('anything'), 20);
    assert.equal(((await ask('{"cmd":"state"}')).state as Record<string, unknown>).socket, sim.socketPath);
    const bad = await ask('not json');
    assert.equal(bad.ok, false);
    assert.match(String(bad.error), /JSON/);
    assert.deepEqual(await ask('[1]'), { ok: false, error: 'expected a JSON object' });
    socket.destroy();
    await control.close();
    assert.equal(existsSync(path), false);
  });
});
