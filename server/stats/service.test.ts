/**
 * vpprpc.Stats over a real gRPC connection, in front of an in-memory reader
 * (a test double): the service's own logic. The same service against the
 * simulator's and VPP's segments is in test/stats.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { DEFAULT_PROTO_DIR } from '../../lib/project.ts';
import { compileBinary, loadServiceRoot, type Value } from '../../lib/protobuf/index.ts';
import { interfaceEntries, MemoryStatsReader } from '../../test/support/memory-stats-reader.ts';
import type { CallObserver } from '../handlers.ts';
import { ownRpcTable } from '../rpcs.ts';
import { addStatsService, STATS_SERVICE } from './service.ts';
import { StatsSource } from './source.ts';

const root = loadServiceRoot(DEFAULT_PROTO_DIR, ['vpprpc/stats.proto']);
const rpcs = ownRpcTable(root, STATS_SERVICE);
const codec = (type: string) => compileBinary(root.lookupType(type));

const ended: number[] = [];
const observer: CallObserver = { start() {}, end: (_rpc, code) => void ended.push(code) };

interface Call {
  unary(method: string, req: Value, reqType: string, resType: string): Promise<Value>;
  stream(method: string, req: Value, take: number): Promise<Value[]>;
}

function caller(client: grpc.Client): Call {
  return {
    unary: (method, req, reqType, resType) =>
      new Promise((resolve, reject) =>
        client.makeUnaryRequest(
          `/vpprpc.Stats/${method}`,
          (v: Value) => codec(`vpprpc.${reqType}`).encode(v),
          (b: Buffer) => codec(`vpprpc.${resType}`).decode(b),
          req,
          (err, res) => (err ? reject(err) : resolve(res!)),
        ),
      ),
    stream: (method, req, take) =>
      new Promise((resolve, reject) => {
        const out: Value[] = [];
        const call = client.makeServerStreamRequest(
          `/vpprpc.Stats/${method}`,
          (v: Value) => codec('vpprpc.StatsWatchRequest').encode(v),
          (b: Buffer) => codec('vpprpc.StatsSample').decode(b),
          req,
        );
        call.on('data', (v: Value) => {
          out.push(v);
          if (out.length === take) {
            call.cancel();
            resolve(out);
          }
        });
        call.on('error', (e: grpc.ServiceError) => (e.code === grpc.status.CANCELLED ? resolve(out) : reject(e)));
      }),
  };
}

describe('vpprpc.Stats (in-memory reader)', () => {
  const reader = new MemoryStatsReader([
    ...interfaceEntries(['local0', 'loop0', 'loop1']),
    { name: '/sys/vector_rate', value: { type: 'scalar', value: 1.5 } },
    { name: '/err/ip4-input/bad_checksum', value: { type: 'error', values: [3n, 4n] } },
    {
      name: '/interfaces/loop0/rx',
      value: {
        type: 'symlink',
        target: '/if/rx',
        index: 1,
        combined: [
          { packets: 1n, bytes: 2n },
          { packets: 3n, bytes: 4n },
        ],
      },
    },
    { name: '/sys/histogram', value: { type: 'histogram' } },
  ]);
  let failNext: string | undefined;
  const source = new StatsSource('/tmp/none/stats.sock', () => {
    if (failNext) throw new Error(failNext);
    return reader;
  });
  const server = new grpc.Server();
  let client: grpc.Client;
  let call: Call;

  before(async () => {
    addStatsService(server, rpcs, { source, observer, maxQueuedSamples: 100 });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );
    client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    call = caller(client);
  });
  after(() => {
    client.close();
    server.forceShutdown();
    source.close();
  });

  it('lists names matching the patterns with their types and the epoch', async () => {
    const r = await call.unary(
      'ListNames',
      { patterns: ['^/if/r', 'vector_rate$'] },
      'StatsListRequest',
      'StatsListReply',
    );
    assert.deepEqual(r.names, [
      { name: '/if/rx-error', type: 2 },
      { name: '/if/rx', type: 3 },
      { name: '/if/rx-multicast', type: 3 },
      { name: '/sys/vector_rate', type: 1 },
    ]);
    assert.equal(r.epoch, 1n);
  });

  it('reads values summed over threads, and per thread on request', async () => {
    const r = await call.unary(
      'Read',
      { patterns: ['^/if/drops$', '^/err/', '^/interfaces/', 'histogram', 'vector_rate'] },
      'StatsReadRequest',
      'StatsReadReply',
    );
    const byName = new Map((r.entries as Value[]).map((e) => [e.name, e]));
    // /if/drops: index i, thread t holds 1000 + i*10 + t
    assert.deepEqual(byName.get('/if/drops')!.counter, {
      values: [{ total: 2001n }, { total: 2021n }, { total: 2041n }],
    });
    assert.deepEqual(byName.get('/err/ip4-input/bad_checksum')!.error, { total: 7n });
    assert.equal(byName.get('/sys/vector_rate')!.scalar, 1.5);
    const link = byName.get('/interfaces/loop0/rx')!.symlink as Value;
    assert.equal(link.target, '/if/rx');
    assert.equal(link.index, 1);
    assert.deepEqual((link.combined as Value).total, { packets: 4n, bytes: 6n });
    assert.equal(byName.get('/sys/histogram')!.type, 8);

    const pt = await call.unary(
      'Read',
      { patterns: ['^/if/rx$'], per_thread: true },
      'StatsReadRequest',
      'StatsReadReply',
    );
    const rx = ((pt.entries as Value[])[0]!.combined as { values: Value[] }).values[2]!;
    assert.deepEqual(rx.threads, [
      { packets: 5020n, bytes: 20n * 64n },
      { packets: 5021n, bytes: 21n * 64n },
    ]);
    assert.deepEqual(rx.total, { packets: 10041n, bytes: 41n * 64n });
  });

  it('gives interface counters by name and sw_if_index', async () => {
    const all = await call.unary('InterfaceCounters', {}, 'InterfaceCountersRequest', 'InterfaceCountersReply');
    assert.deepEqual(
      (all.interfaces as Value[]).map((i) => [i.name, i.sw_if_index ?? 0]),
      [
        ['local0', 0],
        ['loop0', 1],
        ['loop1', 2],
      ],
    );
    const loop0 = (all.interfaces as Value[])[1]!;
    assert.equal(loop0.drops, 1010n + 1011n);
    assert.equal(loop0.punts, 2010n + 2011n);
    assert.equal(loop0.rx_errors, 4010n + 4011n);
    assert.deepEqual(loop0.rx, { packets: 5010n + 5011n, bytes: (10n + 11n) * 64n });
    assert.deepEqual(loop0.tx, { packets: 6010n + 6011n, bytes: (10n + 11n) * 64n });
    assert.equal(loop0.ip6, undefined); // not in this segment: absent, 0 in JSON

    const one = await call.unary(
      'InterfaceCounters',
      { sw_if_index: 0 },
      'InterfaceCountersRequest',
      'InterfaceCountersReply',
    );
    assert.deepEqual(
      (one.interfaces as Value[]).map((i) => i.name),
      ['local0'],
    );
    const named = await call.unary(
      'InterfaceCounters',
      { name: 'loop1' },
      'InterfaceCountersRequest',
      'InterfaceCountersReply',
    );
    assert.deepEqual(
      (named.interfaces as Value[]).map((i) => i.sw_if_index),
      [2],
    );
    const none = await call.unary(
      'InterfaceCounters',
      { name: 'nope' },
      'InterfaceCountersRequest',
      'InterfaceCountersReply',
    );
    assert.equal(none.interfaces, undefined); // none: an empty list
  });

  it('watches with rates per second from consecutive reads', async () => {
    let ticks = 0;
    const timer = setInterval(() => {
      ticks++;
      reader.set('/err/ip4-input/bad_checksum', { type: 'error', values: [3n + BigInt(ticks) * 50n, 4n] });
    }, 20);
    try {
      const samples = await call.stream('Watch', { patterns: ['^/err/'], interval_ms: 150 }, 3);
      assert.equal(samples.length, 3);
      assert.equal(samples[0]!.seconds, undefined); // 0: the first sample has no rates
      const totals = samples.map((s) => ((s.entries as Value[])[0]!.error as Value).total as bigint);
      assert.equal(((samples[0]!.entries as Value[])[0]!.error as Value).rate, undefined);
      for (const i of [1, 2]) {
        const s = samples[i]!;
        assert.ok((s.seconds as number) >= 0.14, `seconds ${s.seconds}`);
        const expected = Number(totals[i]! - totals[i - 1]!) / (s.seconds as number);
        const got = ((s.entries as Value[])[0]!.error as Value).rate as number;
        assert.ok(Math.abs(got - expected) < 1e-6 * Math.max(1, expected), `rate ${got} vs ${expected}`);
        assert.ok(totals[i]! > totals[i - 1]!, 'the counter moved');
      }
    } finally {
      clearInterval(timer);
    }
  });

  it('refuses bad patterns and intervals with INVALID_ARGUMENT', async () => {
    await assert.rejects(
      call.unary('Read', { patterns: ['(['] }, 'StatsReadRequest', 'StatsReadReply'),
      (e: grpc.ServiceError) => {
        assert.equal(e.code, grpc.status.INVALID_ARGUMENT);
        assert.match(e.details, /patterns\[0\]: not a regular expression/);
        return true;
      },
    );
    await assert.rejects(call.stream('Watch', { interval_ms: 5 }, 1), (e: grpc.ServiceError) => {
      assert.equal(e.code, grpc.status.INVALID_ARGUMENT);
      assert.match(e.details, /interval_ms: 5 is out of range/);
      return true;
    });
  });

  it('answers UNAVAILABLE naming the socket and why, and recovers', async () => {
    reader.failure = 'VPP went away';
    await assert.rejects(call.unary('Read', {}, 'StatsReadRequest', 'StatsReadReply'), (e: grpc.ServiceError) => {
      assert.equal(e.code, grpc.status.UNAVAILABLE);
      assert.match(e.details, /stats segment at \/tmp\/none\/stats\.sock is unavailable: VPP went away/);
      return true;
    });
    reader.failure = undefined;
    failNext = 'no such file: /tmp/none/stats.sock';
    await assert.rejects(call.unary('ListNames', {}, 'StatsListRequest', 'StatsListReply'), (e: grpc.ServiceError) => {
      assert.equal(e.code, grpc.status.UNAVAILABLE);
      assert.match(e.details, /no such file/);
      return true;
    });
    failNext = undefined;
    const r = await call.unary('ListNames', { patterns: ['^/if/names$'] }, 'StatsListRequest', 'StatsListReply');
    assert.deepEqual(r.names, [{ name: '/if/names', type: 5 }]);
  });
});
