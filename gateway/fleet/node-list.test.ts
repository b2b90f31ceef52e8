import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseNodeList } from './node-list.ts';

describe('--nodes', () => {
  it("reads each node's name, gRPC server and optional metrics address", () => {
    assert.deepEqual(parseNodeList('a=10.0.0.1:9111, b=[fd00::2]:9111/[fd00::2]:9112,'), [
      { name: 'a', grpc: '10.0.0.1:9111' },
      { name: 'b', grpc: '[fd00::2]:9111', metrics: '[fd00::2]:9112' },
    ]);
  });

  it('says which entry is wrong', () => {
    const cases: [string, RegExp][] = [
      ['', /no node/],
      ['10.0.0.1:9111', /"10\.0\.0\.1:9111": expected name=host:port/],
      ['a=h', /node a: expected host:port, got "h"/],
      ['a=h:1/m', /node a's metrics: expected host:port, got "m"/],
      ['a=h:1/m:2/x:3', /node a: expected host:port or host:port\/metrics-host:port/],
      ['a=h:1,a=h:2', /node a is listed twice/],
      ['a*=h:1', /"a\*" is not a node name/],
    ];
    for (const [text, message] of cases) assert.throws(() => parseNodeList(text), message, text);
  });
});
