/**
 * One typed model of VPP's binary API, independent of where it was read from
 * (VPP's `.api.json` files, or the project's generated protos).
 *
 * Type references use VPP's short names: a field of type `vl_api_address_t`
 * has `type: "address"`; scalars keep their VPP spelling (`u32`, `bool`, `string`).
 */

export const SCALARS = ['u8', 'i8', 'u16', 'i16', 'u32', 'i32', 'u64', 'i64', 'f64', 'bool'] as const;
export type Scalar = (typeof SCALARS)[number];

export type EnumSize = 'u8' | 'u16' | 'u32' | 'i8' | 'i16' | 'i32';

/** A field's default, typed by the field: boolean for `bool`, number otherwise. */
export type DefaultValue = number | boolean;

export interface Field {
  name: string;
  /** a scalar, `string`, or the short name of an alias, enum, enumflags, union or typedef */
  type: string;
  /** `[t, n, N]`: a fixed array (or a NUL-padded string of N bytes) */
  fixedLength?: number;
  /** `[t, n, 0, "len"]`: a variable array whose element count is the earlier field `len` */
  lengthField?: string;
  /** `[t, n, 0]`: a string with a u32 length prefix, or an array that runs to the end of the message */
  open?: boolean;
  default?: DefaultValue;
  /** on a union-typed field: the earlier sibling whose enum value selects the arm */
  discriminator?: string;
  /** on a union arm: the enum symbol that selects it */
  case?: string;
}

export interface AliasDef {
  kind: 'alias';
  name: string;
  module: string;
  type: string;
  length?: number;
}

export interface EnumValue {
  name: string;
  value: number;
}

export interface EnumDef {
  kind: 'enum' | 'enumflags';
  name: string;
  module: string;
  size: EnumSize;
  values: EnumValue[];
}

export interface StructDef {
  kind: 'typedef' | 'union';
  name: string;
  module: string;
  fields: Field[];
  comment?: string;
}

export type TypeDef = AliasDef | EnumDef | StructDef;

export interface MessageOptions {
  deprecated?: boolean;
  inProgress?: boolean;
  replacedBy?: string;
}

export interface MessageDef {
  name: string;
  module: string;
  /** `0x` and eight hex digits, as in the `.api.json` */
  crc: string;
  fields: Field[];
  options: MessageOptions;
  comment?: string;
}

export interface ServiceDef {
  module: string;
  request: string;
  /** null when VPP sends no reply */
  reply: string | null;
  /** a dump: `_details` until `control_ping_reply`, or `stream_msg` until `reply` */
  stream?: boolean;
  streamMessage?: string;
  events?: string[];
}

export interface ModuleDef {
  name: string;
  /** `core` or `plugins`: where VPP installs its file */
  area: string;
  version: string;
  /** the module's `vl_api_version` CRC, `0x…` */
  apiVersion: string;
  /** modules whose definitions this one uses */
  imports: string[];
  /** definitions owned by this module, in file order */
  types: TypeDef[];
  messages: MessageDef[];
  services: ServiceDef[];
}

/** The whole API: modules plus indexes by name. */
export interface ApiModel {
  modules: ModuleDef[];
  types: Map<string, TypeDef>;
  messages: Map<string, MessageDef>;
  /** keyed by request message name */
  services: Map<string, ServiceDef>;
}

export function isScalar(type: string): type is Scalar {
  return (SCALARS as readonly string[]).includes(type);
}

/** Build the indexes of a model from its modules; duplicate names are an error. */
export function indexModel(modules: ModuleDef[]): ApiModel {
  const types = new Map<string, TypeDef>();
  const messages = new Map<string, MessageDef>();
  const services = new Map<string, ServiceDef>();
  for (const mod of modules) {
    for (const t of mod.types) {
      const prior = types.get(t.name);
      if (prior) throw new Error(`type ${t.name} is defined by both ${prior.module} and ${mod.name}`);
      types.set(t.name, t);
    }
    for (const m of mod.messages) {
      const prior = messages.get(m.name);
      if (prior) throw new Error(`message ${m.name} is defined by both ${prior.module} and ${mod.name}`);
      messages.set(m.name, m);
    }
    for (const s of mod.services) services.set(s.request, s);
  }
  return { modules, types, messages, services };
}
