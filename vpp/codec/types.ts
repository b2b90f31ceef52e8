/**
 * The codec's contract: VPP binary messages ⇄ plain JS values.
 *
 * Values follow the one mapping of vpp/api/mapping.ts, so that a value decoded
 * from VPP is exactly what the proto message (and its JSON) carries:
 *
 * | VPP                                  | value                                                     |
 * | ------------------------------------ | --------------------------------------------------------- |
 * | u8 … u32, i8 … i32                   | number                                                    |
 * | u64, i64                             | bigint (encode also takes a safe-integer number or a decimal string) |
 * | f64                                  | number (little-endian on the wire)                        |
 * | bool                                 | boolean                                                   |
 * | string (fixed or variable)           | string                                                    |
 * | u8 arrays                            | Uint8Array (Buffer)                                       |
 * | address, prefix, ip4/ip6, mac …      | text: "10.0.0.1", "2001:db8::/32", "02:fe:00:00:00:01"     |
 * | enum                                 | its proto enum number (int32: u32 values ≥ 2^31 are negative; encode also takes the symbol or the unsigned value) |
 * | bit-set enum (mapping.isBitset)      | number[] of the bits set (encode: array of numbers/symbols, or a number) |
 * | typedef                              | object                                                    |
 * | union as oneof                       | object with the one arm the discriminator selects         |
 * | union keeping every arm              | object with every arm (encode: the set arm; several set → the widest) |
 * | arrays                               | arrays (fixed arrays decode to exactly N elements)        |
 *
 * Absent (`undefined`) fields encode as zero, or as their VPP default. Proto3
 * cannot tell absent from zero, so "" for a text type is absent too. Hidden
 * fields (length fields, `client_index`, `context`) are never in values: the
 * codec fills them from the arrays and from the header.
 */
import type { ApiModel, MessageDef } from '../api/model.ts';

export type Value = Record<string, unknown>;

/** What goes around a message: its runtime id, and the transport fields. */
export interface Header {
  msgId: number;
  /** written to a top-level `context` field, if the message has one */
  context?: number;
  /** written to every top-level `client_index` field, if the message has one */
  clientIndex?: number;
}

export interface Decoded {
  msgId: number;
  value: Value;
  /** undefined when the message has no `context` field (events) */
  context: number | undefined;
  clientIndex: number | undefined;
}

export interface MessageCodec {
  readonly def: MessageDef;
  /** the key of VPP's message table: `show_version_51077d14` */
  readonly nameCrc: string;
  /** byte offset of `context` in the payload (from the message id), or -1 */
  readonly contextOffset: number;
  /** payload bytes of every value when the layout has no variable part, else -1 */
  readonly fixedSize: number;
  /** the payload: message id, then the fields */
  encode(value: Value | undefined, header: Header): Buffer;
  /** a whole socket frame: the 16-byte frame header, then the payload */
  encodeFrame(value: Value | undefined, header: Header): Buffer;
  /** a payload (from the message id on) back to its value */
  decode(payload: Uint8Array): Decoded;
}

export interface Codec {
  readonly model: ApiModel;
  /** the codec of a message, compiled on first use; throws CodecError for an unknown name */
  message(name: string): MessageCodec;
}

export type CodecErrorKind = 'invalid-value' | 'bad-frame' | 'unknown-message';

/**
 * A value that does not fit its field, or bytes that are not the message they
 * claim to be. `path` names the field: `route.paths[1].nh.address`.
 */
export class CodecError extends Error {
  constructor(
    readonly kind: CodecErrorKind,
    readonly path: string,
    detail: string,
  ) {
    super(path ? `${path}: ${detail}` : detail);
    this.name = 'CodecError';
  }
}
