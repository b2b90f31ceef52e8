/**
 * The JS values of proto fields, checked on the way out (binary encode and
 * toJson). The fast checks are inlined by the compiled code; these are the
 * conversions and the error reports behind them.
 *
 * | proto                               | JS value                                              |
 * | ----------------------------------- | ----------------------------------------------------- |
 * | int32, sint32, sfixed32             | number, an integer in range                           |
 * | uint32, fixed32                     | number, an integer 0 … 2^32-1                         |
 * | int64, uint64, sint64, (s)fixed64   | bigint (also accepted: a safe-integer number, a decimal string) |
 * | double, float                       | number (float: within float32 range, or not finite)   |
 * | bool                                | boolean                                               |
 * | string                              | string                                                |
 * | bytes                               | Uint8Array (decode gives a Buffer)                    |
 * | enum                                | number (also accepted: the symbol name)               |
 * | message                             | plain object                                          |
 * | repeated                            | array                                                 |
 * | absent                              | undefined (null is taken as absent, too)              |
 */
import { ProtoError } from './errors.ts';
import type { EnumSchema } from './schema.ts';

/** A message: its fields by proto name; absent fields are undefined (or missing). */
export type Value = Record<string, unknown>;

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;
export const UINT64_MAX = 2n ** 64n - 1n;

/** A short description of a value for error messages: `the string "x"`, `an array`. */
export function describeValue(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  if (x instanceof Uint8Array) return 'bytes';
  switch (typeof x) {
    case 'string':
      return `the string ${JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}…` : x)}`;
    case 'number':
    case 'bigint':
    case 'boolean':
      return `${typeof x} ${String(x)}`;
    default:
      return `a${typeof x === 'object' || typeof x === 'undefined' ? 'n' : ''} ${typeof x}`;
  }
}

export function invalidValue(expected: string, x: unknown): ProtoError {
  return new ProtoError('invalid-value', '', `expected ${expected}, got ${describeValue(x)}`);
}

const DECIMAL = /^-?\d{1,20}$/;

function toBigInt(x: unknown): bigint | undefined {
  if (typeof x === 'bigint') return x;
  if (typeof x === 'number') return Number.isSafeInteger(x) ? BigInt(x) : undefined;
  if (typeof x === 'string' && DECIMAL.test(x)) return BigInt(x);
  return undefined;
}

export function int64Of(x: unknown): bigint {
  const v = toBigInt(x);
  if (v === undefined || v < INT64_MIN || v > INT64_MAX) throw invalidValue('a 64-bit signed integer (bigint)', x);
  return v;
}

export function uint64Of(x: unknown): bigint {
  const v = toBigInt(x);
  if (v === undefined || v < 0n || v > UINT64_MAX) throw invalidValue('a 64-bit unsigned integer (bigint)', x);
  return v;
}

/** An enum value given as a number (any int32: proto3 enums are open) or by its symbol. */
export function enumNumberOf(x: unknown, e: EnumSchema): number {
  if (typeof x === 'number' && (x | 0) === x) return x;
  if (typeof x === 'string') {
    const n = e.valueOf.get(x);
    if (n !== undefined) return n;
  }
  throw invalidValue(`a value of enum ${e.fullName}`, x);
}

/** A number for a float field: one that rounds to a finite float32, or is not finite itself. */
export function floatOf(x: unknown): number {
  if (typeof x !== 'number' || (Number.isFinite(x) && !Number.isFinite(Math.fround(x))))
    throw invalidValue('a number within float range', x);
  return x;
}

export function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Uint8Array);
}
