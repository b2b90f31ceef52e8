/**
 * A seeded corpus of bad protobuf requests for the gRPC server, by category:
 * random and mutated bytes for real request types, truncated messages, wrong
 * wire types, huge length prefixes, deeply nested groups, and values beyond
 * what VPP's types hold. Some random or mutated bytes happen to be a request
 * the server takes: those may get VPP's answer; the rest must be refused.
 */
import protobuf from 'protobufjs';
import {
  BAD_TEXT,
  enumSize,
  fieldPaths,
  kindOf,
  Rng,
  schedule,
  sample,
  setByClient,
  setAt,
  TEXT_TYPES,
  vppField,
  vppRange,
  type Step,
  type Target,
} from './corpus.ts';

export interface GrpcCase {
  category: string;
  target: Target;
  bytes: Buffer;
  /** the bytes may be a request the server takes, and VPP's answer then comes back */
  mayReachVpp: boolean;
}

/**
 * Requests VPP (here the simulator) answers with retval -1 (UNSPECIFIED,
 * mapped to INTERNAL) for some well-formed values: cli_inband for a command it
 * does not know, route adds for a path protocol it does not know. Random bytes
 * that form such a request get that answer, which is VPP's and not bad input.
 */
export const VPP_REFUSES_WITH_UNSPECIFIED = new Set(['cli_inband', 'ip_route_add_del', 'ip_route_add_del_v2']);

function varint(n: bigint): Buffer {
  const out: number[] = [];
  let v = n;
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return Buffer.from(out);
}

const key = (field: number, wire: number): Buffer => varint(BigInt((field << 3) | wire) & 0xffffffffn);

function encode(type: protobuf.Type, value: Record<string, unknown>): Buffer {
  return Buffer.from(type.encode(type.fromObject(value)).finish());
}

/** Wire types a field may come with: its own, and length-delimited for a packable list. */
function wireTypesOf(f: protobuf.Field): number[] {
  const kind = kindOf(f);
  if (kind === 'string' || kind === 'bytes' || kind === 'message') return [2];
  const own = ['fixed64', 'sfixed64', 'double'].includes(f.type)
    ? 1
    : ['fixed32', 'sfixed32', 'float'].includes(f.type)
      ? 5
      : 0;
  return f.repeated ? [own, 2] : [own];
}

/** A field of wire type `wire` with a payload of that type (or none, for the invalid ones). */
function fieldOfWireType(rng: Rng, field: number, wire: number): Buffer {
  const payload: Record<number, () => Buffer> = {
    0: () => varint(BigInt(rng.int(0, 999_999_999))),
    1: () => rng.bytes(8),
    2: () => {
      const b = rng.bytes(rng.int(0, 8));
      return Buffer.concat([varint(BigInt(b.length)), b]);
    },
    3: () => key(field, 4),
    4: () => Buffer.alloc(0),
    5: () => rng.bytes(4),
  };
  return Buffer.concat([key(field, wire), payload[wire]?.() ?? rng.bytes(rng.int(0, 4))]);
}

/** A value beyond what the VPP type of the field at the end of `path` holds. */
function beyond(rng: Rng, f: protobuf.Field): unknown {
  const vpp = vppField(f)!;
  if (TEXT_TYPES.has(vpp.type)) return rng.pick(BAD_TEXT[vpp.type]!);
  if (f.resolvedType instanceof protobuf.Enum) return enumSize(f.resolvedType) === 'u8' ? 256 + rng.int(0, 999) : 65536;
  // a u8 array is bytes, not a number
  if (kindOf(f) === 'bytes') return rng.bytes(vpp.fixedLength! + rng.int(1, 10));
  const range = vppRange(vpp.type);
  if (range) return rng.pick([range[1] + 1 + rng.int(0, 999), range[0] - 1]);
  if (f.repeated) return Array.from({ length: vpp.fixedLength! + rng.int(1, 3) }, () => 0);
  // a fixed-size string: N bytes leave no room for its NUL
  return 'x'.repeat(vpp.fixedLength! + rng.int(0, 2));
}

function beyondable(f: protobuf.Field): boolean {
  const vpp = vppField(f);
  if (!vpp) return false;
  if (TEXT_TYPES.has(vpp.type)) return true;
  if (f.resolvedType instanceof protobuf.Enum) return enumSize(f.resolvedType) !== 'u32';
  const kind = kindOf(f);
  if ((kind === 'int32' || kind === 'uint32') && vppRange(vpp.type)) return true;
  if (vpp.fixedLength === undefined) return false;
  // fixed arrays of numbers, fixed u8 arrays, fixed-size strings
  return kind === 'bytes' || kind === 'string' || (f.repeated && (kind === 'int32' || kind === 'uint32'));
}

interface Pools {
  /** targets whose request bytes may reach VPP */
  reachable: Target[];
  all: Target[];
  withFields: Target[];
  beyond: { target: Target; path: Step[] }[];
}

interface Category {
  name: string;
  per10k: number;
  mayReachVpp: boolean;
  make(rng: Rng, p: Pools): { target: Target; bytes: Buffer };
}

