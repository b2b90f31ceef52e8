/**
 * Transactions: the client's compares and operations as etcd's Compare and
 * RequestOp messages, and etcd's ResponseOp back as results.
 */
import type { Value } from '../protobuf/index.ts';
import { EtcdError } from './errors.ts';
import { int, keyBytes, leaseId, prefixRange, toKeyValues, valueBytes, type KeyValue } from './keys.ts';
import { COMPARE_RESULT, COMPARE_TARGET } from './proto.ts';

export type CompareOp = keyof typeof COMPARE_RESULT;

/**
 * A test on one key; `op` defaults to '=='. A key that does not exist has
 * createRevision, modRevision and version 0: `{ key, target: 'createRevision',
 * value: 0 }` holds only while the key is absent (a name claim).
 */
export type Compare =
  | { key: string; target: 'createRevision' | 'modRevision' | 'version'; op?: CompareOp; value: number }
  | { key: string; target: 'value'; op?: CompareOp; value: Buffer | string }
  | { key: string; target: 'lease'; op?: CompareOp; value: string };

export type Op =
  | { type: 'put'; key: string; value: Buffer | string; lease?: string }
  | { type: 'get'; key: string }
  | { type: 'getPrefix'; prefix: string; from?: string; keysOnly?: boolean; limit?: number }
  | { type: 'delete'; key: string }
  | { type: 'deletePrefix'; prefix: string };

/** The result of one Op, in the order of the branch that ran. */
export type OpResult =
  { type: 'get'; kvs: KeyValue[]; more: boolean } | { type: 'put' } | { type: 'delete'; deleted: number };

export interface Txn {
  compare?: Compare[];
  success?: Op[];
  failure?: Op[];
}

export interface TxnResult {
  /** whether every compare held (then `success` ran, else `failure`) */
  succeeded: boolean;
  revision: number;
  responses: OpResult[];
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function fail(where: string, message: string, key?: string): never {
  throw new EtcdError(`etcd: txn ${where}: ${message}`, { key });
}

function compareValue(c: Record<string, unknown>, where: string, key: string): unknown {
  const v = c.value;
  switch (c.target) {
    case 'createRevision':
    case 'modRevision':
    case 'version':
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
        fail(where, `${c.target} must be compared with an integer ≥ 0`, key);
      return v;
    case 'value':
      return valueBytes(v, key);
    case 'lease':
      return leaseId(v, key);
    default:
      return fail(
        where,
        `unknown target ${JSON.stringify(c.target)} (createRevision, modRevision, version, value, lease)`,
        key,
      );
  }
}

export function compareMessage(c: unknown, where: string): Value {
  if (!isObject(c)) fail(where, 'a compare must be an object');
  const key = keyBytes(c.key, `key of ${where}`);
  const op = c.op ?? '==';
  if (typeof op !== 'string' || !(op in COMPARE_RESULT)) fail(where, `unknown op ${JSON.stringify(op)} (==, !=, >, <)`);
  const value = compareValue(c, where, c.key as string);
  const t = COMPARE_TARGET[c.target as keyof typeof COMPARE_TARGET];
  return { result: COMPARE_RESULT[op as CompareOp], target: t.target, key, [t.field]: value };
}

function limitOf(limit: unknown, where: string): number {
  if (limit === undefined) return 0;
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 0)
    fail(where, 'limit must be an integer ≥ 0 (0: no limit)');
  return limit;
}

/**
 * A range request: one key, or every key of a prefix; with `from`, the keys
 * of the prefix from that one on (a page after the one that ended before it).
 */
export function rangeMessage(
  o: { key?: unknown; prefix?: unknown; from?: unknown; keysOnly?: unknown; limit?: unknown },
  where: string,
): Value {
  const range = o.prefix !== undefined ? prefixRange(o.prefix) : { key: keyBytes(o.key, `key of ${where}`) };
  if (o.prefix !== undefined && o.from !== undefined) {
    if (typeof o.from !== 'string' || !o.from.startsWith(o.prefix as string))
      fail(where, `from must be a key under the prefix ${JSON.stringify(o.prefix)}, got ${JSON.stringify(o.from)}`);
    range.key = Buffer.from(o.from, 'utf8');
  }
  return { ...range, keys_only: o.keysOnly === true, limit: limitOf(o.limit, where) };
}

/** A delete of every key of a prefix; the empty prefix (every key of etcd) is refused. */
export function deletePrefixMessage(prefix: unknown): Value {
  if (prefix === '') throw new EtcdError('etcd: refusing to delete with the empty prefix: it would delete every key');
  return prefixRange(prefix);
}

export function putMessage(key: unknown, value: unknown, lease: unknown, where: string): Value {
  const k = keyBytes(key, `key of ${where}`);
  return {
    key: k,
    value: valueBytes(value, key as string),
    lease: lease === undefined ? 0n : leaseId(lease, key as string),
  };
}

export function opMessage(o: unknown, where: string): Value {
  if (!isObject(o)) fail(where, 'an op must be an object');
  switch (o.type) {
    case 'put':
      return { request_put: putMessage(o.key, o.value, o.lease, where) };
    case 'get':
      return { request_range: rangeMessage({ key: o.key }, where) };
    case 'getPrefix':
      return {
        request_range: rangeMessage({ prefix: o.prefix, from: o.from, keysOnly: o.keysOnly, limit: o.limit }, where),
      };
    case 'delete':
      return { request_delete_range: { key: keyBytes(o.key, `key of ${where}`) } };
    case 'deletePrefix':
      return { request_delete_range: deletePrefixMessage(o.prefix) };
    default:
      return fail(where, `unknown op type ${JSON.stringify(o.type)} (put, get, getPrefix, delete, deletePrefix)`);
  }
}

function list(x: unknown, name: string): unknown[] {
  if (x === undefined) return [];
  if (!Array.isArray(x)) fail(name, 'must be an array');
  return x;
}

/**
 * etcd's TxnRequest. etcd 3.4 accepts at most 128 operations in one txn by
 * default (--max-txn-ops), and refuses more with "too many operations in txn
 * request": the client does not split a txn.
 */
export function txnMessage(t: unknown): Value {
  if (!isObject(t)) throw new EtcdError('etcd: a txn must be an object { compare, success, failure }');
  return {
    compare: list(t.compare, 'compare').map((c, i) => compareMessage(c, `compare[${i}]`)),
    success: list(t.success, 'success').map((o, i) => opMessage(o, `success[${i}]`)),
    failure: list(t.failure, 'failure').map((o, i) => opMessage(o, `failure[${i}]`)),
  };
}

export function opResult(r: Value): OpResult {
  const range = r.response_range as Value | undefined;
  if (range) return { type: 'get', kvs: toKeyValues(range.kvs), more: range.more === true };
  const del = r.response_delete_range as Value | undefined;
  if (del) return { type: 'delete', deleted: int(del.deleted) };
  return { type: 'put' };
}
