/**
 * Keys, ranges, endpoints and key-values between the client's types and
 * etcd's messages. Keys are UTF-8 strings; values are bytes.
 */
import type { Value } from '../protobuf/index.ts';
import { EtcdError } from './errors.ts';

/** A key as etcd stores it, with its revisions. */
export interface KeyValue {
  key: string;
  value: Buffer;
  /** the revision that created the key (0 for a key that does not exist, in a compare) */
  createRevision: number;
  /** the revision of its last change */
  modRevision: number;
  /** how many times it was written since it was created */
  version: number;
  /** the lease it is attached to, as a decimal string; '0' for none */
  lease: string;
}

const EMPTY = Buffer.alloc(0);
const ZERO_BYTE = Buffer.from([0]);

/** A key's bytes; an empty or non-string key is refused (etcd would answer "key is not provided"). */
export function keyBytes(key: unknown, what = 'key'): Buffer {
  if (typeof key !== 'string' || key.length === 0)
    throw new EtcdError(`etcd: the ${what} must be a non-empty string, got ${describe(key)}`);
  return Buffer.from(key, 'utf8');
}

/** A value's bytes: a string is written as UTF-8. */
export function valueBytes(value: unknown, key: string): Buffer {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw new EtcdError(`etcd: the value of key ${JSON.stringify(key)} must be a Buffer or a string`, { key });
}

/**
 * The [key, range_end) of every key that starts with `prefix`: range_end is
 * the prefix with its last byte below 0xff incremented and what follows it
 * dropped. A prefix of 0xff bytes only (or the empty prefix) has no such
 * end: etcd's '\0' means "every key from key on".
 */
export function prefixRange(prefix: unknown): { key: Buffer; range_end: Buffer } {
  if (typeof prefix !== 'string') throw new EtcdError(`etcd: a prefix must be a string, got ${describe(prefix)}`);
  const key = Buffer.from(prefix, 'utf8');
  if (key.length === 0) return { key: ZERO_BYTE, range_end: ZERO_BYTE };
  for (let i = key.length - 1; i >= 0; i--) {
    if (key[i]! < 0xff) {
      const end = Buffer.from(key.subarray(0, i + 1));
      end[i] = key[i]! + 1;
      return { key, range_end: end };
    }
  }
  return { key, range_end: ZERO_BYTE };
}

/** An int64 of a decoded message (a bigint, or undefined when it was 0) as a number: revisions fit 2^53. */
export function int(x: unknown): number {
  return typeof x === 'bigint' ? Number(x) : typeof x === 'number' ? x : 0;
}

/** A lease id of a decoded message as a decimal string ('0' for none). */
export function leaseString(x: unknown): string {
  return typeof x === 'bigint' ? x.toString() : '0';
}

const LEASE_ID = /^-?[0-9]{1,19}$/;

/** A lease id given by a caller, checked: a decimal string of a 64-bit signed integer. */
export function leaseId(id: unknown, key?: string): bigint {
  if (typeof id === 'string' && LEASE_ID.test(id)) {
    const n = BigInt(id);
    if (n >= -(2n ** 63n) && n < 2n ** 63n) return n;
  }
  throw new EtcdError(`etcd: a lease id must be a decimal string of a 64-bit integer, got ${describe(id)}`, { key });
}

export function toKeyValue(kv: Value): KeyValue {
  const key = kv.key instanceof Uint8Array ? Buffer.from(kv.key).toString('utf8') : '';
  return {
    key,
    value: kv.value instanceof Buffer ? kv.value : kv.value instanceof Uint8Array ? Buffer.from(kv.value) : EMPTY,
    createRevision: int(kv.create_revision),
    modRevision: int(kv.mod_revision),
    version: int(kv.version),
    lease: leaseString(kv.lease),
  };
}

export function toKeyValues(kvs: unknown): KeyValue[] {
  return Array.isArray(kvs) ? kvs.map((kv) => toKeyValue(kv as Value)) : [];
}

/** The revision of a response's header. */
export function headerRevision(res: Value): number {
  return int((res.header as Value | undefined)?.revision);
}

const ENDPOINT = /^(?:http:\/\/)?(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})\/?$/;

/**
 * An endpoint as gRPC's target (`host:port`), from `host:port` or
 * `http://host:port`. TLS (`https://`) is not supported: the client speaks
 * plain HTTP/2, for etcd on loopback or a private network.
 */
export function parseEndpoint(endpoint: unknown): string {
  if (typeof endpoint === 'string') {
    if (endpoint.startsWith('https://'))
      throw new EtcdError(`etcd: endpoint ${endpoint}: TLS is not supported, give http:// or host:port`);
    const m = ENDPOINT.exec(endpoint);
    const port = m ? Number(m[2]) : 0;
    if (m && port > 0 && port < 65536) return `${m[1]}:${port}`;
  }
  throw new EtcdError(`etcd: an endpoint must be host:port or http://host:port, got ${describe(endpoint)}`);
}

function describe(x: unknown): string {
  if (typeof x === 'string') return JSON.stringify(x.length > 60 ? `${x.slice(0, 60)}…` : x);
  if (x === null) return 'null';
  return typeof x === 'object' ? (Array.isArray(x) ? 'an array' : 'an object') : `${typeof x} ${String(x)}`;
}
