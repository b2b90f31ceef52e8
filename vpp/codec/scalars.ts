/**
 * Scalars, enums and bit-set enums. Integers are big-endian, f64 is
 * little-endian, bool is one byte. Each kind gets its own small functions so
 * that every call site stays monomorphic.
 */
import type { EnumDef, EnumSize, Scalar } from '../api/model.ts';
import { expected, fixedNode, zero, type Node } from './node.ts';
import { invalid, within } from './problem.ts';

type Int32Scalar = 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32';

/** Integers of up to 32 bits: range check, big-endian write and read. */
interface IntKind {
  size: number;
  range: string;
  fits(v: unknown): v is number;
  put(b: Buffer, o: number, v: number): void;
  get(b: Buffer, o: number): number;
}

// `typeof` first: the bit tricks below would coerce strings, booleans and bigints
export const INT_KINDS: Readonly<Record<Int32Scalar, IntKind>> = {
  u8: {
    size: 1,
    range: '0..255',
    fits: (v): v is number => typeof v === 'number' && (v & 0xff) === v,
    put: (b, o, v) => void (b[o] = v),
    get: (b, o) => b[o]!,
  },
  i8: {
    size: 1,
    range: '-128..127',
    fits: (v): v is number => typeof v === 'number' && (v << 24) >> 24 === v,
    put: (b, o, v) => void (b[o] = v),
    get: (b, o) => (b[o]! << 24) >> 24,
  },
  u16: {
    size: 2,
    range: '0..65535',
    fits: (v): v is number => typeof v === 'number' && (v & 0xffff) === v,
    put: (b, o, v) => {
      b[o] = v >>> 8;
      b[o + 1] = v;
    },
    get: (b, o) => (b[o]! << 8) | b[o + 1]!,
  },
  i16: {
    size: 2,
    range: '-32768..32767',
    fits: (v): v is number => typeof v === 'number' && (v << 16) >> 16 === v,
    put: (b, o, v) => {
      b[o] = v >>> 8;
      b[o + 1] = v;
    },
    get: (b, o) => ((b[o]! << 24) | (b[o + 1]! << 16)) >> 16,
  },
  u32: {
    size: 4,
    range: '0..4294967295',
    fits: (v): v is number => typeof v === 'number' && v >>> 0 === v,
    put: putU32,
    get: (b, o) => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0,
  },
  i32: {
    size: 4,
    range: '-2147483648..2147483647',
    fits: (v): v is number => typeof v === 'number' && (v | 0) === v,
    put: putU32,
    get: (b, o) => (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!,
  },
};

export function putU32(b: Buffer, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = v >>> 16;
  b[o + 2] = v >>> 8;
  b[o + 3] = v;
}

export function getU16(b: Buffer, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

export function getU32(b: Buffer, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

function intNode(k: IntKind): Node {
  const { size, fits, put, get } = k;
  return fixedNode(
    size,
    (b, o, v) => {
      if (v == null) v = 0;
      else if (!fits(v)) throw expected(`an integer ${k.range}`, v);
      put(b, o, v as number);
      return o + size;
    },
    (r) => {
      const v = get(r.buf, r.pos);
      r.pos += size;
      return v;
    },
  );
}

const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

/** u64/i64 take a bigint, a safe-integer number or a decimal string. */
function toBigInt(v: unknown, signed: boolean): bigint {
  let n: bigint;
  if (typeof v === 'bigint') n = v;
  else if (typeof v === 'number' && Number.isSafeInteger(v)) n = BigInt(v);
  else if (typeof v === 'string' && /^-?[0-9]{1,20}$/.test(v)) n = BigInt(v);
  else throw expected('a 64-bit integer (bigint, safe integer or decimal string)', v);
  if (signed ? n < I64_MIN || n > I64_MAX : n < 0n || n > U64_MAX)
    throw invalid(`${n} is out of range for ${signed ? 'i64' : 'u64'}`);
  return n;
}

function int64Node(signed: boolean): Node {
  return fixedNode(
    8,
    (b, o, v) => {
      if (v == null) zero(b, o, o + 8);
      else if (signed) b.writeBigInt64BE(toBigInt(v, true), o);
      else b.writeBigUInt64BE(toBigInt(v, false), o);
      return o + 8;
    },
    signed
      ? (r) => {
          const v = r.buf.readBigInt64BE(r.pos);
          r.pos += 8;
          return v;
        }
      : (r) => {
          const v = r.buf.readBigUInt64BE(r.pos);
          r.pos += 8;
          return v;
        },
  );
}

const f64Node = fixedNode(
  8,
  (b, o, v) => {
    if (v == null) v = 0;
    else if (typeof v !== 'number') throw expected('a number', v);
    b.writeDoubleLE(v as number, o);
    return o + 8;
  },
  (r) => {
    const v = r.buf.readDoubleLE(r.pos);
    r.pos += 8;
    return v;
  },
);

const boolNode = fixedNode(
  1,
  (b, o, v) => {
    if (v == null) v = false;
    else if (typeof v !== 'boolean') throw expected('a boolean', v);
    b[o] = v ? 1 : 0;
    return o + 1;
  },
  (r) => r.buf[r.pos++] !== 0,
);

const SCALAR_NODES: Readonly<Record<Scalar, Node>> = {
  u8: intNode(INT_KINDS.u8),
  i8: intNode(INT_KINDS.i8),
  u16: intNode(INT_KINDS.u16),
  i16: intNode(INT_KINDS.i16),
  u32: intNode(INT_KINDS.u32),
  i32: intNode(INT_KINDS.i32),
  u64: int64Node(false),
  i64: int64Node(true),
  f64: f64Node,
  bool: boolNode,
};

export function scalarNode(s: Scalar): Node {
  return SCALAR_NODES[s];
}

/** An enum (or bit-set enum) type: its integer kind and symbols. */
export class EnumKind {
  readonly int: IntKind;
  private readonly bySymbol: Map<string, number>;
  constructor(readonly def: EnumDef) {
    this.int = INT_KINDS[def.size satisfies EnumSize];
    this.bySymbol = new Map(def.values.map((v) => [v.name, v.value]));
  }

  /** A number in range, or a symbol, as the enum's number. */
  valueOf(v: unknown): number {
    if (typeof v === 'string') {
      const n = this.bySymbol.get(v);
      if (n === undefined) throw invalid(`unknown symbol ${JSON.stringify(v)} of enum ${this.def.name}`);
      return n;
    }
    // proto enum numbers are int32: a u32 enum's values above 2^31 arrive negative
    if (this.def.size === 'u32' && typeof v === 'number' && v < 0 && (v | 0) === v) return v >>> 0;
    if (!this.int.fits(v))
      throw typeof v === 'number'
        ? invalid(`${v} is out of range ${this.int.range} of ${this.def.size} enum ${this.def.name}`)
        : expected(`a symbol or number of enum ${this.def.name}`, v);
    return v;
  }
}

/** Values are proto enum numbers: int32, so a u32 enum's values above 2^31 come out negative. */
export function enumNode(kind: EnumKind): Node {
  const { size, put, get } = kind.int;
  const wrap = kind.def.size === 'u32';
  return fixedNode(
    size,
    (b, o, v) => {
      put(b, o, v == null ? 0 : kind.valueOf(v));
      return o + size;
    },
    (r) => {
      const v = get(r.buf, r.pos);
      r.pos += size;
      return wrap ? v | 0 : v;
    },
  );
}

/** A bit-set enum: written as the OR of a list of bits (numbers or symbols), or one number. */
export function bitsetNode(kind: EnumKind): Node {
  const { size, put, get } = kind.int;
  const bits = size * 8;
  const combine = (v: unknown): number => {
    if (!Array.isArray(v)) return kind.valueOf(v);
    let all = 0;
    for (let i = 0; i < v.length; i++) {
      try {
        all |= kind.valueOf(v[i]);
      } catch (e) {
        throw within(e, `[${i}]`);
      }
    }
    return all;
  };
  return fixedNode(
    size,
    (b, o, v) => {
      put(b, o, v == null ? 0 : combine(v));
      return o + size;
    },
    (r) => {
      let v = get(r.buf, r.pos) >>> 0;
      r.pos += size;
      const out: number[] = [];
      for (let i = 0; v !== 0 && i < bits; i++, v >>>= 1) if (v & 1) out.push((2 ** i) | 0);
      return out;
    },
  );
}