function mutate(rng: Rng, base: Buffer): Buffer {
  let b = Buffer.from(base);
  for (let n = rng.int(1, 4); n > 0; n--) {
    const i = rng.int(0, Math.max(1, b.length) - 1);
    switch (rng.int(0, 3)) {
      case 0:
        if (b.length) b[i] = b[i]! ^ (1 << rng.int(0, 7));
        break;
      case 1:
        if (b.length) b[i] = rng.int(0, 255);
        break;
      case 2:
        b = Buffer.concat([b.subarray(0, i), rng.bytes(1), b.subarray(i)]);
        break;
      default:
        b = Buffer.concat([b.subarray(0, i), b.subarray(i + 1)]);
    }
  }
  return b;
}

const HUGE_LENGTHS = [2n ** 31n, 2n ** 32n - 1n, 2n ** 35n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n];

export const GRPC_CATEGORIES: Category[] = [
  {
    name: 'random bytes',
    per10k: 2000,
    mayReachVpp: true,
    make: (rng, p) => ({ target: rng.pick(p.reachable), bytes: rng.bytes(rng.int(1, 64)) }),
  },
  {
    name: 'mutated request',
    per10k: 2000,
    mayReachVpp: true,
    make(rng, p) {
      const target = rng.pick(p.reachable);
      return { target, bytes: mutate(rng, encode(target.type, sample(rng, target.type))) };
    },
  },
  {
    name: 'truncated request',
    per10k: 1500,
    mayReachVpp: true,
    make(rng, p) {
      for (;;) {
        const target = rng.pick(p.reachable);
        const full = encode(target.type, sample(rng, target.type));
        if (full.length >= 2) return { target, bytes: full.subarray(0, rng.int(1, full.length - 1)) };
      }
    },
  },
  {
    name: 'wrong wire type',
    per10k: 1500,
    mayReachVpp: false,
    make(rng, p) {
      const target = rng.pick(p.withFields);
      const f = rng.pick(target.type.fieldsArray);
      const wrong = [0, 1, 2, 3, 4, 5, 6, 7].filter((w) => !wireTypesOf(f).includes(w));
      const bad = fieldOfWireType(rng, f.id, rng.pick(wrong));
      const before = encode(target.type, sample(rng, target.type));
      return { target, bytes: rng.chance(0.5) ? Buffer.concat([before, bad]) : Buffer.concat([bad, before]) };
    },
  },
  {
    name: 'huge length prefix',
    per10k: 1000,
    mayReachVpp: false,
    make(rng, p) {
      const target = rng.pick(p.all);
      const lengthy = target.type.fieldsArray.filter((f) => wireTypesOf(f).includes(2));
      const field = lengthy.length && rng.chance(0.7) ? rng.pick(lengthy).id : rng.pick([1, 2, 99, 536870911]);
      // a ten-byte varint, or an eleventh byte that no varint may have
      const length = rng.chance(0.9) ? varint(rng.pick(HUGE_LENGTHS)) : Buffer.from([...Array(10).fill(0xff), 0x01]);
      const before = rng.chance(0.5) ? encode(target.type, sample(rng, target.type)) : Buffer.alloc(0);
      return { target, bytes: Buffer.concat([before, key(field, 2), length, rng.bytes(rng.int(0, 16))]) };
    },
  },
  {
    name: 'beyond the VPP type',
    per10k: 1500,
    mayReachVpp: false,
    make(rng, p) {
      const { target, path } = rng.pick(p.beyond);
      const value = beyond(rng, path[path.length - 1]!.field);
      const f = path[path.length - 1]!.field;
      const v = f.repeated && !Array.isArray(value) && kindOf(f) !== 'bytes' ? [value] : value;
      return { target, bytes: encode(target.type, setAt(sample(rng, target.type), path, v)) };
    },
  },
  {
    name: 'deeply nested groups',
    per10k: 500,
    mayReachVpp: false,
    make(rng, p) {
      const target = rng.pick(p.all);
      const used = new Set(target.type.fieldsArray.map((f) => f.id));
      let field = 1000 + rng.int(0, 999);
      while (used.has(field)) field++;
      const depth = rng.int(101, 50_000);
      const open = key(field, 3);
      const close = key(field, 4);
      return {
        target,
        bytes: Buffer.concat([...Array<Buffer>(depth).fill(open), ...Array<Buffer>(depth).fill(close)]),
      };
    },
  },
];

/** `size` bad requests, in a seeded order; categories keep their shares. */
export function* grpcCorpus(targets: Target[], seed: number, size: number): Generator<GrpcCase> {
  const rng = new Rng(seed);
  const callable = targets;
  const p: Pools = {
    reachable: callable.filter((t) => t.kind !== 'events' && !VPP_REFUSES_WITH_UNSPECIFIED.has(t.request)),
    all: callable,
    withFields: callable.filter((t) => t.type.fieldsArray.length > 0),
    beyond: callable.flatMap((target) =>
      fieldPaths(target.type, 2)
        .filter((path) => beyondable(path[path.length - 1]!.field) && !setByClient(target, path))
        .map((path) => ({ target, path })),
    ),
  };
  for (const i of schedule(rng, GRPC_CATEGORIES, size)) {
    const c = GRPC_CATEGORIES[i]!;
    yield { category: c.name, mayReachVpp: c.mayReachVpp, ...c.make(rng, p) };
  }
}
