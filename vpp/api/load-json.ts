/**
 * Reads a folder of VPP `.api.json` files (VPP's install layout: `core/` and
 * `plugins/`) into the typed model. Only the generator calls this: at run time
 * the model comes from the generated protos.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import {
  indexModel,
  isScalar,
  type ApiModel,
  type DefaultValue,
  type EnumDef,
  type EnumSize,
  type Field,
  type MessageDef,
  type MessageOptions,
  type ModuleDef,
  type ServiceDef,
  type StructDef,
  type TypeDef,
} from './model.ts';
import { defaultRequestInterfaces } from './mapping.ts';
import { normalizeDefaults, validateModel } from './validate.ts';

export interface LoadProblem {
  file: string;
  reason: string;
}

/** Raised when one or more files cannot be read; lists every file with its reason. */
export class ApiLoadError extends Error {
  constructor(readonly problems: LoadProblem[]) {
    super(`cannot load the VPP API definitions:\n` + problems.map((p) => `  ${p.file}: ${p.reason}`).join('\n'));
    this.name = 'ApiLoadError';
  }
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** One file as read, before ownership of shared types is decided. */
interface RawModule {
  file: string;
  area: string;
  module: ModuleDef;
  /** every type the file carries, its own and the imported ones */
  types: TypeDef[];
}

const ENUM_SIZES: readonly string[] = ['u8', 'u16', 'u32', 'i8', 'i16', 'i32'];

/** `vl_api_address_t` → `address`; scalars and `string` unchanged. */
export function shortTypeName(vppType: string): string {
  const m = /^vl_api_(.+)_t$/.exec(vppType);
  if (m) return m[1]!;
  if (isScalar(vppType) || vppType === 'string') return vppType;
  throw new Error(`unknown type spelling "${vppType}"`);
}

function fail(reason: string): never {
  throw new Error(reason);
}

function isObject(v: Json | undefined): v is { [k: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseField(raw: Json, where: string): Field {
  if (!Array.isArray(raw) || raw.length < 2)
    fail(`${where}: a field must be [type, name, ...], got ${JSON.stringify(raw)}`);
  const parts = [...raw];
  const opts = isObject(parts[parts.length - 1]) ? (parts.pop() as { [k: string]: Json }) : {};
  const [type, name, size, lengthField] = parts;
  if (typeof type !== 'string' || typeof name !== 'string') fail(`${where}: field type and name must be strings`);
  const field: Field = { name, type: shortTypeName(type) };
  if (size !== undefined) {
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 0)
      fail(`${where}.${name}: bad array size ${JSON.stringify(size)}`);
    if (lengthField !== undefined) {
      if (typeof lengthField !== 'string') fail(`${where}.${name}: bad length field ${JSON.stringify(lengthField)}`);
      if (size !== 0) fail(`${where}.${name}: an array with a length field must have size 0`);
      field.lengthField = lengthField;
    } else if (size > 0) {
      field.fixedLength = size;
    } else {
      field.open = true;
    }
  }
  for (const [k, v] of Object.entries(opts)) {
    if (k === 'default') {
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
        fail(`${where}.${name}: bad default`);
      field.default = v as DefaultValue; // typed by normalizeDefaults once types resolve
    } else if (k === 'discriminator' && typeof v === 'string') field.discriminator = v;
    else if (k === 'case' && typeof v === 'string') field.case = v;
    else if (k === 'comment') continue;
    else fail(`${where}.${name}: unknown field option "${k}"`);
  }
  return field;
}

/** `[name, ...fields, {comment}?]` */
function parseStruct(raw: Json, kind: 'typedef' | 'union', module: string): StructDef {
  if (!Array.isArray(raw) || typeof raw[0] !== 'string') fail(`a ${kind} must be [name, ...fields]`);
  const name = raw[0];
  const def: StructDef = { kind, name, module, fields: [] };
  for (const item of raw.slice(1)) {
    if (isObject(item)) {
      if (typeof item.comment === 'string') def.comment = item.comment;
      continue;
    }
    def.fields.push(parseField(item, `${kind} ${name}`));
  }
  return def;
}

function parseEnum(raw: Json, kind: 'enum' | 'enumflags', module: string): EnumDef {
  if (!Array.isArray(raw) || typeof raw[0] !== 'string') fail(`an ${kind} must be [name, ...values, {enumtype}]`);
  const name = raw[0];
  let size: EnumSize | undefined;
  const values = [];
  for (const item of raw.slice(1)) {
    if (isObject(item)) {
      const t = item.enumtype;
      if (typeof t !== 'string' || !ENUM_SIZES.includes(t)) fail(`${kind} ${name}: bad enumtype ${JSON.stringify(t)}`);
      size = t as EnumSize;
      continue;
    }
    if (!Array.isArray(item) || typeof item[0] !== 'string' || typeof item[1] !== 'number')
      fail(`${kind} ${name}: a value must be [symbol, number]`);
    values.push({ name: item[0], value: item[1] });
  }
  return { kind, name, module, size: size ?? 'u32', values };
}

const HEADER_FIELD = '_vl_msg_id';

function parseMessage(raw: Json, module: string): MessageDef {
  if (!Array.isArray(raw) || typeof raw[0] !== 'string') fail('a message must be [name, ...fields, {crc}]');
  const name = raw[0];
  const meta = raw[raw.length - 1];
  if (!isObject(meta) || typeof meta.crc !== 'string' || !/^0x[0-9a-f]{8}$/.test(meta.crc))
    fail(`message ${name}: missing or bad crc`);
  const fields = raw.slice(1, -1).map((f) => parseField(f, `message ${name}`));
  if (fields[0]?.name !== HEADER_FIELD) fail(`message ${name}: the first field must be ${HEADER_FIELD}`);
  const options: MessageOptions = {};
  const o = isObject(meta.options) ? meta.options : {};
  if ('deprecated' in o) options.deprecated = true;
  if ('in_progress' in o || o.status === 'in_progress') options.inProgress = true;
  if (typeof o.replaced_by === 'string') options.replacedBy = o.replaced_by;
  const def: MessageDef = { name, module, crc: meta.crc, fields: fields.slice(1), options };
  if (typeof meta.comment === 'string') def.comment = meta.comment;
  return def;
}

function parseServices(raw: Json, module: string): ServiceDef[] {
  if (!isObject(raw)) fail('services must be an object');
  return Object.entries(raw).map(([request, s]) => {
    if (!isObject(s) || typeof s.reply !== 'string') fail(`service ${request}: missing reply`);
    const svc: ServiceDef = { module, request, reply: s.reply === 'null' ? null : s.reply };
    if (s.stream === true) svc.stream = true;
    if (typeof s.stream_msg === 'string') svc.streamMessage = s.stream_msg;
    if (Array.isArray(s.events)) svc.events = s.events.map(String);
    return svc;
  });
}

function readRawModule(path: string, area: string): RawModule {
  const doc = JSON.parse(readFileSync(path, 'utf8')) as Json;
  if (!isObject(doc) || typeof doc.module !== 'string') fail('not a VPP API file (no "module")');
  const name = doc.module;
  const list = (k: string): Json[] => {
    const v = doc[k];
    if (v === undefined) return [];
    if (!Array.isArray(v)) fail(`"${k}" must be a list`);
    return v;
  };
  const types: TypeDef[] = [];
  const aliases = doc.aliases ?? {};
  if (!isObject(aliases)) fail('"aliases" must be an object');
  for (const [alias, a] of Object.entries(aliases)) {
    if (!isObject(a) || typeof a.type !== 'string') fail(`alias ${alias}: missing type`);
    const def: TypeDef = { kind: 'alias', name: alias, module: name, type: shortTypeName(a.type) };
    if (typeof a.length === 'number') def.length = a.length;
    types.push(def);
  }
  for (const e of list('enums')) types.push(parseEnum(e, 'enum', name));
  for (const e of list('enumflags')) types.push(parseEnum(e, 'enumflags', name));
  for (const u of list('unions')) types.push(parseStruct(u, 'union', name));
  for (const t of list('types')) types.push(parseStruct(t, 'typedef', name));
  const version = isObject(doc.options) && typeof doc.options.version === 'string' ? doc.options.version : '';
  const imports = list('imports').map((i) => basename(String(i)).replace(/\.api(\.json)?$/, ''));
  const module: ModuleDef = {
    name,
    area,
    version,
    apiVersion: typeof doc.vl_api_version === 'string' ? doc.vl_api_version : '',
    imports,
    types: [],
    messages: list('messages').map((m) => parseMessage(m, name)),
    services: parseServices(doc.services ?? {}, name),
  };
  return { file: path, area, module, types };
}

/** All `.api.json` files below dir, sorted, with the subfolder they sit in. */
function findApiFiles(dir: string): { path: string; area: string }[] {
  const out: { path: string; area: string }[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d).sort()) {
      const p = join(d, entry);
      if (statSync(p).isDirectory()) walk(p);
      else if (entry.endsWith('.api.json')) {
        const rel = relative(dir, d);
        out.push({ path: p, area: rel === '' ? 'core' : rel.split(/[\\/]/)[0]! });
      }
    }
  };
  walk(dir);
  return out;
}

