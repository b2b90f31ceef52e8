/** Big dumps and dumps cut short, against the simulator. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientPool, eventually, simulatorPool } from '../../test/support/sim-harness.ts';
import type { Value } from '../codec/types.ts';
import { VppClientError } from './errors.ts';
import { StreamQueue } from './queue.ts';
import { unixSocketDialer, type Transport } from './transport.ts';

const { fresh } = simulatorPool();
const connect = clientPool();

async function simulator(interfaces: number) {
  const { sim, vpp } = await fresh({ interfaces });
  vpp.close();
  return sim;
}

/** Read what is left of a dump: how many items came, and the error it ended with, if any. */
async function readRest(dump: AsyncIterable<Value>): Promise<{ got: number; err: unknown }> {
  let got = 0;
  try {
    for await (const _ of dump) got++;
    return { got, err: undefined };
  } catch (err) {
    return { got, err };
  }
}

/** A client with a dump of 10,000 interfaces whose reader took one and fell behind. */
async function laggingDump(opts: { holdMs: number }, dumpTimeoutMs?: number) {
  const sim = await simulator(10_000);
  const client = await connect(sim, opts);
  const dump = client.dump('sw_interface_dump', {}, dumpTimeoutMs === undefined ? {} : { timeoutMs: dumpTimeoutMs });
  await dump.next();
  await eventually(() => (dump as StreamQueue<Value>).length >= 1024, 'the reader to fall behind');
  return { client, dump };
}

