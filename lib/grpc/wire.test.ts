/**
 * gRPC message framing: prefixes as the spec lays them out, and a reader that
 * gets the same messages however the stream's chunks fall.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status } from './status.ts';
import { encodeFrame, encodeFrames, FrameError, FrameReader, PREFIX_BYTES, writePrefix } from './wire.ts';

const messages = [Buffer.from('one'), Buffer.alloc(0), Buffer.alloc(300, 7), Buffer.from([0, 1, 2, 3, 4, 5])];

/** Every message the reader gets from `chunks`, and the bytes it is left holding. */
function readAll(chunks: Buffer[], max = 1 << 20): { got: Buffer[]; pending: number } {
  const reader = new FrameReader(max);
  const got = chunks.flatMap((c) => reader.push(c));
  return { got, pending: reader.pendingBytes };
}

describe('gRPC message framing', () => {
  it('prefixes a message with the flag 0 and its length, big-endian', () => {
    assert.deepEqual(encodeFrame(Buffer.from('hi')), Buffer.from([0, 0, 0, 0, 2, 0x68, 0x69]));
    assert.deepEqual(encodeFrame(Buffer.alloc(0)), Buffer.from([0, 0, 0, 0, 0]));
    const buf = Buffer.alloc(9, 0xff);
    assert.equal(writePrefix(buf, 2, 0x01020304), 2 + PREFIX_BYTES);
    assert.deepEqual(buf, Buffer.from([0xff, 0xff, 0, 1, 2, 3, 4, 0xff, 0xff]));
  });

  it('frames many messages into one buffer, the same bytes as framing each', () => {
    assert.deepEqual(encodeFrames(messages), Buffer.concat(messages.map(encodeFrame)));
    assert.deepEqual(encodeFrames([]), Buffer.alloc(0));
  });

  it('reads many messages from one chunk, the empty message included', () => {
    const { got, pending } = readAll([encodeFrames(messages)]);
    assert.deepEqual(got, messages);
    assert.equal(pending, 0);
  });

  it('reads the same messages with the stream split at every byte position', () => {
    const whole = encodeFrames(messages);
    for (let at = 0; at <= whole.length; at++) {
      const { got, pending } = readAll([whole.subarray(0, at), whole.subarray(at)]);
      assert.deepEqual(got, messages, `split at ${at}`);
      assert.equal(pending, 0);
    }
  });

  it('reads the same messages from chunks of one byte, and of every size up to the stream', () => {
    const whole = encodeFrames(messages);
    for (let size = 1; size <= whole.length; size += size < 16 ? 1 : 37) {
      const chunks: Buffer[] = [];
      for (let p = 0; p < whole.length; p += size) chunks.push(whole.subarray(p, p + size));
      assert.deepEqual(readAll(chunks).got, messages, `chunks of ${size}`);
    }
  });

  it('holds an unfinished message until its last byte arrives, and says how much it holds', () => {
    const reader = new FrameReader(100);
    const frame = encodeFrame(Buffer.from('abcdef'));
    assert.deepEqual(reader.push(frame.subarray(0, 3)), []);
    assert.equal(reader.pendingBytes, 3);
    assert.deepEqual(reader.push(frame.subarray(3, 8)), []);
    assert.equal(reader.pendingBytes, 8);
    assert.deepEqual(reader.push(Buffer.concat([frame.subarray(8), encodeFrame(Buffer.from('g'))])), [
      Buffer.from('abcdef'),
      Buffer.from('g'),
    ]);
    assert.equal(reader.pendingBytes, 0);
  });

  it('refuses a message over the limit as soon as its prefix is read, with RESOURCE_EXHAUSTED', () => {
    const reader = new FrameReader(10);
    assert.deepEqual(reader.push(encodeFrame(Buffer.alloc(10))), [Buffer.alloc(10)]);
    const big = encodeFrame(Buffer.alloc(11));
    assert.deepEqual(reader.push(big.subarray(0, 3)), []);
    assert.throws(
      () => reader.push(big.subarray(3, 5)),
      (e: unknown) =>
        e instanceof FrameError &&
        e.code === status.RESOURCE_EXHAUSTED &&
        e.message === 'a 11-byte message, over the 10-byte limit',
    );
  });

  it('refuses a compressed message, and a flag that is neither 0 nor 1, with INTERNAL', () => {
    const compressed = encodeFrame(Buffer.from('z'));
    compressed[0] = 1;
    assert.throws(
      () => new FrameReader(100).push(Buffer.concat([encodeFrame(Buffer.from('ok')), compressed])),
      (e: unknown) => e instanceof FrameError && e.code === status.INTERNAL && /compressed message/.test(e.message),
    );
    compressed[0] = 0x80;
    assert.throws(
      () => new FrameReader(100).push(compressed),
      (e: unknown) => e instanceof FrameError && e.code === status.INTERNAL && /flag 128/.test(e.message),
    );
  });
});
