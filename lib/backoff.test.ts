import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelayMs, seconds } from './backoff.ts';

describe('backoff', () => {
  it('doubles from the first wait up to the longest, within 20% either way', () => {
    for (let i = 0; i < 200; i++) {
      const first = backoffDelayMs(0, 100, 5000);
      assert.ok(first >= 80 && first <= 120, `first wait ${first}`);
      const third = backoffDelayMs(2, 100, 5000);
      assert.ok(third >= 320 && third <= 480, `third wait ${third}`);
      const late = backoffDelayMs(30, 100, 5000);
      assert.ok(late >= 4000 && late <= 6000, `late wait ${late}`);
    }
  });

  it('says durations in seconds with one decimal', () => {
    assert.equal(seconds(2345), '2.3 s');
    assert.equal(seconds(0), '0.0 s');
  });
});