describe('dumps', () => {
  it('10,000 interfaces arrive complete and in order, with the socket paused while the reader lags', async () => {
    const sim = await simulator(10_000);
    const client = await connect(sim);
    const it = client.dump('sw_interface_dump', {});
    assert.ok(it instanceof StreamQueue);
    let count = 0;
    let maxHeld = 0;
    for await (const d of it) {
      assert.equal(d.sw_if_index, count);
      assert.equal(d.interface_name, count === 0 ? 'local0' : `loop${count - 1}`);
      count++;
      maxHeld = Math.max(maxHeld, it.length);
      // a slow reader: the simulator must wait for the socket, and the client hold only so much
      if (count % 8 === 0) await new Promise((r) => setImmediate(r));
    }
    assert.equal(count, 10_001);
    assert.ok(sim.stats.backpressure > 0, 'the simulator waited for the socket to drain');
    assert.ok(maxHeld < 2048, `the client held at most ${maxHeld} details`);
  });

  it('a dump cut by a disconnect rejects with DISCONNECTED, and every call in flight fails with it', async () => {
    const sim = await simulator(500);
    const client = await connect(sim);
    sim.dropAfter(50);
    const dump = client.dump('sw_interface_dump', {});
    const first = await dump.next();
    assert.equal((first.value as Value).interface_name, 'local0');
    const calls = [1, 2, 3].map(() => client.request('show_version').catch((e: Error) => e));
    const { got, err } = await readRest(dump);
    assert.ok(err instanceof VppClientError);
    assert.equal(err.code, 'DISCONNECTED');
    assert.equal(got + 1, 50, 'every detail that came was delivered');
    for (const e of await Promise.all(calls)) {
      assert.ok(e instanceof VppClientError);
      assert.equal(e.code, 'DISCONNECTED');
    }
    assert.equal(client.inFlight, 0);
  });

  it('a reader that stops early lets the connection go on, and concurrent dumps keep their own details', async () => {
    const sim = await simulator(3000);
    const client = await connect(sim);
    let n = 0;
    for await (const _ of client.dump('sw_interface_dump', {})) if (++n === 10) break;
    assert.equal((await client.request('show_version')).retval, 0);
    const filters = ['loop1', 'loop2', 'loop29', 'local', 'loop299'];
    const results = await Promise.all(
      filters.map(async (f) => {
        const names: string[] = [];
        for await (const d of client.dump('sw_interface_dump', { name_filter_valid: true, name_filter: f }))
          names.push(String(d.interface_name));
        return names;
      }),
    );
    results.forEach((names, i) => {
      assert.ok(names.length > 0);
      assert.ok(
        names.every((x) => x.includes(filters[i]!)),
        filters[i],
      );
    });
    assert.deepEqual(results[4], [
      'loop299',
      'loop2990',
      'loop2991',
      'loop2992',
      'loop2993',
      'loop2994',
      'loop2995',
      'loop2996',
      'loop2997',
      'loop2998',
      'loop2999',
    ]);
    await eventually(() => client.inFlight === 0, 'the abandoned dump to end');
  });

  it('a dump that times out while its reader lags lets go of the socket', async () => {
    // only the dump's own timeout ends it here
    const { client, dump } = await laggingDump({ holdMs: 60_000 }, 100);
    // the reader never comes back; the dump's timeout ends it, and the other calls go on
    assert.equal((await client.request('show_version', {}, { timeoutMs: 2000 })).retval, 0);
    await dump.return!();
  });

  it('a reader that stays behind while other calls wait loses its dump, and holds them up no longer', async () => {
    const { client, dump } = await laggingDump({ holdMs: 100 });
    assert.equal((await client.request('show_version', {}, { timeoutMs: 5000 })).retval, 0);
    // the reader comes back: what had come, then the reason it stopped
    const { got, err } = await readRest(dump);
    assert.ok(err instanceof VppClientError);
    assert.equal(err.code, 'OVERRUN');
    assert.ok(got + 1 > 1024 && got + 1 < 10_001, `${got + 1} details`);
  });

  it('a reader that stays behind with nobody else waiting keeps its dump', async () => {
    const { dump } = await laggingDump({ holdMs: 50 });
    await new Promise((r) => setTimeout(r, 200));
    const { got, err } = await readRest(dump);
    assert.equal(err, undefined);
    assert.equal(got + 1, 10_001);
  });

  it('closing while a reader holds a dump paused still reads the unsubscribe and goodbye replies', async () => {
    const sim = await simulator(10_000);
    const seen: string[] = [];
    // the real socket, with a record of the messages the client sends and reads
    const dialer = async (): Promise<Transport> => {
      const t = await unixSocketDialer(sim.socketPath, 5000)();
      const send = t.send.bind(t);
      t.send = (frame) => {
        seen.push(`sent ${sim.table.nameOf[frame.readUInt16BE(16)]}`);
        send(frame);
      };
      let deliver: (p: Buffer) => void = () => {};
      Object.defineProperty(t, 'onPayload', {
        get: () => (p: Buffer) => {
          seen.push(`read ${sim.table.nameOf[p.readUInt16BE(0)]}`);
          deliver(p);
        },
        set: (f: (p: Buffer) => void) => (deliver = f),
      });
      return t;
    };
    const client = await connect(sim, { dialer });
    await client.subscribe('want_interface_events', {}, { event() {} });
    const dump = client.dump('sw_interface_dump', {});
    await dump.next();
    await eventually(() => (dump as StreamQueue<Value>).length >= 1024, 'the reader to fall behind');
    seen.length = 0;
    await client.close();
    const order = seen.filter((s) => !s.endsWith('sw_interface_details'));
    assert.deepEqual(order, [
      'sent want_interface_events',
      'read control_ping_reply',
      'read want_interface_events_reply',
      'sent sockclnt_delete',
      'read sockclnt_delete_reply',
    ]);
    assert.equal(sim.state.interfaceEventClients.size, 0);
  });
});

describe('cursor streams', () => {
  it('fetches every page: the request is sent again with the cursor while VPP answers EAGAIN', async () => {
    const { sim, vpp } = await fresh({ interfaces: 600 });
    vpp.close();
    const client = await connect(sim);
    const entries: number[] = [];
    for await (const e of client.dump('sw_interface_tx_placement_get', { sw_if_index: 0xffffffff }))
      entries.push(e.sw_if_index as number);
    // loop0 … loop599 are sw_if_index 1 … 600; local0 has no tx queue
    assert.deepEqual(
      entries,
      Array.from({ length: 600 }, (_, i) => i + 1),
    );
    assert.equal(sim.stats.received.get('sw_interface_tx_placement_get'), 3, 'pages of 256');
    const one: unknown[] = [];
    for await (const e of client.dump('sw_interface_tx_placement_get', { sw_if_index: 7 })) one.push(e);
    assert.deepEqual(one, [{ sw_if_index: 7, queue_id: 0, shared: 0, threads: [0] }]);
    const err = await (async () => {
      for await (const _ of client.dump('sw_interface_tx_placement_get', { sw_if_index: 9999 }));
    })().catch((e: Error) => e);
    assert.match(String(err), /INVALID_SW_IF_INDEX/);
  });
});
