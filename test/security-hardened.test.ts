/**
 * A hardened deployment end to end: the server serves gRPC over mutual TLS,
 * wants bearer tokens, is read-only and counts streams per token; the gateway
 * serves HTTPS, wants the same tokens and reaches the server over TLS with a
 * client certificate. Both log at debug level, and no secret reaches a log.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, credentials, Metadata, status, type ChannelCredentials, type ServiceError } from '@grpc/grpc-js';
import { promisify } from '../clients/typescript/promisify.ts';
import { InterfaceClient } from '../clients/typescript/generated/vpp/interface.js';
import { VlibClient } from '../clients/typescript/generated/vpp/vlib.js';
import { VpeClient } from '../clients/typescript/generated/vpp/vpe.js';
import type { GatewayConfig } from '../gateway/config.ts';
import { grpcClient } from '../gateway/grpc/channel.ts';
import { GrpcClient } from '../gateway/grpc/client.ts';
import { checkReady } from '../gateway/grpc/readiness.ts';
import { makeCerts, type Certs } from './support/certs.ts';
import { ROOT } from './support/paths.ts';
import { bearer, failure, httpClient, retry, writeTokens, type HttpClient } from './support/secure.ts';
import { READY_MS, startStack, type Stack } from './support/stack.ts';

const token = (): string => randomBytes(24).toString('base64url');
const [alpha, beta, gamma, delta, wrong] = [token(), token(), token(), token(), token()];
const auth = (t: string): Record<string, string> => ({ authorization: `Bearer ${t}` });
const pass = (b: Buffer): Buffer => b;

/** A raw unary call: the status code it ends with. */
function rawCall(client: Client, path: string, md = new Metadata()): Promise<number> {
  return new Promise((resolve) =>
    client.makeUnaryRequest(path, pass, pass, Buffer.alloc(0), md, { deadline: Date.now() + READY_MS }, (err) =>
      resolve(err ? err.code : status.OK),
    ),
  );
}

/** One reflection request (list the services): the status code, and the answer's text. */
function listServices(client: Client, md: Metadata): Promise<{ code: number; text: string }> {
  return new Promise((resolve) => {
    const call = client.makeBidiStreamRequest(
      '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo',
      pass,
      pass,
      md,
    );
    call.once('data', (b: Buffer) => {
      resolve({ code: status.OK, text: b.toString('latin1') });
      call.end();
    });
    call.once('error', (e: ServiceError) => resolve({ code: e.code, text: e.details }));
    call.write(Buffer.from([0x3a, 0x00])); // ServerReflectionRequest{list_services: ""}
  });
}

/** Opens an interface-event stream: resolves once it is live (then it is the caller's to cancel) or has failed. */
function watch(itf: InterfaceClient, md: Metadata): Promise<{ cancel(): void; error?: ServiceError }> {
  const call = itf.wantInterfaceEvents({ enable_disable: 1, pid: 0 }, md);
  return new Promise((resolve) => {
    call.once('metadata', () => resolve({ cancel: () => call.cancel() }));
    call.once('error', (error: ServiceError) => resolve({ cancel: () => {}, error }));
    call.on('error', () => {}); // the cancellation arrives as an error too
  });
}

