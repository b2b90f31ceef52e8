/**
 * Deterministic sample values for every VPP message: what to give the codec
 * (`input`, with the variety users send: enum symbols or numbers, bits as
 * lists or masks, 64-bit integers as bigint, number or string, text in
 * non-canonical spellings, absent fields with defaults) and what decoding
 * must give back (`expected`, canonical).
 */
import { elementOf, fieldViews, type Element, type FieldView } from '../../vpp/api/mapping.ts';
import type { ApiModel, EnumDef, MessageDef, StructDef } from '../../vpp/api/model.ts';
import { formatIp4, formatIp6 } from '../../vpp/codec/text.ts';
import type { Header, Value } from '../../vpp/codec/types.ts';

/** mulberry32: small, fast and the same on every machine. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** an integer in [lo, hi] */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(0, 255);
    return b;
  }
}

/** In `expected`: a union that keeps every arm, of which only these must match. */
export class SomeArms {
  constructor(readonly arms: Value) {}
}

export interface Sample {
  input: Value;
  expected: Value;
  header: Header;
}

type Pair = [input: unknown, expected: unknown];

const INT_RANGES: Record<string, [number, number]> = {
  u8: [0, 255],
  i8: [-128, 127],
  u16: [0, 65535],
  i16: [-32768, 32767],
  u32: [0, 4294967295],
  i32: [-2147483648, 2147483647],
};

const CHARS = ['a', 'Z', '0', '9', ' ', '-', '_', '/', '.', ':', 'é', '€', '日', '😀'];

/** The single bits of `n`, lowest first, as proto enum numbers (int32): how bit-set enums decode. */
export function bitsOf(n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < 32; i++) if ((n >>> i) & 1) out.push((2 ** i) | 0);
  return out;
}

/** An enum's value as its proto enum number: u32 values above 2^31 are negative. */
function enumNumber(def: EnumDef, n: number): number {
  return def.size === 'u32' ? n | 0 : n;
}

export class Sampler {
  constructor(
    private readonly model: ApiModel,
    private readonly rng: Rng,
  ) {}

  message(def: MessageDef): Sample {
    const [input, expected] = this.struct(def);
    const header: Header = { msgId: this.rng.int(0, 65535) };
    if (def.fields.some((f) => f.name === 'context')) header.context = this.int('u32');
    if (def.fields.some((f) => f.name === 'client_index')) header.clientIndex = this.int('u32');
    return { input, expected, header };
  }

  private struct(owner: MessageDef | StructDef): [Value, Value] {
    const views = fieldViews(this.model, owner);
    const input: Value = {};
    const expected: Value = {};
    // a oneof's arm decides its discriminator, which comes first
    const chosen = new Map<string, { arm: FieldView; value: Pair; caseValue: number; caseSymbol: string }>();
    for (const v of views) {
      if (v.element.kind !== 'union' || !v.element.oneof || v.field.discriminator === undefined) continue;
      const selector = views.find((d) => d.field.name === v.field.discriminator)!.element;
      if (selector.kind !== 'enum') throw new Error(`${owner.name}.${v.field.name}: discriminator is not an enum`);
      const arms = fieldViews(this.model, v.element.def).flatMap((arm) => {
        const value = selector.def.values.find((s) => s.name === arm.field.case);
        return value ? [{ arm, caseValue: value.value, caseSymbol: value.name }] : [];
      });
      const pick = this.rng.pick(arms);
      chosen.set(v.field.discriminator, { ...pick, value: this.field(pick.arm) });
    }
    for (const v of views) {
      if (v.hidden) continue;
      const name = v.field.name;
      const selects = chosen.get(name);
      if (selects) {
        expected[name] = selects.caseValue;
        const given = this.rng.int(0, 2);
        if (given === 1) input[name] = selects.caseSymbol;
        else if (given === 2) input[name] = selects.caseValue;
        continue;
      }
      const union = v.field.discriminator !== undefined ? chosen.get(v.field.discriminator) : undefined;
      if (union) {
        input[name] = { [union.arm.field.name]: union.value[0] };
        expected[name] = { [union.arm.field.name]: union.value[1] };
        continue;
      }
      if (v.field.default !== undefined && this.rng.chance(0.3)) {
        expected[name] = this.defaultOf(v);
        continue;
      }
      [input[name], expected[name]] = this.field(v);
    }
    return [input, expected];
  }

