/**
 * The journal's records as bytes: what a file keeps, and what etcd keeps
 * under one key each.
 *
 *   record = u32 length of body | u32 CRC-32 of body | body      (big-endian)
 *   body   = u8 type | …
 *     ENTRY:    u32 seq high | u32 seq low | u16 rpc length | rpc (UTF-8)
 *               | u32 meta length | meta (JSON: refs, allocated; may be empty)
 *               | request (the RPC's protobuf message, to the end)
 *     INSTANCE: JSON of the VPP instance the entries were applied to
 *     VOID:     u32 seq high | u32 seq low: the entry of that seq, written
 *               before VPP answered (journal.ts, writeAhead), was refused
 *
 * The CRC tells a record written whole from one torn by a crash or a power
 * loss. The request travels as the protobuf bytes the RPC takes, so that a
 * record costs no second encoding and replays through the RPC's own codec.
 */
import { crc32 } from 'node:zlib';

export const RECORD_HEADER = 8;
const ENTRY = 1;
const INSTANCE = 2;
const VOID = 3;
/** the largest body the journal writes: a request is at most the server's message size (16 MiB by default) */
export const MAX_BODY = 256 * 1024 * 1024;

/** An index field of a request that refers to an object an earlier entry created. */
export interface EntryRef {
  /** where in the request: field names and array positions */
  path: (string | number)[];
  /** the entry whose reply handed out the index */
  owner: number;
  /** the field of that reply */
  field: string;
}

export interface JournalEntry {
  seq: number;
  /** the RPC's gRPC path: `/vpp.ip.Ip/IpRouteAddDel` */
  rpc: string;
  /** the request message (protobuf) */
  request: Buffer;
  refs: EntryRef[];
  /** reply fields that handed out indexes, as the VPP it was last applied to answered */
  allocated: Record<string, number> | undefined;
}

/** The VPP process the journal's entries were last applied to. */
export interface VppInstance {
  /** `/sys/boottime` of its stats segment (seconds since the epoch); 0 when unknown */
  boottime: number;
  /** its process id (control_ping's vpe_pid) */
  pid: number;
}

export type JournalRecord =
  { type: 'entry'; entry: JournalEntry } | { type: 'instance'; instance: VppInstance } | { type: 'void'; seq: number };

function frame(body: Buffer): Buffer {
  body.writeUInt32BE(body.length - RECORD_HEADER, 0);
  body.writeUInt32BE(crc32(body.subarray(RECORD_HEADER)), 4);
  return body;
}

/** each RPC's path as bytes, made once */
const rpcBytes = new Map<string, Buffer>();

export function encodeEntry(e: JournalEntry): Buffer {
  let rpc = rpcBytes.get(e.rpc);
  if (!rpc) rpcBytes.set(e.rpc, (rpc = Buffer.from(e.rpc, 'utf8')));
  const meta =
    e.refs.length || e.allocated
      ? Buffer.from(JSON.stringify({ ...(e.refs.length ? { refs: e.refs } : {}), allocated: e.allocated }))
      : EMPTY;
  const out = Buffer.allocUnsafe(RECORD_HEADER + 1 + 8 + 2 + rpc.length + 4 + meta.length + e.request.length);
  let p = RECORD_HEADER;
  out[p++] = ENTRY;
  writeSeq(out, p, e.seq);
  p += 8;
  out.writeUInt16BE(rpc.length, p);
  p += 2;
  p += rpc.copy(out, p);
  out.writeUInt32BE(meta.length, p);
  p += 4;
  p += meta.copy(out, p);
  e.request.copy(out, p);
  return frame(out);
}

export function encodeInstance(i: VppInstance): Buffer {
  const json = Buffer.from(JSON.stringify(i));
  const out = Buffer.allocUnsafe(RECORD_HEADER + 1 + json.length);
  out[RECORD_HEADER] = INSTANCE;
  json.copy(out, RECORD_HEADER + 1);
  return frame(out);
}

export function encodeVoid(seq: number): Buffer {
  const out = Buffer.allocUnsafe(RECORD_HEADER + 1 + 8);
  out[RECORD_HEADER] = VOID;
  writeSeq(out, RECORD_HEADER + 1, seq);
  return frame(out);
}

function writeSeq(out: Buffer, p: number, seq: number): void {
  out.writeUInt32BE(Math.floor(seq / 2 ** 32), p);
  out.writeUInt32BE(seq >>> 0, p + 4);
}

