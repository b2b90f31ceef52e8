/**
 * One message's codec: the message id, then the compiled body. The exact
 * size is known before anything is written (at compile time for messages of
 * a fixed size), so each encode allocates its output once.
 */
import type { MessageDef } from '../api/model.ts';
import { MSG_ID_SIZE, type CompiledMessage } from './compile.ts';
import { FRAME_HEADER_SIZE, writeFrameHeader } from './framing.ts';
import { Reader } from './node.ts';
import { toCodecError } from './problem.ts';
import { getU16 } from './scalars.ts';
import { CodecError, type Decoded, type Header, type MessageCodec, type Value } from './types.ts';

function checkHeader(h: Header): void {
  const { msgId, context, clientIndex } = h;
  if (typeof msgId !== 'number' || (msgId & 0xffff) !== msgId)
    throw new CodecError('invalid-value', 'msgId', `expected an integer 0..65535, got ${String(msgId)}`);
  if (context !== undefined && (typeof context !== 'number' || context >>> 0 !== context))
    throw new CodecError('invalid-value', 'context', `expected an integer 0..4294967295, got ${String(context)}`);
  if (clientIndex !== undefined && (typeof clientIndex !== 'number' || clientIndex >>> 0 !== clientIndex))
    throw new CodecError(
      'invalid-value',
      'clientIndex',
      `expected an integer 0..4294967295, got ${String(clientIndex)}`,
    );
}

export class CompiledMessageCodec implements MessageCodec {
  readonly nameCrc: string;
  readonly contextOffset: number;
  /** payload bytes of every value, or -1 when they depend on the value */
  readonly fixedSize: number;
  private readonly compiled: CompiledMessage;

  constructor(
    readonly def: MessageDef,
    compiled: CompiledMessage,
  ) {
    this.compiled = compiled;
    this.nameCrc = `${def.name}_${def.crc.replace(/^0x/, '')}`;
    this.contextOffset = compiled.contextOffset;
    this.fixedSize = compiled.body.fixed < 0 ? -1 : MSG_ID_SIZE + compiled.body.fixed;
  }

  encode(value: Value | undefined, header: Header): Buffer {
    return this.encodeAt(0, value, header);
  }

  encodeFrame(value: Value | undefined, header: Header): Buffer {
    return this.encodeAt(FRAME_HEADER_SIZE, value, header);
  }

  /** The payload after `at` bytes of room for a frame header (filled in when `at` is nonzero). */
  private encodeAt(at: number, value: Value | undefined, header: Header): Buffer {
    checkHeader(header);
    const body = this.compiled.body;
    try {
      const size = this.fixedSize >= 0 ? this.fixedSize : MSG_ID_SIZE + body.size(value);
      const out = Buffer.allocUnsafe(at + size);
      if (at > 0) writeFrameHeader(out, size);
      out[at] = header.msgId >>> 8;
      out[at + 1] = header.msgId;
      const end = body.write(out, at + MSG_ID_SIZE, value, header);
      if (end !== at + size) throw new Error(`${this.def.name}: wrote ${end - at} bytes, expected ${size}`);
      return out;
    } catch (e) {
      throw toCodecError(e, 'invalid-value');
    }
  }

  decode(payload: Uint8Array): Decoded {
    const buf = Buffer.isBuffer(payload)
      ? payload
      : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    const body = this.compiled.body;
    const least = this.fixedSize >= 0 ? this.fixedSize : MSG_ID_SIZE;
    if (buf.length < least)
      throw new CodecError('bad-frame', '', `${this.def.name} needs ${least} bytes, got ${buf.length}`);
    const r = new Reader(buf, buf.length);
    r.pos = MSG_ID_SIZE;
    let value: Value;
    try {
      value = body.read(r) as Value;
    } catch (e) {
      throw toCodecError(e, 'bad-frame');
    }
    return {
      msgId: getU16(buf, 0),
      value,
      context: this.compiled.hasContext ? r.context : undefined,
      clientIndex: this.compiled.hasClientIndex ? r.clientIndex : undefined,
    };
  }
}