/** Stable text of a definition for comparing copies across files (module and comment aside). */
function definitionKey(t: TypeDef): string {
  const { module: _m, ...rest } = t;
  if ('comment' in rest) delete rest.comment;
  return JSON.stringify(rest);
}

/**
 * Each file repeats the types it imports. A type belongs to the module among
 * those carrying it that imports none of the others (its original definer).
 */
function assignOwners(raws: RawModule[], problems: LoadProblem[]): void {
  const byName = new Map(raws.map((r) => [r.module.name, r]));
  const closure = new Map<string, Set<string>>();
  const importsOf = (name: string): Set<string> => {
    let s = closure.get(name);
    if (s) return s;
    s = new Set();
    closure.set(name, s);
    for (const i of byName.get(name)?.module.imports ?? []) {
      s.add(i);
      for (const j of importsOf(i)) s.add(j);
    }
    return s;
  };
  const carriers = new Map<string, { raw: RawModule; def: TypeDef }[]>();
  for (const raw of raws)
    for (const def of raw.types) {
      const list = carriers.get(def.name) ?? [];
      list.push({ raw, def });
      carriers.set(def.name, list);
    }
  for (const [name, list] of carriers) {
    const key = definitionKey(list[0]!.def);
    const other = list.find((c) => definitionKey(c.def) !== key);
    if (other) {
      problems.push({
        file: other.raw.file,
        reason: `type ${name} differs from its definition in ${list[0]!.raw.file}`,
      });
      continue;
    }
    const names = new Set(list.map((c) => c.raw.module.name));
    const owners = list.filter(
      (c) => ![...importsOf(c.raw.module.name)].some((i) => names.has(i) && i !== c.raw.module.name),
    );
    owners.sort((a, b) => a.raw.module.name.localeCompare(b.raw.module.name));
    const owner = owners[0] ?? list[0]!;
    owner.raw.module.types.push({ ...owner.def, module: owner.raw.module.name });
  }
  // keep file order: aliases, enums, enumflags, unions, typedefs, as each file lists them
  for (const raw of raws) {
    const order = new Map(raw.types.map((t, i) => [t.name, i]));
    raw.module.types.sort((a, b) => order.get(a.name)! - order.get(b.name)!);
  }
}

