/**
 * Random mutations of valid input (seeded, so a failure repeats): the codecs
 * either read it or throw their own error, never anything else, and whatever
 * they read is a value the other direction accepts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileBinary } from './binary.ts';
import { JsonError, ProtoError } from './errors.ts';
import { compileJson } from './json.ts';
import { EXTREME_SCALARS, LISTS, testType, VPP_SAMPLES, vppType } from './test-fixtures.ts';
import type { Value } from './values.ts';

/** mulberry32: a small PRNG with a seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const samples = [
  ...VPP_SAMPLES.map(({ type, value }) => ({ type: vppType(type), value })),
  { type: testType('Scalars'), value: EXTREME_SCALARS },
  { type: testType('Lists'), value: LISTS },
  { type: testType('Tree'), value: { name: 't', children: [{ leaf: 'x' }, { branch: { name: 'y' } }] } },
];

function mutateBytes(input: Buffer, next: () => number): Buffer {
  const at = Math.floor(next() * (input.length + 1));
  const out = Buffer.from(input);
  switch (Math.floor(next() * 6)) {
    case 0:
      if (out.length) out[at % out.length]! ^= 1 << Math.floor(next() * 8);
      return out;
    case 1:
      if (out.length) out[at % out.length] = Math.floor(next() * 256);
      return out;
    case 2:
      return out.subarray(0, at);
    case 3: {
      const junk = Buffer.from(Array.from({ length: 1 + Math.floor(next() * 8) }, () => Math.floor(next() * 256)));
      return Buffer.concat([out.subarray(0, at), junk, out.subarray(at)]);
    }
    case 4:
      return Buffer.concat([out.subarray(0, at), out.subarray(at + 1 + Math.floor(next() * 4))]);
    default:
      return Buffer.concat([out, out.subarray(at)]);
  }
}

const JSON_VALUES: unknown[] = [
  null,
  0,
  -1,
  1.5,
  2 ** 53,
  1e300,
  '',
  'x',
  '-1',
  'NaN',
  'AAEC',
  true,
  [],
  {},
  [1],
  { a: 1 },
];

/** A copy of `v` with one node somewhere replaced by an arbitrary JSON value. */
function mutateJson(v: unknown, next: () => number): unknown {
  const pick = (): unknown => JSON_VALUES[Math.floor(next() * JSON_VALUES.length)];
  if (next() < 0.3) return pick();
  if (Array.isArray(v)) {
    if (v.length === 0) return [pick()];
    const copy = [...v];
    const k = Math.floor(next() * copy.length);
    copy[k] = mutateJson(copy[k], next);
    return copy;
  }
  if (typeof v === 'object' && v !== null) {
    const copy: Record<string, unknown> = { ...v };
    const keys = Object.keys(copy);
    if (keys.length === 0 || next() < 0.1) copy[next() < 0.5 ? 'unknown_field' : 'swIfIndex'] = pick();
    else {
      const k = keys[Math.floor(next() * keys.length)]!;
      copy[k] = mutateJson(copy[k], next);
    }
    return copy;
  }
  return pick();
}

const ROUNDS = 400;

describe('fuzzed input', () => {
  it('binary decode reads mutated bytes or throws ProtoError', () => {
    const next = random(0x5eed);
    let read = 0;
    let refused = 0;
    for (const { type, value } of samples) {
      const binary = compileBinary(type);
      const json = compileJson(type);
      let input = binary.encode(value);
      for (let round = 0; round < ROUNDS; round++) {
        const mutated = mutateBytes(input, next);
        let decoded: Value;
        try {
          decoded = binary.decode(mutated);
        } catch (e) {
          assert.ok(e instanceof ProtoError, `${type.fullName}: ${String(e)} on ${mutated.toString('hex')}`);
          refused++;
          continue;
        }
        read++;
        // what decode gives is a valid value
        assert.doesNotThrow(() => binary.encode(decoded), `${type.fullName} on ${mutated.toString('hex')}`);
        assert.doesNotThrow(() => json.toJson(decoded), `${type.fullName} on ${mutated.toString('hex')}`);
        // mutations pile up now and then, to reach further from valid input
        if (round % 10 === 0) input = mutated;
      }
    }
    // both outcomes happened: the mutations exercised the decoder, not only its first check
    assert.ok(read > 100 && refused > 100, `read ${read}, refused ${refused}`);
  });

  it('fromJson reads mutated JSON or throws JsonError', () => {
    const next = random(0xf00d);
    let read = 0;
    let refused = 0;
    for (const { type, value } of samples) {
      const binary = compileBinary(type);
      const json = compileJson(type);
      const input: unknown = JSON.parse(json.toJson(value));
      for (let round = 0; round < ROUNDS; round++) {
        const mutated = mutateJson(input, next);
        let parsed: Value;
        try {
          parsed = json.fromJson(mutated);
        } catch (e) {
          assert.ok(e instanceof JsonError, `${type.fullName}: ${String(e)} on ${JSON.stringify(mutated)}`);
          refused++;
          continue;
        }
        read++;
        assert.doesNotThrow(() => binary.encode(parsed), `${type.fullName} on ${JSON.stringify(mutated)}`);
        assert.doesNotThrow(() => json.toJson(parsed), `${type.fullName} on ${JSON.stringify(mutated)}`);
      }
    }
    assert.ok(read > 100 && refused > 100, `read ${read}, refused ${refused}`);
  });
});
