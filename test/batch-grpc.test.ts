/**
 * vpprpc.Batch/Call end to end: a gRPC server process in front of the
 * simulator and in front of a real VPP, driven by grpc-js (and, in the
 * examples' test, by Python's grpcio).
 */
import assert from 'node:assert/strict';
import { get as httpGet } from 'node:http';
import { after, before, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { BatchCodec, openBatch, type BatchAnswer, type BatchItem } from '../lib/grpc/batch-client.ts';
import { compileBinary, loadServiceRoot, type BinaryCodec } from '../lib/protobuf/index.ts';
import { PROTO_DIR } from './support/paths.ts';
import { describeRealVpp, describeSim, startRealVpp, startsRealVpp, type RealVpp } from './support/real-vpp.ts';
import { startStack, type Stack } from './support/stack.ts';
import { waitFor } from './support/wait.ts';

const root = loadServiceRoot(PROTO_DIR);
const codec = new BatchCodec(root);
const type = (name: string): BinaryCodec => compileBinary(root.lookupType(name));
const routeAddDel = type('vpp.ip.IpRouteAddDel');
const routeReply = type('vpp.ip.IpRouteAddDelReply');
const tableAddDel = type('vpp.ip.IpTableAddDel');
const TABLE = 4244;

/** The i-th /32 route of `plane` in the test's table; `table` elsewhere makes VPP refuse it. */
function route(i: number, plane: number, table = TABLE): Buffer {
  return routeAddDel.encode({
    is_add: true,
    route: {
      table_id: table,
      prefix: `10.${plane}.${(i >> 8) & 255}.${i & 255}/32`,
      paths: [{ sw_if_index: 4294967295, weight: 1, nh: { address: { ip4: '192.0.2.1' } } }],
    },
  });
}

const routeItem = (id: number, plane: number, table = TABLE): BatchItem => ({
  id,
  rpc: 'Ip/IpRouteAddDel',
  value: route(id, plane, table),
});

interface Outcome {
  answers: BatchAnswer[];
  /** the stream's status: OK, or how it ended */
  code: number;
  details: string;
}

/** Sends every item (waiting for drain, as a well-behaved writer does) and collects every answer. */
async function runBatch(
  target: string,
  items: BatchItem[],
  opts: {
    deadline?: number;
    onAnswer?: (a: BatchAnswer, call: grpc.ClientDuplexStream<Buffer, Buffer>) => void;
    /** hold the items from `index` on until `until` settles */
    pause?: { index: number; until: Promise<unknown> };
  } = {},
): Promise<Outcome> {
  const client = new grpc.Client(target, grpc.credentials.createInsecure());
  const call = openBatch(client, opts.deadline ? { deadline: Date.now() + opts.deadline } : {});
  const answers: BatchAnswer[] = [];
  const ended = new Promise<Outcome>((resolve) => {
    call.on('data', (b: Buffer) => {
      const a = codec.decode(b);
      answers.push(a);
      opts.onAnswer?.(a, call);
    });
    call.on('status', (s: grpc.StatusObject) => resolve({ answers, code: s.code, details: s.details }));
    call.on('error', () => {});
  });
  let stopped = false;
  void ended.then(() => (stopped = true));
  for (const [i, item] of items.entries()) {
    if (i === opts.pause?.index) await Promise.race([opts.pause.until, ended]);
    if (stopped) break;
    if (!call.write(codec.encode(item))) await Promise.race([new Promise((r) => call.once('drain', r)), ended]);
  }
  call.end();
  const out = await ended;
  client.close();
  return out;
}

async function unary(target: string, path: string, bytes: Buffer): Promise<grpc.ServiceError | null> {
  const client = new grpc.Client(target, grpc.credentials.createInsecure());
  try {
    return await new Promise((resolve) =>
      client.makeUnaryRequest(
        path,
        (b: Buffer) => b,
        (b: Buffer) => b,
        bytes,
        (err) => resolve(err),
      ),
    );
  } finally {
    client.close();
  }
}

async function metric(stack: Stack, name: string): Promise<number> {
  // a new connection each time: a kept-alive one may be closed by the server as it is reused
  const text = await new Promise<string>((resolve, reject) =>
    httpGet({ host: '127.0.0.1', port: stack.serverMetricsPort, path: '/metrics', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve(body));
    }).on('error', reject),
  );
  let sum = 0;
  for (const line of text.split('\n'))
    if (line.startsWith(name) && (name.includes('{') || /[ {]/.test(line[name.length] ?? '')))
      sum += Number(line.split(' ').at(-1));
  return sum;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The battery, against whichever VPP is behind the stack. */
function batchSuite(env: () => { stack: Stack; killVpp: () => Promise<void> }): void {
  it('answers every item in request order with its id, replies as Any of the reply type', async () => {
    const { stack } = env();
    const items = Array.from({ length: 500 }, (_, i) => routeItem(1000 + i, 1));
    items[0]!.options = { window: 32 };
    const out = await runBatch(stack.grpcTarget, items);
    assert.equal(out.code, grpc.status.OK, out.details);
    assert.deepEqual(
      out.answers.map((a) => a.id),
      items.map((i) => BigInt(i.id!)),
    );
    for (const a of out.answers) {
      assert.equal(a.error, undefined);
      assert.equal(a.reply!.type, 'vpp.ip.IpRouteAddDelReply');
      assert.equal(routeReply.decode(a.reply!.value).retval ?? 0, 0);
    }
    // the replies went many to an HTTP/2 write: the grpc-js internals were found, nothing fell back
    assert.equal(await metric(stack, 'vpp_rpc_batch_fast_path_fallbacks_total'), 0);
  });

  it('a bad route among good ones fails alone, with the unary RPC’s status', async () => {
    const { stack } = env();
    const bad = route(7, 2, 999_999);
    const unaryErr = await unary(stack.grpcTarget, '/vpp.ip.Ip/IpRouteAddDel', bad);
    assert.ok(unaryErr, 'the unary call fails');
    const items = Array.from({ length: 40 }, (_, i) => routeItem(i, 2));
    items[7] = { id: 7, rpc: 'Ip/IpRouteAddDel', value: bad };
    const out = await runBatch(stack.grpcTarget, items);
    assert.equal(out.code, grpc.status.OK, out.details);
    assert.equal(out.answers.length, 40);
    const failed = out.answers.filter((a) => a.error);
    assert.deepEqual(
      failed.map((a) => a.id),
      [7n],
    );
    assert.equal(failed[0]!.error!.code, unaryErr.code);
    assert.equal(failed[0]!.error!.message, unaryErr.details);
    // VPP's retval travels as an ErrorInfo detail, as in the unary call's grpc-status-details-bin
    assert.ok(failed[0]!.error!.details.some((d) => d.type_url.endsWith('google.rpc.ErrorInfo')));
  });

  it('malformed items get their own INVALID_ARGUMENT / UNIMPLEMENTED; the rest go on', async () => {
    const { stack } = env();
    const items: BatchItem[] = [
      routeItem(1, 3),
      { id: 2, rpc: 'Ip/NoSuchRpc', value: route(2, 3) },
      { id: 3, rpc: 'Ip/IpRouteAddDel', type: 'vpp.interface.CreateLoopback', value: route(3, 3) },
      { id: 4, rpc: 'Ip/IpRouteAddDel', value: Buffer.from([0x2a, 0xff, 0xff]) },
      { id: 5, rpc: 'Interface/SwInterfaceDump' },
      { id: 6 },
      { id: 7, type: 'vpp.ip.IpRouteAddDel', value: route(7, 3) },
      { id: 8, rpc: 'vpp.ip.Ip/IpRouteAddDel', value: route(8, 3) },
      { id: 9, type: 'no.Such', value: route(9, 3) },
    ];
    const out = await runBatch(stack.grpcTarget, items);
    assert.equal(out.code, grpc.status.OK, out.details);
    const by = new Map(out.answers.map((a) => [Number(a.id), a]));
    assert.equal(by.size, 9);
    for (const ok of [1, 7, 8]) assert.equal(by.get(ok)!.error, undefined, `item ${ok}`);
    assert.equal(by.get(2)!.error!.code, grpc.status.UNIMPLEMENTED);
    assert.match(by.get(2)!.error!.message, /Ip\/NoSuchRpc.*no such RPC/);
    assert.equal(by.get(3)!.error!.code, grpc.status.INVALID_ARGUMENT);
    assert.match(by.get(3)!.error!.message, /takes vpp\.ip\.IpRouteAddDel, not vpp\.interface\.CreateLoopback/);
    assert.equal(by.get(4)!.error!.code, grpc.status.INVALID_ARGUMENT);
    assert.match(by.get(4)!.error!.message, /^request.*not a vpp\.ip\.IpRouteAddDel/);
    assert.equal(by.get(5)!.error!.code, grpc.status.UNIMPLEMENTED);
    assert.match(by.get(5)!.error!.message, /Interface\/SwInterfaceDump is a dump/);
    assert.equal(by.get(6)!.error!.code, grpc.status.INVALID_ARGUMENT);
    assert.match(by.get(6)!.error!.message, /names no RPC/);
    assert.equal(by.get(9)!.error!.code, grpc.status.INVALID_ARGUMENT);
    assert.match(by.get(9)!.error!.message, /no RPC takes no\.Such/);
  });

  it('stop_on_error: answers up to the failed item, sends nothing after it, ends ABORTED naming it', async () => {
    const { stack } = env();
    const items = Array.from({ length: 60 }, (_, i) => routeItem(i, 4));
    items[5] = { id: 5, rpc: 'Ip/IpRouteAddDel', value: route(5, 4, 999_998) };
    // window 1: nothing is in flight behind the failed item
    items[0]!.options = { stop_on_error: true, window: 1 };
    const before = await metric(stack, 'vpp_rpc_grpc_requests_total{service="vpp.ip.Ip",method="IpRouteAddDel"');
    const out = await runBatch(stack.grpcTarget, items);
    assert.equal(out.code, grpc.status.ABORTED);
    assert.match(out.details, /first failed item, id 5/);
    assert.deepEqual(
      out.answers.map((a) => [a.id, Boolean(a.error)]),
      [0n, 1n, 2n, 3n, 4n, 5n].map((id) => [id, id === 5n]),
    );
    const after = await metric(stack, 'vpp_rpc_grpc_requests_total{service="vpp.ip.Ip",method="IpRouteAddDel"');
    assert.equal(after - before, 6, 'six items reached VPP');
  });

  it('refuses items the policy refuses, one by one (PERMISSION_DENIED), and serves the rest', async () => {
    const { stack } = env();
    const out = await runBatch(stack.grpcTarget, [
      routeItem(1, 5),
      { id: 2, rpc: 'Interface/CreateLoopback' },
      routeItem(3, 5),
    ]);
    assert.equal(out.code, grpc.status.OK, out.details);
    assert.deepEqual(
      out.answers.map((a) => a.error?.code ?? 0),
      [0, grpc.status.PERMISSION_DENIED, 0],
    );
    assert.match(out.answers[1]!.error!.message, /Interface\/CreateLoopback|denied|deny/i);
  });

  it('a caller that stops reading stops the batch: the server holds at most its window', async (t) => {
    const { stack } = env();
    // the answers to every item must be more than the socket buffers and HTTP/2 windows can hold
    // (several MiB on loopback), or a server that writes them all has been held back by nothing;
    // once it was held back, the writer ends the batch early: what it wrote is answered
    const total = 200_000;
    const window = 8;
    await metric(stack, 'vpp_rpc_batch_items_outstanding_max'); // a scrape starts the high-water mark afresh
    const client = new grpc.Client(stack.grpcTarget, grpc.credentials.createInsecure());
    const call = openBatch(client);
    t.after(() => {
      call.cancel();
      client.close();
    });
    call.pause();
    let written = 0;
    let enough = false;
    const writer = (async () => {
      for (; written < total && !enough; written++) {
        const item = routeItem(written, 6 + (written >> 16));
        if (written === 0) item.options = { window };
        if (!call.write(codec.encode(item))) await new Promise((r) => call.once('drain', r));
      }
      call.end();
    })();
    const count = (): Promise<number> =>
      metric(stack, 'vpp_rpc_grpc_requests_total{service="vpp.ip.Ip",method="IpRouteAddDel"');
    const start = await count();
    // the answers fill the socket buffers and HTTP/2 windows on the way to the sleeping reader, then
    // the server stops reading items: what reaches VPP slows to (almost) nothing
    let last = -1;
    let now = await count();
    for (let i = 0; i < 30 && now - last > total / 100; i++) {
      await sleep(1000);
      last = now;
      now = await count();
    }
    assert.ok(now - last <= total / 100, `the server slowed down to ${now - last} items/s while the reader slept`);
    assert.ok(now - start < total, `only ${now - start} of ${total} items reached VPP while the reader slept`);
    assert.ok(written < total, `the writer is held back too (${written} written)`);
    assert.ok((await metric(stack, 'vpp_rpc_batch_items_outstanding_max')) <= window);
    let answered = 0;
    let expected = 0n;
    const ended = new Promise<number>((resolve) => {
      call.on('data', (b: Buffer) => {
        const a = codec.decode(b);
        assert.equal(a.id, expected++);
        assert.equal(a.error, undefined);
        answered++;
      });
      call.on('status', (s: grpc.StatusObject) => resolve(s.code));
    });
    // the batch ends after the item the writer waits to send: every item written is answered, in order
    enough = true;
    call.resume();
    await writer;
    assert.equal(await ended, grpc.status.OK);
    assert.equal(answered, written);
    assert.ok((await metric(stack, 'vpp_rpc_batch_items_outstanding_max')) <= window);
  });

  it('a caller that cancels mid-batch ends it; the server goes on serving', async () => {
    const { stack } = env();
    const cancelledBefore = await metric(stack, 'vpp_rpc_batch_streams_total{code="1"}');
    // the caller never ends its side: the server cannot finish the batch before the cancel reaches it
    // (a caller that ended its side and cancels on a late answer may find the batch done already)
    const client = new grpc.Client(stack.grpcTarget, grpc.credentials.createInsecure());
    const call = openBatch(client);
    const answers: BatchAnswer[] = [];
    const status = new Promise<number>((resolve) => {
      call.on('data', (b: Buffer) => {
        const a = codec.decode(b);
        answers.push(a);
        if (a.id === 300n) call.cancel();
      });
      call.on('status', (s: grpc.StatusObject) => resolve(s.code));
      call.on('error', () => {});
    });
    let cancelled = false;
    void status.then(() => (cancelled = true));
    for (let i = 0; i < 20_000 && !cancelled; i++)
      if (!call.write(codec.encode(routeItem(i, 8 + (i >> 16)))))
        await Promise.race([new Promise((r) => call.once('drain', r)), status]);
    assert.equal(await status, grpc.status.CANCELLED);
    client.close();
    assert.ok(answers.length < 20_000);
    for (let i = 0; i < answers.length; i++) assert.equal(answers[i]!.id, BigInt(i));
    const cancelledBatches = (): Promise<number> => metric(stack, 'vpp_rpc_batch_streams_total{code="1"}');
    await waitFor(
      'the server counts the cancelled batch',
      async () => (await cancelledBatches()) !== cancelledBefore,
      30_000,
    );
    assert.equal(await cancelledBatches(), cancelledBefore + 1);
    const again = await runBatch(stack.grpcTarget, [routeItem(1, 9)]);
    assert.equal(again.code, grpc.status.OK, again.details);
    assert.equal(again.answers.length, 1);
    // nothing is held after the cancel
    await waitFor('no item outstanding', async () => (await metric(stack, 'vpp_rpc_batch_items_outstanding')) === 0);
  });

  it('an options.window above --batch-max-window fails the stream with INVALID_ARGUMENT', async () => {
    const { stack } = env();
    const out = await runBatch(stack.grpcTarget, [{ ...routeItem(1, 10), options: { window: 1_000_000 } }]);
    assert.equal(out.code, grpc.status.INVALID_ARGUMENT);
    assert.match(out.details, /--batch-max-window/);
  });

  // last: VPP is gone afterwards
  it('VPP killed mid-batch: every item sent is answered once (UNAVAILABLE if unanswered), the batch ends UNAVAILABLE', async () => {
    const { stack, killVpp } = env();
    const items = Array.from({ length: 50_000 }, (_, i) => routeItem(i, 11 + (i >> 16)));
    let killed = false;
    let gone!: () => void;
    const vppGone = new Promise<void>((resolve) => (gone = resolve));
    // the items after the first 2,000 wait for the kill: a VPP faster than the journal's syncs
    // would otherwise have carried out the whole batch by the time answer 1000 arrives
    const out = await runBatch(stack.grpcTarget, items, {
      onAnswer: (a) => {
        if (a.id === 1000n && !killed) {
          killed = true;
          void killVpp().then(gone);
        }
      },
      pause: { index: 2000, until: vppGone },
    });
    assert.ok(killed);
    assert.equal(out.code, grpc.status.UNAVAILABLE, out.details);
    assert.match(out.details, /VPP went away/);
    const ids = out.answers.map((a) => a.id);
    ids.forEach((id, i) => assert.equal(id, BigInt(i), 'in order, none twice'));
    assert.ok(ids.length < items.length);
    const firstFailed = out.answers.findIndex((a) => a.error);
    assert.ok(firstFailed > 1000);
    for (const a of out.answers.slice(firstFailed)) assert.equal(a.error?.code, grpc.status.UNAVAILABLE);
  });
}

const SERVER_ARGS = ['--deny', 'Interface/CreateLoopback', '--batch-max-window', '1024'];
const setupTable = async (stack: Stack): Promise<void> => {
  const request = tableAddDel.encode({ is_add: true, table: { table_id: TABLE, name: 'batch-test' } });
  let err = await unary(stack.grpcTarget, '/vpp.ip.Ip/IpTableAddDel', request);
  // the server listens before it has reached VPP
  for (let i = 0; i < 60 && err?.code === grpc.status.UNAVAILABLE; i++) {
    await sleep(500);
    err = await unary(stack.grpcTarget, '/vpp.ip.Ip/IpTableAddDel', request);
  }
  assert.equal(err, null);
};

describeSim('Batch/Call [simulator]', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ gateway: false, serverArgs: SERVER_ARGS });
    await setupTable(stack);
  });
  after(() => stack?.stop());
  batchSuite(() => ({ stack, killVpp: async () => void (await stack.sim!.kill()) }));
});

// started at the top level: real-vpp.ts registers its clean-up where the first start happens, and
// inside a before() hook that clean-up would run as soon as the hook ends
const realVpp: RealVpp | undefined = startsRealVpp() ? await startRealVpp() : undefined;

describeRealVpp('Batch/Call', () => {
  let vpp: RealVpp;
  let stack: Stack;
  before(async () => {
    vpp = realVpp!;
    stack = await startStack({
      vppSocket: vpp.apiSocket,
      gateway: false,
      serverArgs: SERVER_ARGS,
      echo: Boolean(process.env.ECHO),
    });
    await setupTable(stack);
  });
  after(async () => {
    await stack?.stop();
    await vpp?.stop();
  });
  batchSuite(() => ({ stack, killVpp: async () => vpp.signal('SIGKILL') }));
});
