/**
 * One gateway in front of three nodes (each a simulator and its gRPC server,
 * separate processes), started with --nodes: calls go to the node their
 * X-VPP-Node header names, fan out to several as NDJSON, and a node whose
 * server is frozen or killed costs only its own calls. Bounds are hang guards.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { portOf, startChild, type Child } from '../lib/child.ts';
import { ndjsonLines } from '../lib/ndjson-reader.ts';
import { nodesOf, startFleet, untilFleetReady, untilNodeState, type Fleet } from './support/fleet.ts';
import { request, type HttpResult } from './support/http.ts';
import { scrape, waitFor } from './support/observe.ts';
import { READY_MS } from './support/stack.ts';

/** A call that takes longer than this hangs; every deadline a test sets that must not be waited for is longer. */
const HANG_MS = 20_000;
const NODES = ['a', 'b', 'c'];

interface Line {
  node: string;
  reply?: Record<string, unknown>;
  error?: { code: number; message: string };
}

interface ErrorBody {
  code: number;
  message: string;
  details: unknown[];
}

/** A POST with a hang guard. */
function call(url: string, headers: Record<string, string> = {}, body?: unknown): Promise<HttpResult> {
  return request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(HANG_MS),
  });
}

/** The NDJSON lines of a response, in the order they arrived. */
async function linesOf(res: Response, seen: Line[] = []): Promise<Line[]> {
  // a last line without its newline fails the read
  for await (const line of ndjsonLines(res.body!)) seen.push(JSON.parse(line) as Line);
  return seen;
}

