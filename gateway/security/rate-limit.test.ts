import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientKey } from './client-key.ts';
import { TokenBuckets } from './rate-limit.ts';

describe('rate limit', () => {
  it('lets a burst through, then the rate; says how long to wait', () => {
    let now = 0;
    const b = new TokenBuckets(2, 3, () => now);
    assert.deepEqual([b.take('a'), b.take('a'), b.take('a')], [0, 0, 0]);
    assert.equal(b.take('a'), 1);
    assert.equal(b.take('b'), 0, 'per client');
    now += 500; // one token back
    assert.equal(b.take('a'), 0);
    assert.equal(b.take('a'), 1);
  });

  it('asks slow rates to wait whole seconds', () => {
    const b = new TokenBuckets(0.01, 1, () => 0);
    assert.equal(b.take('a'), 0);
    assert.equal(b.take('a'), 100);
  });

  it('forgets clients whose bucket is full again', () => {
    let now = 0;
    const b = new TokenBuckets(1, 2, () => now);
    b.take('a');
    b.take('b');
    b.take('b');
    now += 1000;
    b.sweep();
    assert.equal(b.clients, 1, 'a refilled, b not yet');
    now += 1000;
    b.sweep();
    assert.equal(b.clients, 0);
  });

  it('keys IPv4 by address and IPv6 by /64', () => {
    assert.equal(clientKey('192.0.2.7'), '192.0.2.7');
    assert.equal(clientKey('::ffff:192.0.2.7'), '192.0.2.7');
    assert.equal(clientKey('2001:db8:0:12:abcd::1'), '2001:db8:0:12::/64');
    assert.equal(clientKey('2001:DB8:0000:0012:1:2:3:4'), '2001:db8:0:12::/64');
    assert.equal(clientKey('::1'), '0:0:0:0::/64');
    assert.equal(clientKey('fe80::1'), 'fe80:0:0:0::/64');
  });
});
