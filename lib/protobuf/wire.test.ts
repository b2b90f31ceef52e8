/**
 * The wire primitives that code outside the compiled codecs uses: keys,
 * varints of numbers past 32 bits, writing in place into a buffer of the
 * message's exact size, and reading without copies.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WireReader } from './wire-reader.ts';
import { tagOf, varintSize, WireType, WireWriter } from './wire-writer.ts';

/** What each write lays out, written by a writer of its own. */
const writes: [string, (w: WireWriter) => void][] = [
  ['a one-byte key', (w) => w.tag(1, WireType.VARINT)],
  ['a two-byte key', (w) => w.tag(300, WireType.LEN)],
  ...[0, 127, 128, 2 ** 21, 2 ** 32 - 1].map((n): [string, (w: WireWriter) => void] => [
    `uint32 ${n}`,
    (w) => w.uint32(n),
  ]),
  ...[0, 2 ** 32, 2 ** 35 + 1, 2 ** 53 - 1].map((n): [string, (w: WireWriter) => void] => [
    `uint53 ${n}`,
    (w) => w.uint53(n),
  ]),
  ['int32 -1', (w) => w.int32(-1)],
  ['a short string', (w) => w.string('abc')],
  ['a short string of wide characters', (w) => w.string('€€')],
  ['a long string', (w) => w.string('x'.repeat(200))],
  ['bytes', (w) => w.bytes(Buffer.alloc(130, 1))],
  ['raw bytes', (w) => w.raw(Buffer.from([1, 2, 3]))],
];

function bytesOf(write: (w: WireWriter) => void): Buffer {
  const w = new WireWriter();
  write(w);
  return w.finish();
}

describe('wire primitives', () => {
  it('keys are the field number and the wire type', () => {
    assert.equal(tagOf(1, WireType.VARINT), 0x08);
    assert.equal(tagOf(3, WireType.LEN), 0x1a);
    assert.deepEqual(
      bytesOf((w) => w.tag(16, WireType.I32)),
      Buffer.from([0x85, 0x01]),
    );
  });

  it('varintSize is the size of the varint written, past 32 bits too', () => {
    for (let bits = 0; bits <= 53; bits++)
      for (const n of [2 ** bits - 1, 2 ** bits]) {
        if (n > Number.MAX_SAFE_INTEGER) continue;
        assert.equal(varintSize(n), bytesOf((w) => w.uint53(n)).length, `${n}`);
      }
  });

  it('writes in place into a buffer of the exact size, never trading it for another', () => {
    for (const [name, write] of writes) {
      const expected = bytesOf(write);
      const out = Buffer.alloc(2 + expected.length, 0xee);
      const w = new WireWriter().into(out, 2);
      write(w);
      assert.equal(w.buf, out, name);
      assert.equal(w.pos, out.length, name);
      assert.deepEqual(out.subarray(2), expected, name);
    }
  });

  it('reads a uint64 as a number, exact up to 2^53', () => {
    for (const n of [0, 1, 300, 2 ** 32, 2 ** 35 + 1, 2 ** 53 - 1]) {
      const bytes = bytesOf((w) => w.uint53(n));
      const r = new WireReader(bytes);
      assert.equal(r.uint64Number(bytes.length), n);
      assert.equal(r.pos, bytes.length);
    }
    const max = bytesOf((w) => w.varintBig(2n ** 64n - 1n));
    assert.equal(new WireReader(max).uint64Number(max.length), 2 ** 64);
  });

  it('reads bytes as a view of the input, bounded by the message', () => {
    const input = Buffer.from([3, 1, 2, 3, 9]);
    const r = new WireReader(input);
    const view = r.bytesView(input.length);
    assert.deepEqual(view, Buffer.from([1, 2, 3]));
    assert.equal(view.buffer, input.buffer);
    assert.equal(r.pos, 4);
    assert.throws(() => new WireReader(input).bytesView(3), /runs past the end/);
  });
});
