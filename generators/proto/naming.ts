/**
 * Proto names for every VPP definition: one package per module (`vpp.<module>`),
 * UpperCamelCase message and enum names, made unique within the package.
 */
import type { ApiModel, ModuleDef } from '../../vpp/api/model.ts';
import { serviceName, upperCamel } from '../../vpp/api/mapping.ts';

export interface ProtoNames {
  /** proto package of a module */
  packageOf(module: string): string;
  /** path of a module's file below proto/ */
  fileOf(module: string): string;
  /** short proto name of a VPP message (`m:`) or type (`t:`) in its module's package */
  local(key: string): string;
  /** fully qualified proto name, with a leading dot */
  full(key: string): string;
}

export const msgKey = (name: string): string => `m:${name}`;
export const typeKey = (name: string): string => `t:${name}`;

/** A name clashing with its module's service (or a name derived from it), or with another definition, gets a suffix. */
function assignModuleNames(model: ApiModel, mod: ModuleDef, out: Map<string, string>): void {
  const taken = new Set<string>();
  if (mod.services.length > 0) {
    // and what gRPC code generators derive from it (ts-proto, grpc-js, Python, Go)
    const svc = serviceName(mod.name);
    for (const suffix of ['', 'Client', 'Server', 'Service', 'Stub', 'Servicer', 'Definition']) taken.add(svc + suffix);
    taken.add(`Unimplemented${svc}Server`);
  }
  const requests = new Set(mod.services.map((s) => s.request));
  const entries: { key: string; base: string; suffix: string }[] = [];
  for (const t of mod.types) {
    if (t.kind === 'alias') continue;
    entries.push({ key: typeKey(t.name), base: upperCamel(t.name), suffix: t.kind === 'union' ? 'Union' : 'Struct' });
  }
  for (const m of mod.messages)
    entries.push({ key: msgKey(m.name), base: upperCamel(m.name), suffix: requests.has(m.name) ? 'Request' : 'Message' });
  // first pass: names that clash with nothing keep their plain form
  const counts = new Map<string, number>();
  for (const e of entries) counts.set(e.base, (counts.get(e.base) ?? 0) + 1);
  for (const e of entries)
    if (counts.get(e.base) === 1 && !taken.has(e.base)) {
      out.set(e.key, e.base);
      taken.add(e.base);
    }
  for (const e of entries) {
    if (out.has(e.key)) continue;
    let name = e.base + e.suffix;
    for (let i = 2; taken.has(name); i++) name = `${e.base}${e.suffix}${i}`;
    out.set(e.key, name);
    taken.add(name);
  }
  void model;
}

export function protoNames(model: ApiModel): ProtoNames {
  const local = new Map<string, string>();
  const moduleOfKey = new Map<string, string>();
  for (const mod of model.modules) {
    assignModuleNames(model, mod, local);
    for (const t of mod.types) moduleOfKey.set(typeKey(t.name), mod.name);
    for (const m of mod.messages) moduleOfKey.set(msgKey(m.name), mod.name);
  }
  const packageOf = (module: string): string => `vpp.${module}`;
  return {
    packageOf,
    fileOf: (module) => `vpp/${module}.proto`,
    local(key) {
      const n = local.get(key);
      if (n === undefined) throw new Error(`no proto name for ${key}`);
      return n;
    },
    full(key) {
      const mod = moduleOfKey.get(key);
      if (mod === undefined) throw new Error(`no module for ${key}`);
      return `.${packageOf(mod)}.${this.local(key)}`;
    },
  };
}
