import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NodeDirectory, type NodeChange, type NodeInfo, type NodeSource } from './directory.ts';
import { nodeOfRegistration, RegistrationError } from './registration.ts';

/**
 * A registry fed from outside, as an etcd watch feeds one: a put carries a
 * registration's JSON under `/vpp-rpc/nodes/<name>`, a delete its key. It
 * plugs into the directory through upsert and remove alone.
 */
class FakeRegistry implements NodeSource {
  private directory: NodeDirectory | undefined;
  readonly refused: string[] = [];
  private readonly initial: Map<string, string>;

  constructor(initial: Record<string, string> = {}) {
    this.initial = new Map(Object.entries(initial));
  }

  start(directory: NodeDirectory): void {
    this.directory = directory;
    for (const [key, value] of this.initial) this.put(key, value);
  }

  close(): void {
    this.directory = undefined;
  }

  put(key: string, value: string): void {
    const name = key.slice('/vpp-rpc/nodes/'.length);
    try {
      this.directory?.upsert(nodeOfRegistration(value, name));
    } catch (e) {
      if (!(e instanceof RegistrationError)) throw e;
      this.refused.push(e.message);
    }
  }

  delete(key: string): void {
    this.directory?.remove(key.slice('/vpp-rpc/nodes/'.length));
  }
}

const registration = (name: string, state: string, more: Record<string, unknown> = {}): string =>
  JSON.stringify({ name, grpc: `10.0.0.${name.length}:9111`, metrics: `10.0.0.${name.length}:9112`, state, ...more });

function recorded(directory: NodeDirectory): NodeChange[] {
  const changes: NodeChange[] = [];
  directory.on('change', (c) => changes.push(c));
  return changes;
}

describe('node directory', () => {
  it('takes nodes from a source fed from outside, through upsert and remove', () => {
    const directory = new NodeDirectory();
    const changes = recorded(directory);
    const registry = new FakeRegistry({
      '/vpp-rpc/nodes/node-b': registration('node-b', 'replaying', { reason: 'VPP restarted: replaying the journal' }),
      '/vpp-rpc/nodes/node-a': registration('node-a', 'ready', { vpp: { version: '26.06-release' } }),
    });
    registry.start(directory);
    assert.deepEqual(directory.names(), ['node-a', 'node-b']);
    assert.deepEqual(directory.get('node-a'), {
      name: 'node-a',
      grpc: '10.0.0.6:9111',
      metrics: '10.0.0.6:9112',
      state: 'ready',
      vppVersion: '26.06-release',
    });
    assert.equal(directory.get('node-b')?.reason, 'VPP restarted: replaying the journal');
    assert.deepEqual(
      changes.map((c) => [c.kind, c.node.name]),
      [
        ['added', 'node-b'],
        ['added', 'node-a'],
      ],
    );

    registry.put('/vpp-rpc/nodes/node-b', registration('node-b', 'ready'));
    const changed = changes.at(-1)!;
    assert.equal(changed.kind, 'changed');
    assert.equal(changed.node.state, 'ready');
    assert.equal(changed.node.reason, undefined);
    assert.equal(changed.kind === 'changed' && changed.before.state, 'replaying');

    // the same registration again is no change
    registry.put('/vpp-rpc/nodes/node-b', registration('node-b', 'ready'));
    assert.equal(changes.length, 3);

    registry.delete('/vpp-rpc/nodes/node-a');
    assert.deepEqual(directory.names(), ['node-b']);
    assert.deepEqual([changes.at(-1)!.kind, changes.at(-1)!.node.name], ['removed', 'node-a']);
    registry.delete('/vpp-rpc/nodes/node-a');
    assert.equal(changes.length, 4);
  });

  it("lays the gateway's trouble with a node's server over what its source says", () => {
    const directory = new NodeDirectory();
    const changes = recorded(directory);
    directory.upsert({ name: 'a', grpc: 'h:1', state: 'ready' });
    directory.setConnection('a', { state: 'unreachable', reason: 'the gRPC server at h:1 is unreachable: refused' });
    assert.deepEqual(directory.get('a'), {
      name: 'a',
      grpc: 'h:1',
      state: 'unreachable',
      reason: 'the gRPC server at h:1 is unreachable: refused',
    });
    // the source's word does not lift it
    directory.upsert({ name: 'a', grpc: 'h:1', state: 'ready', vppVersion: '26.06' });
    assert.equal(directory.get('a')?.state, 'unreachable');
    assert.equal(directory.get('a')?.vppVersion, '26.06');
    // the connection answers again: the source's word stands
    directory.setConnection('a', undefined);
    assert.equal(directory.get('a')?.state, 'ready');
    assert.equal(directory.get('a')?.reason, undefined);
    // a source that says its node is not ready is heard while the connection is fine
    directory.upsert({ name: 'a', grpc: 'h:1', state: 'verifying', reason: 'checking which VPP this is' });
    assert.equal(directory.get('a')?.state, 'verifying');
    // trouble wins over it too
    directory.setConnection('a', { state: 'not_responding', reason: 'no answer for 2.3 s' });
    assert.equal(directory.get('a')?.state, 'not_responding');
    // a new address is a new server: the old one's trouble goes
    directory.upsert({ name: 'a', grpc: 'h:2', state: 'ready' });
    assert.equal(directory.get('a')?.state, 'ready');
    assert.deepEqual(
      changes.map((c) => `${c.kind} ${c.node.state}`),
      [
        'added ready',
        'changed unreachable',
        'changed unreachable', // its version came
        'changed ready',
        'changed verifying',
        'changed not_responding',
        'changed ready',
      ],
    );
  });

  it('refuses names no node may have', () => {
    const directory = new NodeDirectory();
    for (const name of ['', '*', 'a,b', 'a b', '-a', 'x'.repeat(64)])
      assert.throws(() => directory.upsert({ name, grpc: 'h:1', state: 'ready' }), /is not a node name/, name);
    assert.equal(directory.size, 0);
  });

  it('lists its nodes by name', () => {
    const directory = new NodeDirectory();
    for (const name of ['c', 'a', 'b']) directory.upsert({ name, grpc: 'h:1', state: 'ready' } as NodeInfo);
    assert.deepEqual(
      directory.list().map((n) => n.name),
      ['a', 'b', 'c'],
    );
  });
});

