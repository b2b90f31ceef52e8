/** Exposition bytes: values in decimal as String() writes them, text as UTF-8, room made as needed. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExpositionBytes } from './exposition-bytes.ts';

describe('ExpositionBytes', () => {
  it('writes u64 values as String() does, each ending its line', () => {
    const values = [0n, 9n, 10n, 4095n, 4096n, 1234567890n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 64n - 1n, -3n];
    const out = new ExpositionBytes(1); // every write has to make room
    for (const v of values) out.bigint(v);
    assert.equal(out.view().toString('utf8'), values.map((v) => `${v}\n`).join(''));
  });

  it('writes text and bytes as UTF-8, in order', () => {
    const out = new ExpositionBytes(4);
    out.bytes(Buffer.from('vpp_x{interface="é"} ', 'utf8'));
    out.value('2.5');
    out.text('vpp_y{n="ü"} ');
    out.bigint(7n);
    assert.equal(out.view().toString('utf8'), 'vpp_x{interface="é"} 2.5\nvpp_y{n="ü"} 7\n');
    assert.equal(out.length, out.view().length);
  });
});
