import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  formatRegistration,
  nodeKey,
  nodeNameOfKey,
  NODES_PREFIX,
  parseRegistration,
  RegistrationError,
  type NodeRecord,
} from './registration.ts';

describe('node registration format', () => {
  it('reads back what a server writes', () => {
    const record: NodeRecord = {
      name: 'edge-1',
      grpc: '10.0.0.1:9111',
      metrics: '10.0.0.1:9112',
      state: 'replaying',
      reason: 'VPP restarted: replaying the journal',
      vpp: { version: '26.06-release', pid: 4242 },
      started: '2026-01-01T10:00:00.000Z',
    };
    const text = formatRegistration(record);
    assert.deepEqual(JSON.parse(text), record);
    assert.deepEqual(parseRegistration(text, 'edge-1'), record);
  });

  it('leaves out what is not known', () => {
    const text = formatRegistration({ name: 'n', grpc: 'h:1', state: 'connecting', vpp: {}, reason: '' });
    assert.equal(text, '{"name":"n","grpc":"h:1","state":"connecting"}');
    assert.deepEqual(parseRegistration('{"grpc":"h:1","state":"ready","vpp":{"pid":null},"metrics":""}', 'n'), {
      name: 'n',
      grpc: 'h:1',
      state: 'ready',
    });
  });

  it('refuses a value that does not describe the node, saying why', () => {
    const cases: [string, RegExp][] = [
      ['{"grpc":"h:1","state":"ready","vpp":{"pid":-3}}', /"vpp.pid" is not a process id/],
      ['{"grpc":"h:1","state":"ready","vpp":{"version":26}}', /vpp: "version" is not a string/],
      ['{"grpc":"h:1","state":"ready","started":"yesterday"}', /"started" is not a time/],
      ['null', /not a JSON object/],
    ];
    for (const [text, message] of cases)
      assert.throws(
        () => parseRegistration(text, 'n'),
        (e: Error) => e instanceof RegistrationError && message.test(e.message),
        text,
      );
  });

  it('keys a node by its name, below one prefix', () => {
    assert.equal(nodeKey('edge-1'), '/vpp-rpc/nodes/edge-1');
    assert.equal(nodeNameOfKey(nodeKey('edge-1')), 'edge-1');
    assert.equal(nodeNameOfKey(`${NODES_PREFIX}a/b`), undefined);
    assert.equal(nodeNameOfKey('/other/edge-1'), undefined);
    assert.throws(() => nodeKey('a/b'), /is not a node name/);
  });
});
