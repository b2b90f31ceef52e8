/**
 * google.rpc.Status in `grpc-status-details-bin`, with the two detail types
 * vpp-rpc sends: ErrorInfo (VPP's retval and symbol) and BadRequest (the field
 * a value was wrong in). Written and read by hand: three small messages.
 */

export interface ErrorInfo {
  '@type': 'type.googleapis.com/google.rpc.ErrorInfo';
  reason: string;
  domain: string;
  metadata: Record<string, string>;
}

export interface BadRequest {
  '@type': 'type.googleapis.com/google.rpc.BadRequest';
  field_violations: { field: string; description: string }[];
}

export interface UnknownDetail {
  '@type': string;
  /** base64 of the packed message */
  value: string;
}

export type StatusDetail = ErrorInfo | BadRequest | UnknownDetail;

export interface RpcStatus {
  code: number;
  message: string;
  details: StatusDetail[];
}

const ERROR_INFO = 'type.googleapis.com/google.rpc.ErrorInfo';
const BAD_REQUEST = 'type.googleapis.com/google.rpc.BadRequest';

class Writer {
  private parts: Buffer[] = [];
  varint(n: number): this {
    const bytes = [];
    let v = n;
    if (v < 0) {
      // int32 negatives take ten bytes
      let big = BigInt.asUintN(64, BigInt(v));
      while (big >= 0x80n) {
        bytes.push(Number(big & 0x7fn) | 0x80);
        big >>= 7n;
      }
      bytes.push(Number(big));
    } else {
      while (v >= 0x80) {
        bytes.push((v & 0x7f) | 0x80);
        v = Math.floor(v / 128);
      }
      bytes.push(v);
    }
    this.parts.push(Buffer.from(bytes));
    return this;
  }
  tag(field: number, wire: number): this {
    return this.varint((field << 3) | wire);
  }
  bytes(field: number, b: Uint8Array): this {
    this.tag(field, 2).varint(b.length);
    this.parts.push(Buffer.from(b));
    return this;
  }
  string(field: number, s: string): this {
    return this.bytes(field, Buffer.from(s, 'utf8'));
  }
  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}

function encodeDetail(d: StatusDetail): Buffer {
  let value: Buffer;
  if (d['@type'] === ERROR_INFO) {
    const e = d as ErrorInfo;
    const w = new Writer().string(1, e.reason).string(2, e.domain);
    for (const [k, v] of Object.entries(e.metadata)) w.bytes(3, new Writer().string(1, k).string(2, v).finish());
    value = w.finish();
  } else if (d['@type'] === BAD_REQUEST) {
    const w = new Writer();
    for (const f of (d as BadRequest).field_violations)
      w.bytes(1, new Writer().string(1, f.field).string(2, f.description).finish());
    value = w.finish();
  } else value = Buffer.from((d as UnknownDetail).value, 'base64');
  return new Writer().string(1, d['@type']).bytes(2, value).finish();
}

export function encodeStatus(s: RpcStatus): Buffer {
  const w = new Writer();
  if (s.code !== 0) w.tag(1, 0).varint(s.code);
  if (s.message) w.string(2, s.message);
  for (const d of s.details) w.bytes(3, encodeDetail(d));
  return w.finish();
}

/** Fields of one message: number → list of raw values (varints as numbers, the rest as bytes). */
export function readFields(buf: Uint8Array): Map<number, (number | Uint8Array)[]> {
  const out = new Map<number, (number | Uint8Array)[]>();
  let off = 0;
  const varint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (off >= buf.length) throw new Error('truncated varint');
      const b = buf[off++]!;
      if (shift < 32) result += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if ((b & 0x80) === 0) return result;
      if (shift > 70) throw new Error('varint too long');
    }
  };
  while (off < buf.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    let value: number | Uint8Array;
    if (wire === 0) value = varint();
    else if (wire === 2) {
      const len = varint();
      if (off + len > buf.length) throw new Error('truncated field');
      value = buf.subarray(off, off + len);
      off += len;
    } else if (wire === 1) {
      off += 8;
      continue;
    } else if (wire === 5) {
      off += 4;
      continue;
    } else throw new Error(`wire type ${wire}`);
    const list = out.get(field) ?? [];
    list.push(value);
    out.set(field, list);
  }
  return out;
}

const text = (v: number | Uint8Array | undefined): string =>
  v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : '';

/** Parse `grpc-status-details-bin`; throws on bytes that are not a google.rpc.Status. */
export function decodeStatus(buf: Uint8Array): RpcStatus {
  const f = readFields(buf);
  const codeRaw = f.get(1)?.[0];
  const code = typeof codeRaw === 'number' ? codeRaw | 0 : 0;
  const details: StatusDetail[] = [];
  for (const raw of f.get(3) ?? []) {
    if (!(raw instanceof Uint8Array)) continue;
    const any = readFields(raw);
    const type = text(any.get(1)?.[0]);
    const value = any.get(2)?.[0];
    const bytes = value instanceof Uint8Array ? value : new Uint8Array();
    if (type === ERROR_INFO) {
      const e = readFields(bytes);
      const metadata: Record<string, string> = {};
      for (const entry of e.get(3) ?? []) {
        if (!(entry instanceof Uint8Array)) continue;
        const kv = readFields(entry);
        metadata[text(kv.get(1)?.[0])] = text(kv.get(2)?.[0]);
      }
      details.push({ '@type': ERROR_INFO, reason: text(e.get(1)?.[0]), domain: text(e.get(2)?.[0]), metadata });
    } else if (type === BAD_REQUEST) {
      const violations = (readFields(bytes).get(1) ?? []).flatMap((v) => {
        if (!(v instanceof Uint8Array)) return [];
        const fv = readFields(v);
        return [{ field: text(fv.get(1)?.[0]), description: text(fv.get(2)?.[0]) }];
      });
      details.push({ '@type': BAD_REQUEST, field_violations: violations });
    } else details.push({ '@type': type, value: Buffer.from(bytes).toString('base64') });
  }
  return { code, message: text(f.get(2)?.[0]), details };
}
