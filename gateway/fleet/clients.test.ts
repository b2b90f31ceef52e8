import assert from 'node:assert/strict';
import http2, { type Http2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { status } from '../../lib/grpc/status.ts';
import { HEALTH_CHECK_PATH } from '../../lib/wire-names.ts';
import { waitFor } from '../../test/support/observe.ts';
import { NodeClients } from './clients.ts';
import { NodeDirectory } from './directory.ts';

/** A server that answers every call UNIMPLEMENTED, and can go away and come back on its port. */
class Server {
  private readonly server = http2.createServer();
  private readonly sessions = new Set<Http2Session>();
  port = 0;

  constructor() {
    this.server.on('session', (s) => {
      this.sessions.add(s);
      s.once('close', () => this.sessions.delete(s));
    });
    this.server.on('stream', (stream) =>
      stream.respond(
        { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(status.UNIMPLEMENTED) },
        { endStream: true },
      ),
    );
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const closed = new Promise((resolve) => this.server.close(resolve));
    for (const s of this.sessions) s.destroy();
    await closed;
  }
}

describe("a fleet's clients", () => {
  const server = new Server();
  const directory = new NodeDirectory();
  const outcomes: [string, number][] = [];
  const clients = new NodeClients(
    directory,
    (node) => ({ target: node.grpc, keepalive: false, reconnect: { initialDelayMs: 20, maxDelayMs: 50 } }),
    (node, code) => outcomes.push([node, code]),
  );
  after(async () => {
    clients.close();
    await server.stop();
  });

  it("follow the directory's nodes, and lay their connection's trouble over their source's word", async () => {
    await server.listen();
    directory.upsert({ name: 'a', grpc: `127.0.0.1:${server.port}`, state: 'ready' });
    const client = clients.get('a')!;
    await waitFor('connected', () => client.upstream.state === 'ready');
    assert.equal(directory.get('a')?.state, 'ready');

    // calls are counted by node and code, health checks aside
    await assert.rejects(client.unary('/x.Y/Z', Buffer.alloc(0)), { code: status.UNIMPLEMENTED });
    await assert.rejects(client.unary(HEALTH_CHECK_PATH, Buffer.alloc(0)), { code: status.UNIMPLEMENTED });
    assert.deepEqual(outcomes, [['a', status.UNIMPLEMENTED]]);

    // the server goes: the node is unreachable, whatever its source said
    await server.stop();
    await waitFor('unreachable', () => directory.get('a')?.state === 'unreachable');
    assert.match(
      directory.get('a')!.reason!,
      new RegExp(`^the gRPC server at 127\\.0\\.0\\.1:${server.port} is unreachable: `),
    );
    // it comes back: the source's word stands again
    await server.listen();
    await waitFor('ready again', () => directory.get('a')?.state === 'ready');
    assert.equal(directory.get('a')?.reason, undefined);
  });

  it("replace a node's client when its address changes, and close it when it leaves", async () => {
    const before = clients.get('a')!;
    // a port nobody listens on: the one the server had is taken again by it, so ask for a fresh one and free it
    const spare = new Server();
    await spare.listen();
    await spare.stop();
    directory.upsert({ name: 'a', grpc: `127.0.0.1:${spare.port}`, state: 'ready' });
    const after = clients.get('a')!;
    assert.notEqual(after, before);
    assert.equal(before.upstream.state, 'closed');
    await waitFor('new address unreachable', () => directory.get('a')?.state === 'unreachable');
    directory.remove('a');
    assert.equal(clients.get('a'), undefined);
    assert.equal(after.upstream.state, 'closed');
  });
});
