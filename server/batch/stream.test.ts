/**
 * A Batch/Call stream on a grpc-js server, VPP stood in for by a client that
 * answers at once: a reply over the call's grpc.max_send_message_length fails
 * its item alone, and a failed write of the HTTP/2 stream ends the batch with
 * an error status, never a crash.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { BatchCodec, openBatch, type BatchAnswer, type BatchItem } from '../../lib/grpc/batch-client.ts';
import { PROTO_DIR } from '../../test/support/paths.ts';
import type { VppClient } from '../../vpp/client/index.ts';
import { loadProtoDir } from '../../vpp/api/load-proto.ts';
import { buildRpcTable } from '../rpcs.ts';
import { baseCallOf } from './frames.ts';
import { BatchItems } from './items.ts';
import { batchHandler, BatchMetrics, batchService, type BatchEnv } from './stream.ts';

const { root, model } = loadProtoDir(PROTO_DIR);
const rpcs = buildRpcTable(root, model);
const codec = new BatchCodec(root);

/** The stream's env; VPP answers each show_version at once, with a version as long as `versionBytes` says, in turn. */
function env(registry: Registry, versionBytes: number[]): BatchEnv {
  return {
    client: {
      request: () => Promise.resolve({ retval: 0, program: 'vpe', version: 'v'.repeat(versionBytes.shift() ?? 4) }),
    } as unknown as VppClient,
    defaultTimeoutMs: 5000,
    observer: { start() {}, end() {} },
    maxQueuedEvents: 100,
    items: new BatchItems(root, rpcs, new Map()),
    settings: { window: 8, maxWindow: 64 },
    metrics: new BatchMetrics(registry),
    log: pino({ level: 'silent' }),
  };
}

/** A server with Batch/Call; `prepare` sees each call before the batch does. */
async function serve(
  options: Record<string, number>,
  versionBytes: number[],
  prepare: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => void = () => {},
): Promise<{ target: string; server: grpc.Server; registry: Registry }> {
  const registry = new Registry();
  const server = new grpc.Server(options);
  const handle = batchHandler(env(registry, versionBytes));
  server.addService(batchService(), {
    Call: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
      prepare(call);
      handle(call);
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  return { target: `127.0.0.1:${port}`, server, registry };
}

/** Sends the items, collects the answers and the stream's status. */
function batch(target: string, items: BatchItem[]): Promise<{ answers: BatchAnswer[]; status: grpc.StatusObject }> {
  const client = new grpc.Client(target, grpc.credentials.createInsecure());
  const call = openBatch(client);
  const answers: BatchAnswer[] = [];
  return new Promise((resolve) => {
    call.on('data', (b: Buffer) => answers.push(codec.decode(b)));
    call.on('error', () => {});
    call.on('status', (s: grpc.StatusObject) => {
      client.close();
      resolve({ answers, status: s });
    });
    for (const item of items) call.write(codec.encode(item));
    call.end();
  });
}

const showVersion = (id: number): BatchItem => ({ id, rpc: 'Vpe/ShowVersion' });

describe('Batch/Call stream', () => {
  it('answers a reply over grpc.max_send_message_length with RESOURCE_EXHAUSTED, and goes on', async () => {
    const { target, server } = await serve({ 'grpc.max_send_message_length': 150 }, [4, 200, 4]);
    try {
      const { answers, status } = await batch(target, [showVersion(1), showVersion(2), showVersion(3)]);
      assert.equal(status.code, grpc.status.OK, status.details);
      assert.deepEqual(
        answers.map((a) => a.id),
        [1n, 2n, 3n],
      );
      assert.equal(answers[0]!.reply?.type, 'vpp.vpe.ShowVersionReply');
      assert.equal(answers[1]!.error?.code, grpc.status.RESOURCE_EXHAUSTED);
      assert.match(answers[1]!.error!.message, /^the reply is \d+ bytes, more than the 150 bytes a message may have/);
      assert.equal(answers[2]!.reply?.type, 'vpp.vpe.ShowVersionReply');
    } finally {
      server.forceShutdown();
    }
  });

  it('ends the batch with RESOURCE_EXHAUSTED, after the replies before, when not even that error fits', async () => {
    const { target, server } = await serve({ 'grpc.max_send_message_length': 90 }, [4, 200, 4]);
    try {
      const { answers, status } = await batch(target, [showVersion(1), showVersion(2), showVersion(3)]);
      assert.equal(status.code, grpc.status.RESOURCE_EXHAUSTED);
      assert.match(status.details, /^the reply is \d+ bytes, more than the 90 bytes a message may have/);
      assert.deepEqual(
        answers.map((a) => [a.id, a.reply?.type]),
        [[1n, 'vpp.vpe.ShowVersionReply']],
      );
    } finally {
      server.forceShutdown();
    }
  });

  it('ends the batch with INTERNAL when the HTTP/2 stream fails a write, and keeps serving', async () => {
    let failWrites = true;
    const { target, server, registry } = await serve({}, [], (call) => {
      if (!failWrites) return;
      const stream = baseCallOf(call)!.stream;
      stream.write = ((_chunk: unknown, cb?: (err?: Error | null) => void) => {
        const err = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
        process.nextTick(() => {
          cb?.(err);
          stream.emit('error', err);
          stream.emit('error', err);
        });
        return true;
      }) as typeof stream.write;
    });
    try {
      const failed = await batch(target, [showVersion(1), showVersion(2)]);
      assert.equal(failed.status.code, grpc.status.INTERNAL);
      assert.equal(failed.status.details, "writing the batch's replies failed: write EPIPE");
      const streams = (await registry.getSingleMetric('vpp_rpc_batch_streams_total')!.get()).values;
      assert.deepEqual(
        streams.map((v) => [v.labels.code, v.value]),
        [[String(grpc.status.INTERNAL), 1]],
      );
      const held = (await registry.getSingleMetric('vpp_rpc_batch_items_outstanding')!.get()).values[0]!.value;
      assert.equal(held, 0);
      failWrites = false;
      const next = await batch(target, [showVersion(1)]);
      assert.equal(next.status.code, grpc.status.OK);
      assert.equal(next.answers.length, 1);
    } finally {
      server.forceShutdown();
    }
  });
});
