/** Writes one VPP module as a `.proto` file: its types, messages and service. */
import type { ApiModel, EnumDef, Field, MessageDef, ModuleDef, StructDef } from '../../vpp/api/model.ts';
import {
  fieldViews,
  isOneofUnion,
  routePath,
  rpcName,
  rpcShape,
  serviceName,
  type Element,
  type FieldView,
} from '../../vpp/api/mapping.ts';
import { msgKey, typeKey, type ProtoNames } from './naming.ts';

const SCALAR_PROTO: Record<string, string> = {
  u8: 'uint32',
  u16: 'uint32',
  u32: 'uint32',
  i8: 'int32',
  i16: 'int32',
  i32: 'int32',
  u64: 'uint64',
  i64: 'int64',
  f64: 'double',
  bool: 'bool',
};

export const OPTIONS_FILE = 'vpprpc/options.proto';
export const EMPTY_FULL_NAME = '.google.protobuf.Empty';

/**
 * A proto string literal. Only printable ASCII without quotes or backslashes:
 * protobufjs, which reads these files at run time, does not decode escapes.
 */
export function quote(s: string): string {
  if (!/^[\x20-\x7e]*$/.test(s) || /["\\]/.test(s)) throw new Error(`cannot write ${JSON.stringify(s)} as a proto string`);
  return `"${s}"`;
}

/** An option message in proto text format: `{ a: "x" b: 1 }`; empty values left out. */
function textFormat(obj: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined || v === '' || v === false || v === 0) continue;
    if (Array.isArray(v)) {
      // repeated keys rather than [a, b]: protobufjs reads no lists of messages
      for (const x of v) parts.push(typeof x === 'string' ? `${k}: ${quote(x)}` : `${k} ${textFormat(x as Record<string, unknown>)}`);
    } else if (typeof v === 'string') parts.push(`${k}: ${quote(v)}`);
    else if (typeof v === 'object') parts.push(`${k} ${textFormat(v as Record<string, unknown>)}`);
    else parts.push(`${k}: ${String(v)}`);
  }
  return `{ ${parts.join(' ')} }`;
}

/** VPP's C comment as proto comment lines. */
export function commentLines(comment: string | undefined, indent: string): string[] {
  if (!comment) return [];
  const lines = comment
    .replace(/^\s*\/\*+!?/, '')
    .replace(/\*+\/\s*$/, '')
    .split('\n')
    .map((l) => l.replace(/^\s*\*? ?/, '').replace(/\\brief\s*/, '').trimEnd());
  while (lines.length && lines[0]!.trim() === '') lines.shift();
  while (lines.length && lines[lines.length - 1]!.trim() === '') lines.pop();
  return lines.map((l) => `${indent}//${l ? ' ' + l : ''}`);
}

export function fieldInfo(f: Field): Record<string, unknown> {
  return {
    type: f.type,
    fixed_length: f.fixedLength,
    length_field: f.lengthField,
    open: f.open,
    default_value: f.default === undefined ? undefined : String(f.default),
    discriminator: f.discriminator,
    case_symbol: f.case,
  };
}

interface Ctx {
  model: ApiModel;
  names: ProtoNames;
  module: ModuleDef;
  /** modules whose files this one imports */
  uses: Set<string>;
  needsEmpty: boolean;
}

function elementType(ctx: Ctx, e: Element, bytes: boolean): string {
  if (bytes) return 'bytes';
  switch (e.kind) {
    case 'scalar':
      return SCALAR_PROTO[e.scalar]!;
    case 'string':
    case 'text':
      return 'string';
    case 'enum':
    case 'struct':
    case 'union': {
      if (e.def.module !== ctx.module.name) ctx.uses.add(e.def.module);
      return ctx.names.full(typeKey(e.def.name));
    }
  }
}

/** Oneof that gives a defaulted field presence (proto3 `optional` without needing protoc ≥ 3.15). */
export function presenceOneof(field: string): string {
  return `has_${field}`;
}

function emitField(ctx: Ctx, v: FieldView, indent: string, inOneof: boolean): string {
  const label = !inOneof && v.repeated ? 'repeated ' : '';
  const type = elementType(ctx, v.element, v.bytes);
  const line = `${label}${type} ${v.field.name} = ${v.number} [(vpprpc.field) = ${textFormat(fieldInfo(v.field))}];`;
  if (v.optional && !inOneof) return `${indent}oneof ${presenceOneof(v.field.name)} { ${line} }`;
  return indent + line;
}

function emitStruct(ctx: Ctx, def: StructDef | MessageDef, out: string[]): void {
  const isMessage = 'crc' in def;
  const key = isMessage ? msgKey(def.name) : typeKey(def.name);
  const views = fieldViews(ctx.model, def);
  const hidden = views.filter((v) => v.hidden);
  out.push(...commentLines(def.comment, ''));
  out.push(`message ${ctx.names.local(key)} {`);
  const info: Record<string, unknown> = { name: def.name, kind: isMessage ? 'message' : def.kind };
  if (isMessage) {
    info.crc = def.crc;
    info.deprecated = def.options.deprecated;
    info.in_progress = def.options.inProgress;
    info.replaced_by = def.options.replacedBy;
  }
  info.hidden = hidden.map((v) => ({ number: v.number, name: v.field.name, field: fieldInfo(v.field) }));
  out.push(`  option (vpprpc.type) = ${textFormat(info)};`);
  if (isMessage && def.options.deprecated) out.push('  option deprecated = true;');
  if (hidden.length) out.push(`  reserved ${hidden.map((v) => v.number).join(', ')};`);
  const visible = views.filter((v) => !v.hidden);
  const oneof = !isMessage && def.kind === 'union' && isOneofUnion(ctx.model, def);
  if (oneof) {
    out.push('  oneof arm {');
    for (const v of visible) out.push(emitField(ctx, v, '    ', true));
    out.push('  }');
  } else for (const v of visible) out.push(emitField(ctx, v, '  ', false));
  out.push('}', '');
}

