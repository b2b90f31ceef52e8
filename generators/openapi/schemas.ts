/**
 * JSON Schemas (OpenAPI 3.1 dialect) of every proto message, typedef, union
 * and enum, named by their proto full names. They describe the proto3 JSON the
 * gateway speaks, so every rule comes from vpp/api/mapping.ts: field views,
 * element kinds, oneof unions and bit-sets are read from there, never decided here.
 */
import type { ApiModel, EnumDef, MessageDef, Scalar, StructDef } from '../../vpp/api/model.ts';
import {
  fieldViews,
  INTERFACE_INDEX_TYPE,
  NO_INTERFACE, isBitset, isOneofUnion, textFormatOf, type Element, type FieldView, type TextFormat } from '../../vpp/api/mapping.ts';
import { protoEnumNumber, syntheticZeroName } from '../proto/emit-proto.ts';
import { msgKey, typeKey, type ProtoNames } from '../proto/naming.ts';
import { parseComment } from './comments.ts';

/** The subset of JSON Schema 2020-12 the generator writes. */
export interface Schema {
  description?: string;
  $ref?: string;
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  title?: string;
  format?: string;
  pattern?: string;
  contentEncoding?: string;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  enum?: string[];
  items?: Schema;
  maxItems?: number;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean;
  maxProperties?: number;
  oneOf?: Schema[];
  default?: unknown;
  examples?: unknown[];
  deprecated?: boolean;
  'x-vpp'?: Record<string, unknown>;
}

export const schemaRef = (name: string): string => `#/components/schemas/${name}`;

/** Component name of a VPP message or type: its proto full name without the leading dot. */
export function schemaName(names: ProtoNames, key: string): string {
  return names.full(key).slice(1);
}

const INT_RANGE: Partial<Record<Scalar, [number, number]>> = {
  u8: [0, 0xff],
  i8: [-0x80, 0x7f],
  u16: [0, 0xffff],
  i16: [-0x8000, 0x7fff],
  u32: [0, 0xffffffff],
  i32: [-0x80000000, 0x7fffffff],
};

interface TextSchema {
  format: string;
  pattern?: string;
  examples: string[];
  what: string;
}

const IP4 = String.raw`(?:[0-9]{1,3}\.){3}[0-9]{1,3}`;

/** How each well-known text type reads and is checked. */
const TEXT_SCHEMAS: Record<TextFormat, TextSchema> = {
  address: { format: 'ip-address', examples: ['10.0.0.1', '2001:db8::1'], what: 'An IPv4 or IPv6 address.' },
  ip4_address: { format: 'ipv4', examples: ['10.0.0.1'], what: 'An IPv4 address.' },
  ip6_address: { format: 'ipv6', examples: ['2001:db8::1'], what: 'An IPv6 address.' },
  prefix: {
    format: 'ip-prefix',
    pattern: '^[0-9A-Fa-f:.]+/[0-9]{1,3}$',
    examples: ['10.0.0.0/24', '2001:db8::/32'],
    what: 'An IPv4 or IPv6 address and prefix length.',
  },
  ip4_prefix: {
    format: 'ipv4-prefix',
    pattern: `^${IP4}/(?:3[0-2]|[12]?[0-9])$`,
    examples: ['10.0.0.0/24'],
    what: 'An IPv4 address and prefix length.',
  },
  ip6_prefix: {
    format: 'ipv6-prefix',
    pattern: '^[0-9A-Fa-f:.]+/(?:12[0-8]|1[01][0-9]|[1-9]?[0-9])$',
    examples: ['2001:db8::/32'],
    what: 'An IPv6 address and prefix length.',
  },
  mac_address: {
    format: 'mac',
    pattern: '^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}$',
    examples: ['02:fe:00:00:00:01'],
    what: 'A MAC address.',
  },
};

const INT64_NOTE = 'A 64-bit integer: a string of decimal digits (proto3 JSON); requests may also send a JSON number.';

interface Ctx {
  model: ApiModel;
  names: ProtoNames;
}

