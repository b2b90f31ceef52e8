/**
 * VPP's socket framing: a 16-byte header (8 bytes VPP may leave non-zero, a
 * big-endian u32 payload length, 4 bytes zero), then the payload.
 */
import { CodecError } from './types.ts';

export const FRAME_HEADER_SIZE = 16;
/** VPP's largest message (the message table) is ~140 KB; anything near this is corrupt. */
export const DEFAULT_MAX_PAYLOAD = 64 * 1024 * 1024;

/** Write the header for a payload of `length` bytes at the start of `frame`. */
export function writeFrameHeader(frame: Buffer, length: number): void {
  frame.fill(0, 0, FRAME_HEADER_SIZE);
  frame.writeUInt32BE(length, 8);
}

/** A frame around an already encoded payload. */
export function frame(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_SIZE + payload.length);
  writeFrameHeader(out, payload.length);
  out.set(payload, FRAME_HEADER_SIZE);
  return out;
}

/**
 * Reassembles payloads from socket reads: frames split across reads and many
 * frames in one read. Payloads handed out are copies, safe to keep.
 */
export class FrameReader {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** total bytes (header included) of the frame being collected, once its header is in */
  private needed = 0;

  constructor(private readonly maxPayload = DEFAULT_MAX_PAYLOAD) {}

  /** Bytes held waiting for the rest of a frame. */
  get buffered(): number {
    return this.pendingBytes;
  }

  /** Feed one read; returns the payloads it completed. Throws CodecError on an impossible length. */
  push(chunk: Buffer): Buffer[] {
    let buf = chunk;
    if (this.pendingBytes > 0) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      if (this.needed === 0 && this.pendingBytes >= FRAME_HEADER_SIZE) {
        const head = Buffer.concat(this.pending, this.pendingBytes);
        this.pending = [head];
        this.needed = FRAME_HEADER_SIZE + this.payloadLength(head, 0);
      }
      // a large frame arrives in many reads: join them once, when it is complete
      if (this.needed === 0 || this.pendingBytes < this.needed) return [];
      buf = Buffer.concat(this.pending, this.pendingBytes);
      this.pending = [];
      this.pendingBytes = 0;
      this.needed = 0;
    }
    const out: Buffer[] = [];
    let off = 0;
    while (buf.length - off >= FRAME_HEADER_SIZE) {
      const end = off + FRAME_HEADER_SIZE + this.payloadLength(buf, off);
      if (end > buf.length) {
        this.needed = end - off;
        break;
      }
      out.push(Buffer.from(buf.subarray(off + FRAME_HEADER_SIZE, end)));
      off = end;
    }
    if (off < buf.length) {
      this.pending = [Buffer.from(buf.subarray(off))];
      this.pendingBytes = buf.length - off;
    }
    return out;
  }

  private payloadLength(buf: Buffer, off: number): number {
    const len = buf.readUInt32BE(off + 8);
    if (len > this.maxPayload)
      throw new CodecError('bad-frame', '', `frame of ${len} bytes exceeds the ${this.maxPayload}-byte limit`);
    if (len < 2) throw new CodecError('bad-frame', '', `frame of ${len} bytes has no message id`);
    return len;
  }

  reset(): void {
    this.pending = [];
    this.pendingBytes = 0;
    this.needed = 0;
  }
}
