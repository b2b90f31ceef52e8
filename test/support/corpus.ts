/**
 * What the hostile-input corpora are made of: a seeded random source, every
 * RPC with its REST route and request type, the fields of a type down to a
 * few levels with their VPP layout, valid sample requests, and values that
 * each kind of field must refuse.
 */
import protobuf from 'protobufjs';
import { TRANSPORT_MESSAGES } from '../../vpp/client/index.ts';
import { Rng } from './codec-samples.ts';

export { Rng };

/** Category indexes, each `per10k` of `size` times, in a seeded order. */
export function schedule(rng: Rng, categories: { per10k: number }[], size: number): number[] {
  const out: number[] = [];
  categories.forEach((c, i) => {
    for (let n = 0; n < Math.round((c.per10k * size) / 10_000); n++) out.push(i);
  });
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export interface Target {
  /** REST route, e.g. /Vpe/ShowVersion/request */
  path: string;
  /** gRPC method path, e.g. /vpp.vpe.Vpe/ShowVersion */
  grpcPath: string;
  /** VPP request name */
  request: string;
  kind: 'unary' | 'dump' | 'events';
  type: protobuf.Type;
}

type Options = Record<string, unknown>;

function option(parsed: unknown, name: string): Options | undefined {
  for (const o of (parsed ?? []) as Options[]) if (o[name] !== undefined) return o[name] as Options;
  return undefined;
}

/**
 * Every RPC of the protos that has a REST route, but those of the socket
 * transport's own messages: the client refuses them (UNIMPLEMENTED) whatever
 * the request holds.
 */
export function loadTargets(root: protobuf.Root): Target[] {
  const out: Target[] = [];
  const visit = (ns: protobuf.NamespaceBase): void => {
    for (const obj of ns.nestedArray) {
      if (obj instanceof protobuf.Service) {
        for (const m of obj.methodsArray) {
          const http = option(m.parsedOptions, '(google.api.http)');
          const vpp = option(m.parsedOptions, '(vpprpc.method)');
          if (!http || !vpp || typeof http.post !== 'string' || TRANSPORT_MESSAGES.has(String(vpp.request))) continue;
          m.resolve();
          out.push({
            path: http.post,
            grpcPath: `/${obj.fullName.slice(1)}/${m.name}`,
            request: String(vpp.request),
            kind: vpp.events !== undefined ? 'events' : m.responseStream ? 'dump' : 'unary',
            type: m.resolvedRequestType!,
          });
        }
      } else if (obj instanceof protobuf.Namespace) visit(obj);
    }
  };
  visit(root);
  return out;
}

export type Kind =
  'int32' | 'uint32' | 'int64' | 'uint64' | 'double' | 'float' | 'bool' | 'string' | 'bytes' | 'enum' | 'message';

const SCALAR_KIND: Record<string, Kind> = {
  int32: 'int32',
  sint32: 'int32',
  sfixed32: 'int32',
  uint32: 'uint32',
  fixed32: 'uint32',
  int64: 'int64',
  sint64: 'int64',
  sfixed64: 'int64',
  uint64: 'uint64',
  fixed64: 'uint64',
  double: 'double',
  float: 'float',
  bool: 'bool',
  string: 'string',
  bytes: 'bytes',
};

export function kindOf(f: protobuf.Field): Kind {
  if (f.resolvedType instanceof protobuf.Enum) return 'enum';
  if (f.resolvedType instanceof protobuf.Type) return 'message';
  return SCALAR_KIND[f.type]!;
}

/** A field's VPP layout, from its (vpprpc.field) option. */
export interface VppField {
  type: string;
  fixedLength?: number;
  open?: boolean;
}

export function vppField(f: protobuf.Field): VppField | undefined {
  const o = option(f.parsedOptions, '(vpprpc.field)');
  if (!o) return undefined;
  return {
    type: String(o.type),
    ...(o.fixed_length !== undefined ? { fixedLength: Number(o.fixed_length) } : {}),
    ...(o.open === true ? { open: true } : {}),
  };
}

/** VPP's size of an enum (u8, u16, u32), from its (vpprpc.enum) option. */
export function enumSize(e: protobuf.Enum): string {
  return String(option(e.parsedOptions, '(vpprpc.enum)')?.size ?? 'u32');
}

/** The VPP text formats of addresses, prefixes and MACs. */
export const TEXT_TYPES = new Set([
  'address',
  'prefix',
  'address_with_prefix',
  'ip4_address',
  'ip6_address',
  'ip4_prefix',
  'ip6_prefix',
  'ip4_address_with_prefix',
  'ip6_address_with_prefix',
  'mac_address',
]);

/** One step of a path into a request: a field, through a list when it is repeated. */
export interface Step {
  field: protobuf.Field;
}

/** A field the client fills in itself: the switch of an event subscription. */
export function setByClient(target: Target, path: Step[]): boolean {
  return target.kind === 'events' && path.length === 1 && ['enable_disable', 'enable'].includes(path[0]!.field.name);
}

/** Every field of a type, and of its message fields down to `depth` levels. */
export function fieldPaths(type: protobuf.Type, depth = 3): Step[][] {
  const out: Step[][] = [];
  for (const f of type.fieldsArray) {
    out.push([{ field: f }]);
    if (depth > 1 && f.resolvedType instanceof protobuf.Type)
      for (const rest of fieldPaths(f.resolvedType, depth - 1)) out.push([{ field: f }, ...rest]);
  }
  return out;
}

/** JSON text of a request that sets only the field at `path`, to the JSON text `raw`. */
export function jsonAt(path: Step[], raw: string): string {
  let text = raw;
  for (let i = path.length - 1; i >= 0; i--) {
    const f = path[i]!.field;
    const inner = i < path.length - 1 && f.repeated ? `[${text}]` : text;
    text = `{${JSON.stringify(f.name)}:${inner}}`;
  }
  return text;
}

/** `obj` with the field at `path` set to `value`, and the other members of its oneof (at each level) taken out. */
export function setAt(obj: Options, path: Step[], value: unknown): Options {
  let o = obj;
  path.forEach(({ field: f }, i) => {
    if (f.partOf) for (const other of f.partOf.oneof) if (other !== f.name) delete o[other];
    if (i === path.length - 1) {
      o[f.name] = value;
      return;
    }
    const child: Options = {};
    o[f.name] = f.repeated ? [child] : child;
    o = child;
  });
  return obj;
}

/** A valid text of each VPP text type. */
const TEXT_SAMPLES: Record<string, string[]> = {
  address: ['10.0.0.1', '2001:db8::1'],
  ip4_address: ['10.0.0.1', '192.0.2.7'],
  ip6_address: ['2001:db8::1', 'fe80::1'],
  prefix: ['10.0.0.0/24', '2001:db8::/64'],
  address_with_prefix: ['10.0.0.1/24', '2001:db8::1/64'],
  ip4_prefix: ['10.0.0.0/8'],
  ip6_prefix: ['2001:db8::/32'],
  ip4_address_with_prefix: ['10.0.0.1/24'],
  ip6_address_with_prefix: ['2001:db8::1/64'],
  mac_address: ['02:fe:00:00:00:01', 'de:ad:be:ef:00:01'],
};

/** A request of `type` that its field rules accept (it may still be one VPP refuses). */
export function sample(rng: Rng, type: protobuf.Type, depth = 3): Options {
  const o: Options = {};
  const oneofsTaken = new Set<string>();
  for (const f of type.fieldsArray) {
    if (rng.chance(0.25)) continue;
    if (f.partOf) {
      if (oneofsTaken.has(f.partOf.name)) continue;
      oneofsTaken.add(f.partOf.name);
    }
    const one = (): unknown => sampleValue(rng, f, depth);
    const fixed = vppField(f)?.fixedLength;
    if (f.repeated) o[f.name] = Array.from({ length: fixed ?? rng.int(0, 2) }, one);
    else o[f.name] = one();
  }
  return o;
}

function sampleValue(rng: Rng, f: protobuf.Field, depth: number): unknown {
  const vpp = vppField(f);
  switch (kindOf(f)) {
    case 'enum':
      return rng.pick(Object.values((f.resolvedType as protobuf.Enum).values));
    case 'message':
      return depth > 1 ? sample(rng, f.resolvedType as protobuf.Type, depth - 1) : {};
    case 'bool':
      return rng.chance(0.5);
    case 'string':
      if (vpp && TEXT_SAMPLES[vpp.type]) return rng.pick(TEXT_SAMPLES[vpp.type]!);
      return 'abc'.slice(0, Math.max(0, Math.min(3, (vpp?.fixedLength ?? 4) - 1)));
    case 'bytes':
      return rng.bytes(vpp?.fixedLength ?? rng.int(0, 4));
    case 'double':
    case 'float':
      return rng.int(0, 99) / 4;
    default:
      return rng.int(0, vpp?.type === 'u8' || vpp?.type === 'i8' ? 99 : 999);
  }
}

const IP4_BAD = ['256.1.1.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1..2.3', 'a.b.c.d', '1.2.3.4/24', ' 1.2.3.4'];
const IP6_BAD = [':::', '2001:db8::g', '2001:db8:::1', '12345::', '1:2:3:4:5:6:7:8:9'];
const PREFIX_BAD = ['10.0.0.0/33', '10.0.0.0/-1', '10.0.0.0/', '/24', '10.0.0.0', '10.0.0.0/24/1', '2001:db8::/129'];
const IP4_PREFIX_BAD = [...PREFIX_BAD, '2001:db8::/64', '10.0.0.0/2x'];
const IP6_PREFIX_BAD = ['2001:db8::/129', '2001:db8::', '2001:db8::/', '10.0.0.0/8', '2001:db8:::/64', '::/1x'];

/** Text each VPP text type must refuse (an empty string is valid: all zero bytes). */
export const BAD_TEXT: Record<string, string[]> = {
  ip4_address: [...IP4_BAD, '::1'],
  ip6_address: [...IP6_BAD, '10.0.0.1', '2001:db8::1/64'],
  address: [...IP4_BAD, ...IP6_BAD],
  mac_address: ['02:fe:00:00:00', '02:fe:00:00:00:00:00', 'zz:zz:zz:zz:zz:zz', '02:fe:00:00:00:1g', '02fe.0000.0001'],
  prefix: PREFIX_BAD,
  address_with_prefix: PREFIX_BAD,
  ip4_prefix: IP4_PREFIX_BAD,
  ip4_address_with_prefix: IP4_PREFIX_BAD,
  ip6_prefix: IP6_PREFIX_BAD,
  ip6_address_with_prefix: IP6_PREFIX_BAD,
};

/** The largest value of a VPP integer type below 32 bits, and the smallest; undefined for the others. */
export function vppRange(vppType: string): [number, number] | undefined {
  return ({ u8: [0, 255], u16: [0, 65535], i8: [-128, 127], i16: [-32768, 32767] } as Record<string, [number, number]>)[
    vppType
  ];
}
