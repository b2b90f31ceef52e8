/**
 * The gateway's batch routes against a stand-in for vpprpc.Batch/Call (a
 * grpc-js server that answers by the wire format of proto/vpprpc/batch.proto):
 * order, per-item errors, malformed items, stop_on_error, a stream that fails
 * mid-batch, the mixed route and its policy, over real HTTP and HTTP/2.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { compileBinary, loadServiceRoot } from '../../lib/protobuf/index.ts';
import { WireType, WireWriter } from '../../lib/protobuf/wire-writer.ts';
import { PROTO_DIR } from '../../test/support/paths.ts';
import { createLogger } from '../../lib/log.ts';
import { startGateway, type RunningGateway } from '../app.ts';
import { parseGatewayConfig } from '../config.ts';
import { LineSplitter, LineTooLong } from '../ndjson-lines.ts';

const id = (b: Buffer): Buffer => b;
const batchRoot = loadServiceRoot(PROTO_DIR, ['vpprpc/batch.proto']);
const BatchRequest = compileBinary(batchRoot.lookupType('vpprpc.BatchRequest'));
const BatchReply = compileBinary(batchRoot.lookupType('vpprpc.BatchReply'));

interface Request {
  id?: bigint;
  rpc?: string;
  request?: { value?: Uint8Array };
  options?: { stop_on_error?: boolean; window?: number };
}

interface Seen {
  items: number;
  rpcs: string[];
  stopOnError: boolean[];
  window: number[];
}

/** Stand-in server: IpRouteAddDel with a prefix answers stats_index = id; without one it fails; ControlPing answers. */
async function fakeBatchServer(dieAfter: { n: number }): Promise<{ server: grpc.Server; port: number; seen: Seen }> {
  const seen: Seen = { items: 0, rpcs: [], stopOnError: [], window: [] };
  const s = new grpc.Server();
  s.addService(
    {
      Call: {
        path: '/vpprpc.Batch/Call',
        requestStream: true,
        responseStream: true,
        requestSerialize: id,
        requestDeserialize: id,
        responseSerialize: id,
        responseDeserialize: id,
      },
    } as grpc.ServiceDefinition,
    {
      Call: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
        let first = true;
        let stop = false;
        let stopped = false;
        let answered = 0;
        call.on('data', (m: Buffer) => {
          if (stopped) return;
          const req = BatchRequest.decode(m) as Request;
          const itemId = req.id ?? 0n;
          const rpc = req.rpc ?? '';
          const value = req.request?.value;
          if (first) {
            stop = req.options?.stop_on_error ?? false;
            seen.stopOnError.push(stop);
            seen.window.push(req.options?.window ?? 0);
            first = false;
          }
          seen.items++;
          seen.rpcs.push(rpc);
          if (dieAfter.n >= 0 && answered === dieAfter.n) {
            stopped = true;
            call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'VPP went away' });
            return;
          }
          answered++;
          if (rpc === 'vpp.ip.Ip/IpRouteAddDel' && !value?.length) {
            call.write(
              BatchReply.encode({
                id: itemId,
                error: { code: grpc.status.FAILED_PRECONDITION, message: 'no prefix' },
              }),
            );
            if (stop) {
              stopped = true;
              call.emit('error', { code: grpc.status.ABORTED, details: `item ${itemId} failed` });
            }
            return;
          }
          // IpRouteAddDelReply{stats_index = id}: field 3
          const w = new WireWriter();
          if (rpc === 'vpp.ip.Ip/IpRouteAddDel') {
            w.tag(3, WireType.VARINT);
            w.uint32(Number(itemId));
          }
          const reply = w.finish();
          call.write(BatchReply.encode({ id: itemId, reply: { type_url: 'type.googleapis.com/x', value: reply } }));
        });
        call.on('end', () => {
          if (!stopped) call.end();
        });
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) =>
    s.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  return { server: s, port, seen };
}

