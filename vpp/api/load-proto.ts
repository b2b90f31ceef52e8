/**
 * Rebuilds the VPP API model from the generated protos' `vpprpc` options, so
 * that the server, the client and the simulator run from proto/ alone.
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { loadServiceRoot, loadServices, optionOf, protoDirHash, type ProtoServices } from '../../lib/protobuf/index.ts';
import { cacheText, indexServices, PROTO_CACHE_DIR, readCache, servicesCache } from '../../lib/protobuf/proto-index.ts';
import { errorEntries, errorTableOf, type VppErrorInfo, type VppErrorTable } from './errors.ts';
import {
  indexModel,
  type ApiModel,
  type DefaultValue,
  type EnumDef,
  type EnumSize,
  type Field,
  type MessageDef,
  type ModuleDef,
  type ServiceDef,
  type StructDef,
  type TypeDef,
} from './model.ts';
import { resolveAlias, validateModel } from './validate.ts';

export interface ProtoApi {
  model: ApiModel;
  /** every proto file, parsed and resolved */
  root: protobuf.Root;
}

type Opts = Record<string, unknown>;

/** The value of option `(vpprpc.<name>)` on a protobufjs object, if set. */
function option(obj: protobuf.ReflectionObject, name: string): Opts | undefined {
  return optionOf<Opts>(obj, `(vpprpc.${name})`);
}

/** protobufjs gives a repeated option field as a value when it occurs once. */
function list<T>(v: unknown): T[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]) as T[];
}

const str = (v: unknown): string => (v === undefined ? '' : String(v));

function fieldFromInfo(name: string, info: Opts | undefined, where: string): Field {
  if (!info || typeof info.type !== 'string') throw new Error(`${where}.${name}: missing (vpprpc.field) option`);
  const f: Field = { name, type: info.type };
  if (info.fixed_length !== undefined) f.fixedLength = Number(info.fixed_length);
  if (info.length_field !== undefined) f.lengthField = str(info.length_field);
  if (info.open === true) f.open = true;
  if (info.default_value !== undefined) f.default = str(info.default_value) as unknown as DefaultValue;
  if (info.discriminator !== undefined) f.discriminator = str(info.discriminator);
  if (info.case_symbol !== undefined) f.case = str(info.case_symbol);
  return f;
}

function structFields(type: protobuf.Type, info: Opts, where: string): Field[] {
  const numbered: { n: number; f: Field }[] = [];
  for (const h of list<Opts>(info.hidden))
    numbered.push({ n: Number(h.number), f: fieldFromInfo(str(h.name), h.field as Opts, where) });
  for (const pf of type.fieldsArray) numbered.push({ n: pf.id, f: fieldFromInfo(pf.name, option(pf, 'field'), where) });
  numbered.sort((a, b) => a.n - b.n);
  numbered.forEach(({ n }, i) => {
    if (n !== i + 1) throw new Error(`${where}: field numbers must run 1..N, found ${n} at ${i + 1}`);
  });
  return numbered.map(({ f }) => f);
}

function readEnum(e: protobuf.Enum, module: string): EnumDef {
  const info = option(e, 'enum');
  if (!info) throw new Error(`enum ${e.fullName}: missing (vpprpc.enum) option`);
  const size = str(info.size) as EnumSize;
  const values = Object.entries(e.values)
    .filter(([name]) => e.valuesOptions?.[name]?.['(vpprpc.synthetic)'] !== true)
    .map(([name, value]) => ({ name, value: size.startsWith('u') ? value >>> 0 : value }));
  const zeroAt = info.zero_position === undefined ? 0 : Number(info.zero_position);
  const zero = values.findIndex((v) => v.value === 0);
  if (zero === 0 && zeroAt > 0) values.splice(zeroAt, 0, values.shift()!);
  return { kind: str(info.kind) === 'enumflags' ? 'enumflags' : 'enum', name: str(info.name), module, size, values };
}

function readService(s: protobuf.Service, module: string): ServiceDef[] {
  return s.methodsArray.map((m) => {
    const info = option(m, 'method');
    if (!info) throw new Error(`rpc ${m.fullName}: missing (vpprpc.method) option`);
    const svc: ServiceDef = { module, request: str(info.request), reply: str(info.reply) || null };
    if (info.stream === true) svc.stream = true;
    if (info.stream_message !== undefined) svc.streamMessage = str(info.stream_message);
    const events = list<string>(info.events);
    if (events.length) svc.events = events.map(String);
    return svc;
  });
}

function readModule(ns: protobuf.Namespace, info: Opts): ModuleDef {
  const name = str(info.name);
  const mod: ModuleDef = {
    name,
    area: str(info.area),
    version: str(info.version),
    apiVersion: str(info.api_version),
    imports: list<string>(info.imports).map(String),
    types: [],
    messages: [],
    services: [],
  };
  for (const a of list<Opts>(info.aliases)) {
    const alias: TypeDef = { kind: 'alias', name: str(a.name), module: name, type: str(a.type) };
    if (a.length !== undefined) alias.length = Number(a.length);
    mod.types.push(alias);
  }
  for (const obj of ns.nestedArray) {
    if (obj instanceof protobuf.Service) mod.services.push(...readService(obj, name));
    else if (obj instanceof protobuf.Enum) mod.types.push(readEnum(obj, name));
    else if (obj instanceof protobuf.Type) {
      const ti = option(obj, 'type');
      if (!ti) throw new Error(`message ${obj.fullName}: missing (vpprpc.type) option`);
      const kind = str(ti.kind);
      const fields = structFields(obj, ti, str(ti.name));
      if (kind === 'message') {
        const m: MessageDef = { name: str(ti.name), module: name, crc: str(ti.crc), fields, options: {} };
        if (ti.deprecated === true) m.options.deprecated = true;
        if (ti.in_progress === true) m.options.inProgress = true;
        if (ti.replaced_by !== undefined) m.options.replacedBy = str(ti.replaced_by);
        mod.messages.push(m);
      } else if (kind === 'typedef' || kind === 'union') {
        const t: StructDef = { kind, name: str(ti.name), module: name, fields };
        mod.types.push(t);
      } else throw new Error(`message ${obj.fullName}: unknown kind ${kind}`);
    }
  }
  return mod;
}

