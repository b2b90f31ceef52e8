/**
 * Hostile input, end to end: a seeded corpus of bad HTTP requests against the
 * gateway and of bad protobuf requests against the server. Every one gets a
 * refusal of the expected class (never a 5xx, never INTERNAL), no process
 * falls over, and the product answers correctly afterwards.
 *
 * HOSTILE_REQUESTS sets the size of each corpus (default 10,000), HOSTILE_SEED
 * the seed.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:http2';
import { after, before, describe, it, type TestContext } from 'node:test';
import { Client, credentials, Metadata, status, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import { Pool } from 'undici';
import { loadServiceRoot } from '../lib/protobuf/index.ts';
import { loadTargets, type Target } from './support/corpus.ts';
import { grpcCorpus, type GrpcCase } from './support/grpc-corpus.ts';
import { httpCorpus, type HttpCase } from './support/http-corpus.ts';
import { post } from './support/http.ts';
import { scrape } from './support/observe.ts';
import { PROTO_DIR } from './support/paths.ts';
import { READY_MS, startStack, type Stack } from './support/stack.ts';

const SIZE = Number(process.env.HOSTILE_REQUESTS ?? 10_000);
const SEED = Number(process.env.HOSTILE_SEED ?? 20_260_621);
const CONCURRENCY = 32;
const BODY_LIMIT = 1024 * 1024;

/**
 * Statuses the gateway may answer bad input with, and why: 400 bad JSON, bad
 * values, bad timeouts and URLs the router cannot decode; 404 unknown routes;
 * 405 a route with another method; 406 a stream asked for in a form it does
 * not come in; 413 a body over the limit; 415 a body that is not JSON; 431 a
 * request line or headers larger than Node takes.
 */
const GATEWAY_REFUSALS = new Set([400, 404, 405, 406, 413, 415, 431]);

/**
 * gRPC codes VPP may answer a request with, when random bytes happened to form
 * one the server takes (the simulator answers most requests UNIMPLEMENTED).
 */
const VPP_ANSWERS = new Set([
  status.OK,
  status.NOT_FOUND,
  status.ALREADY_EXISTS,
  status.FAILED_PRECONDITION,
  status.UNIMPLEMENTED,
  status.RESOURCE_EXHAUSTED,
  status.INVALID_ARGUMENT,
  status.OUT_OF_RANGE,
]);

/** Outcomes by category, printed as a table. */
class Outcomes {
  private readonly rows = new Map<string, Map<string, number>>();
  total = 0;
  add(category: string, outcome: string): void {
    const row = this.rows.get(category) ?? new Map<string, number>();
    row.set(outcome, (row.get(outcome) ?? 0) + 1);
    this.rows.set(category, row);
    this.total++;
  }
  /** outcome → count of one category */
  of(category: string): Record<string, number> {
    return Object.fromEntries(this.rows.get(category) ?? []);
  }
  /** requests of one category */
  count(category: string): number {
    return Object.values(this.of(category)).reduce((a, b) => a + b, 0);
  }
  print(t: TestContext, title: string): void {
    t.diagnostic(`${title}: ${this.total} requests`);
    const width = Math.max(...[...this.rows.keys()].map((k) => k.length));
    for (const [category, row] of [...this.rows].sort(([a], [b]) => a.localeCompare(b))) {
      const n = [...row.values()].reduce((a, b) => a + b, 0);
      const cells = [...row].sort(([a], [b]) => a.localeCompare(b)).map(([o, c]) => `${o} ×${c}`);
      t.diagnostic(`  ${category.padEnd(width)}  ${String(n).padStart(5)}  ${cells.join(', ')}`);
    }
  }
}

/** Run `fn` over `items` with `n` at a time. */
async function each<T>(items: Iterable<T>, n: number, fn: (item: T) => Promise<void>): Promise<void> {
  const it = items[Symbol.iterator]();
  await Promise.all(
    Array.from({ length: n }, async () => {
      for (let next = it.next(); !next.done; next = it.next()) await fn(next.value);
    }),
  );
}

const passBytes = (b: Buffer): Buffer => b;

