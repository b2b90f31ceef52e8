import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Slots } from './slots.ts';

describe('slots per key', () => {
  it('gives each key at most max, and takes them back', () => {
    const s = new Slots(2);
    assert.ok(s.take('a'));
    assert.ok(s.take('a'));
    assert.ok(!s.take('a'));
    assert.ok(s.take('b'), 'keys are independent');
    s.release('a');
    assert.equal(s.count('a'), 1);
    assert.ok(s.take('a'));
    s.release('b');
    s.release('b');
    assert.equal(s.count('b'), 0, 'never below zero');
    assert.ok(s.take('b'));
  });
});
