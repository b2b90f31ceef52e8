/**
 * google.rpc.Status in `grpc-status-details-bin`, with the two detail types
 * vpp-rpc sends: ErrorInfo (VPP's retval and symbol) and BadRequest (the field
 * a value was wrong in). Three small messages, written and read field by field
 * with the protobuf codecs' own WireWriter and WireReader: the gateway reads
 * them with no schema loaded.
 */
import { WireReader } from '../protobuf/wire-reader.ts';
import { WireType, WireWriter, tagOf } from '../protobuf/wire-writer.ts';
import { BAD_REQUEST_TYPE_URL, ERROR_INFO_TYPE_URL } from '../wire-names.ts';

export interface ErrorInfo {
  '@type': typeof ERROR_INFO_TYPE_URL;
  reason: string;
  domain: string;
  metadata: Record<string, string>;
}

export interface BadRequest {
  '@type': typeof BAD_REQUEST_TYPE_URL;
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

const { VARINT, LEN } = WireType;

/** A string field (proto3: left out when empty). */
function writeString(w: WireWriter, field: number, s: string): void {
  if (s === '') return;
  w.tag(field, LEN);
  w.string(s);
}

/** A message field whose content `body` writes. */
function writeMessage(w: WireWriter, field: number, body: (w: WireWriter) => void): void {
  w.tag(field, LEN);
  const at = w.beginLength();
  body(w);
  w.endLength(at);
}

/** A detail as google.protobuf.Any: its type URL and the packed message. */
function writeDetail(w: WireWriter, d: StatusDetail): void {
  writeString(w, 1, d['@type']);
  if (d['@type'] === ERROR_INFO_TYPE_URL) {
    const e = d as ErrorInfo;
    writeMessage(w, 2, (w) => {
      writeString(w, 1, e.reason);
      writeString(w, 2, e.domain);
      for (const [k, v] of Object.entries(e.metadata))
        writeMessage(w, 3, (w) => {
          writeString(w, 1, k);
          writeString(w, 2, v);
        });
    });
  } else if (d['@type'] === BAD_REQUEST_TYPE_URL) {
    writeMessage(w, 2, (w) => {
      for (const f of (d as BadRequest).field_violations)
        writeMessage(w, 1, (w) => {
          writeString(w, 1, f.field);
          writeString(w, 2, f.description);
        });
    });
  } else {
    const value = Buffer.from((d as UnknownDetail).value, 'base64');
    if (value.length) {
      w.tag(2, LEN);
      w.bytes(value);
    }
  }
}

export function encodeStatus(s: RpcStatus): Buffer {
  const w = new WireWriter();
  if (s.code !== 0) {
    w.tag(1, VARINT);
    w.int32(s.code);
  }
  writeString(w, 2, s.message);
  for (const d of s.details) writeMessage(w, 3, (w) => writeDetail(w, d));
  return w.finish();
}

/** The keys of the fields read here: field number and wire type. */
const FIELD1_VARINT = tagOf(1, VARINT);
const FIELD1 = tagOf(1, LEN);
const FIELD2 = tagOf(2, LEN);
const FIELD3 = tagOf(3, LEN);

/**
 * Reads the fields of the message that runs to `end`: `field(key)` reads the
 * value of each field it knows and says true; the others are skipped. The
 * reader is left at `end`.
 */
function readMessage(r: WireReader, end: number, field: (key: number) => boolean): void {
  while (r.pos < end) {
    const key = r.tag(end);
    if (!field(key)) r.skip(key, end, 0);
  }
}

/** A message of two string fields, 1 and 2: a map entry, a field violation. */
function readPair(r: WireReader, end: number): [string, string] {
  const pair: [string, string] = ['', ''];
  readMessage(r, end, (key) => {
    if (key === FIELD1) pair[0] = r.string(end);
    else if (key === FIELD2) pair[1] = r.string(end);
    else return false;
    return true;
  });
  return pair;
}

function readErrorInfo(r: WireReader, end: number): ErrorInfo {
  const e: ErrorInfo = { '@type': ERROR_INFO_TYPE_URL, reason: '', domain: '', metadata: {} };
  readMessage(r, end, (key) => {
    if (key === FIELD1) e.reason = r.string(end);
    else if (key === FIELD2) e.domain = r.string(end);
    else if (key === FIELD3) {
      const [k, v] = readPair(r, r.lengthEnd(end));
      e.metadata[k] = v;
    } else return false;
    return true;
  });
  return e;
}

function readBadRequest(r: WireReader, end: number): BadRequest {
  const b: BadRequest = { '@type': BAD_REQUEST_TYPE_URL, field_violations: [] };
  readMessage(r, end, (key) => {
    if (key !== FIELD1) return false;
    const [field, description] = readPair(r, r.lengthEnd(end));
    b.field_violations.push({ field, description });
    return true;
  });
  return b;
}

/** A google.protobuf.Any of the details: the two types known here decoded, any other kept as base64. */
function readDetail(r: WireReader, end: number): StatusDetail {
  let type = '';
  let value: Buffer = Buffer.alloc(0);
  readMessage(r, end, (key) => {
    if (key === FIELD1) type = r.string(end);
    else if (key === FIELD2) value = r.bytesView(end);
    else return false;
    return true;
  });
  const inner = new WireReader(value);
  if (type === ERROR_INFO_TYPE_URL) return readErrorInfo(inner, value.length);
  if (type === BAD_REQUEST_TYPE_URL) return readBadRequest(inner, value.length);
  return { '@type': type, value: value.toString('base64') };
}

/** The google.rpc.Status that runs from the reader's position to `end`. */
export function readStatus(r: WireReader, end: number): RpcStatus {
  const s: RpcStatus = { code: 0, message: '', details: [] };
  readMessage(r, end, (key) => {
    if (key === FIELD1_VARINT) s.code = r.int32(end);
    else if (key === FIELD2) s.message = r.string(end);
    else if (key === FIELD3) s.details.push(readDetail(r, r.lengthEnd(end)));
    else return false;
    return true;
  });
  return s;
}

/** Parse `grpc-status-details-bin`; throws a ProtoError on bytes that are not a google.rpc.Status. */
export function decodeStatus(buf: Uint8Array): RpcStatus {
  const r = new WireReader(buf);
  return readStatus(r, r.buf.length);
}
