import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { waitFor } from '../../test/support/wait.ts';
import type { GrpcClient } from '../grpc/client.ts';
import type { NodeClients } from './clients.ts';
import { NodeDirectory } from './directory.ts';
import { StaticSource } from './static-source.ts';

/** HealthCheckResponse{status: SERVING} */
const SERVING = Buffer.from([0x08, 0x01]);

/** One node's client whose health checks the test answers, one at a time. */
class FakeNode {
  readonly answers: ((res: Buffer) => void)[] = [];
  readonly client = {
    unavailable: () => undefined,
    upstream: { state: 'ready' },
    unary: () => new Promise<Buffer>((resolve) => this.answers.push(resolve)),
  } as unknown as GrpcClient;
}

class FakeClients extends EventEmitter {
  constructor(private readonly node: FakeNode) {
    super();
  }
  get(): GrpcClient {
    return this.node.client;
  }
}

describe('a node of --nodes', () => {
  it('is not taken for ready when its connection comes back, until its server says so again', async () => {
    const node = new FakeNode();
    const clients = new FakeClients(node);
    const directory = new NodeDirectory();
    const source = new StaticSource([{ name: 'b', grpc: '127.0.0.1:9' }], clients as unknown as NodeClients, {
      intervalMs: 3_600_000,
      checkTimeoutMs: 1000,
    });
    source.start(directory);
    try {
      assert.equal(directory.get('b')!.state, 'connecting');
      await waitFor('the first check', () => node.answers.length === 1, 5000);
      node.answers.shift()!(SERVING);
      await waitFor('ready', () => directory.get('b')!.state === 'ready', 5000);

      // the server goes away (the gateway's connection says so) and a new one comes up
      directory.setConnection('b', { state: 'unreachable', reason: 'connection refused' });
      clients.emit('upstream', 'b', { state: 'unreachable' });
      assert.equal(directory.get('b')!.state, 'unreachable');
      directory.setConnection('b', undefined);
      clients.emit('upstream', 'b', { state: 'ready' });

      // the new server has not answered its health check yet: it may still be connecting to VPP
      await waitFor('the check after the connection came back', () => node.answers.length === 1, 5000);
      assert.deepEqual(
        { state: directory.get('b')!.state, reason: directory.get('b')!.reason },
        { state: 'connecting', reason: 'the gateway has not heard from it since its connection came back' },
      );
      node.answers.shift()!(SERVING);
      await waitFor('ready again', () => directory.get('b')!.state === 'ready', 5000);
    } finally {
      source.close();
    }
  });
});
