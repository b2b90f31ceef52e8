import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IndexPool } from './pool.ts';

describe('index pool', () => {
  it('hands out the index freed last, then new ones; walks by index', () => {
    const pool = new IndexPool<string>();
    for (const name of ['a', 'b', 'c', 'd']) pool.add(() => name);
    pool.delete(1);
    pool.delete(3);
    pool.delete(0);
    assert.equal(pool.nextIndex(), 0);
    assert.deepEqual(
      ['x', 'y', 'z', 'w'].map((name) => {
        let index = -1;
        pool.add((i) => ((index = i), name));
        return index;
      }),
      [0, 3, 1, 4],
    );
    assert.deepEqual([...pool.values()], ['x', 'z', 'c', 'y', 'w']);
    assert.equal(pool.size, 5);
    assert.equal(pool.delete(9), undefined);
    assert.equal(pool.has(2), true);
  });
});
