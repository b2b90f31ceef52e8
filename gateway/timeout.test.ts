/** Request timeouts from `?timeout=` and `Grpc-Timeout`. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { requestTimeoutMs, TimeoutSyntaxError } from './timeout.ts';

describe('request timeouts', () => {
  it('reads ?timeout= and Grpc-Timeout, the query first', () => {
    assert.equal(requestTimeoutMs(undefined, '500ms'), 500);
    assert.equal(requestTimeoutMs(undefined, '2s'), 2000);
    assert.equal(requestTimeoutMs(undefined, '1.5m'), 90_000);
    assert.equal(requestTimeoutMs(undefined, '250'), 250);
    assert.equal(requestTimeoutMs('100m', undefined), 100);
    assert.equal(requestTimeoutMs('3S', '1s'), 1000);
    assert.equal(requestTimeoutMs(undefined, undefined), undefined);
    assert.equal(requestTimeoutMs('', ''), undefined);
  });

  it('refuses bad text and a repeated ?timeout=', () => {
    for (const q of ['abc', '-1s', '1x', '1e3', '1 s s', '0x10'])
      assert.throws(() => requestTimeoutMs(undefined, q), TimeoutSyntaxError, q);
    assert.throws(() => requestTimeoutMs(undefined, ['1s', '2s']), /give it once/);
    assert.throws(() => requestTimeoutMs('123456789S', undefined), TimeoutSyntaxError);
  });

  it('takes a timeout longer than a timer can wait as no deadline', () => {
    assert.equal(requestTimeoutMs(undefined, '596h'), 596 * 3_600_000);
    assert.equal(requestTimeoutMs(undefined, '600h'), Infinity);
    assert.equal(requestTimeoutMs(undefined, `${'9'.repeat(400)}s`), Infinity);
    assert.equal(requestTimeoutMs('99999999H', undefined), Infinity);
  });
});
