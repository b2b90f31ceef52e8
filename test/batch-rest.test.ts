/**
 * REST batches end to end (simulator, then the real VPP of ../shared/vpp):
 * `POST /{Service}/{Rpc}/batch` and `POST /batch` through the gateway and the
 * server's vpprpc.Batch/Call stream, each process separate. Order, per-item
 * errors, stop_on_error, a malformed item, policy per item, a client that
 * leaves mid-batch, VPP killed mid-batch, a reader that stops reading, and a
 * 200,000-line body, with the gateway's memory read from /proc.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { mib, rssBytes, scrape, waitFor } from './support/observe.ts';
import { describeRealVpp, describeSim, startRealVpp, type RealVpp } from './support/real-vpp.ts';
import { READY_MS, startStack, type Stack } from './support/stack.ts';
import { portOf, startChild, type Child } from '../lib/child.ts';

type Answer = Record<string, unknown>;

interface BatchResult {
  status: number;
  contentType: string;
  answers: Answer[];
  count: number;
}

interface BatchOpts {
  contentType?: string;
  /** called with each answer as it arrives; return true to abort the request there */
  onAnswer?: (a: Answer, i: number) => boolean | void;
  /** keep only a count, not the answers (large batches) */
  countOnly?: boolean;
  /** do not read the response until this resolves */
  readAfter?: Promise<void>;
  /** hold the lines from `index` on until `until` settles */
  pause?: { index: number; until: Promise<unknown> };
  /** called after each line written, with the number written */
  onWritten?: (n: number) => void;
  /** end the body before its n lines once this says so (every line written is still answered) */
  enough?: () => boolean;
}

/**
 * POST `n` lines made by `line(i)`, written as the socket takes them while the
 * answers are read as they come (HTTP/1.1, both ways at once).
 */
function batch(
  base: string,
  path: string,
  n: number,
  line: (i: number) => string,
  o: BatchOpts = {},
): Promise<BatchResult> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, base);
    const answers: Answer[] = [];
    let count = 0;
    let aborted = false;
    const req = http.request(
      url,
      { method: 'POST', headers: { 'content-type': o.contentType ?? 'application/x-ndjson' } },
      (res) => {
        const read = (): void => {
          let rest = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            const parts = (rest + chunk).split('\n');
            rest = parts.pop()!;
            for (const p of parts) {
              if (p === '') continue;
              const a = JSON.parse(p) as Answer;
              if (!o.countOnly) answers.push(a);
              if (o.onAnswer?.(a, count) === true && !aborted) {
                aborted = true;
                req.destroy();
                res.destroy();
                resolve({
                  status: res.statusCode!,
                  contentType: String(res.headers['content-type']),
                  answers,
                  count: count + 1,
                });
              }
              count++;
            }
          });
          res.on('end', () => {
            if (rest !== '') {
              answers.push(JSON.parse(rest) as Answer);
              count++;
            }
            resolve({ status: res.statusCode!, contentType: String(res.headers['content-type']), answers, count });
          });
          res.on('error', (e) => (aborted ? undefined : reject(e)));
        };
        if (o.readAfter) {
          res.pause();
          void o.readAfter.then(() => {
            read();
            res.resume();
          });
        } else read();
      },
    );
    req.on('error', (e) => (aborted ? undefined : reject(e)));
    let i = 0;
    let paused = false;
    const write = (): void => {
      while (i < n && !aborted && !o.enough?.()) {
        if (o.pause && i >= o.pause.index && !paused) {
          paused = true;
          void o.pause.until.then(write);
          return;
        }
        // a few hundred lines per write: the way a client streams a file
        let chunk = '';
        const upTo = o.pause && !paused ? Math.min(n, o.pause.index) : n;
        for (let k = 0; k < 256 && i < upTo; k++) chunk += line(i++) + '\n';
        const more = req.write(chunk);
        o.onWritten?.(i);
        if (!more) {
          req.once('drain', write);
          return;
        }
      }
      if (!aborted) req.end();
    };
    write();
  });
}

/** An IPv4 /32 route in table 0 through 192.0.2.1; `plane` keeps the tests' prefixes apart. */
const route = (plane: number, i: number, swIfIndex = 4294967295): string =>
  JSON.stringify({
    is_add: true,
    route: {
      prefix: `10.${plane * 4 + ((i >> 16) & 3)}.${(i >> 8) & 255}.${i & 255}/32`,
      paths: [{ sw_if_index: swIfIndex, nh: { address: { ip4: '192.0.2.1' } } }],
    },
  });