/** Load every `.api.json` under dir into one model; throws ApiLoadError listing each bad file. */
export function loadApiDir(dir: string): ApiModel {
  let files;
  try {
    files = findApiFiles(dir);
  } catch (e) {
    throw new ApiLoadError([{ file: dir, reason: (e as Error).message }]);
  }
  if (files.length === 0) throw new ApiLoadError([{ file: dir, reason: 'no .api.json files found' }]);
  const problems: LoadProblem[] = [];
  const raws: RawModule[] = [];
  for (const f of files) {
    try {
      raws.push(readRawModule(f.path, f.area));
    } catch (e) {
      problems.push({ file: f.path, reason: (e as Error).message });
    }
  }
  const seen = new Map<string, string>();
  for (const r of raws) {
    const prior = seen.get(r.module.name);
    if (prior) problems.push({ file: r.file, reason: `module ${r.module.name} is also defined by ${prior}` });
    seen.set(r.module.name, r.file);
  }
  if (problems.length) throw new ApiLoadError(problems);
  assignOwners(raws, problems);
  if (problems.length) throw new ApiLoadError(problems);
  const modules = raws.map((r) => r.module).sort((a, b) => a.name.localeCompare(b.name));
  let model: ApiModel;
  try {
    model = indexModel(modules);
  } catch (e) {
    throw new ApiLoadError([{ file: dir, reason: (e as Error).message }]);
  }
  const fileOf = new Map(raws.map((r) => [r.module.name, r.file]));
  const invalid = [...validateModel(model), ...normalizeDefaults(model)].map((p) => ({
    file: fileOf.get(p.module) ?? dir,
    reason: p.reason,
  }));
  if (invalid.length) throw new ApiLoadError(invalid);
  defaultRequestInterfaces(model);
  return model;
}
