import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status } from '../../lib/grpc/status.ts';
import { GatewayError } from '../errors.ts';
import { GrpcClient } from '../grpc/client.ts';
import { NodeDirectory } from './directory.ts';
import { NodeRouter, type CallKind } from './routing.ts';

/** Clients that are never dialled: the router only hands them out. */
const clients = new Map(['a', 'b', 'c'].map((n) => [n, new GrpcClient({ target: `127.0.0.1:${n.charCodeAt(0)}` })]));

function fleet(defaultNode?: string): NodeRouter {
  const directory = new NodeDirectory();
  directory.upsert({ name: 'a', grpc: 'h:1', state: 'ready' });
  directory.upsert({ name: 'b', grpc: 'h:2', state: 'replaying', reason: 'VPP restarted: replaying the journal' });
  directory.upsert({ name: 'c', grpc: 'h:3', state: 'ready' });
  return new NodeRouter(directory, clients, defaultNode);
}

function refusal(router: NodeRouter, header: string | string[] | undefined, kind: CallKind = 'unary'): GatewayError {
  try {
    router.destination(header, kind);
  } catch (e) {
    assert.ok(e instanceof GatewayError, String(e));
    return e;
  }
  assert.fail(`${String(header)} was routed`);
}

describe('routing by X-VPP-Node', () => {
  it('sends a call to the node named, to the default node when none is', () => {
    assert.deepEqual(fleet().destination('a', 'unary'), { kind: 'node', node: 'a', client: clients.get('a') });
    assert.deepEqual(fleet('c').destination(undefined, 'batch'), { kind: 'node', node: 'c', client: clients.get('c') });
    assert.deepEqual(fleet('c').destination(' a ', 'events'), { kind: 'node', node: 'a', client: clients.get('a') });
  });

  it('refuses at once an unknown node (404), a node not ready (503) and no node named (400), saying why', () => {
    const unknown = refusal(fleet(), 'x');
    assert.deepEqual(
      [unknown.httpStatus, unknown.body.code, unknown.body.message],
      [404, status.NOT_FOUND, 'no node x: the fleet has a, b, c'],
    );
    assert.deepEqual(unknown.body.details[0], {
      '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
      reason: 'NODE_UNKNOWN',
      domain: 'vpp-rpc',
      metadata: { node: 'x' },
    });
    const notReady = refusal(fleet(), 'b');
    assert.deepEqual(
      [notReady.httpStatus, notReady.body.code, notReady.body.message],
      [503, status.UNAVAILABLE, 'node b is not ready: VPP restarted: replaying the journal'],
    );
    const none = refusal(fleet(), undefined);
    assert.equal(none.httpStatus, 400);
    assert.match(none.body.message, /^X-VPP-Node: .*name one in the X-VPP-Node header.*\(the fleet has a, b, c\)$/);
    // a default node that is not there is as unknown as any
    assert.equal(refusal(fleet('gone'), '').httpStatus, 404);
  });

  it('fans out to every node for *, to each named for a list; not-ready nodes with their error', () => {
    const all = fleet().destination('*', 'dump');
    assert.equal(all.kind, 'fan-out');
    const nodes = all.kind === 'fan-out' ? all.nodes : [];
    assert.deepEqual(
      nodes.map((n) => [n.node, n.client === clients.get(n.node), n.refusal?.body.message]),
      [
        ['a', true, undefined],
        ['b', false, 'node b is not ready: VPP restarted: replaying the journal'],
        ['c', true, undefined],
      ],
    );
    const list = fleet().destination(['c, a', 'a'], 'unary');
    assert.deepEqual(list.kind === 'fan-out' && list.nodes.map((n) => n.node), ['c', 'a']);
    const one = fleet().destination('a,', 'unary');
    assert.deepEqual(one.kind === 'fan-out' && one.nodes.map((n) => n.node), ['a']);
  });

  it('refuses a fan-out of events and batches, to unknown nodes, and * among names', () => {
    assert.match(refusal(fleet(), '*', 'events').body.message, /an event subscription goes to one node at a time/);
    assert.match(refusal(fleet(), 'a,b', 'batch').body.message, /a batch goes to one node at a time/);
    assert.equal(refusal(fleet(), 'a,x').body.message, 'no node x: the fleet has a, b, c');
    assert.match(refusal(fleet(), 'a,*').body.message, /\* names every node: give it alone/);
    const empty = new NodeRouter(new NodeDirectory(), clients);
    assert.deepEqual(
      [refusal(empty, '*').httpStatus, refusal(empty, 'a').body.message],
      [503, 'no node a: the fleet has no nodes'],
    );
  });
});