const readSeq = (body: Buffer, p: number): number => body.readUInt32BE(p) * 2 ** 32 + body.readUInt32BE(p + 4);

export class RecordError extends Error {
  override name = 'RecordError';
}

/** A record's body (CRC already checked) as what it holds. */
export function decodeBody(body: Buffer): JournalRecord {
  const type = body[0];
  if (type === INSTANCE) {
    const i = JSON.parse(body.subarray(1).toString('utf8')) as VppInstance;
    return { type: 'instance', instance: { boottime: Number(i.boottime) || 0, pid: Number(i.pid) || 0 } };
  }
  if (type === VOID) {
    if (body.length !== 9) throw new RecordError('void record of the wrong length');
    return { type: 'void', seq: readSeq(body, 1) };
  }
  if (type !== ENTRY) throw new RecordError(`unknown record type ${String(type)}`);
  if (body.length < 15) throw new RecordError('entry record too short');
  let p = 1;
  const seq = readSeq(body, p);
  p += 8;
  const rpcLength = body.readUInt16BE(p);
  p += 2;
  const rpc = body.toString('utf8', p, p + rpcLength);
  p += rpcLength;
  if (p + 4 > body.length) throw new RecordError('entry record too short');
  const metaLength = body.readUInt32BE(p);
  p += 4;
  if (p + metaLength > body.length) throw new RecordError('entry metadata runs past the record');
  const meta = metaLength
    ? (JSON.parse(body.toString('utf8', p, p + metaLength)) as Pick<JournalEntry, 'refs' | 'allocated'>)
    : undefined;
  p += metaLength;
  return {
    type: 'entry',
    entry: { seq, rpc, refs: meta?.refs ?? [], allocated: meta?.allocated, request: body.subarray(p) },
  };
}

/** What a scan of concatenated records found. */
export interface Scan {
  records: JournalRecord[];
  /** bytes of whole, valid records from the start */
  validBytes: number;
  /**
   * Where the bytes stop being records, if they do before the end: `torn`
   * when nothing valid follows (a record cut short by a crash), otherwise
   * the data is damaged in the middle.
   */
  problem?: { offset: number; torn: boolean; reason: string };
}

/** Reads records one after another from `bytes` (starting at `start`). */
export function scanRecords(bytes: Buffer, start = 0): Scan {
  const records: JournalRecord[] = [];
  let p = start;
  const stop = (reason: string): Scan => ({
    records,
    validBytes: p,
    problem: { offset: p, torn: !validRecordAfter(bytes, p + 1), reason },
  });
  while (p < bytes.length) {
    if (p + RECORD_HEADER > bytes.length) return stop('a record header cut short');
    const length = bytes.readUInt32BE(p);
    if (length === 0 || length > MAX_BODY) return stop(`a record length of ${length} bytes`);
    if (p + RECORD_HEADER + length > bytes.length) return stop('a record cut short');
    const body = bytes.subarray(p + RECORD_HEADER, p + RECORD_HEADER + length);
    if (crc32(body) !== bytes.readUInt32BE(p + 4)) return stop('a record whose checksum does not match');
    try {
      records.push(decodeBody(body));
    } catch (e) {
      return stop((e as Error).message);
    }
    p += RECORD_HEADER + length;
  }
  return { records, validBytes: p };
}

/**
 * Whether a whole, valid record starts anywhere after `from`. A crash tears
 * only the last records written; a valid one after a bad one means the data
 * is damaged in the middle, and dropping the rest would lose entries silently.
 */
function validRecordAfter(bytes: Buffer, from: number): boolean {
  if (bytes.length - from > TORN_SEARCH_LIMIT) return true;
  for (let q = from; q + RECORD_HEADER < bytes.length; q++) {
    const length = bytes.readUInt32BE(q);
    if (length === 0 || q + RECORD_HEADER + length > bytes.length) continue;
    if (crc32(bytes.subarray(q + RECORD_HEADER, q + RECORD_HEADER + length)) === bytes.readUInt32BE(q + 4)) return true;
  }
  return false;
}

/** past this many bytes after a bad record, no crash explains it: the journal is damaged */
const TORN_SEARCH_LIMIT = 64 * 1024 * 1024;

const EMPTY = Buffer.alloc(0);