/** A route VPP refuses: its path goes out of an interface that does not exist. */
const badRoute = (plane: number, i: number): string => route(plane, i, 4000);

const isReply = (a: Answer): boolean => a.code === undefined && a.message === undefined;
const codeOf = (a: Answer): number | undefined => (isReply(a) ? undefined : (a.code as number));

async function routesIn(stack: Stack, plane: number): Promise<number> {
  const res = await fetch(`${stack.rest}/Ip/IpRouteDump/request`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ table: { table_id: 0 } }),
  });
  const all = (await res.json()) as { route: { prefix: string } }[];
  const lo = plane * 4;
  return all.filter((r) => {
    const m = /^10\.(\d+)\./.exec(r.route.prefix);
    return m !== null && Number(m[1]) >= lo && Number(m[1]) < lo + 4;
  }).length;
}

/** The whole battery, against the VPP that `vpp()` gives (a simulator or a real one). */
/**
 * The tests of REST batches in front of one VPP. `gatewayOnly`: also those of the gateway's own
 * behaviour, which no VPP changes (its memory on a body of 200,000 lines): on one backend.
 */
function battery(start: () => Promise<{ stack: Stack; kill(): Promise<void> }>, gatewayOnly: boolean): void {
  let stack: Stack;
  /** a second gateway in front of the same server, with --read-only */
  let readOnly: { rest: string; child: Child };
  let killVpp: () => Promise<void>;
  before(async () => {
    ({ stack, kill: killVpp } = await start());
    const child = await startChild({
      name: 'gateway',
      entry: 'gateway/main.ts',
      args: ['--listen', '127.0.0.1:0', '--grpc-target', stack.grpcTarget, '--metrics-listen', 'off', '--read-only'],
      env: { LOG_LEVEL: 'warn' },
      readyMessage: 'REST gateway listening',
      timeoutMs: READY_MS,
    });
    readOnly = { rest: `http://127.0.0.1:${portOf(child.ready.rest)}`, child };
  });
  after(async () => {
    await readOnly?.child.stop();
  });

  it('answers each item in order: replies, a route VPP refuses, a malformed line, an unknown field', async () => {
    const line = (i: number): string =>
      i === 10 ? badRoute(1, i) : i === 20 ? '{"is_add": tru' : i === 30 ? '{"route":{"bogus":1}}' : route(1, i);
    const r = await batch(stack.rest, '/Ip/IpRouteAddDel/batch', 50, line);
    assert.equal(r.status, 200);
    assert.match(r.contentType, /^application\/x-ndjson/);
    assert.equal(r.answers.length, 50);
    for (const [i, a] of r.answers.entries()) {
      if (i === 10) assert.ok(codeOf(a) !== undefined && codeOf(a) !== status.INVALID_ARGUMENT, JSON.stringify(a));
      else if (i === 20) assert.equal(codeOf(a), status.INVALID_ARGUMENT);
      else if (i === 30) {
        assert.equal(codeOf(a), status.INVALID_ARGUMENT);
        assert.match(String(a.message), /^route\.bogus/);
      } else assert.ok(isReply(a) && typeof a.stats_index === 'number', `${i}: ${JSON.stringify(a)}`);
    }
    // the VPP-side error is the unary route's error, details and all
    const unary = await fetch(`${stack.rest}/Ip/IpRouteAddDel/request`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: badRoute(1, 10),
    });
    assert.deepEqual(r.answers[10], await unary.json());
    assert.equal(await routesIn(stack, 1), 47);
  });

  it('takes NDJSON under either name and answers under the one the body named', async () => {
    for (const type of ['application/x-ndjson', 'application/ndjson']) {
      const r = await batch(stack.rest, '/Memclnt/ControlPing/batch', 3, () => '{}', { contentType: type });
      assert.equal(r.status, 200);
      assert.equal(r.contentType, `${type}; charset=utf-8`);
      assert.equal(r.answers.length, 3);
      for (const a of r.answers) assert.equal(a.retval, 0, JSON.stringify(a));
    }
  });

  it('takes a JSON array and answers with one', async () => {
    const res = await fetch(`${stack.rest}/Memclnt/ControlPing/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '[{}, {"nope": 1}, {}]',
    });
    assert.equal(res.status, 200);
    const out = (await res.json()) as Answer[];
    assert.equal(out.length, 3);
    assert.equal(typeof out[0]!.vpe_pid, 'number');
    assert.equal(out[1]!.code, status.INVALID_ARGUMENT);
    assert.equal(typeof out[2]!.vpe_pid, 'number');
  });

  it('stops at the first error with stop_on_error: what follows is ABORTED, every item has its line', async () => {
    // one request in flight: nothing after the failed item reaches VPP
    const line = (i: number): string => (i === 5 ? badRoute(2, i) : route(2, i));
    const r = await batch(stack.rest, '/Ip/IpRouteAddDel/batch?stop_on_error=true&window=1', 200, line);
    assert.equal(r.answers.length, 200);
    assert.ok(r.answers.slice(0, 5).every(isReply));
    assert.ok(!isReply(r.answers[5]!) && codeOf(r.answers[5]!) !== status.ABORTED, JSON.stringify(r.answers[5]));
    for (const a of r.answers.slice(6)) assert.equal(codeOf(a), status.ABORTED, JSON.stringify(a));
    assert.equal(await routesIn(stack, 2), 5);
  });

  it('POST /batch mixes RPCs and echoes ids', async () => {
    const items = [
      { rpc: 'Memclnt/ControlPing', id: 1 },
      { rpc: 'Vpe/ShowVersion', id: 'v' },
      { rpc: 'Ip/IpRouteAddDel', id: 3, request: JSON.parse(route(3, 1)) },
      { rpc: 'Ip/IpRouteAddDel', id: 4, request: JSON.parse(badRoute(3, 2)) },
      { rpc: 'No/Such', id: 5 },
      { rpc: 'vpp.interface.Interface/SwInterfaceDump', id: 6 },
    ];
    const r = await batch(stack.rest, '/batch', items.length, (i) => JSON.stringify(items[i]));
    assert.deepEqual(
      r.answers.map((a) => a.id),
      [1, 'v', 3, 4, 5, 6],
    );
    assert.equal(typeof (r.answers[0]!.reply as Answer).vpe_pid, 'number');
    assert.equal(typeof (r.answers[1]!.reply as Answer).version, 'string');
    assert.equal(typeof (r.answers[2]!.reply as Answer).stats_index, 'number');
    assert.ok(r.answers[3]!.error);
    assert.equal((r.answers[4]!.error as Answer).code, status.INVALID_ARGUMENT);
    assert.equal((r.answers[5]!.error as Answer).code, status.INVALID_ARGUMENT, 'a dump has no place in a batch');
  });

  it('refuses per item what the policy refuses, and the whole single-RPC route before it starts', async () => {
    const refused = await fetch(`${readOnly.rest}/Ip/IpRouteAddDel/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: route(4, 1),
    });
    assert.equal(refused.status, 403);
    const items = [
      { rpc: 'Vpe/ShowVersion', id: 1 },
      { rpc: 'Ip/IpRouteAddDel', id: 2, request: JSON.parse(route(4, 2)) },
      { rpc: 'Memclnt/ControlPing', id: 3 },
    ];
    const r = await batch(readOnly.rest, '/batch', items.length, (i) => JSON.stringify(items[i]));
    assert.ok(r.answers[0]!.reply && r.answers[2]!.reply);
    const e = r.answers[1]!.error as { code: number; details: { reason: string }[] };
    assert.equal(e.code, status.PERMISSION_DENIED);
    assert.equal(e.details[0]!.reason, 'READ_ONLY');
    assert.equal(await routesIn(stack, 4), 0);
  });

  it('stops the batch when the client leaves mid-batch', async () => {
    const n = 100_000;
    const r = await batch(stack.rest, '/Ip/IpRouteAddDel/batch', n, (i) => route(5, i), {
      countOnly: true,
      onAnswer: (_a, i) => i === 999,
    });
    assert.equal(r.count, 1000);
    // the gateway counts the request as abandoned (499) once it has wound it up
    await waitFor('the batch ends as abandoned', async () => {
      const m = await scrape(stack.gatewayMetricsPort);
      return (m.get('vpp_rpc_http_requests_total{route="/Ip/IpRouteAddDel/batch",status="499"}') ?? 0) >= 1;
    });
    const programmed = await routesIn(stack, 5);
    assert.ok(programmed >= 1000 && programmed < n, `${programmed} routes`);
    // and the gateway serves the next batch
    const next = await batch(stack.rest, '/Memclnt/ControlPing/batch', 3, () => '{}');
    assert.equal(next.answers.filter(isReply).length, 3);
  });

  it('keeps its memory bounded for a reader that stops reading, and loses nothing when it reads again', async () => {
    const pid = stack.gateway!.proc.pid!;
    const n = 200_000;
    const base = rssBytes(pid);
    let peak = base;
    let written = 0;
    let release!: () => void;
    const readAfter = new Promise<void>((r) => (release = r));
    const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), 100);
    let enough = false;
    const done = batch(stack.rest, '/Ip/IpRouteAddDel/batch', n, (i) => route(6, i), {
      countOnly: true,
      readAfter,
      onWritten: (k) => (written = k),
      enough: () => enough,
    });
    // the client's writes stall once the gateway stops reading: wait until they do
    let last = -1;
    await waitFor(
      'the body stops moving',
      async () => {
        await new Promise((r) => setTimeout(r, 500));
        const still = written === last;
        last = written;
        return still;
      },
      60_000,
    );
    assert.ok(written < n, `all ${n} lines were taken while nobody read the answers`);
    const held = rssBytes(pid) - base;
    // the body ends after the lines the client waits to send: each line written has its answer
    enough = true;
    release();
    const r = await done;
    clearInterval(sampler);
    assert.equal(r.count, written);
    assert.ok(peak - base < 100 * 1048576, `gateway grew by ${mib(peak - base)} (${mib(held)} while stalled)`);
  });

  if (gatewayOnly)
    it('streams a 200,000-line body through with bounded gateway memory', async () => {
      const pid = stack.gateway!.proc.pid!;
      const n = 200_000;
      const base = rssBytes(pid);
      let peak = base;
      const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), 100);
      let errors = 0;
      let inOrder = true;
      const r = await batch(stack.rest, '/Ip/IpRouteAddDel/batch', n, (i) => route(7, i), {
        countOnly: true,
        onAnswer: (a) => {
          if (!isReply(a)) errors++;
          if (typeof a.stats_index !== 'number') inOrder = false;
        },
      });
      clearInterval(sampler);
      assert.equal(r.count, n);
      assert.equal(errors, 0);
      assert.ok(inOrder);
      assert.ok(peak - base < 100 * 1048576, `gateway grew by ${mib(peak - base)}`);
    });

  it('answers every item when VPP is killed mid-batch: replies, then UNAVAILABLE, none twice', async () => {
    const n = 50_000;
    let killed: Promise<void> | undefined;
    let gone!: () => void;
    const vppGone = new Promise<void>((resolve) => (gone = resolve));
    // the lines after the first 4,000 wait for the kill: a VPP faster than the journal's syncs
    // would otherwise have carried out the whole batch by the time answer 2000 arrives
    const r = await batch(stack.rest, '/Ip/IpRouteAddDel/batch', n, (i) => route(8, i), {
      onAnswer: (_a, i) => {
        if (i === 2000) killed = killVpp().then(gone);
      },
      pause: { index: 4000, until: vppGone },
    });
    await killed;
    assert.equal(r.answers.length, n);
    const firstError = r.answers.findIndex((a) => !isReply(a));
    assert.ok(firstError >= 2000, `first error at ${firstError}`);
    for (const a of r.answers.slice(firstError)) assert.equal(codeOf(a), status.UNAVAILABLE, JSON.stringify(a));
  });
}

describeSim('REST batches [simulator]', () => {
  let stack: Stack;
  after(async () => {
    await stack?.stop();
  });
  battery(async () => {
    stack = await startStack();
    return { stack, kill: async () => void (await stack.sim!.kill()) };
  }, true);
});

describeRealVpp('REST batches', () => {
  let vpp: RealVpp;
  let stack: Stack;
  after(async () => {
    await stack?.stop();
    await vpp?.stop();
  });
  battery(async () => {
    vpp = await startRealVpp();
    stack = await startStack({ vppSocket: vpp.apiSocket });
    return { stack, kill: async () => vpp.signal('SIGKILL') };
  }, false);
});