async function fanOut(rest: string, path: string, nodes: string): Promise<{ res: Response; lines: Line[] }> {
  const res = await fetch(`${rest}${path}`, {
    method: 'POST',
    headers: { 'x-vpp-node': nodes },
    signal: AbortSignal.timeout(HANG_MS),
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/x-ndjson; charset=utf-8');
  return { res, lines: await linesOf(res) };
}

/** The sw_if_index of each interface a node's VPP has. */
async function interfacesOn(rest: string, node: string): Promise<number[]> {
  const r = await call(`${rest}/Interface/SwInterfaceDump/request`, { 'x-vpp-node': node });
  assert.equal(r.status, 200, r.text);
  return (r.json as { sw_if_index: number }[]).map((i) => i.sw_if_index).sort();
}

describe('a gateway in front of a fleet', { timeout: 600_000 }, () => {
  let fleet: Fleet;
  let rest: string;
  /** made on node b only */
  let loopback: number;

  before(async () => {
    fleet = await startFleet(NODES);
    rest = fleet.rest;
    await untilFleetReady(fleet);
  });
  after(async () => {
    for (const n of NODES) fleet?.nodes[n]!.server.proc.kill('SIGCONT');
    await fleet?.stop();
  });

  it('lists its nodes, their Prometheus targets, and is ready with all of them', async () => {
    const nodes = await nodesOf(fleet);
    assert.deepEqual(
      nodes.map((n) => [n.name, n.state, n.grpc, n.metrics]),
      NODES.map((n) => [n, 'ready', fleet.nodes[n]!.grpcTarget, `127.0.0.1:${fleet.nodes[n]!.serverMetricsPort}`]),
    );
    for (const n of nodes) assert.match(n.vpp_version ?? '', /^\d+\.\d+/, n.name);
    const targets = await request(`${rest}/nodes/targets`);
    assert.equal(targets.status, 200);
    assert.deepEqual(
      targets.json,
      NODES.map((n) => ({ targets: [`127.0.0.1:${fleet.nodes[n]!.serverMetricsPort}`], labels: { node: n } })),
    );
    // each target is a node's server's own /metrics
    const metrics = await scrape(fleet.nodes.b!.serverMetricsPort);
    assert.ok([...metrics.keys()].some((k) => k.startsWith('vpp_rpc_')));
    const ready = await request(`${rest}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.json, { ready: true, status: 'SERVING', nodes: { ready: 3, total: 3 } });
  });

  it("sends a call to the node it names: a loopback made through b is in b's VPP only", async () => {
    const before = await interfacesOn(rest, 'a');
    const made = await call(`${rest}/Interface/CreateLoopback/request`, { 'x-vpp-node': 'b' }, {});
    assert.equal(made.status, 200, made.text);
    loopback = (made.json as { sw_if_index: number }).sw_if_index;
    assert.ok((await interfacesOn(rest, 'b')).includes(loopback));
    assert.deepEqual(await interfacesOn(rest, 'a'), before);
    assert.ok(!(await interfacesOn(rest, 'c')).includes(loopback));
  });

  it('answers an unknown node 404 and a call that names none 400, at once, saying why', async () => {
    // a deadline longer than the hang guard: the answer must not wait for it
    const unknown = await call(`${rest}/Vpe/ShowVersion/request?timeout=60s`, { 'x-vpp-node': 'node-x' });
    assert.equal(unknown.status, 404);
    const body = unknown.json as ErrorBody;
    assert.deepEqual([body.code, body.message], [5, 'no node node-x: the fleet has a, b, c']);
    const none = await call(`${rest}/Vpe/ShowVersion/request`);
    assert.equal(none.status, 400);
    assert.equal((none.json as ErrorBody).code, 3);
    assert.match((none.json as ErrorBody).message, /^X-VPP-Node: .*name one in the X-VPP-Node header/);
    // events and batches go to one node at a time
    const events = await call(`${rest}/Interface/WantInterfaceEvents/request`, { 'x-vpp-node': '*' });
    assert.equal(events.status, 400);
    assert.match((events.json as ErrorBody).message, /one node at a time/);
    const batch = await call(
      `${rest}/Vpe/ShowVersion/batch`,
      { 'x-vpp-node': 'a,b', 'content-type': 'application/x-ndjson' },
      {},
    );
    assert.equal(batch.status, 400);
    assert.match((batch.json as ErrorBody).message, /a batch goes to one node at a time/);
    // a batch to one node goes there
    const one = await call(`${rest}/Interface/SwInterfaceDump/batch`, {
      'x-vpp-node': 'b',
      'content-type': 'application/x-ndjson',
    });
    assert.equal(one.status, 404, 'dumps have no batch route');
    const made = await request(`${rest}/batch`, {
      method: 'POST',
      headers: { 'x-vpp-node': 'b', 'content-type': 'application/x-ndjson' },
      body: '{"rpc":"Vpe/ShowVersion"}\n',
      signal: AbortSignal.timeout(HANG_MS),
    });
    assert.equal(made.status, 200, made.text);
    assert.equal((made.json as { reply?: { program?: string } }).reply?.program, 'vpe', made.text);
  });

  it('fans a unary call out to every node: a line per node', async () => {
    const { lines } = await fanOut(rest, '/Vpe/ShowVersion/request', '*');
    assert.deepEqual(lines.map((l) => l.node).sort(), NODES);
    for (const l of lines) assert.equal(l.reply?.program, 'vpe', JSON.stringify(l));
  });

  it('fans a dump out to the nodes listed: each entry on a line with its node', async () => {
    const { lines } = await fanOut(rest, '/Interface/SwInterfaceDump/request', 'a,b');
    for (const l of lines) assert.ok(l.reply && !l.error, JSON.stringify(l));
    for (const node of ['a', 'b'])
      assert.deepEqual(
        lines
          .filter((l) => l.node === node)
          .map((l) => l.reply!.sw_if_index as number)
          .sort(),
        await interfacesOn(rest, node),
      );
    assert.ok(lines.some((l) => l.node === 'b' && l.reply!.sw_if_index === loopback));
    assert.ok(!lines.some((l) => l.node === 'c'));
  });

  it('serves the OpenAPI document with the X-VPP-Node header, its nodes as an enum, and /nodes', async () => {
    const r = await request(`${rest}/openapi.json`);
    const doc = r.json as {
      paths: Record<string, Record<string, { parameters?: { $ref?: string }[] }>>;
      components: { parameters: Record<string, { name: string; in: string; required: boolean; schema: unknown }> };
    };
    const param = doc.components.parameters.VppNode!;
    assert.deepEqual([param.name, param.in, param.required], ['X-VPP-Node', 'header', true]);
    assert.deepEqual(param.schema, { type: 'string', enum: ['a', 'b', 'c', '*'] });
    let operations = 0;
    for (const [path, item] of Object.entries(doc.paths))
      if (item.post) {
        operations++;
        assert.ok(
          item.post.parameters?.some((p) => p.$ref === '#/components/parameters/VppNode'),
          `${path} takes X-VPP-Node`,
        );
      }
    assert.ok(operations > 1000, `${operations} operations`);
    assert.ok(doc.paths['/nodes']?.get && doc.paths['/nodes/targets']?.get);
  });

  it('counts calls by node, and nodes by state, on its metrics', async () => {
    const m = await scrape(fleet.gatewayMetricsPort);
    assert.equal(m.get('vpp_rpc_gateway_nodes{state="ready"}'), 3);
    assert.equal(m.get('vpp_rpc_gateway_node_ready{node="c"}'), 1);
    assert.ok((m.get('vpp_rpc_gateway_node_calls_total{node="b",code="OK"}') ?? 0) >= 3);
    // the route metrics keep their labels: no node among them
    assert.ok(![...m.keys()].some((k) => k.startsWith('vpp_rpc_http_requests_total') && k.includes('node=')));
  });

  it("fans out past a frozen node: the others' lines come as they answer, its own at the deadline", async () => {
    const frozen = fleet.nodes.c!.server.proc;
    const seen: Line[] = [];
    frozen.kill('SIGSTOP');
    try {
      const res = await fetch(`${rest}/Vpe/ShowVersion/request?timeout=5s`, {
        method: 'POST',
        headers: { 'x-vpp-node': '*' },
        signal: AbortSignal.timeout(HANG_MS),
      });
      assert.equal(res.status, 200);
      // a and b answer while c is still frozen: their lines come first, read as they stream
      const reading = linesOf(res, seen);
      await waitFor('the answering nodes', () => seen.length >= 2, HANG_MS);
      assert.deepEqual(seen.map((l) => l.node).sort(), ['a', 'b']);
      for (const l of seen) assert.equal(l.reply?.program, 'vpe');
      const lines = await reading;
      assert.equal(lines.length, 3);
      const last = lines[2]!;
      assert.equal(last.node, 'c');
      // the deadline, or the liveness probe's verdict if it came first
      assert.ok([4, 14].includes(last.error!.code), JSON.stringify(last));
    } finally {
      frozen.kill('SIGCONT');
    }
    await untilNodeState(fleet, 'c', 'ready');
  });

  it('answers a node whose server was killed 503 at once, serves the others, and that node again once back', async () => {
    const b = fleet.nodes.b!;
    await b.server.kill();
    await waitFor(
      'b not ready',
      async () => (await nodesOf(fleet)).find((n) => n.name === 'b')?.state !== 'ready',
      HANG_MS,
    );
    const down = await call(`${rest}/Vpe/ShowVersion/request?timeout=60s`, { 'x-vpp-node': 'b' });
    assert.equal(down.status, 503);
    const body = down.json as ErrorBody;
    assert.equal(body.code, 14);
    assert.match(body.message, /^node b is not ready: the gRPC server at 127\.0\.0\.1:\d+ is unreachable: /);
    assert.equal((await call(`${rest}/Vpe/ShowVersion/request`, { 'x-vpp-node': 'a' })).status, 200);
    // a fan-out answers b's line at once, with the others'
    const { lines } = await fanOut(rest, '/Vpe/ShowVersion/request?timeout=60s', '*');
    assert.deepEqual(lines.map((l) => [l.node, l.error?.code ?? 0]).sort(), [
      ['a', 0],
      ['b', 14],
      ['c', 0],
    ]);
    const ready = await request(`${rest}/readyz`);
    assert.deepEqual([ready.status, (ready.json as { nodes: unknown }).nodes], [200, { ready: 2, total: 3 }]);
    assert.ok(fleet.gateway.lines.some((l) => /"msg":"node b is not ready: /.test(l)));

    await b.restartServer();
    await waitFor(
      'b serves again',
      async () => (await call(`${rest}/Vpe/ShowVersion/request`, { 'x-vpp-node': 'b' })).status === 200,
      60_000,
    );
    assert.ok((await interfacesOn(rest, 'b')).includes(loopback));
    await waitFor('logged', () => fleet.gateway.lines.some((l) => /"msg":"node b is ready/.test(l)), HANG_MS);
  });

  describe('with --default-node and --read-only', () => {
    let gateway: Child;
    let url: string;
    before(async () => {
      gateway = await startChild({
        name: 'gateway',
        entry: 'gateway/main.ts',
        args: [
          '--listen',
          '127.0.0.1:0',
          '--metrics-listen',
          'off',
          '--nodes',
          fleet.nodesArg,
          '--default-node',
          'b',
          '--read-only',
        ],
        env: { LOG_LEVEL: 'info' },
        readyMessage: 'REST gateway listening',
        timeoutMs: READY_MS,
      });
      url = `http://127.0.0.1:${portOf(gateway.ready.rest)}`;
      await waitFor('ready', async () => (await request(`${url}/readyz`)).status === 200, 60_000);
    });
    after(() => gateway?.stop());

    it('sends a call that names no node to the default node', async () => {
      await waitFor(
        'b ready',
        async () => (await request(`${url}/nodes`)).text.includes('"name":"b","state":"ready"'),
        60_000,
      );
      const r = await call(`${url}/Interface/SwInterfaceDump/request`);
      assert.equal(r.status, 200, r.text);
      assert.ok((r.json as { sw_if_index: number }[]).some((i) => i.sw_if_index === loopback));
      const doc = (await request(`${url}/openapi.json`)).json as {
        components: { parameters: Record<string, { required: boolean }> };
      };
      assert.equal(doc.components.parameters.VppNode!.required, false);
    });

    it('refuses a write before any node is called, fanned out or not', async () => {
      const before = await Promise.all(NODES.map((n) => interfacesOn(rest, n)));
      for (const headers of [{}, { 'x-vpp-node': '*' }, { 'x-vpp-node': 'a' }] as Record<string, string>[]) {
        const r = await call(`${url}/Interface/CreateLoopback/request`, headers, {});
        assert.equal(r.status, 403, JSON.stringify(headers));
        assert.equal((r.json as ErrorBody).code, 7);
      }
      assert.deepEqual(await Promise.all(NODES.map((n) => interfacesOn(rest, n))), before);
    });
  });
});