/** One raw call: its status, and whether VPP's answer is what came back. */
function grpcCall(client: Client, c: GrpcCase): Promise<{ code: number; fromVpp: boolean; details: string }> {
  const settle = (s: { code: number; details: string; metadata?: Metadata }) => ({
    code: s.code,
    details: s.details,
    fromVpp: s.code === status.OK || (s.metadata?.get('vpp-symbol').length ?? 0) > 0,
  });
  // only a guard against a hang: on a loaded machine a 200 KB request can wait
  // seconds behind 63 others on the one connection
  const options = { deadline: Date.now() + READY_MS };
  return new Promise((resolve) => {
    if (c.target.kind === 'unary') {
      client.makeUnaryRequest(c.target.grpcPath, passBytes, passBytes, c.bytes, new Metadata(), options, (err) =>
        resolve(settle(err ? (err as ServiceError) : { code: status.OK, details: '' })),
      );
      return;
    }
    const call = client.makeServerStreamRequest(
      c.target.grpcPath,
      passBytes,
      passBytes,
      c.bytes,
      new Metadata(),
      options,
    );
    call.on('data', () => {});
    call.on('error', () => {});
    call.on('status', (s: StatusObject) => resolve(settle(s)));
  });
}

describe('hostile input', () => {
  let stack: Stack;
  let targets: Target[];
  before(async () => {
    // at warn, the logs hold only what went wrong
    stack = await startStack({ env: { LOG_LEVEL: 'warn' }, gatewayArgs: ['--body-limit', String(BODY_LIMIT)] });
    targets = loadTargets(loadServiceRoot(PROTO_DIR));
  });
  after(() => stack?.stop());

  const errorLines = (lines: string[]): string[] => lines.filter((l) => /"level":(50|60)/.test(l) || /^\s+at /.test(l));

  it(`the gateway refuses ${SIZE} bad requests with 4xx, each as its kind of badness calls for`, async (t) => {
    const pool = new Pool(stack.rest, { connections: CONCURRENCY, headersTimeout: 15_000, bodyTimeout: 15_000 });
    const outcomes = new Outcomes();
    const wrong: string[] = [];
    const started = performance.now();
    try {
      await each(httpCorpus(targets, SEED, SIZE, BODY_LIMIT), CONCURRENCY, async (c: HttpCase) => {
        let outcome: string;
        let problem: string | undefined;
        try {
          const res = await pool.request({
            method: c.method,
            path: c.path,
            headers: c.headers,
            ...(c.body !== undefined ? { body: c.body } : {}),
          });
          const text = await res.body.text();
          outcome = String(res.statusCode);
          if (!c.expect.includes(res.statusCode)) problem = `answered ${res.statusCode}: ${text.slice(0, 300)}`;
          else if (c.method !== 'HEAD') {
            // the product's own error body, with the gRPC code of the HTTP status
            const e = JSON.parse(text) as { code?: unknown; message?: unknown; details?: unknown };
            if (typeof e.code !== 'number' || typeof e.message !== 'string' || !Array.isArray(e.details))
              problem = `error body ${text.slice(0, 200)}`;
          }
        } catch (e) {
          outcome = `no answer (${(e as { code?: string }).code ?? (e as Error).message})`;
          problem = outcome;
        }
        outcomes.add(c.category, outcome);
        if (problem && wrong.length < 20)
          wrong.push(`${c.category}: ${c.method} ${c.path.slice(0, 120)} ${(c.body ?? '').slice(0, 120)} → ${problem}`);
      });
    } finally {
      await pool.close();
    }
    outcomes.print(t, `gateway, seed ${SEED}, ${((performance.now() - started) / 1000).toFixed(1)} s`);
    // a client still sending a body over the limit reads its 413 (the gateway reads on before it closes)
    const oversized = outcomes.count('oversized body');
    assert.ok(oversized > 0, 'the corpus has oversized bodies');
    assert.deepEqual(outcomes.of('oversized body'), { 413: oversized });
    assert.deepEqual(wrong, []);
    assert.equal(outcomes.total, SIZE);
    for (const c of [stack.gateway!, stack.server]) assert.equal(c.proc.exitCode, null, `${c.name} is running`);
    assert.deepEqual(errorLines(stack.gateway!.lines), []);
    assert.deepEqual(errorLines(stack.server.lines), []);
    for (const s of GATEWAY_REFUSALS) assert.ok(s >= 400 && s < 500);
  });

  it(`the server refuses ${SIZE} bad protobuf requests with INVALID_ARGUMENT, or VPP answers the ones that are requests`, async (t) => {
    const client = new Client(stack.grpcTarget, credentials.createInsecure());
    const outcomes = new Outcomes();
    const wrong: string[] = [];
    const started = performance.now();
    try {
      await each(grpcCorpus(targets, SEED, SIZE), CONCURRENCY * 2, async (c) => {
        const r = await grpcCall(client, c);
        const outcome = `${status[r.code]}${r.fromVpp ? ' from VPP' : ''}`;
        outcomes.add(c.category, outcome);
        const fine = r.fromVpp ? c.mayReachVpp && VPP_ANSWERS.has(r.code) : r.code === status.INVALID_ARGUMENT;
        if (!fine && wrong.length < 20)
          wrong.push(
            `${c.category}: ${c.target.grpcPath} ${c.bytes.subarray(0, 40).toString('hex')} → ${outcome} ${r.details}`,
          );
      });
    } finally {
      client.close();
    }
    outcomes.print(t, `server, seed ${SEED}, ${((performance.now() - started) / 1000).toFixed(1)} s`);
    assert.deepEqual(wrong, []);
    assert.equal(outcomes.total, SIZE);
    assert.equal(stack.server.proc.exitCode, null, 'the server is running');
    assert.deepEqual(errorLines(stack.server.lines), []);
  });

  it('the server refuses broken gRPC framing as grpc-js says it should', async (t) => {
    // 5-byte gRPC message headers: flag, then a length that may lie
    const frame = (length: number, payload: Buffer): Buffer =>
      Buffer.concat([
        Buffer.from([0, length >>> 24, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff]),
        payload,
      ]);
    const cases: [string, Buffer, number][] = [
      ['a length over the 16 MiB limit', frame(0xffffffff, Buffer.alloc(8)), status.RESOURCE_EXHAUSTED],
      ['a length just over the limit', frame(16 * 1024 * 1024 + 1, Buffer.alloc(8)), status.RESOURCE_EXHAUSTED],
      // grpc-js's answers to a unary or server-streaming call without exactly one whole message
      ['no message', Buffer.alloc(0), status.UNIMPLEMENTED],
      ['a message cut short', frame(100, Buffer.alloc(10)), status.UNIMPLEMENTED],
      ['a header cut short', Buffer.from([0, 0]), status.UNIMPLEMENTED],
      ['two messages', Buffer.concat([frame(0, Buffer.alloc(0)), frame(0, Buffer.alloc(0))]), status.UNIMPLEMENTED],
    ];
    const session = connect(`http://${stack.grpcTarget}`);
    const outcomes = new Outcomes();
    try {
      for (const target of targets.filter((x) => x.kind !== 'events').slice(0, 40))
        for (const [name, body, expected] of cases) {
          const code = await new Promise<number>((resolve) => {
            const req = session.request({
              ':method': 'POST',
              ':path': target.grpcPath,
              'content-type': 'application/grpc',
              te: 'trailers',
            });
            let headers: Record<string, unknown> = {};
            req.on('response', (h) => (headers = h));
            req.on('trailers', (tr) => resolve(Number(tr['grpc-status'])));
            req.on('end', () => resolve(Number(headers['grpc-status'] ?? -1)));
            req.on('error', () => resolve(-1));
            req.on('data', () => {});
            req.end(body);
          });
          outcomes.add(name, status[code] ?? String(code));
          assert.equal(code, expected, `${name} on ${target.grpcPath}`);
        }
    } finally {
      session.close();
    }
    outcomes.print(t, 'gRPC framing');
  });

  it('answers correctly afterwards, with nothing left in flight', async () => {
    const version = await post(`${stack.rest}/Vpe/ShowVersion/request`);
    assert.equal(version.status, 200);
    assert.equal((version.json as { program: string }).program, 'vpe');
    const mac = '02:fe:13:57:9b:df';
    const made = await post(`${stack.rest}/Interface/CreateLoopback/request`, { mac_address: mac });
    assert.equal(made.status, 200, made.text);
    const index = (made.json as { sw_if_index: number }).sw_if_index;
    const dump = await post(`${stack.rest}/Interface/SwInterfaceDump/request`, { sw_if_index: index });
    assert.deepEqual(
      (dump.json as { l2_address: string }[]).map((d) => d.l2_address),
      [mac],
    );
    const m = await scrape(stack.serverMetricsPort);
    assert.equal(m.get('vpp_rpc_grpc_in_flight'), 0);
    assert.equal(m.get('vpp_rpc_vpp_in_flight'), 0);
    assert.equal(m.get('vpp_rpc_vpp_connected'), 1);
    // bad paths all count as one route: a flood of them cannot grow the metrics
    const routes = new Set(
      [...(await scrape(stack.gatewayMetricsPort)).keys()]
        .filter((k) => k.startsWith('vpp_rpc_http_requests_total{'))
        .map((k) => /route="([^"]*)"/.exec(k)![1]),
    );
    assert.ok(routes.size <= targets.length + 8, `${routes.size} route labels`);
    assert.ok(!routes.has('/Vpe/ShowVersion/request/'));
  });
});