/** proto3 enum numbers are int32: VPP's u32 values above 2^31 wrap. */
export function protoEnumNumber(value: number): number {
  return value | 0;
}

export function syntheticZeroName(def: EnumDef): string {
  return `${def.name.toUpperCase()}_UNSPECIFIED`;
}

function emitEnum(ctx: Ctx, def: EnumDef, out: string[]): void {
  const values = def.values.map((v) => ({ name: v.name, num: protoEnumNumber(v.value), synthetic: false }));
  // proto3 wants a zero value, first; VPP's own position of it is kept in the option
  const zero = values.findIndex((v) => v.num === 0);
  if (zero < 0) values.unshift({ name: syntheticZeroName(def), num: 0, synthetic: true });
  else values.unshift(...values.splice(zero, 1));
  out.push(`enum ${ctx.names.local(typeKey(def.name))} {`);
  const info = { name: def.name, size: def.size, kind: def.kind, zero_position: zero > 0 ? zero : undefined };
  out.push(`  option (vpprpc.enum) = ${textFormat(info)};`);
  const nums = values.map((v) => v.num);
  if (new Set(nums).size !== nums.length) out.push('  option allow_alias = true;');
  for (const v of values) out.push(`  ${v.name} = ${v.num}${v.synthetic ? ' [(vpprpc.synthetic) = true]' : ''};`);
  out.push('}', '');
}

function emitService(ctx: Ctx, out: string[]): void {
  const mod = ctx.module;
  if (mod.services.length === 0) return;
  out.push(`service ${serviceName(mod.name)} {`);
  for (const svc of mod.services) {
    const shape = rpcShape(svc);
    const req = ctx.model.messages.get(svc.request)!;
    const input = ctx.names.full(msgKey(svc.request));
    if (req.module !== mod.name) ctx.uses.add(req.module);
    let output = EMPTY_FULL_NAME;
    if (shape.response === null) ctx.needsEmpty = true;
    else {
      const resp = ctx.model.messages.get(shape.response)!;
      if (resp.module !== mod.name) ctx.uses.add(resp.module);
      output = ctx.names.full(msgKey(shape.response));
    }
    const stream = shape.kind === 'unary' ? '' : 'stream ';
    const what = { unary: '', dump: ' (a dump: every details message)', cursor: ' (every entry, page by page)', events: ' (events until the call ends)' }[shape.kind];
    out.push(`  // ${svc.request}${svc.reply ? ' → ' + (shape.response ?? svc.reply) : ' (no reply)'}${what}`);
    out.push(`  rpc ${rpcName(svc.request)}(${input}) returns (${stream}${output}) {`);
    if (req.options.deprecated) out.push('    option deprecated = true;');
    out.push(`    option (google.api.http) = { post: ${quote(routePath(mod.name, svc.request))} body: "*" };`);
    const method = { request: svc.request, reply: svc.reply ?? '', stream: svc.stream, stream_message: svc.streamMessage, events: svc.events };
    out.push(`    option (vpprpc.method) = ${textFormat(method)};`);
    out.push('  }');
  }
  out.push('}', '');
}

export function emitModule(model: ApiModel, names: ProtoNames, module: ModuleDef): string {
  const ctx: Ctx = { model, names, module, uses: new Set(), needsEmpty: false };
  const body: string[] = [];
  emitService(ctx, body);
  for (const t of module.types) {
    if (t.kind === 'enum' || t.kind === 'enumflags') emitEnum(ctx, t, body);
    else if (t.kind === 'typedef' || t.kind === 'union') emitStruct(ctx, t, body);
  }
  for (const m of module.messages) emitStruct(ctx, m, body);
  const aliases = module.types.flatMap((t) => (t.kind === 'alias' ? [{ name: t.name, type: t.type, length: t.length }] : []));
  const head = [
    `// Generated by vpp-rpc from VPP's ${module.area}/${module.name}.api.json. Do not edit.`,
    `// VPP module ${module.name}, version ${module.version || '-'}, API CRC ${module.apiVersion || '-'}.`,
    'syntax = "proto3";',
    '',
    `package ${names.packageOf(module.name)};`,
    '',
  ];
  const imports = [];
  if (module.services.length) imports.push('google/api/annotations.proto');
  if (ctx.needsEmpty) imports.push('google/protobuf/empty.proto');
  imports.push(OPTIONS_FILE);
  for (const u of [...ctx.uses].sort()) imports.push(names.fileOf(u));
  head.push(...imports.map((i) => `import ${quote(i)};`), '');
  const moduleInfo = { name: module.name, area: module.area, version: module.version, api_version: module.apiVersion, imports: module.imports, aliases };
  head.push(`option (vpprpc.module) = ${textFormat(moduleInfo)};`, '');
  return [...head, ...body].join('\n').replace(/\n+$/, '\n');
}