/** Option text → the typed default of its field (see normalizeDefaults). */
function typeDefaults(model: ApiModel): void {
  const fix = (fields: Field[]): void => {
    for (const f of fields) {
      if (f.default === undefined) continue;
      const text = String(f.default);
      f.default = resolveAlias(model, f.type) === 'bool' ? text === 'true' : Number(text);
    }
  };
  for (const t of model.types.values()) if (t.kind === 'typedef' || t.kind === 'union') fix(t.fields);
  for (const m of model.messages.values()) fix(m.fields);
}

/** Rebuild the model from the `vpp.<module>` packages of a parsed proto root. */
export function modelFromRoot(root: protobuf.Root): ApiModel {
  const vpp = root.lookup('vpp');
  if (!(vpp instanceof protobuf.Namespace)) throw new Error('no vpp.* packages in the protos: run `make generate`');
  const modules: ModuleDef[] = [];
  for (const ns of vpp.nestedArray) {
    if (!(ns instanceof protobuf.Namespace) || ns instanceof protobuf.Type || ns instanceof protobuf.Service) continue;
    const info = option(ns, 'module');
    if (!info) throw new Error(`package ${ns.fullName.slice(1)}: missing (vpprpc.module) option`);
    try {
      modules.push(readModule(ns, info));
    } catch (e) {
      throw new Error(`package ${ns.fullName.slice(1)}: ${(e as Error).message}`);
    }
  }
  const model = indexModel(modules.sort((a, b) => a.name.localeCompare(b.name)));
  typeDefaults(model);
  const problems = validateModel(model);
  if (problems.length)
    throw new Error(`inconsistent protos:\n${problems.map((p) => `  ${p.module}: ${p.reason}`).join('\n')}`);
  return model;
}

/** The proto type of each VPP message, by VPP name (`show_version` → vpp.vpe.ShowVersion). */
export function messageTypes(root: protobuf.Root): Map<string, protobuf.Type> {
  const out = new Map<string, protobuf.Type>();
  const vpp = root.lookup('vpp');
  if (!(vpp instanceof protobuf.Namespace)) return out;
  for (const ns of vpp.nestedArray)
    if (ns instanceof protobuf.Namespace)
      for (const t of ns.nestedArray)
        if (t instanceof protobuf.Type) {
          const info = option(t, 'type');
          if (info?.kind === 'message') out.set(str(info.name), t);
        }
  return out;
}

/** Parse every proto of `dir` (resolved, as the server uses them) and rebuild the model from their options. */
export function loadProtoDir(dir: string): ProtoApi {
  checkProtoDir(dir);
  const root = loadServiceRoot(dir);
  return { model: modelFromRoot(root), root };
}

export const modelCache = (cacheDir: string): string => join(cacheDir, 'model.json');
/** VPP's error table, which the server would otherwise parse from errors.proto at each start */
export const errorsCache = (cacheDir: string): string => join(cacheDir, 'errors.json');

function checkProtoDir(dir: string): void {
  if (!existsSync(join(dir, 'vpp')))
    throw new Error(`no generated protos in ${join(dir, 'vpp')}: run \`make generate\``);
}

/**
 * The model of `dir` from the cache `make build` made when it matches those
 * protos, else rebuilt from parsing them all (as loadProtoDir does).
 */
export function loadModel(dir: string, cacheDir = PROTO_CACHE_DIR): ApiModel {
  checkProtoDir(dir);
  const modules = readCache<ModuleDef[]>(modelCache(cacheDir), protoDirHash(dir));
  return modules ? indexModel(modules) : modelFromRoot(loadServiceRoot(dir));
}

/**
 * What the server starts from: the model and the services, from the caches
 * when they match the protos of `dir`, with their types parsed per file on
 * first use; else everything parsed once, as loadProtoDir does.
 */
export function loadProtoIndex(
  dir: string,
  cacheDir = PROTO_CACHE_DIR,
): ProtoServices & { model: ApiModel; errors: VppErrorTable } {
  checkProtoDir(dir);
  const hash = protoDirHash(dir);
  const modules = readCache<ModuleDef[]>(modelCache(cacheDir), hash);
  const errors = errorTableOf(readCache<VppErrorInfo[]>(errorsCache(cacheDir), hash) ?? errorEntries(dir));
  if (modules) return { model: indexModel(modules), errors, ...loadServices(dir, { hash, cacheDir }) };
  const parsed = loadServiceRoot(dir);
  return { model: modelFromRoot(parsed), errors, ...loadServices(dir, { parsed }) };
}

/** Caches the services and the model of `dir` (`make build`), each written whole or not at all. */
export function writeProtoCaches(dir: string, cacheDir = PROTO_CACHE_DIR): void {
  const hash = protoDirHash(dir);
  const root = loadServiceRoot(dir);
  mkdirSync(cacheDir, { recursive: true });
  const write = (file: string, text: string): void => {
    writeFileSync(`${file}.${process.pid}`, text);
    renameSync(`${file}.${process.pid}`, file);
  };
  write(servicesCache(cacheDir), cacheText(hash, indexServices(root, dir)));
  write(modelCache(cacheDir), cacheText(hash, modelFromRoot(root).modules));
  write(errorsCache(cacheDir), cacheText(hash, errorEntries(dir)));
}
