/**
 * The REST gateway end to end: VPP (the simulator, and a real VPP), gRPC
 * server and gateway as separate processes, called over HTTP as users do
 * (curl included).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { forEachBackend, type BackendStack } from './support/backends.ts';
import { curl, post, readSse, request } from './support/http.ts';
import { waitFor } from './support/wait.ts';

/** a hang guard: how long VPP may take to answer again on a loaded machine */
const GUARD_MS = 30_000;

forEachBackend('REST gateway', (backend) => {
  let stack: BackendStack;
  let url: (path: string) => string;
  before(async () => {
    stack = await backend.startStack();
    url = (path) => stack.rest + path;
  });
  after(() => stack?.stop());

  it('answers the README curl call: no body, no content type, text as text', async () => {
    const out = await curl(['-X', 'POST', url('/Vpe/ShowVersion/request')]);
    const reply = JSON.parse(out) as Record<string, unknown>;
    assert.equal(reply.retval, 0);
    assert.equal(reply.program, 'vpe');
    assert.match(String(reply.version), /^26\.06/);
    assert.equal(typeof reply.build_date, 'string');
    assert.ok(out.startsWith('{"retval":0,"program":"vpe","version":'), out);
  });

  it('takes JSON from curl -d (form content type) and lowerCamelCase names', async () => {
    const made = JSON.parse(
      await curl(['-X', 'POST', url('/Interface/CreateLoopback/request'), '-d', '{"macAddress":"02:fe:00:00:10:01"}']),
    ) as {
      sw_if_index: number;
    };
    assert.ok(made.sw_if_index > 0);
    const dump = await post(url('/Interface/SwInterfaceDump/request'), { sw_if_index: made.sw_if_index });
    assert.deepEqual(
      (dump.json as { l2_address: string }[]).map((d) => d.l2_address),
      ['02:fe:00:00:10:01'],
    );
  });

  it('returns a dump as a JSON array, and as NDJSON (either name) streamed line by line', async () => {
    await post(url('/Interface/CreateLoopback/request'), { mac_address: '02:fe:00:00:20:01' });
    const array = await post(url('/Interface/SwInterfaceDump/request'), {});
    assert.equal(array.status, 200);
    assert.match(array.headers.get('content-type')!, /^application\/json/);
    const list = array.json as { sw_if_index: number; interface_name: string }[];
    assert.ok(Array.isArray(list));
    assert.equal(list[0]?.interface_name, 'local0');
    assert.ok(list.length >= 3);
    for (const type of ['application/x-ndjson', 'application/ndjson']) {
      const nd = await post(url('/Interface/SwInterfaceDump/request'), {}, { accept: type });
      assert.equal(nd.status, 200, nd.text);
      assert.equal(nd.headers.get('content-type'), `${type}; charset=utf-8`);
      const lines = nd.text
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as { sw_if_index: number });
      assert.deepEqual(
        lines.map((l) => l.sw_if_index),
        list.map((l) => l.sw_if_index),
        type,
      );
    }
  });

  it('fetches a cursor stream (stream_msg) page by page as one array', async () => {
    for (let i = 0; i < 3; i++) await post(url('/Interface/CreateLoopback/request'), {});
    const r = await post(url('/Interface/SwInterfaceTxPlacementGet/request'), { sw_if_index: 4294967295 });
    if (backend.kind === 'real') {
      // VPP 26.06 gives loopbacks no tx queues and answers NO_SUCH_ENTRY: the stream ends with that error
      assert.equal(r.status, 404, r.text);
      assert.match((r.json as { message: string }).message, /^NO_SUCH_ENTRY: No such entry \(retval -6\)$/);
      return;
    }
    assert.equal(r.status, 200);
    const entries = r.json as { sw_if_index: number; queue_id: number; threads: number[] }[];
    assert.ok(entries.length >= 3);
    assert.deepEqual(entries[0]?.threads, [0]);
  });

  it('refuses the transport messages, which have no reply, with 501 saying why', async () => {
    const r = await post(url('/Memclnt/RxThreadExit/request'), {});
    assert.equal(r.status, 501);
    assert.match((r.json as { message: string }).message, /rx_thread_exit belongs to the socket transport/);
  });

  it('streams interface events as Server-Sent Events', async () => {
    const made = (await post(url('/Interface/CreateLoopback/request'), {})).json as { sw_if_index: number };
    const controller = new AbortController();
    const res = await fetch(url('/Interface/WantInterfaceEvents/request'), {
      method: 'POST',
      headers: { accept: 'text/event-stream' },
      signal: controller.signal,
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type')!, /^text\/event-stream/);
    const events = readSse(res, 1);
    const set = await post(url('/Interface/SwInterfaceSetFlags/request'), {
      sw_if_index: made.sw_if_index,
      flags: ['IF_STATUS_API_FLAG_ADMIN_UP'],
    });
    assert.equal(set.status, 200);
    const [ev] = (await events) as { sw_if_index: number; flags: string[]; deleted: boolean }[];
    controller.abort();
    assert.equal(ev?.sw_if_index, made.sw_if_index);
    assert.deepEqual(ev?.flags, ['IF_STATUS_API_FLAG_ADMIN_UP', 'IF_STATUS_API_FLAG_LINK_UP']);
    assert.equal(ev?.deleted, false);
  });

  it('answers an NDJSON event stream with its headers as soon as it is subscribed', async () => {
    const controller = new AbortController();
    const res = await fetch(url('/Interface/WantInterfaceEvents/request'), {
      method: 'POST',
      headers: { accept: 'application/x-ndjson' },
      signal: controller.signal,
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type')!, /^application\/x-ndjson/);
    controller.abort();
  });

  it('ends an event stream when its timeout passes', async () => {
    const r = await post(url('/Interface/WantInterfaceEvents/request?timeout=300ms'), undefined, {
      accept: 'application/x-ndjson',
    });
    assert.equal(r.status, 200);
    assert.equal(r.text, '');
  });

  it('takes a timeout longer than gRPC can carry as no deadline, and refuses a repeated one', async () => {
    for (const timeout of ['600h', `${'9'.repeat(30)}h`]) {
      const r = await post(url(`/Vpe/ShowVersion/request?timeout=${timeout}`));
      assert.equal(r.status, 200, r.text);
    }
    const twice = await post(url('/Vpe/ShowVersion/request?timeout=1s&timeout=2s'));
    assert.equal(twice.status, 400, twice.text);
    assert.match((twice.json as { message: string }).message, /^timeout: give it once$/);
  });

  describe('errors', () => {
    const expectError = async (
      path: string,
      body: unknown,
      status: number,
      code: number,
      message: RegExp,
      headers?: Record<string, string>,
    ) => {
      const r = await post(url(path), body, headers);
      assert.equal(r.status, status, r.text);
      const e = r.json as { code: number; message: string; details: unknown[] };
      assert.equal(e.code, code, r.text);
      assert.match(e.message, message);
      assert.ok(Array.isArray(e.details));
      return e;
    };

    it('a VPP retval: 404 for INVALID_SW_IF_INDEX, with the retval in details', async () => {
      const e = await expectError(
        '/Interface/SwInterfaceSetFlags/request',
        { sw_if_index: 9999, flags: [] },
        404,
        5,
        /^INVALID_SW_IF_INDEX: Invalid sw_if_index \(retval -2\)$/,
      );
      assert.deepEqual(e.details[0], {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'INVALID_SW_IF_INDEX',
        domain: 'vpp.fd.io',
        metadata: { retval: '-2', message: 'sw_interface_set_flags' },
      });
    });

    // the real VPP implements it: only the simulator has this answer
    if (backend.kind === 'sim')
      it('501 for what the simulator does not implement', async () => {
        await expectError('/Acl/MacipAclAdd/request', { r: [] }, 501, 12, /UNIMPLEMENTED/);
      });

    it('400 naming the field for a bad address, a wrong type, an unknown field or enum', async () => {
      const bad = await expectError(
        '/Interface/SwInterfaceAddDelAddress/request',
        { sw_if_index: 1, is_add: true, prefix: '10.1.1.300/24' },
        400,
        3,
        /^prefix: /,
      );
      assert.equal((bad.details[0] as { field_violations: { field: string }[] }).field_violations[0]?.field, 'prefix');
      await expectError('/Interface/SwInterfaceSetFlags/request', { sw_if_index: 'one' }, 400, 3, /^sw_if_index: /);
      await expectError('/Interface/SwInterfaceSetFlags/request', { sw_if_index: 1, colour: 'red' }, 400, 3, /colour/);
      await expectError(
        '/Interface/SwInterfaceSetFlags/request',
        { sw_if_index: 1, flags: ['IF_STATUS_API_FLAG_NOPE'] },
        400,
        3,
        /^flags\[0\]: /,
      );
      await expectError(
        '/Interface/SwInterfaceSetFlags/request',
        { sw_if_index: 4294967296 },
        400,
        3,
        /^sw_if_index: /,
      );
      await expectError(
        '/Ip/IpRouteAddDel/request',
        { route: { paths: [{ weight: 300 }] } },
        400,
        3,
        /^route\.paths\[0\]\.weight: /,
      );
    });

    it('400 for malformed JSON, 413 for an oversized body, 415 for another content type', async () => {
      await expectError('/Vpe/ShowVersion/request', '{"oops": ', 400, 3, /not valid JSON/);
      await expectError(
        '/Vlib/CliInband/request',
        JSON.stringify({ cmd: 'x'.repeat(2 * 1024 * 1024) }),
        413,
        8,
        /larger than/,
      );
      await expectError('/Vpe/ShowVersion/request', '<xml/>', 415, 3, /content type application\/xml/, {
        'content-type': 'application/xml',
      });
    });

    it("431 in the gateway's error form for a request line too long, closing the connection", async () => {
      const r = await request(url(`/${'a'.repeat(70_000)}`), { method: 'POST' });
      assert.equal(r.status, 431);
      assert.equal(r.headers.get('connection'), 'close');
      assert.deepEqual(r.json, { code: 3, message: 'the request line and headers are too large', details: [] });
    });

    it("400 in the gateway's error form for a URL that does not decode", async () => {
      await expectError('/Vpe/%zz/request', {}, 400, 3, /not a valid url component/);
    });

    it('404 for an unknown route, 405 for a known one with another method', async () => {
      await expectError('/Vpe/NoSuchCall/request', {}, 404, 5, /no route POST \/Vpe\/NoSuchCall\/request/);
      const r = await request(url('/Vpe/ShowVersion/request'), { method: 'GET' });
      assert.equal(r.status, 405);
      assert.equal(r.headers.get('allow'), 'POST');
    });

    it('504 when VPP answers later than the deadline', async () => {
      const thaw = await stack.freezeVpp();
      try {
        await expectError('/Vpe/ShowVersion/request', undefined, 504, 4, /./, { 'grpc-timeout': '100m' });
      } finally {
        await thaw();
      }
    });
  });

  it('serves the OpenAPI document, the docs page, the index, health and readiness', async () => {
    const doc = await request(url('/openapi.json'));
    assert.equal(doc.status, 200);
    assert.equal((doc.json as { openapi: string }).openapi.slice(0, 2), '3.');
    assert.ok((doc.json as { paths: Record<string, unknown> }).paths['/Vpe/ShowVersion/request']);
    const docs = await request(url('/docs'));
    assert.match(docs.text, /swagger-ui-bundle\.js/);
    // a module at a time: the page names each part, and a part is the module's operations
    assert.match(docs.text, /"url":"\/openapi\/Interface\.json"/);
    const part = await request(url('/openapi/Vpe.json'));
    assert.ok((part.json as { paths: Record<string, unknown> }).paths['/Vpe/ShowVersion/request']);
    assert.equal(
      (part.json as { paths: Record<string, unknown> }).paths['/Interface/CreateLoopback/request'],
      undefined,
    );
    const none = await request(url('/openapi/NoSuchModule.json'));
    assert.equal(none.status, 404);
    assert.match((none.json as { message: string }).message, /^no module "NoSuchModule" in the OpenAPI document/);
    // a fleet's routes, on a gateway of one server: it says what it is
    const nodes = await request(url('/nodes'));
    assert.equal(nodes.status, 404);
    assert.match((nodes.json as { message: string }).message, /this gateway fronts one server .*--etcd or --nodes/);
    assert.equal((await request(url('/docs/swagger-ui-bundle.js'))).status, 200);
    assert.match((await request(url('/'))).text, /href="\/docs"/);
    assert.deepEqual((await request(url('/healthz'))).json, { status: 'ok' });
    assert.deepEqual((await request(url('/readyz'))).json, { ready: true, status: 'SERVING' });
    const postman = await request(url('/postman.json'));
    assert.equal((postman.json as { info: { schema: string } }).info.schema.includes('v2.1'), true);
  });

  it('exposes Prometheus metrics for both processes', async () => {
    const gw = await request(`http://127.0.0.1:${stack.gatewayMetricsPort}/metrics`);
    assert.match(gw.text, /vpp_rpc_http_requests_total\{route="\/Vpe\/ShowVersion\/request",status="200"\} \d+/);
    const srv = await request(`http://127.0.0.1:${stack.serverMetricsPort}/metrics`);
    assert.match(srv.text, /vpp_rpc_grpc_requests_total\{service="vpp\.vpe\.Vpe",method="ShowVersion",code="0"\} \d+/);
    assert.match(srv.text, /vpp_rpc_vpp_connected 1/);
  });

  // last: it takes VPP away and brings a new one
  it('answers 503 while VPP is down and recovers by itself when it is back', async () => {
    // An earlier test froze VPP. The simulator answers in order, so it stays silent until its delayed
    // replies are out, the liveness probe may call it hung meanwhile, and the server reconnects: start
    // from a VPP that answers.
    const showVersion = async (): Promise<number> => (await post(`${stack.rest}/Vpe/ShowVersion/request`)).status;
    await waitFor('VPP answers', async () => (await showVersion()) === 200, GUARD_MS);
    await stack.killVpp();
    const down = await post(`${stack.rest}/Vpe/ShowVersion/request`);
    assert.equal(down.status, 503);
    assert.equal((down.json as { code: number }).code, 14);
    assert.equal((await request(`${stack.rest}/readyz`)).status, 503);
    await stack.startVpp();
    await waitFor('served again', async () => (await showVersion()) === 200, GUARD_MS);
    // ready once the journal has put back what was configured (reads are served while it does)
    await waitFor('ready again', async () => (await request(`${stack.rest}/readyz`)).status === 200, GUARD_MS);
  });
});