function refTo(ctx: Ctx, def: EnumDef | StructDef): Schema {
  return { $ref: schemaRef(schemaName(ctx.names, typeKey(def.name))) };
}

function scalarSchema(scalar: Scalar, notes: string[]): Schema {
  const range = INT_RANGE[scalar];
  if (range) return { type: 'integer', minimum: range[0], maximum: range[1] };
  switch (scalar) {
    case 'u64':
      notes.push(INT64_NOTE);
      return { type: 'string', format: 'uint64', pattern: '^[0-9]+$' };
    case 'i64':
      notes.push(INT64_NOTE);
      return { type: 'string', format: 'int64', pattern: '^-?[0-9]+$' };
    case 'f64':
      return { type: 'number', format: 'double' };
    case 'bool':
      return { type: 'boolean' };
    default:
      throw new Error(`no JSON type for ${scalar}`);
  }
}

/** One element of a field; notes collects what the description should say about it. */
function elementSchema(ctx: Ctx, v: FieldView, notes: string[]): Schema {
  if (v.bytes) {
    const n = v.fixedLength;
    notes.push(n === undefined ? 'Binary data, base64 encoded.' : `Binary data, base64 encoded: at most ${n} bytes.`);
    const s: Schema = { type: 'string', contentEncoding: 'base64' };
    if (n !== undefined) s.maxLength = 4 * Math.ceil(n / 3);
    return s;
  }
  const e: Element = v.element;
  switch (e.kind) {
    case 'scalar':
      return scalarSchema(e.scalar, notes);
    case 'string': {
      const n = v.fixedLength;
      if (n === undefined) return { type: 'string' };
      notes.push(`At most ${n - 1} bytes (VPP string[${n}], NUL-terminated).`);
      return { type: 'string', maxLength: n - 1 };
    }
    case 'text': {
      const t = TEXT_SCHEMAS[e.format];
      notes.push(`${t.what} For example ${t.examples.map((x) => `"${x}"`).join(' or ')}.`);
      const s: Schema = { type: 'string', format: t.format };
      if (t.pattern) s.pattern = t.pattern;
      s.examples = t.examples;
      return s;
    }
    case 'enum':
      if (e.bitset) notes.push('A set of flags: the names of the bits that are set.');
      return refTo(ctx, e.def);
    case 'struct':
      return refTo(ctx, e.def);
    case 'union':
      if (e.oneof && v.field.discriminator) notes.push(`The arm set must be the one \`${v.field.discriminator}\` selects.`);
      return refTo(ctx, e.def);
  }
}

/** A field's VPP default as proto3 JSON, or undefined when JSON has no spelling for it. */
function jsonDefault(v: FieldView): unknown {
  const d = v.field.default;
  if (d === undefined) return undefined;
  const e = v.element;
  if (e.kind === 'scalar' && (e.scalar === 'u64' || e.scalar === 'i64')) return String(d);
  if (e.kind === 'enum') return e.def.values.find((x) => x.value === d)?.name;
  return d;
}

function sentence(s: string): string {
  const t = s.trim();
  return /[.!?:]$/.test(t) ? t : `${t}.`;
}

function fieldSchema(ctx: Ctx, v: FieldView, param: string | undefined): Schema {
  const notes: string[] = [];
  if (param) notes.push(sentence(param));
  let s = elementSchema(ctx, v, notes);
  if (v.repeated) {
    s = { type: 'array', items: s };
    if (v.fixedLength !== undefined) {
      s.maxItems = v.fixedLength;
      notes.push(`At most ${v.fixedLength} entries (a VPP array of ${v.fixedLength}; missing entries are zero).`);
    }
  }
  // repeated fields have no presence: only an optional field's default means something when absent
  if (v.optional) {
    const d = jsonDefault(v);
    if (d !== undefined) s.default = d;
    if (v.field.type === INTERFACE_INDEX_TYPE && v.field.default === NO_INTERFACE)
      notes.push('Absent: 4294967295 (~0), VPP\'s "every interface" in a filter and "no interface" elsewhere; 0 is local0.');
    else if (d === undefined) notes.push(`Absent: VPP's default ${String(v.field.default)}, which has no name in JSON.`);
  }
  return notes.length ? { description: notes.join(' '), ...s } : s;
}

