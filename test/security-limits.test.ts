/**
 * Policies and limits end to end, each process with its own: the gateway is
 * read-only, denies `Ip/*`, limits bodies, requests per second and streams
 * per client IP; the server allows a few services, denies cli_inband, caps
 * request messages and arrays, and streams per address. REST clients take addresses of
 * their own in 127.0.0.0/8, so that each test has its own client IP.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { credentials, status, type ServiceError } from '@grpc/grpc-js';
import { promisify } from '../clients/typescript/promisify.ts';
import { AclClient } from '../clients/typescript/generated/vpp/acl.js';
import { AclRule } from '../clients/typescript/generated/vpp/acl_types.js';
import { ClassifyClient } from '../clients/typescript/generated/vpp/classify.js';
import { InterfaceClient } from '../clients/typescript/generated/vpp/interface.js';
import { VlibClient } from '../clients/typescript/generated/vpp/vlib.js';
import { GrpcClient } from '../gateway/grpc/client.ts';
import { checkReady } from '../gateway/grpc/readiness.ts';
import type { HttpResult } from './support/http.ts';
import { failure, httpClient, retry, type HttpClient } from './support/secure.ts';
import { startStack, type Stack } from './support/stack.ts';

interface ErrorBody {
  code: number;
  message: string;
  details: { reason?: string; metadata?: Record<string, string> }[];
}
const errorOf = (r: HttpResult): ErrorBody => r.json as ErrorBody;

describe('policies and limits, per process', () => {
  let stack: Stack;
  const clients: HttpClient[] = [];
  /** a REST client whose connections come from 127.0.0.n */
  const from = (n: number): HttpClient => {
    const c = httpClient(stack.rest, { localAddress: `127.0.0.${n}` });
    clients.push(c);
    return c;
  };
  let itf: InterfaceClient;
  before(async () => {
    stack = await startStack({
      serverArgs: [
        ...['--allow', 'Vpe/*,Interface/*,Vlib/*', '--allow', 'Acl/*'],
        ...['--deny', 'cli_inband', '--max-array-length', '4', '--max-streams-per-client', '2'],
        ...['--max-message-size', '65536'],
      ],
      gatewayArgs: [
        ...['--read-only', '--deny', 'Ip/*', '--body-limit', '2048'],
        ...['--rate-limit', '0.01', '--rate-burst', '5', '--max-streams-per-client', '1'],
      ],
    });
    itf = new InterfaceClient(stack.grpcTarget, credentials.createInsecure());
    const health = new GrpcClient({ target: stack.grpcTarget });
    await retry(async () => (await checkReady(health, 2000)).ready, 'the server is connected to VPP');
    health.close();
  });
  after(async () => {
    itf?.close();
    await Promise.all(clients.map((c) => c.close()));
    await stack?.stop();
  });

  const interfaces = async (): Promise<number> =>
    (await promisify.all(itf.swInterfaceDump({ name_filter_valid: false, name_filter: '' }))).length;

  it('gateway --read-only refuses writes itself, with 403 naming the rule', async () => {
    const rest = from(2);
    const before = await interfaces();
    const r = await rest.post('/Interface/CreateLoopback/request', {});
    assert.equal(r.status, 403);
    assert.equal(errorOf(r).code, status.PERMISSION_DENIED);
    assert.match(errorOf(r).message, /^Interface\/CreateLoopback \(create_loopback\) is refused by --read-only/);
    assert.equal(errorOf(r).details[0]?.reason, 'READ_ONLY');
    // the server would have made it (it is not read-only): the gateway refused
    assert.equal(await interfaces(), before);
    const cli = await rest.post('/Vlib/CliInband/request', { cmd: 'show version' });
    assert.equal(cli.status, 403);
    assert.equal(errorOf(cli).details[0]?.reason, 'READ_ONLY');
    assert.equal((await rest.post('/Interface/SwInterfaceDump/request', {})).status, 200);
  });

  it('gateway --deny wins over what read-only allows', async () => {
    const r = await from(3).post('/Ip/IpTableDump/request', {});
    assert.equal(r.status, 403);
    assert.equal(errorOf(r).message, 'Ip/IpTableDump (ip_table_dump) is refused by --deny Ip/*');
    assert.deepEqual(errorOf(r).details[0]?.metadata, { rule: 'deny', pattern: 'Ip/*' });
  });

  it("forwards what the gateway allows, and the server's own --allow still applies", async () => {
    const rest = from(4);
    assert.equal((await rest.post('/Vpe/ShowVersion/request')).status, 200);
    const r = await rest.post('/Classify/ClassifyTableIds/request');
    assert.equal(r.status, 403);
    assert.equal(
      errorOf(r).message,
      'Classify/ClassifyTableIds (classify_table_ids) is refused: it matches no --allow pattern',
    );
    assert.equal(errorOf(r).details[0]?.reason, 'NOT_ALLOWED');
  });

  it('server --allow and --deny on gRPC; health is not an RPC they cover', async () => {
    const made = await promisify.unary(itf.createLoopback.bind(itf), { mac_address: '02:fe:00:00:88:01' });
    assert.equal(made.retval, 0);
    const vlib = new VlibClient(stack.grpcTarget, credentials.createInsecure());
    const cli = await failure(promisify.unary(vlib.cliInband.bind(vlib), { cmd: 'show version' }));
    vlib.close();
    assert.equal(cli.code, status.PERMISSION_DENIED);
    assert.equal(cli.details, 'Vlib/CliInband (cli_inband) is refused by --deny cli_inband');
    const classify = new ClassifyClient(stack.grpcTarget, credentials.createInsecure());
    const ids = await failure(promisify.unary(classify.classifyTableIds.bind(classify), {}));
    classify.close();
    assert.equal(ids.code, status.PERMISSION_DENIED);
    assert.match(ids.details, /matches no --allow pattern$/);
    const health = new GrpcClient({ target: stack.grpcTarget });
    assert.equal((await checkReady(health)).ready, true);
    health.close();
  });

  it('server --max-array-length: a longer repeated field is INVALID_ARGUMENT naming it', async () => {
    const acl = new AclClient(stack.grpcTarget, credentials.createInsecure());
    const rules = (n: number) =>
      Array.from({ length: n }, () => AclRule.fromPartial({ src_prefix: '10.0.0.0/8', dst_prefix: '0.0.0.0/0' }));
    const add = (n: number) =>
      failure(promisify.unary(acl.aclAddReplace.bind(acl), { acl_index: 4294967295, tag: 'limits', r: rules(n) }));
    const over = await add(5);
    assert.equal(over.code, status.INVALID_ARGUMENT);
    assert.equal(over.details, 'r: 5 elements are more than the 4 this server takes (--max-array-length)');
    // at the cap the request reaches VPP, which takes it
    const made = await promisify.unary(acl.aclAddReplace.bind(acl), {
      acl_index: 4294967295,
      tag: 'limits',
      r: rules(4),
    });
    assert.equal(made.retval, 0);
    acl.close();
  });

  it('server --max-message-size: a larger request is RESOURCE_EXHAUSTED', async () => {
    const big = await failure(
      promisify.all(itf.swInterfaceDump({ name_filter_valid: true, name_filter: 'x'.repeat(70_000) })),
    );
    assert.equal(big.code, status.RESOURCE_EXHAUSTED);
    const small = await promisify.all(
      itf.swInterfaceDump({ name_filter_valid: true, name_filter: 'x'.repeat(60_000) }),
    );
    assert.deepEqual(small, []);
  });

  it('gateway --body-limit: a larger body is 413', async () => {
    const r = await from(5).post('/Vpe/ShowVersion/request', JSON.stringify({ pad: 'x'.repeat(4096) }));
    assert.equal(r.status, 413);
    assert.deepEqual(errorOf(r), {
      code: status.RESOURCE_EXHAUSTED,
      message: 'the body is larger than 2048 bytes',
      details: [],
    });
  });

  it('gateway --max-streams-per-client: streams per client IP; unary calls are not counted', async () => {
    const [mine, other] = [from(6), from(7)];
    const controller = new AbortController();
    const events = await mine.open('/Interface/WantInterfaceEvents/request', {
      method: 'POST',
      headers: { accept: 'text/event-stream' },
      signal: controller.signal,
    });
    assert.equal(events.status, 200);
    const second = await mine.post('/Interface/SwInterfaceDump/request', {});
    assert.equal(second.status, 429);
    assert.match(errorOf(second).message, /this address has 1 streams open already/);
    assert.equal((await mine.post('/Vpe/ShowVersion/request')).status, 200);
    assert.equal((await other.post('/Interface/SwInterfaceDump/request', {})).status, 200);
    controller.abort();
    await events.body?.cancel().catch(() => {});
    await retry(
      async () => (await mine.post('/Interface/SwInterfaceDump/request', {})).status === 200,
      'the stream slot frees',
    );
  });

  it('server --max-streams-per-client: streams per address without tokens', async () => {
    const open: { cancel(): void }[] = [];
    const watch = (): Promise<ServiceError | undefined> =>
      new Promise((resolve) => {
        const call = itf.wantInterfaceEvents({ enable_disable: 1, pid: 0 });
        call.on('error', (e: ServiceError) => resolve(e));
        call.once('metadata', () => {
          open.push(call);
          resolve(undefined);
        });
      });
    // earlier streams may still be closing: wait until two are open
    for (let i = 0; i < 2; i++) await retry(async () => (await watch()) === undefined, 'a stream opens');
    const third = await watch();
    assert.equal(third?.code, status.RESOURCE_EXHAUSTED);
    assert.match(third!.details, /this client has 2 streams open already/);
    for (const c of open) c.cancel();
  });

  it('gateway --rate-limit: 429 with Retry-After per client IP, health exempt', async () => {
    const [busy, calm] = [from(8), from(9)];
    for (let i = 0; i < 5; i++) assert.equal((await busy.post('/Vpe/ShowVersion/request')).status, 200, `request ${i}`);
    const limited = await busy.post('/Vpe/ShowVersion/request');
    assert.equal(limited.status, 429);
    assert.equal(errorOf(limited).code, status.RESOURCE_EXHAUSTED);
    assert.match(errorOf(limited).message, /^too many requests from this address: 0\.01 per second, 5 at once/);
    assert.ok(Number(limited.headers.get('retry-after')) >= 1, String(limited.headers.get('retry-after')));
    assert.equal((await busy.open('/healthz', {})).status, 200);
    assert.equal((await calm.post('/Vpe/ShowVersion/request')).status, 200);
  });
});
