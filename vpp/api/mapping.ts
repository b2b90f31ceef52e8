/**
 * The one mapping from VPP types to the values users see (proto fields, JSON,
 * and the JS values the codec reads and writes); its table is in
 * docs/ARCHITECTURE.md, "Type mapping".
 *
 * - integers up to 32 bits are numbers, 64-bit integers bigints (proto3 JSON: strings);
 * - `string` is text; `u8` arrays are bytes;
 * - addresses, prefixes and MACs are readable text;
 * - enums are enum numbers; bit-set enums are lists of their bits;
 * - unions selected by a discriminator are a oneof, other unions keep every arm;
 * - length fields, `client_index` and `context` are transport detail and hidden;
 * - a field with a VPP default is optional: absent means the default;
 * - an interface index a request leaves out is ~0, as VPP's Python client sends it.
 */
import type { ApiModel, EnumDef, Field, MessageDef, Scalar, ServiceDef, StructDef } from './model.ts';
import { isScalar } from './model.ts';

/** VPP's `~0` interface index: "every interface" in a dump's filter, "none" elsewhere. */
export const NO_INTERFACE = 0xffffffff;

/** `vl_api_interface_index_t` */
export const INTERFACE_INDEX_TYPE = 'interface_index';

/**
 * Give every interface index of a request message that has no VPP default the
 * default ~0 (VPP's Python client sends ~0 for an interface index left out).
 * So `{}` to a dump filtered by interface lists every entry, and a forgotten
 * `sw_if_index` in a set request fails with INVALID_SW_IF_INDEX instead of
 * acting on local0. The default gives the field presence like any other, so
 * an explicit 0 still means local0. Replies, details and events keep theirs;
 * fields of structs are left alone, as structs are shared with replies.
 * Applied once, where the model is read from VPP's `.api.json`; the protos
 * carry the default from there on.
 */
export function defaultRequestInterfaces(model: ApiModel): void {
  for (const svc of model.services.values()) {
    const request = model.messages.get(svc.request);
    for (const f of request?.fields ?? []) {
      const single = f.fixedLength === undefined && f.lengthField === undefined && !f.open;
      if (f.type === INTERFACE_INDEX_TYPE && f.default === undefined && single) f.default = NO_INTERFACE;
    }
  }
}

/** Well-known VPP types shown as text, keyed by VPP type name. */
export const TEXT_TYPES = {
  address: 'address',
  prefix: 'prefix',
  address_with_prefix: 'prefix',
  ip4_address: 'ip4_address',
  ip6_address: 'ip6_address',
  ip4_prefix: 'ip4_prefix',
  ip6_prefix: 'ip6_prefix',
  ip4_address_with_prefix: 'ip4_prefix',
  ip6_address_with_prefix: 'ip6_prefix',
  mac_address: 'mac_address',
} as const;
export type TextFormat = (typeof TEXT_TYPES)[keyof typeof TEXT_TYPES];

export function textFormatOf(type: string): TextFormat | undefined {
  return Object.hasOwn(TEXT_TYPES, type) ? TEXT_TYPES[type as keyof typeof TEXT_TYPES] : undefined;
}

/** What one element of a field is, after aliases are followed. */
export type Element =
  | { kind: 'scalar'; scalar: Scalar }
  | { kind: 'string' }
  | { kind: 'text'; format: TextFormat; vppType: string }
  | { kind: 'enum'; def: EnumDef; bitset: boolean }
  | { kind: 'struct'; def: StructDef }
  | { kind: 'union'; def: StructDef; oneof: boolean };

/**
 * A field as users see it. `bytes` fields are u8 arrays; `repeated` fields are
 * arrays of `element`; a bit-set enum is `repeated` of its enum.
 */
export interface FieldView {
  field: Field;
  /** proto field number: the field's position in VPP's layout, from 1 */
  number: number;
  /** not part of the proto message: filled in by the transport or the codec */
  hidden: boolean;
  element: Element;
  /** a u8 array (or an alias of one that is not well-known text) */
  bytes: boolean;
  repeated: boolean;
  /** proto3 `optional`: the field has a VPP default used when absent */
  optional: boolean;
  /** element count of a fixed array or fixed-size string, or bytes of a fixed u8 array */
  fixedLength?: number;
}

export const TRANSPORT_FIELDS: ReadonlySet<string> = new Set(['client_index', 'context']);

interface Cache {
  oneofUnions: Set<string>;
  views: Map<string, FieldView[]>;
}
const caches = new WeakMap<ApiModel, Cache>();

function cacheOf(model: ApiModel): Cache {
  let c = caches.get(model);
  if (!c) {
    c = { oneofUnions: findOneofUnions(model), views: new Map() };
    caches.set(model, c);
  }
  return c;
}

/** Enumflags, and enums named `*flag(s)` whose values are single bits (or named masks). */
export function isBitset(def: EnumDef): boolean {
  if (def.kind === 'enumflags') return true;
  if (!/flags?$/.test(def.name)) return false;
  const bits = def.values.filter((v) => v.value !== 0);
  return bits.length > 0 && bits.every((v) => (v.value & (v.value - 1)) === 0 || v.name.includes('MASK'));
}

/**
 * A union becomes a oneof when every field that holds it (outside the
 * well-known text types) names a discriminator; otherwise every arm is kept.
 */
