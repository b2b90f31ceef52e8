/**
 * gRPC's message framing on an HTTP/2 stream (PROTOCOL-HTTP2.md of
 * grpc/grpc, "Length-Prefixed-Message"): each message goes out behind a
 * 5-byte prefix, a compressed flag (one byte) and the message's length (u32,
 * big-endian). The product never compresses messages: it writes the flag 0,
 * and refuses a compressed message, which it never asked for.
 */
import { status } from './status.ts';

/** Bytes in front of every message: the compressed flag and the length. */
export const PREFIX_BYTES = 5;

/** A message that cannot be read from the stream; `code` is the gRPC status the call ends with. */
export class FrameError extends Error {
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
    this.name = 'FrameError';
  }
}

/** Writes the prefix of a `length`-byte uncompressed message at `at`; returns where the message goes. */
export function writePrefix(buf: Buffer, at: number, length: number): number {
  buf[at] = 0;
  buf.writeUInt32BE(length, at + 1);
  return at + PREFIX_BYTES;
}

/** One message behind its prefix. */
export function encodeFrame(message: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(PREFIX_BYTES + message.length);
  out.set(message, writePrefix(out, 0, message.length));
  return out;
}

/** Many messages, each behind its prefix, in one buffer: one write for all of them. */
export function encodeFrames(messages: readonly Uint8Array[]): Buffer {
  let total = 0;
  for (const m of messages) total += PREFIX_BYTES + m.length;
  const out = Buffer.allocUnsafe(total);
  let p = 0;
  for (const m of messages) {
    p = writePrefix(out, p, m.length);
    out.set(m, p);
    p += m.length;
  }
  return out;
}

/**
 * Cuts the chunks of a stream into messages, however they fall: a prefix or a
 * message split over chunks, several messages in one. Bytes of an unfinished
 * message are kept as they came and joined once, when the last of them
 * arrives, so that a large message in many small chunks costs one copy.
 * The messages returned are views of the chunks.
 */
export class FrameReader {
  /** chunks holding the start of the next message (none: it starts at the next chunk) */
  private parts: Buffer[] = [];
  private partBytes = 0;
  /** bytes the parts must reach before the next message (or its prefix) can be read */
  private wanted = PREFIX_BYTES;

  /** `maxMessageBytes`: a longer message fails the stream with RESOURCE_EXHAUSTED as soon as its prefix is read. */
  constructor(private readonly maxMessageBytes: number) {}

  /** The messages `chunk` completes, in order; throws FrameError on a message the stream cannot carry. */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let buf = chunk;
    if (this.parts.length) {
      this.parts.push(chunk);
      this.partBytes += chunk.length;
      if (this.partBytes < this.wanted) return out;
      buf = Buffer.concat(this.parts, this.partBytes);
      this.parts = [];
      this.partBytes = 0;
    }
    let p = 0;
    let length = -1;
    while (buf.length - p >= PREFIX_BYTES) {
      length = this.messageLength(buf, p);
      if (buf.length - p - PREFIX_BYTES < length) break;
      p += PREFIX_BYTES;
      out.push(buf.subarray(p, p + length));
      p += length;
      length = -1;
    }
    if (p < buf.length) {
      this.parts.push(p === 0 ? buf : buf.subarray(p));
      this.partBytes = buf.length - p;
      this.wanted = length < 0 ? PREFIX_BYTES : PREFIX_BYTES + length;
    }
    return out;
  }

  /** Bytes of a message begun and not finished: more than 0 when the stream ends means it was cut short. */
  get pendingBytes(): number {
    return this.partBytes;
  }

  private messageLength(buf: Buffer, at: number): number {
    const flag = buf[at]!;
    if (flag !== 0)
      throw new FrameError(
        status.INTERNAL,
        flag === 1
          ? 'a compressed message, which was not asked for (no grpc-encoding is accepted)'
          : `a message prefix with the flag ${flag} (0 and 1 are the only ones)`,
      );
    const length = buf.readUInt32BE(at + 1);
    if (length > this.maxMessageBytes)
      throw new FrameError(
        status.RESOURCE_EXHAUSTED,
        `a ${length}-byte message, over the ${this.maxMessageBytes}-byte limit`,
      );
    return length;
  }
}
