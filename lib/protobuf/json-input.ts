/**
 * JSON values → field values, by the proto3 JSON mapping, strictly: every
 * mismatch is a JsonError whose reason says what was expected. The compiled
 * fromJson inlines the common case of each and calls these for the rest.
 */
import { decodeBase64 } from './base64.ts';
import { JsonError } from './errors.ts';
import type { EnumSchema } from './schema.ts';
import { INT64_MAX, INT64_MIN, UINT64_MAX, isPlainObject } from './values.ts';

/** Deepest nesting of JSON objects fromJson accepts. */
export const MAX_JSON_DEPTH = 64;

export function describeJson(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  switch (typeof x) {
    case 'string':
      return `the string ${JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}…` : x)}`;
    case 'number':
      return `the number ${x}`;
    case 'boolean':
      return `${x}`;
    case 'object':
      return 'an object';
    default:
      return `a JS ${typeof x}`;
  }
}

export function wrongType(expected: string, x: unknown): JsonError {
  return new JsonError('wrong-type', '', `expected ${expected}, got ${describeJson(x)}`);
}

export function jsonTooDeep(): JsonError {
  return new JsonError('too-deep', '', `objects nested deeper than ${MAX_JSON_DEPTH}`);
}

const INTEGER_TEXT = /^-?\d+$/;
const NUMBER_TEXT = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A number or a decimal string that is an integer, as a number (no range check yet). */
function integerValue(x: unknown, what: string): number {
  if (typeof x === 'number') {
    if (!Number.isFinite(x)) throw new JsonError('not-finite', '', `expected ${what}, got ${x}`);
    if (!Number.isInteger(x)) throw new JsonError('not-integer', '', `expected ${what}, got ${x}`);
    return x;
  }
  if (typeof x === 'string') {
    if (!INTEGER_TEXT.test(x)) throw new JsonError('not-integer', '', `expected ${what}, got ${describeJson(x)}`);
    return Number(x);
  }
  throw wrongType(`${what} (a number or a decimal string)`, x);
}

function inRange(n: number, min: number, max: number, what: string): number {
  if (n < min || n > max)
    throw new JsonError('out-of-range', '', `${n} is out of range for ${what} (${min} to ${max})`);
  return n === 0 ? 0 : n;
}

export const int32FromJson = (x: unknown): number =>
  inRange(integerValue(x, 'an int32'), -2147483648, 2147483647, 'an int32');

export const uint32FromJson = (x: unknown): number => inRange(integerValue(x, 'a uint32'), 0, 4294967295, 'a uint32');

function bigIntegerValue(x: unknown, what: string): bigint {
  if (typeof x === 'number') {
    const n = integerValue(x, what);
    if (!Number.isSafeInteger(n))
      throw new JsonError(
        'out-of-range',
        '',
        `${x} cannot be exact in JSON: give 64-bit values beyond 2^53 as strings`,
      );
    return BigInt(n);
  }
  if (typeof x === 'string' && INTEGER_TEXT.test(x)) return BigInt(x);
  integerValue(x, what); // throws the matching error
  throw wrongType(what, x);
}

function bigInRange(n: bigint, min: bigint, max: bigint, what: string): bigint {
  if (n < min || n > max)
    throw new JsonError('out-of-range', '', `${n} is out of range for ${what} (${min} to ${max})`);
  return n;
}

export const int64FromJson = (x: unknown): bigint =>
  bigInRange(bigIntegerValue(x, 'an int64'), INT64_MIN, INT64_MAX, 'an int64');

export const uint64FromJson = (x: unknown): bigint =>
  bigInRange(bigIntegerValue(x, 'a uint64'), 0n, UINT64_MAX, 'a uint64');

const SPECIAL_NUMBERS: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

export function doubleFromJson(x: unknown): number {
  if (typeof x === 'number') {
    if (!Number.isFinite(x))
      throw new JsonError('not-finite', '', `${x} is not a JSON number: give it as the string "${x}"`);
    return x;
  }
  if (typeof x === 'string') {
    if (Object.hasOwn(SPECIAL_NUMBERS, x)) return SPECIAL_NUMBERS[x]!;
    if (NUMBER_TEXT.test(x)) {
      const n = Number(x);
      if (!Number.isFinite(n)) throw new JsonError('out-of-range', '', `${x} is out of range for a double`);
      return n;
    }
  }
  throw wrongType('a number (or "NaN", "Infinity", "-Infinity")', x);
}

export function floatFromJson(x: unknown): number {
  const n = doubleFromJson(x);
  const rounded = Math.fround(n);
  // a finite value that rounds to infinity (3.4028235e38 does not: it rounds to the largest float)
  if (Number.isFinite(n) && !Number.isFinite(rounded))
    throw new JsonError('out-of-range', '', `${n} is out of range for a float`);
  return rounded;
}

export function boolFromJson(x: unknown): boolean {
  if (typeof x !== 'boolean') throw wrongType('true or false', x);
  return x;
}

export function stringFromJson(x: unknown): string {
  if (typeof x !== 'string') throw wrongType('a string', x);
  return x;
}

export function bytesFromJson(x: unknown): Buffer {
  if (typeof x !== 'string') throw wrongType('a base64 string', x);
  const bytes = decodeBase64(x);
  if (!bytes) throw new JsonError('bad-base64', '', `${describeJson(x)} is not base64`);
  return bytes;
}

export function enumFromJson(x: unknown, e: EnumSchema): number {
  if (typeof x === 'string') {
    const n = e.valueOf.get(x);
    if (n !== undefined) return n;
    const names = [...e.valueOf.keys()];
    const shown = names.length > 12 ? `${names.slice(0, 12).join(', ')}, …` : names.join(', ');
    throw new JsonError('unknown-enum', '', `${JSON.stringify(x)} is not a value of ${e.fullName} (${shown})`);
  }
  if (typeof x === 'number') return int32FromJson(x);
  throw wrongType(`a value name of ${e.fullName}`, x);
}

export function objectFromJson(x: unknown): Record<string, unknown> {
  if (!isPlainObject(x)) throw wrongType('an object', x);
  return x;
}

export function listFromJson(x: unknown): unknown[] {
  if (!Array.isArray(x)) throw wrongType('an array', x);
  return x;
}

export function unknownField(known: string): JsonError {
  return new JsonError('unknown-field', '', `unknown field; the fields are: ${known || '(none)'}`);
}

export function duplicateField(): JsonError {
  return new JsonError('duplicate-field', '', 'given twice (by its proto name and its JSON name)');
}

export function jsonOneofConflict(first: string): JsonError {
  return new JsonError('oneof-conflict', '', `${first} is set too: only one member of a oneof may be`);
}