/** The names proto3 JSON uses for an enum: the proto enum's values, zero first. */
function enumNames(def: EnumDef): string[] {
  const zero = def.values.find((v) => protoEnumNumber(v.value) === 0);
  const rest = def.values.filter((v) => v !== zero).map((v) => v.name);
  return [zero ? zero.name : syntheticZeroName(def), ...rest];
}

function enumSchema(def: EnumDef, bitset: boolean): Schema {
  const parts = [`VPP ${def.kind} \`${def.name}\` (${def.size}).`];
  if (bitset) parts.push('Fields of this type are sets of flags: a list of the names of the bits that are set.');
  if (!def.values.some((v) => protoEnumNumber(v.value) === 0))
    parts.push(`${syntheticZeroName(def)} is the proto zero value and not one of VPP's.`);
  parts.push('Requests may also give the numeric value.');
  return {
    description: parts.join(' '),
    type: 'string',
    enum: enumNames(def),
    'x-vpp': { name: def.name, kind: def.kind, size: def.size, values: Object.fromEntries(def.values.map((v) => [v.name, v.value])) },
  };
}

function vppInfo(def: StructDef | MessageDef): Record<string, unknown> {
  if (!('crc' in def)) return { name: def.name, kind: def.kind };
  const info: Record<string, unknown> = { name: def.name, crc: def.crc };
  if (def.options.inProgress) info.in_progress = true;
  if (def.options.replacedBy) info.replaced_by = def.options.replacedBy;
  return info;
}

function structSchema(ctx: Ctx, def: StructDef | MessageDef): Schema {
  const doc = parseComment(def.comment);
  const views = fieldViews(ctx.model, def).filter((v) => !v.hidden);
  const props = (list: FieldView[]): Record<string, Schema> =>
    Object.fromEntries(list.map((v) => [v.field.name, fieldSchema(ctx, v, doc.params.get(v.field.name))]));
  const union = !('crc' in def) && def.kind === 'union';
  const oneof = union && isOneofUnion(ctx.model, def);
  const text = [doc.text];
  if (oneof) text.push('A VPP union: set exactly one of its arms.');
  else if (union) text.push('A VPP union: its arms share the same bytes, so set only the one that applies.');
  const s: Schema = {};
  if (text.some((t) => t !== '')) s.description = text.filter((t) => t !== '').join('\n\n');
  s.type = 'object';
  if ('crc' in def && def.options.deprecated) s.deprecated = true;
  if (oneof) {
    // one single-property object per arm: validators enforce exactly one, Swagger UI lists the arms
    s.oneOf = views.map((v) => ({
      title: v.field.case ? `${v.field.name} (${v.field.case})` : v.field.name,
      type: 'object',
      properties: props([v]),
      required: [v.field.name],
      additionalProperties: false,
    }));
  } else {
    s.properties = props(views);
    s.additionalProperties = false;
  }
  s['x-vpp'] = vppInfo(def);
  return s;
}

/** Every message, typedef, union and enum of the model, keyed by component name, sorted. */
export function buildSchemas(model: ApiModel, names: ProtoNames): Record<string, Schema> {
  const ctx: Ctx = { model, names };
  const out: [string, Schema][] = [];
  for (const t of model.types.values()) {
    switch (t.kind) {
      case 'typedef':
      case 'union':
        // addresses, prefixes and MACs are text wherever they are used: their struct form never appears in JSON
        if (textFormatOf(t.name) === undefined) out.push([schemaName(names, typeKey(t.name)), structSchema(ctx, t)]);
        break;
      case 'enum':
      case 'enumflags':
        out.push([schemaName(names, typeKey(t.name)), enumSchema(t, isBitset(t))]);
    }
  }
  for (const m of model.messages.values()) out.push([schemaName(names, msgKey(m.name)), structSchema(ctx, m)]);
  out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(out);
}