function post(
  port: number,
  path: string,
  body: string,
  contentType = 'application/x-ndjson',
  accept?: string,
): Promise<{ status: number; type: string; text: string }> {
  return new Promise((resolve, reject) => {
    const headers = { 'content-type': contentType, ...(accept ? { accept } : {}) };
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const lines = (text: string): Record<string, unknown>[] =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const route = (n: number): string =>
  JSON.stringify({
    is_add: true,
    route: { prefix: `10.9.${(n >> 8) & 255}.${n & 255}/32`, paths: [{ nh: { address: { ip4: '192.0.2.1' } } }] },
  });

describe('REST batch routes (stand-in batch server)', () => {
  const dieAfter = { n: -1 };
  let fake: Awaited<ReturnType<typeof fakeBatchServer>>;
  let gw: RunningGateway;
  let policyGw: RunningGateway;
  before(async () => {
    fake = await fakeBatchServer(dieAfter);
    const base = ['--listen', '127.0.0.1:0', '--grpc-target', `127.0.0.1:${fake.port}`, '--metrics-listen', 'off'];
    const log = createLogger('gateway', 'silent');
    gw = await startGateway(parseGatewayConfig([...base, '--body-limit', '4096']), log);
    policyGw = await startGateway(parseGatewayConfig([...base, '--deny', 'Ip/IpRouteAddDel']), log);
  });
  after(async () => {
    await gw.close();
    await policyGw.close();
    fake.server.forceShutdown();
  });

  it('answers a line per item, in order, each the unary reply or error; malformed lines answer for themselves', async () => {
    const body = [route(1), '{}', '', 'not json', route(2), '{"bogus":1}', `{"route":{"n_paths":"x"}}`, route(3)].join(
      '\n',
    );
    const r = await post(gw.port, '/Ip/IpRouteAddDel/batch', body);
    assert.equal(r.status, 200);
    assert.match(r.type, /application\/x-ndjson/);
    const out = lines(r.text);
    assert.equal(out.length, 7, r.text); // the blank line is no item
    assert.equal(out[0]!.stats_index, 0);
    assert.deepEqual(
      { code: out[1]!.code, message: out[1]!.message },
      { code: grpc.status.FAILED_PRECONDITION, message: 'no prefix' },
    );
    assert.equal(out[2]!.code, grpc.status.INVALID_ARGUMENT);
    assert.match(String(out[2]!.message), /not valid JSON/);
    assert.equal(out[3]!.stats_index, 3);
    assert.equal(out[4]!.code, grpc.status.INVALID_ARGUMENT);
    assert.match(String(out[4]!.message), /^bogus/);
    assert.equal(out[5]!.code, grpc.status.INVALID_ARGUMENT);
    assert.match(String(out[5]!.message), /^route\.n_paths/);
    assert.deepEqual(
      (out[5]!.details as { field_violations: { field: string }[] }[])[0]!.field_violations[0]!.field,
      'route.n_paths',
    );
    assert.equal(out[6]!.stats_index, 6);
    // only the good and the VPP-refused items reached the server
    assert.deepEqual(fake.seen.rpcs.slice(-4), Array(4).fill('vpp.ip.Ip/IpRouteAddDel'));
  });

  it('takes a JSON array and answers one, and caps its size', async () => {
    // the malformed item is answered by the gateway before the server answers the first one: order holds
    const r = await post(
      gw.port,
      '/Ip/IpRouteAddDel/batch',
      `[${route(7)},{"bogus":1},{},${route(8)}]`,
      'application/json',
    );
    assert.equal(r.status, 200);
    const out = JSON.parse(r.text) as Record<string, unknown>[];
    assert.equal(out.length, 4);
    assert.equal(out[0]!.stats_index, 0);
    assert.equal(out[1]!.code, grpc.status.INVALID_ARGUMENT);
    assert.equal(out[2]!.code, grpc.status.FAILED_PRECONDITION);
    assert.equal(out[3]!.stats_index, 3);
    const big = await post(
      gw.port,
      '/Ip/IpRouteAddDel/batch',
      `[${Array(100).fill(route(1)).join(',')}]`,
      'application/json',
    );
    assert.equal(big.status, 413);
    const notArray = await post(gw.port, '/Ip/IpRouteAddDel/batch', '{}', 'application/json');
    assert.equal(notArray.status, 400);
    assert.match(JSON.parse(notArray.text).message, /array/);
  });

  it('answers an NDJSON line longer than --body-limit for itself and reads on', async () => {
    const r = await post(
      gw.port,
      '/Ip/IpRouteAddDel/batch',
      [route(1), `{"x":"${'a'.repeat(10_000)}"}`, route(2)].join('\n'),
    );
    const out = lines(r.text);
    assert.equal(out.length, 3);
    assert.equal(out[1]!.code, grpc.status.INVALID_ARGUMENT);
    assert.match(String(out[1]!.message), /bytes/);
    assert.equal(out[2]!.stats_index, 2);
  });

  it('takes NDJSON under either name and answers under the name the client used', async () => {
    const body = [route(1), route(2)].join('\n');
    for (const [contentType, accept, answered] of [
      ['application/x-ndjson', undefined, 'application/x-ndjson'],
      ['application/ndjson', undefined, 'application/ndjson'],
      ['Application/NDJSON; charset=utf-8', undefined, 'application/ndjson'],
      ['application/x-ndjson', 'application/ndjson', 'application/ndjson'],
      ['application/ndjson', 'application/x-ndjson, */*', 'application/x-ndjson'],
    ] as const) {
      const r = await post(gw.port, '/Ip/IpRouteAddDel/batch', body, contentType, accept);
      assert.equal(r.status, 200, `${contentType}: ${r.text}`);
      assert.equal(r.type, `${answered}; charset=utf-8`, `${contentType}, accept ${accept}`);
      assert.deepEqual(
        lines(r.text).map((l) => l.stats_index),
        [0, 1],
      );
    }
  });

  it('refuses what is wrong before the first item with a 4xx', async () => {
    const csv = await post(gw.port, '/Ip/IpRouteAddDel/batch', route(1), 'text/csv');
    assert.equal(csv.status, 415);
    assert.match(
      JSON.parse(csv.text).message,
      /send application\/x-ndjson or application\/ndjson \(a request per line\)/,
    );
    assert.equal((await post(gw.port, '/Ip/IpRouteAddDel/batch', route(1), 'application/jsonl')).status, 415);
    const bad = await post(gw.port, '/Ip/IpRouteAddDel/batch?stop_on_error=maybe', route(1));
    assert.equal(bad.status, 400);
    assert.match(JSON.parse(bad.text).message, /^stop_on_error/);
    assert.equal((await post(gw.port, '/Ip/IpRouteAddDel/batch?window=-1', route(1))).status, 400);
    assert.equal((await post(gw.port, '/Ip/IpRouteAddDel/batch?timeout=soon', route(1))).status, 400);
    assert.equal((await post(gw.port, '/Ip/IpRouteDump/batch', '{}')).status, 404); // dumps have no batch route
    const empty = await post(gw.port, '/Ip/IpRouteAddDel/batch', '');
    assert.deepEqual([empty.status, empty.text], [200, '']);
  });

  it('stops at the first error on request: later items are answered ABORTED, every item has its line', async () => {
    const before = fake.seen.items;
    const body = [route(1), '{}', route(2), route(3)].join('\n');
    const r = await post(gw.port, '/Ip/IpRouteAddDel/batch?stop_on_error=true&window=8', body);
    const out = lines(r.text);
    assert.equal(out.length, 4);
    assert.equal(out[0]!.stats_index, 0);
    assert.equal(out[1]!.code, grpc.status.FAILED_PRECONDITION);
    assert.equal(out[2]!.code, grpc.status.ABORTED);
    assert.equal(out[3]!.code, grpc.status.ABORTED);
    assert.equal(fake.seen.stopOnError.at(-1), true);
    assert.equal(fake.seen.window.at(-1), 8);
    // the server ran the good item and the failed one, and nothing after it
    assert.equal(fake.seen.items - before, 2);
  });

  it('stops at a malformed item too: nothing after it is sent', async () => {
    const before = fake.seen.items;
    const r = await post(gw.port, '/Ip/IpRouteAddDel/batch?stop_on_error', [route(1), 'oops', route(2)].join('\n'));
    const out = lines(r.text);
    assert.deepEqual(
      out.map((o) => o.code ?? 'ok'),
      ['ok', grpc.status.INVALID_ARGUMENT, grpc.status.ABORTED],
    );
    assert.equal(fake.seen.items - before, 1);
  });

  it('answers every item when the stream fails mid-batch', async () => {
    dieAfter.n = 3;
    try {
      const r = await post(
        gw.port,
        '/Ip/IpRouteAddDel/batch',
        Array.from({ length: 10 }, (_, i) => route(i)).join('\n'),
      );
      const out = lines(r.text);
      assert.equal(out.length, 10);
      assert.deepEqual(
        out.slice(0, 3).map((o) => o.stats_index),
        [0, 1, 2],
      );
      for (const o of out.slice(3)) assert.deepEqual([o.code, o.message], [grpc.status.UNAVAILABLE, 'VPP went away']);
    } finally {
      dieAfter.n = -1;
    }
  });

  it('POST /batch mixes RPCs, echoes ids, and answers bad items for themselves', async () => {
    const body = [
      JSON.stringify({ rpc: 'Ip/IpRouteAddDel', id: 'a', request: JSON.parse(route(1)) }),
      JSON.stringify({ rpc: 'Memclnt/ControlPing', id: 2 }),
      JSON.stringify({ rpc: 'vpp.ip.Ip/IpRouteAddDel', id: 3, request: {} }),
      JSON.stringify({ rpc: 'Nope/Nope', id: 4 }),
      JSON.stringify({ rpc: 'Ip/IpRouteDump', id: 5 }),
      JSON.stringify({ rpc: 'Ip/IpRouteAddDel', id: 6, request: { route: { bogus: 1 } } }),
      JSON.stringify({ rpc: 'Ip/IpRouteAddDel', id: 7, extra: 1 }),
      '[1]',
      JSON.stringify({ rpc: 'Ip/IpRouteAddDel', request: JSON.parse(route(2)) }),
    ].join('\n');
    const out = lines((await post(gw.port, '/batch', body)).text);
    assert.equal(out.length, 9);
    assert.deepEqual(out[0], { id: 'a', reply: out[0]!.reply as object });
    assert.equal((out[0]!.reply as { stats_index: number }).stats_index, 0);
    assert.equal(out[1]!.id, 2);
    assert.ok(out[1]!.reply);
    assert.deepEqual([out[2]!.id, (out[2]!.error as { code: number }).code], [3, grpc.status.FAILED_PRECONDITION]);
    for (const [i, fieldName] of [
      [3, 'rpc'],
      [4, 'rpc'],
      [5, 'request.route.bogus'],
      [6, 'extra'],
    ] as const) {
      const e = out[i]!.error as { code: number; details: { field_violations: { field: string }[] }[] };
      assert.equal(e.code, grpc.status.INVALID_ARGUMENT, JSON.stringify(out[i]));
      assert.equal(e.details[0]!.field_violations[0]!.field, fieldName);
      assert.equal(out[i]!.id, i + 1);
    }
    assert.equal(out[7]!.id, undefined);
    assert.equal((out[7]!.error as { code: number }).code, grpc.status.INVALID_ARGUMENT);
    assert.deepEqual(Object.keys(out[8]!), ['reply']);
    assert.equal((out[8]!.reply as { stats_index: number }).stats_index, 8);
  });

  it('applies the policy per item on POST /batch and to the whole single-RPC route', async () => {
    const refused = await post(policyGw.port, '/Ip/IpRouteAddDel/batch', route(1));
    assert.equal(refused.status, 403);
    const body = [
      JSON.stringify({ rpc: 'Memclnt/ControlPing', id: 1 }),
      JSON.stringify({ rpc: 'Ip/IpRouteAddDel', id: 2, request: JSON.parse(route(1)) }),
      JSON.stringify({ rpc: 'Memclnt/ControlPing', id: 3 }),
    ].join('\n');
    const before = fake.seen.items;
    const out = lines((await post(policyGw.port, '/batch', body)).text);
    assert.ok(out[0]!.reply && out[2]!.reply);
    const e = out[1]!.error as { code: number; details: { reason: string }[] };
    assert.equal(e.code, grpc.status.PERMISSION_DENIED);
    assert.equal(e.details[0]!.reason, 'DENIED');
    assert.equal(fake.seen.items - before, 2);
  });
});

describe('NDJSON line splitter', () => {
  const split = (chunks: Buffer[], max = 100): (string | number)[] => {
    const out: (string | number)[] = [];
    const s = new LineSplitter(max, (l) => out.push(l instanceof LineTooLong ? -l.bytes : l));
    for (const c of chunks) s.push(c);
    s.end();
    return out;
  };

  it('joins lines across chunks, characters cut in two included, and skips blank lines', () => {
    const text = Buffer.from('{"a":"é€😀"}\r\n\n  \n{"b":2}\n{"c":3}');
    for (let cut = 0; cut <= text.length; cut++)
      assert.deepEqual(split([text.subarray(0, cut), text.subarray(cut)]), ['{"a":"é€😀"}\r', '{"b":2}', '{"c":3}']);
    assert.deepEqual(split([...text].map((b) => Buffer.from([b]))), ['{"a":"é€😀"}\r', '{"b":2}', '{"c":3}']);
  });

  it('answers an over-long line once, with its length, and reads on', () => {
    const long = 'x'.repeat(250);
    assert.deepEqual(split([Buffer.from(`a\n${long}\nb`)]), ['a', -250, 'b']);
    assert.deepEqual(split([Buffer.from(`a\n${long.slice(0, 60)}`), Buffer.from(`${long.slice(60)}\nb\n`)]), [
      'a',
      -250,
      'b',
    ]);
    assert.deepEqual(split([Buffer.from(long)]), [-250]);
  });
});
