/**
 * A message type reduced to what the codecs need: its fields in number
 * order, each with its scalar kind, nested type, oneof and names. protobufjs
 * is only the schema; this is read once per type when a codec is compiled.
 */
import protobuf from 'protobufjs';
import { ProtoError } from './errors.ts';

export type ScalarKind =
  | 'double'
  | 'float'
  | 'int32'
  | 'uint32'
  | 'sint32'
  | 'fixed32'
  | 'sfixed32'
  | 'int64'
  | 'uint64'
  | 'sint64'
  | 'fixed64'
  | 'sfixed64'
  | 'bool'
  | 'string'
  | 'bytes';

export type FieldKind = ScalarKind | 'enum' | 'message';

export interface EnumSchema {
  fullName: string;
  /** number → name; with `allow_alias` the first name declared for the number */
  nameOf: ReadonlyMap<number, string>;
  /** name → number, every name including aliases */
  valueOf: ReadonlyMap<string, number>;
}

export interface FieldSchema {
  /** the proto field name (protobufjs is used with keepCase) */
  name: string;
  /** lowerCamelCase JSON name, or the `json_name` option */
  jsonName: string;
  id: number;
  kind: FieldKind;
  repeated: boolean;
  /** repeated scalars written packed (proto3's default) */
  packed: boolean;
  /** written even when zero: oneof members, proto3 `optional`, proto2 optional */
  hasPresence: boolean;
  /** the oneof (real or proto3-`optional` synthetic) the field belongs to */
  oneof?: string;
  enumType?: EnumSchema;
  messageType?: protobuf.Type;
}

export interface OneofSchema {
  name: string;
  /** field names, in number order */
  members: string[];
}

export interface MessageSchema {
  fullName: string;
  /** in field-number order */
  fields: FieldSchema[];
  oneofs: OneofSchema[];
}

const SCALARS: ReadonlySet<string> = new Set<ScalarKind>([
  'double',
  'float',
  'int32',
  'uint32',
  'sint32',
  'fixed32',
  'sfixed32',
  'int64',
  'uint64',
  'sint64',
  'fixed64',
  'sfixed64',
  'bool',
  'string',
  'bytes',
]);

/** Scalars whose repeated form is packed in proto3; strings and bytes never are. */
export function isPackable(kind: FieldKind): boolean {
  return kind !== 'string' && kind !== 'bytes' && kind !== 'message';
}

/** protoc's default JSON name: `sw_if_index` → `swIfIndex`. */
export function jsonNameOf(protoName: string): string {
  let out = '';
  let upper = false;
  for (const c of protoName) {
    if (c === '_') upper = true;
    else {
      out += upper ? c.toUpperCase() : c;
      upper = false;
    }
  }
  return out;
}

const enums = new WeakMap<protobuf.Enum, EnumSchema>();

export function describeEnum(e: protobuf.Enum): EnumSchema {
  let schema = enums.get(e);
  if (!schema) {
    const nameOf = new Map<number, string>();
    const valueOf = new Map<string, number>();
    for (const [name, value] of Object.entries(e.values)) {
      valueOf.set(name, value);
      if (!nameOf.has(value)) nameOf.set(value, name);
    }
    schema = { fullName: e.fullName.replace(/^\./, ''), nameOf, valueOf };
    enums.set(e, schema);
  }
  return schema;
}

function unsupported(type: protobuf.Type, field: protobuf.Field, what: string): ProtoError {
  return new ProtoError('unsupported', field.name, `${what} (in ${type.fullName.replace(/^\./, '')}) is not supported`);
}

function describeField(type: protobuf.Type, field: protobuf.Field): FieldSchema {
  field.resolve();
  if (field.map) throw unsupported(type, field, 'a map field');
  if (field.delimited) throw unsupported(type, field, 'a group (delimited) field');
  let kind: FieldKind;
  const f: Partial<FieldSchema> = {};
  if (field.resolvedType instanceof protobuf.Type) {
    kind = 'message';
    f.messageType = field.resolvedType;
  } else if (field.resolvedType instanceof protobuf.Enum) {
    kind = 'enum';
    f.enumType = describeEnum(field.resolvedType);
  } else if (SCALARS.has(field.type)) kind = field.type as ScalarKind;
  else throw unsupported(type, field, `field type ${field.type}`);
  const jsonOption = field.options?.['json_name'];
  const schema: FieldSchema = {
    name: field.name,
    jsonName: typeof jsonOption === 'string' ? jsonOption : jsonNameOf(field.name),
    id: field.id,
    kind,
    repeated: field.repeated,
    packed: field.repeated && isPackable(kind) && field.packed,
    hasPresence: !field.repeated && (Boolean(field.hasPresence) || kind === 'message'),
    ...f,
  };
  if (field.partOf) schema.oneof = field.partOf.name;
  return schema;
}

const messages = new WeakMap<protobuf.Type, MessageSchema>();

/** The schema of a message type, read once; resolves the type's fields on the way. */
export function describeMessage(type: protobuf.Type): MessageSchema {
  let schema = messages.get(type);
  if (!schema) {
    const fields = type.fieldsArray.map((f) => describeField(type, f)).sort((a, b) => a.id - b.id);
    const oneofs = type.oneofsArray.map((o) => ({
      name: o.name,
      members: fields.filter((f) => f.oneof === o.name).map((f) => f.name),
    }));
    schema = { fullName: type.fullName.replace(/^\./, ''), fields, oneofs };
    messages.set(type, schema);
  }
  return schema;
}

/** Every message type `root` reaches through its fields, `root` first. */
export function reachableTypes(root: protobuf.Type): protobuf.Type[] {
  const seen = new Set<protobuf.Type>([root]);
  const order: protobuf.Type[] = [root];
  for (let i = 0; i < order.length; i++) {
    for (const f of describeMessage(order[i]!).fields) {
      if (f.messageType && !seen.has(f.messageType)) {
        seen.add(f.messageType);
        order.push(f.messageType);
      }
    }
  }
  return order;
}

/** The wire type of one value of a field (a packed list is always wire type 2). */
export function wireTypeOf(kind: FieldKind): number {
  switch (kind) {
    case 'double':
    case 'fixed64':
    case 'sfixed64':
      return 1;
    case 'float':
    case 'fixed32':
    case 'sfixed32':
      return 5;
    case 'string':
    case 'bytes':
    case 'message':
      return 2;
    default:
      return 0;
  }
}