describe('hardened deployment: TLS, mutual TLS, tokens, read-only', () => {
  let dir: string;
  let certs: Certs;
  let tokens: string;
  let stack: Stack;
  let https: HttpClient;
  let tls: ChannelCredentials;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vpp-rpc-hardened-'));
    certs = makeCerts(dir);
    tokens = join(dir, 'tokens');
    writeTokens(tokens, [alpha, beta, gamma]);
    const serve = ['--tls-cert', certs.serverCert, '--tls-key', certs.serverKey, '--auth-tokens', tokens];
    stack = await startStack({
      serverArgs: [...serve, '--tls-client-ca', certs.ca, '--read-only', '--max-streams-per-client', '1'],
      gatewayArgs: [...serve, '--grpc-ca', certs.ca, '--grpc-cert', certs.clientCert, '--grpc-key', certs.clientKey],
      env: { LOG_LEVEL: 'debug' },
    });
    https = httpClient(`https://127.0.0.1:${stack.restPort}`, { ca: certs.read(certs.ca) });
    tls = credentials.createSsl(certs.read(certs.ca), certs.read(certs.clientKey), certs.read(certs.clientCert));
    const health = new GrpcClient({
      target: stack.grpcTarget,
      tls: { ca: certs.read(certs.ca), cert: certs.read(certs.clientCert), key: certs.read(certs.clientKey) },
    });
    await retry(async () => (await checkReady(health, 2000)).ready, 'the server is connected to VPP');
    health.close();
  });
  after(async () => {
    await https?.close();
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves REST over HTTPS and reaches the server over mutual TLS', async () => {
    const r = await https.post('/Vpe/ShowVersion/request', undefined, auth(alpha));
    assert.equal(r.status, 200, r.text);
    assert.equal((r.json as { program: string }).program, 'vpe');
    // a client that does not trust the CA refuses the gateway's certificate
    const untrusting = httpClient(`https://127.0.0.1:${stack.restPort}`);
    await assert.rejects(untrusting.post('/healthz'));
    await untrusting.close();
    // plain HTTP gets no answer from an HTTPS port
    const plain = await fetch(`http://127.0.0.1:${stack.restPort}/healthz`).then(
      (res) => res.status,
      () => 'refused',
    );
    assert.notEqual(plain, 200);
  });

  it('serves gRPC only to TLS clients with a certificate from its CA', async () => {
    const call = async (creds: ChannelCredentials): Promise<number> => {
      const vpe = new VpeClient(stack.grpcTarget, creds);
      try {
        const v = await promisify.unary(
          vpe.showVersion.bind(vpe),
          {},
          { deadline: Date.now() + READY_MS },
          bearer(alpha),
        );
        assert.equal(v.program, 'vpe');
        return status.OK;
      } catch (e) {
        return (e as ServiceError).code;
      } finally {
        vpe.close();
      }
    };
    assert.equal(await call(tls), status.OK);
    const ca = certs.read(certs.ca);
    assert.equal(await call(credentials.createSsl(ca)), status.UNAVAILABLE, 'no client certificate');
    assert.equal(
      await call(credentials.createSsl(ca, certs.read(certs.strangerKey), certs.read(certs.strangerCert))),
      status.UNAVAILABLE,
      'a certificate from another CA',
    );
    assert.equal(await call(credentials.createInsecure()), status.UNAVAILABLE, 'plain text');
  });

  it("checks the server's certificate as the gateway's --grpc-* flags say", async () => {
    const base = {
      grpcTarget: stack.grpcTarget,
      grpcTls: true,
      grpcCa: certs.ca,
      grpcCert: certs.clientCert,
      grpcKey: certs.clientKey,
    } as GatewayConfig;
    const cases: [string, Partial<GatewayConfig>, boolean][] = [
      ['as configured', {}, true],
      ['--grpc-server-name in the certificate', { grpcServerName: 'localhost' }, true],
      ['--grpc-server-name not in the certificate', { grpcServerName: 'elsewhere.example' }, false],
      ['without a client certificate', { grpcCert: undefined, grpcKey: undefined }, false],
      ["without the server's CA", { grpcCa: undefined }, false],
    ];
    for (const [what, change, ready] of cases) {
      const client = grpcClient({ ...base, ...change });
      const r = await checkReady(client, 5000);
      client.close();
      assert.equal(r.ready, ready, `${what}: ${JSON.stringify(r)}`);
    }
  });

  it('the images’ health checks speak TLS, mutual TLS included', () => {
    const run = (entry: string, env: Record<string, string>) =>
      spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, entry)], {
        env: { ...process.env, ...env },
        encoding: 'utf8',
        timeout: 20_000,
      }).status;
    const serverTls = {
      VPP_RPC_TLS_CERT: certs.serverCert,
      VPP_RPC_TLS_KEY: certs.serverKey,
      VPP_RPC_TLS_CLIENT_CA: certs.ca,
    };
    assert.equal(run('server/healthcheck.ts', { ...serverTls, VPP_RPC_GRPC_LISTEN: stack.grpcTarget }), 0);
    const gateway = { VPP_RPC_TLS_CERT: certs.serverCert, VPP_RPC_REST_LISTEN: `127.0.0.1:${stack.restPort}` };
    assert.equal(run('gateway/healthcheck.ts', gateway), 0);
    assert.equal(run('gateway/healthcheck.ts', { ...gateway, VPP_RPC_TLS_CERT: '' }), 1, 'plain HTTP to HTTPS');
  });

  it('REST: API routes want a valid bearer token; health, readiness and the docs stay open', async () => {
    const none = await https.post('/Vpe/ShowVersion/request');
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="vpp-rpc"');
    assert.deepEqual(none.json, {
      code: status.UNAUTHENTICATED,
      message: 'authentication required: send "Authorization: Bearer <token>"',
      details: [],
    });
    const bad = await https.post('/Vpe/ShowVersion/request', undefined, auth(wrong));
    assert.equal(bad.status, 401);
    assert.match(bad.headers.get('www-authenticate')!, /^Bearer .*error="invalid_token"/);
    assert.equal((bad.json as { code: number }).code, status.UNAUTHENTICATED);
    const basic = await https.post('/Vpe/ShowVersion/request', undefined, { authorization: `Basic ${alpha}` });
    assert.equal(basic.status, 401);
    assert.equal((await https.post('/Vpe/ShowVersion/request', undefined, auth(beta))).status, 200);
    for (const path of ['/healthz', '/readyz', '/docs', '/openapi.json', '/openapi/Vpe.json', '/']) {
      const res = await https.open(path, {});
      assert.equal(res.status, 200, path);
      if (path.startsWith('/openapi')) {
        const doc = (await res.json()) as {
          security: unknown;
          components: { securitySchemes: Record<string, unknown> };
        };
        assert.deepEqual(doc.security, [{ bearer: [] }]);
        assert.equal((doc.components.securitySchemes.bearer as { scheme: string }).scheme, 'bearer');
      } else await res.arrayBuffer();
    }
  });

  it('gRPC: UNAUTHENTICATED without a valid token; health stays open; reflection wants a token', async () => {
    const vpe = new VpeClient(stack.grpcTarget, tls);
    const show = (md?: Metadata) => promisify.unary(vpe.showVersion.bind(vpe), {}, {}, md);
    const none = await failure(show());
    assert.equal(none.code, status.UNAUTHENTICATED);
    assert.match(none.details, /authorization: Bearer <token>/);
    assert.equal((await failure(show(bearer(wrong)))).code, status.UNAUTHENTICATED);
    assert.equal((await show(bearer(alpha))).retval, 0);
    vpe.close();

    const raw = new Client(stack.grpcTarget, tls);
    assert.equal(await rawCall(raw, '/grpc.health.v1.Health/Check'), status.OK);
    assert.equal((await listServices(raw, new Metadata())).code, status.UNAUTHENTICATED);
    const listed = await listServices(raw, bearer(alpha));
    assert.equal(listed.code, status.OK);
    assert.ok(listed.text.includes('vpp.vpe.Vpe'), 'reflection lists the services');
    raw.close();
  });

  it('server --read-only: serves reads and event streams, refuses writes and cli_inband after authentication', async () => {
    const itf = new InterfaceClient(stack.grpcTarget, tls);
    const vlib = new VlibClient(stack.grpcTarget, tls);
    const dump = await promisify.all(itf.swInterfaceDump({ name_filter_valid: false, name_filter: '' }, bearer(alpha)));
    assert.equal(dump[0]?.interface_name, 'local0');
    const create = (md?: Metadata) =>
      promisify.unary(itf.createLoopback.bind(itf), { mac_address: '02:fe:00:00:77:01' }, {}, md);
    const refused = await failure(create(bearer(alpha)));
    assert.equal(refused.code, status.PERMISSION_DENIED);
    assert.equal(
      refused.details,
      "Interface/CreateLoopback (create_loopback) is refused by --read-only: it changes VPP's state or runs commands",
    );
    const cli = await failure(promisify.unary(vlib.cliInband.bind(vlib), { cmd: 'show version' }, {}, bearer(alpha)));
    assert.equal(cli.code, status.PERMISSION_DENIED);
    assert.match(cli.details, /^Vlib\/CliInband \(cli_inband\) is refused by --read-only/);
    // who may not call at all hears that first, not which RPCs exist
    assert.equal((await failure(create())).code, status.UNAUTHENTICATED);
    const events = await watch(itf, bearer(alpha));
    assert.equal(events.error, undefined);
    events.cancel();
    itf.close();
    vlib.close();
    // through the gateway: the server's refusal, as 403 with its reason
    const rest = await https.post('/Vlib/CliInband/request', { cmd: 'show version' }, auth(alpha));
    assert.equal(rest.status, 403);
    const body = rest.json as { code: number; details: { reason: string }[] };
    assert.equal(body.code, status.PERMISSION_DENIED);
    assert.equal(body.details[0]?.reason, 'READ_ONLY');
  });

  it('server --max-streams-per-client counts the streams of each token', async () => {
    const itf = new InterfaceClient(stack.grpcTarget, tls);
    const first = await openWhenFree(itf, alpha);
    const second = await watch(itf, bearer(alpha));
    assert.equal(second.error?.code, status.RESOURCE_EXHAUSTED);
    assert.match(second.error!.details, /1 streams open already \(--max-streams-per-client\)/);
    const other = await watch(itf, bearer(beta));
    assert.equal(other.error, undefined, 'another token has its own streams');
    other.cancel();
    first.cancel();
    // the slot frees when the stream ends
    const again = await openWhenFree(itf, alpha);
    again.cancel();
    itf.close();
  });

  it('re-reads the token file when it changes', async () => {
    const vpe = new VpeClient(stack.grpcTarget, tls);
    const grpcOk = (t: string) =>
      promisify.unary(vpe.showVersion.bind(vpe), {}, {}, bearer(t)).then(
        () => true,
        () => false,
      );
    const restOk = async (t: string) =>
      (await https.post('/Vpe/ShowVersion/request', undefined, auth(t))).status === 200;
    assert.deepEqual(
      [await grpcOk(gamma), await restOk(gamma), await grpcOk(delta), await restOk(delta)],
      [true, true, false, false],
    );
    writeTokens(tokens, [alpha, beta, delta]);
    await retry(() => grpcOk(delta), 'the server takes the new token');
    await retry(() => restOk(delta), 'the gateway takes the new token');
    assert.equal(await grpcOk(gamma), false);
    assert.equal(await restOk(gamma), false);
    vpe.close();
  });

  it('never writes a token or an Authorization header to either log, at debug level', () => {
    for (const child of [stack.server, stack.gateway!]) {
      const lines = child.lines;
      assert.ok(lines.length < 2000, `${child.name}: every line kept`);
      assert.ok(
        lines.some((l) => l.includes('"level":20')),
        `${child.name} wrote debug lines`,
      );
      assert.ok(
        lines.some((l) => l.includes('"status":401') || l.includes('invalid token')),
        `${child.name} logged the refusals`,
      );
      for (const secret of [alpha, beta, gamma, delta, wrong]) {
        const leak = lines.find((l) => l.includes(secret));
        assert.equal(leak, undefined, `${child.name} logged a token`);
      }
      assert.equal(
        lines.find((l) => /Bearer [A-Za-z0-9\-._~+/]{8}/.test(l) || /"authorization"/i.test(l)),
        undefined,
        `${child.name} logged an Authorization header`,
      );
    }
  });
});

/** A stream for `t` once one can be opened: slots free when earlier streams have ended. */
async function openWhenFree(itf: InterfaceClient, t: string): Promise<{ cancel(): void }> {
  let open: { cancel(): void } | undefined;
  await retry(async () => {
    const w = await watch(itf, bearer(t));
    if (w.error) return false;
    open = w;
    return true;
  }, 'a stream opens');
  return open!;
}
