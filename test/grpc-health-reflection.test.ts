/**
 * Health and reflection on the real server process: health follows the VPP
 * connection; reflection lists every service and describes any message, so
 * generic gRPC tools can call methods without the protos.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, credentials, Metadata } from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import { READY_MS, startStack, type Stack } from './support/stack.ts';
import { waitFor } from './support/wait.ts';

const require = createRequire(import.meta.url);
const reflectionProto = join(
  dirname(require.resolve('@grpc/reflection/package.json')),
  'build/proto/grpc/reflection/v1/reflection.proto',
);
const reflection = protobuf.loadSync(reflectionProto);
const ReflectionRequest = reflection.lookupType('grpc.reflection.v1.ServerReflectionRequest');
const ReflectionResponse = reflection.lookupType('grpc.reflection.v1.ServerReflectionResponse');
const id = (b: Buffer): Buffer => b;

function health(client: Client, service = ''): Promise<number> {
  const req = service ? Buffer.concat([Buffer.from([0x0a, service.length]), Buffer.from(service)]) : Buffer.alloc(0);
  return new Promise((resolve, reject) =>
    client.makeUnaryRequest(
      '/grpc.health.v1.Health/Check',
      id,
      id,
      req,
      new Metadata(),
      { deadline: Date.now() + READY_MS },
      (err, res) => (err ? reject(err) : resolve(res && res.length >= 2 ? res[1]! : 0)),
    ),
  );
}

function reflect(client: Client, request: Record<string, unknown>): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const call = client.makeBidiStreamRequest('/grpc.reflection.v1.ServerReflection/ServerReflectionInfo', id, id);
    call.once('data', (b: Buffer) => {
      resolve(ReflectionResponse.toObject(ReflectionResponse.decode(b), { bytes: Buffer }) as Record<string, unknown>);
      call.end();
    });
    call.once('error', reject);
    call.write(Buffer.from(ReflectionRequest.encode(ReflectionRequest.create(request)).finish()));
  });
}

describe('health and reflection', () => {
  let stack: Stack;
  let client: Client;
  before(async () => {
    stack = await startStack({ gateway: false });
    client = new Client(stack.grpcTarget, credentials.createInsecure());
  });
  after(async () => {
    client?.close();
    await stack?.stop();
  });

  it('is SERVING while VPP is connected, NOT_SERVING while it is not', async () => {
    const SERVING = 1;
    const NOT_SERVING = 2;
    await waitFor('SERVING', async () => (await health(client)) === SERVING, READY_MS);
    assert.equal(await health(client, 'vpp.vpe.Vpe'), SERVING);
    await stack.sim!.kill();
    await waitFor('NOT_SERVING once VPP is gone', async () => (await health(client)) === NOT_SERVING, READY_MS);
    await stack.restartSim();
    await waitFor('SERVING once VPP is back', async () => (await health(client)) === SERVING, READY_MS);
  });

  it('lists every service', async () => {
    const res = await reflect(client, { listServices: '' });
    const names = (res.listServicesResponse as { service: { name: string }[] }).service.map((s) => s.name);
    // VPP's services and the product's own (bulk programming, VPP's counters)
    for (const n of [
      'vpp.vpe.Vpe',
      'vpp.interface.Interface',
      'vpp.ip.Ip',
      'vpp.acl.Acl',
      'vpprpc.Batch',
      'vpprpc.Stats',
    ])
      assert.ok(names.includes(n), n);
    assert.ok(names.length >= 120, `${names.length} services`);
  });

  it('describes a service and the messages it uses, with their dependencies', async () => {
    const res = await reflect(client, { fileContainingSymbol: 'vpp.ip.Ip' });
    const files = (res.fileDescriptorResponse as { fileDescriptorProto: Buffer[] }).fileDescriptorProto.map(
      (b) =>
        (descriptor as unknown as { FileDescriptorProto: protobuf.Type }).FileDescriptorProto.decode(b) as unknown as {
          name: string;
          dependency: string[];
          messageType: { name: string; field: { name: string; number: number }[] }[];
          service: { name: string; method: { name: string; serverStreaming?: boolean }[] }[];
        },
    );
    const ipFile = files.find((f) => f.name === 'vpp/ip.proto');
    assert.ok(ipFile, files.map((f) => f.name).join(', '));
    assert.ok(ipFile.dependency.includes('vpp/fib_types.proto'));
    assert.ok(
      files.some((f) => f.name === 'vpp/fib_types.proto'),
      'dependencies come along',
    );
    const route = ipFile.messageType.find((m) => m.name === 'IpRoute');
    assert.deepEqual(
      route?.field.map((f) => [f.name, f.number]),
      [
        ['table_id', 1],
        ['stats_index', 2],
        ['prefix', 3],
        ['paths', 5],
      ],
    );
    const dump = ipFile.service[0]?.method.find((m) => m.name === 'IpRouteDump');
    assert.equal(dump?.serverStreaming, true);
  });

  it("describes the product's own services too", async () => {
    // reflection serves one file per package (server/reflection.ts): vpprpc's is vpprpc.proto
    for (const [symbol, file, method] of [
      ['vpprpc.Batch', 'vpprpc.proto', 'Call'],
      ['vpprpc.Stats', 'vpprpc.proto', 'InterfaceCounters'],
    ] as const) {
      const res = await reflect(client, { fileContainingSymbol: symbol });
      const files = (res.fileDescriptorResponse as { fileDescriptorProto: Buffer[] }).fileDescriptorProto.map(
        (b) =>
          (descriptor as unknown as { FileDescriptorProto: protobuf.Type }).FileDescriptorProto.decode(
            b,
          ) as unknown as {
            name: string;
            service: { name: string; method: { name: string }[] }[];
          },
      );
      const own = files.find((f) => f.name === file);
      assert.ok(own, `${symbol}: ${files.map((f) => f.name).join(', ')}`);
      assert.ok(
        own.service.some((s) => s.method.some((m) => m.name === method)),
        `${symbol}/${method}`,
      );
    }
  });
});
