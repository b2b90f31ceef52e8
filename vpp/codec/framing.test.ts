import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { frame, FrameReader } from './framing.ts';
import { CodecError } from './types.ts';

const payload = (n: number, fill: number): Buffer => Buffer.alloc(n, fill);

describe('FrameReader', () => {
  it('splits frames packed in one read', () => {
    const r = new FrameReader();
    const out = r.push(Buffer.concat([frame(payload(10, 1)), frame(payload(3, 2)), frame(payload(5, 3))]));
    assert.deepEqual(
      out.map((p) => [p.length, p[0]]),
      [
        [10, 1],
        [3, 2],
        [5, 3],
      ],
    );
    assert.equal(r.buffered, 0);
  });

  it('joins a frame split across reads, at every split point', () => {
    const whole = Buffer.concat([frame(payload(40, 7)), frame(payload(2, 8))]);
    for (let cut = 1; cut < whole.length; cut++) {
      const r = new FrameReader();
      const out = [...r.push(whole.subarray(0, cut)), ...r.push(whole.subarray(cut))];
      assert.deepEqual(
        out.map((p) => p.length),
        [40, 2],
        `cut at ${cut}`,
      );
    }
  });

  it('collects a large frame from many small reads', () => {
    const big = frame(payload(140_000, 9));
    const r = new FrameReader();
    const out: Buffer[] = [];
    for (let i = 0; i < big.length; i += 1000) out.push(...r.push(big.subarray(i, i + 1000)));
    assert.equal(out.length, 1);
    assert.equal(out[0]!.length, 140_000);
    assert.ok(out[0]!.every((b) => b === 9));
  });

  it('ignores the bytes VPP leaves in the first eight header bytes', () => {
    const f = frame(payload(4, 5));
    f.write('8072063001000000', 0, 'hex');
    assert.equal(new FrameReader().push(f)[0]!.length, 4);
  });

  it('rejects impossible lengths', () => {
    const f = frame(payload(4, 5));
    f.writeUInt32BE(0xffffffff, 8);
    assert.throws(() => new FrameReader().push(f), CodecError);
    const empty = Buffer.alloc(16);
    assert.throws(() => new FrameReader().push(empty), /no message id/);
  });
});