  private defaultOf(v: FieldView): unknown {
    const d = v.field.default!;
    const e = v.element;
    if (e.kind === 'enum') return e.bitset ? bitsOf(Number(d)) : enumNumber(e.def, Number(d));
    if (e.kind === 'scalar' && (e.scalar === 'u64' || e.scalar === 'i64')) return BigInt(d);
    return d;
  }

  private field(v: FieldView): Pair {
    const f = v.field;
    const e = v.element;
    if (e.kind === 'string') {
      const s = this.text(f.fixedLength !== undefined ? f.fixedLength - 1 : this.rng.int(0, 40));
      return [s, s];
    }
    if (v.bytes) {
      const b = this.rng.bytes(v.fixedLength ?? this.rng.int(0, 12));
      return [b, Buffer.from(b)];
    }
    const { aliasLength } = elementOf(this.model, f.type);
    const n = f.fixedLength ?? aliasLength ?? (f.lengthField !== undefined || f.open ? this.rng.int(0, 3) : -1);
    if (n < 0) return this.element(e);
    const items = Array.from({ length: n }, () => this.element(e));
    return [items.map((p) => p[0]), items.map((p) => p[1])];
  }

  private element(e: Element): Pair {
    switch (e.kind) {
      case 'scalar':
        return this.scalar(e.scalar);
      case 'string':
        throw new Error('strings are sampled per field');
      case 'text':
        return this.textValue(e.format);
      case 'enum':
        return e.bitset ? this.bitset(e.def) : this.enumValue(e.def);
      case 'struct':
        return this.struct(e.def);
      case 'union': {
        const arm = this.rng.pick(fieldViews(this.model, e.def));
        const [input, expected] = this.field(arm);
        return [{ [arm.field.name]: input }, new SomeArms({ [arm.field.name]: expected })];
      }
    }
  }

  private int(type: string): number {
    const [lo, hi] = INT_RANGES[type]!;
    const r = this.rng.int(0, 5);
    return r === 0 ? lo : r === 1 ? hi : r === 2 ? 0 : this.rng.int(lo, hi);
  }

  private scalar(type: string): Pair {
    if (type === 'bool') {
      const b = this.rng.chance(0.5);
      return [b, b];
    }
    if (type === 'f64') {
      const x = this.rng.pick([0, -0, 1.5, -1e300, Number.MAX_VALUE, Infinity, NaN, this.rng.next() * 1e6]);
      return [x, x];
    }
    if (type === 'u64' || type === 'i64') {
      const signed = type === 'i64';
      const lo = signed ? -(1n << 63n) : 0n;
      const hi = signed ? (1n << 63n) - 1n : (1n << 64n) - 1n;
      const x = this.rng.pick([lo, hi, 0n, BigInt(this.rng.int(0, 2 ** 31)) * 4294967311n]);
      const form = this.rng.int(0, 2);
      if (form === 1 && x <= BigInt(Number.MAX_SAFE_INTEGER) && x >= BigInt(Number.MIN_SAFE_INTEGER))
        return [Number(x), x];
      return [form === 2 ? x.toString() : x, x];
    }
    const n = this.int(type);
    return [n, n];
  }

  /** Text of at most `maxBytes` UTF-8 bytes, some of them multi-byte. */
  private text(maxBytes: number): string {
    let s = '';
    const want = this.rng.int(0, maxBytes);
    for (let i = 0; i < want; i++) {
      const c = this.rng.chance(0.8) ? this.rng.pick(CHARS.slice(0, 10)) : this.rng.pick(CHARS);
      if (Buffer.byteLength(s + c) > want) break;
      s += c;
    }
    return s;
  }

  private enumValue(def: EnumDef): Pair {
    const [lo, hi] = INT_RANGES[def.size]!;
    if (def.values.length === 0 || this.rng.chance(0.1)) {
      const n = this.rng.int(lo, hi);
      return [n, enumNumber(def, n)];
    }
    const v = this.rng.pick(def.values);
    return [this.rng.chance(0.5) ? v.name : v.value, enumNumber(def, v.value)];
  }