describe('node registrations', () => {
  it('reads every field, and leaves out the empty ones', () => {
    assert.deepEqual(
      nodeOfRegistration(
        '{"name":"n1","grpc":"[fd00::1]:9111","metrics":"","state":"replaying","reason":"replaying the journal","vpp":{"version":"26.06"}}',
        'n1',
      ),
      { name: 'n1', grpc: '[fd00::1]:9111', state: 'replaying', reason: 'replaying the journal', vppVersion: '26.06' },
    );
    assert.deepEqual(nodeOfRegistration('{"grpc":"h:1","state":"ready"}', 'n2'), {
      name: 'n2',
      grpc: 'h:1',
      state: 'ready',
    });
  });

  it('refuses a value that does not describe the node, saying why', () => {
    const cases: [string, RegExp][] = [
      ['not json', /registration of node n: not JSON/],
      ['[]', /not a JSON object/],
      ['{"name":"m","grpc":"h:1","state":"ready"}', /its value names node "m"/],
      ['{"state":"ready"}', /no "grpc" address/],
      ['{"grpc":"h","state":"ready"}', /expected host:port, got "h"/],
      ['{"grpc":"h:1"}', /no "state"/],
      ['{"grpc":"h:1","state":3}', /"state" is not a string/],
      ['{"grpc":"h:1","state":"ready","vpp":"26.06"}', /"vpp" is not an object/],
      ['{"grpc":"h:1","metrics":"x","state":"ready"}', /metrics: expected host:port/],
    ];
    for (const [text, message] of cases)
      assert.throws(
        () => nodeOfRegistration(text, 'n'),
        (e: Error) => e instanceof RegistrationError && message.test(e.message),
        text,
      );
    assert.throws(() => nodeOfRegistration('{"grpc":"h:1","state":"ready"}'), /no "name"/);
    assert.throws(() => nodeOfRegistration('{"grpc":"h:1","state":"ready"}', 'a*'), /is not a node name/);
  });
});