function findOneofUnions(model: ApiModel): Set<string> {
  const discriminated = new Map<string, boolean>();
  const visit = (fields: Field[]): void => {
    for (const f of fields) {
      const t = model.types.get(f.type);
      if (t?.kind !== 'union') continue;
      const prior = discriminated.get(t.name) ?? singularArms(t);
      discriminated.set(t.name, prior && f.discriminator !== undefined);
    }
  };
  for (const t of model.types.values())
    if ((t.kind === 'typedef' || t.kind === 'union') && textFormatOf(t.name) === undefined) visit(t.fields);
  for (const m of model.messages.values()) visit(m.fields);
  return new Set([...discriminated].filter(([, d]) => d).map(([n]) => n));
}

/** Whether a union is a proto oneof (see findOneofUnions). */
export function isOneofUnion(model: ApiModel, def: StructDef): boolean {
  return cacheOf(model).oneofUnions.has(def.name);
}

/** A proto oneof cannot hold repeated fields. */
function singularArms(union: StructDef): boolean {
  return union.fields.every((f) => f.fixedLength === undefined && f.lengthField === undefined && !f.open);
}

/** Follow aliases (stopping at well-known text types) to the element a type stands for. */
export function elementOf(model: ApiModel, type: string): { element: Element; aliasLength?: number } {
  let t = type;
  for (let guard = 0; guard < 16; guard++) {
    const format = textFormatOf(t);
    if (format) return { element: { kind: 'text', format, vppType: t } };
    if (isScalar(t)) return { element: { kind: 'scalar', scalar: t } };
    if (t === 'string') return { element: { kind: 'string' } };
    const def = model.types.get(t);
    if (!def) throw new Error(`unknown VPP type ${t}`);
    switch (def.kind) {
      case 'alias':
        if (def.length !== undefined) {
          const inner = elementOf(model, def.type);
          return { element: inner.element, aliasLength: def.length };
        }
        t = def.type;
        continue;
      case 'enum':
      case 'enumflags':
        return { element: { kind: 'enum', def, bitset: isBitset(def) } };
      case 'union':
        return { element: { kind: 'union', def, oneof: isOneofUnion(model, def) } };
      case 'typedef':
        return { element: { kind: 'struct', def } };
    }
  }
  throw new Error(`alias chain too long at ${type}`);
}

/** The user-facing view of each field of a message, typedef or union (cached). */
export function fieldViews(model: ApiModel, owner: MessageDef | StructDef): FieldView[] {
  const cache = cacheOf(model);
  const key = ('crc' in owner ? 'm:' : 't:') + owner.name;
  let views = cache.views.get(key);
  if (views) return views;
  const isMessage = 'crc' in owner;
  const lengthFields = new Set(owner.fields.flatMap((f) => (f.lengthField ? [f.lengthField] : [])));
  views = owner.fields.map((field, i) => {
    const { element, aliasLength } = elementOf(model, field.type);
    const arrayed = field.fixedLength !== undefined || field.lengthField !== undefined || field.open === true;
    const isU8 = element.kind === 'scalar' && element.scalar === 'u8';
    const bytes = isU8 && (arrayed || aliasLength !== undefined);
    const repeated =
      !bytes &&
      element.kind !== 'string' &&
      (arrayed || aliasLength !== undefined || (element.kind === 'enum' && element.bitset));
    const view: FieldView = {
      field,
      number: i + 1,
      hidden: lengthFields.has(field.name) || (isMessage && TRANSPORT_FIELDS.has(field.name)),
      element,
      bytes,
      repeated,
      // repeated fields have no presence in proto; an empty list is the default
      optional: field.default !== undefined && !repeated && !bytes,
    };
    const fixed = field.fixedLength ?? aliasLength;
    if (fixed !== undefined) view.fixedLength = fixed;
    return view;
  });
  cache.views.set(key, views);
  return views;
}

/** `sw_interface_dump` → `SwInterfaceDump`; `ip4_address` → `Ip4Address`. */
export function upperCamel(snake: string): string {
  return snake
    .split('_')
    .filter((s) => s !== '')
    .map((s) => s[0]!.toUpperCase() + s.slice(1))
    .join('');
}

/** gRPC service (and REST path segment) of a VPP module: `ip_neighbor` → `IpNeighbor`. */
export function serviceName(module: string): string {
  return upperCamel(module);
}

/** gRPC method (and REST path segment) of a VPP request: `show_version` → `ShowVersion`. */
export function rpcName(request: string): string {
  return upperCamel(request);
}

/** REST route of an RPC, as the `google.api.http` rule says. */
export function routePath(module: string, request: string): string {
  return `/${serviceName(module)}/${rpcName(request)}/request`;
}

/**
 * How a VPP service entry becomes an RPC:
 * - `unary`: request → reply (or no reply at all);
 * - `dump`: request, then `control_ping`; every `_details` until the ping's reply;
 * - `cursor`: request; every `stream_msg` until the service's own reply;
 * - `events`: subscribe with the request; events until the caller leaves.
 */
export type RpcKind = 'unary' | 'dump' | 'cursor' | 'events';

export interface RpcShape {
  kind: RpcKind;
  /** the message the RPC returns (or streams); null: nothing (google.protobuf.Empty) */
  response: string | null;
}

export function rpcShape(svc: ServiceDef): RpcShape {
  if (svc.events && svc.events.length > 0) {
    if (svc.events.length > 1) throw new Error(`service ${svc.request}: more than one event message is not supported`);
    return { kind: 'events', response: svc.events[0]! };
  }
  if (svc.stream && svc.streamMessage) return { kind: 'cursor', response: svc.streamMessage };
  if (svc.stream) return { kind: 'dump', response: svc.reply };
  return { kind: 'unary', response: svc.reply };
}