  private bitset(def: EnumDef): Pair {
    const bits = def.size === 'u8' || def.size === 'i8' ? 8 : def.size === 'u16' || def.size === 'i16' ? 16 : 32;
    const chosen = def.values.filter((v) => v.value !== 0 && this.rng.chance(0.4));
    const extra = this.rng.chance(0.3) ? [2 ** this.rng.int(0, bits - 1)] : [];
    const n = [...chosen.map((v) => v.value), ...extra].reduce((a, b) => (a | b) >>> 0, 0);
    const expected = bitsOf(n);
    const form = this.rng.int(0, 2);
    if (form === 0) return [n, expected];
    if (form === 1) return [[...chosen.map((v) => v.name), ...extra], expected];
    return [[...chosen.map((v) => v.value), ...extra], expected];
  }

  private textValue(format: string): Pair {
    const ip4 = (): Pair => {
      const t = formatIp4(this.rng.bytes(4), 0);
      return [t, t];
    };
    const ip6 = (): Pair => {
      const b = Buffer.alloc(16);
      for (let i = 0; i < 8; i++) if (this.rng.chance(0.5)) b.writeUInt16BE(this.rng.int(0, 65535), 2 * i);
      const canonical = formatIp6(b, 0);
      const groups = Array.from({ length: 8 }, (_, i) =>
        b
          .readUInt16BE(2 * i)
          .toString(16)
          .padStart(4, '0'),
      );
      return [this.rng.chance(0.5) ? canonical : groups.join(':').toUpperCase(), canonical];
    };
    const prefix = ([addr, canonical]: Pair, max: number): Pair => {
      const len = this.rng.int(0, max);
      return [`${String(addr)}/${len}`, `${String(canonical)}/${len}`];
    };
    switch (format) {
      case 'ip4_address':
        return ip4();
      case 'ip6_address':
        return ip6();
      case 'address':
        return this.rng.chance(0.5) ? ip4() : ip6();
      case 'prefix':
        return this.rng.chance(0.5) ? prefix(ip4(), 32) : prefix(ip6(), 128);
      case 'ip4_prefix':
        return prefix(ip4(), 32);
      case 'ip6_prefix':
        return prefix(ip6(), 128);
      case 'mac_address': {
        const t = [...this.rng.bytes(6)].map((x) => x.toString(16).padStart(2, '0')).join(':');
        return [this.rng.chance(0.3) ? t.toUpperCase() : t, t];
      }
    }
    throw new Error(`no samples for text format ${format}`);
  }
}

/** Where `actual` differs from `expected` (SomeArms: only the arms listed), or null. */
export function mismatch(actual: unknown, expected: unknown, path = ''): string | null {
  if (expected instanceof SomeArms) return mismatchIn(actual, expected.arms, path, false);
  if (Buffer.isBuffer(expected))
    return Buffer.isBuffer(actual) && actual.equals(expected) ? null : `${path}: bytes differ`;
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length)
      return `${path}: expected ${expected.length} elements, got ${JSON.stringify(actual, bigints)}`;
    for (let i = 0; i < expected.length; i++) {
      const m = mismatch(actual[i], expected[i], `${path}[${i}]`);
      if (m) return m;
    }
    return null;
  }
  if (typeof expected === 'object' && expected !== null) return mismatchIn(actual, expected as Value, path, true);
  return Object.is(actual, expected)
    ? null
    : `${path}: expected ${JSON.stringify(expected, bigints)}, got ${JSON.stringify(actual, bigints)}`;
}

function mismatchIn(actual: unknown, expected: Value, path: string, exact: boolean): string | null {
  if (typeof actual !== 'object' || actual === null) return `${path}: expected an object`;
  const a = actual as Value;
  for (const [k, v] of Object.entries(expected)) {
    const m = mismatch(a[k], v, path ? `${path}.${k}` : k);
    if (m) return m;
  }
  const extra = Object.keys(a).filter((k) => !Object.hasOwn(expected, k));
  return exact && extra.length ? `${path}: unexpected keys ${extra.join(', ')}` : null;
}

function bigints(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? `${v}n` : v;
}
