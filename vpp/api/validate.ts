/** Checks that every reference in a model resolves: types, length fields, discriminators, services. */
import { isScalar, type ApiModel, type Field, type TypeDef } from './model.ts';

export interface ModelProblem {
  module: string;
  reason: string;
}

const INTEGER = new Set(['u8', 'i8', 'u16', 'i16', 'u32', 'i32', 'u64', 'i64']);

/** The scalar or definition a type name finally stands for, following aliases. */
export function resolveAlias(model: ApiModel, type: string): string {
  let t = type;
  for (let guard = 0; guard < 16; guard++) {
    const def = model.types.get(t);
    if (def?.kind !== 'alias' || def.length !== undefined) return t;
    t = def.type;
  }
  return t;
}

export function validateModel(model: ApiModel): ModelProblem[] {
  const problems: ModelProblem[] = [];
  const checkFields = (module: string, owner: string, fields: Field[]): void => {
    const seen = new Map<string, Field>();
    for (const f of fields) {
      const where = `${owner}.${f.name}`;
      if (seen.has(f.name)) problems.push({ module, reason: `${where}: duplicate field` });
      if (!isScalar(f.type) && f.type !== 'string' && !model.types.has(f.type))
        problems.push({ module, reason: `${where}: unknown type vl_api_${f.type}_t` });
      if (f.lengthField !== undefined) {
        const lf = seen.get(f.lengthField);
        if (!lf) problems.push({ module, reason: `${where}: length field ${f.lengthField} is not an earlier field` });
        else if (!INTEGER.has(resolveAlias(model, lf.type)))
          problems.push({ module, reason: `${where}: length field ${f.lengthField} is not an integer` });
      }
      if (f.discriminator !== undefined) {
        const d = seen.get(f.discriminator);
        const dt = d && model.types.get(resolveAlias(model, d.type));
        const ut = model.types.get(f.type);
        if (!dt || (dt.kind !== 'enum' && dt.kind !== 'enumflags'))
          problems.push({ module, reason: `${where}: discriminator ${f.discriminator} is not an earlier enum field` });
        else if (ut?.kind !== 'union')
          problems.push({ module, reason: `${where}: a discriminator needs a union type` });
        else {
          const symbols = new Set(dt.values.map((v) => v.name));
          for (const arm of ut.fields)
            if (arm.case !== undefined && !symbols.has(arm.case))
              problems.push({
                module,
                reason: `${where}: union arm ${arm.name} case ${arm.case} is not in ${dt.name}`,
              });
        }
      }
      seen.set(f.name, f);
    }
  };
  const visiting = new Set<string>();
  const done = new Set<string>();
  const checkCycle = (t: TypeDef): void => {
    if (done.has(t.name)) return;
    if (visiting.has(t.name)) {
      problems.push({ module: t.module, reason: `type ${t.name} contains itself` });
      return;
    }
    visiting.add(t.name);
    const refs =
      t.kind === 'alias' ? [t.type] : t.kind === 'typedef' || t.kind === 'union' ? t.fields.map((f) => f.type) : [];
    for (const r of refs) {
      const d = model.types.get(r);
      if (d) checkCycle(d);
    }
    visiting.delete(t.name);
    done.add(t.name);
  };
  for (const t of model.types.values()) {
    if (t.kind === 'typedef' || t.kind === 'union') checkFields(t.module, t.name, t.fields);
    if (t.kind === 'alias' && !isScalar(t.type) && !model.types.has(t.type))
      problems.push({ module: t.module, reason: `alias ${t.name}: unknown type ${t.type}` });
    checkCycle(t);
  }
  for (const m of model.messages.values()) checkFields(m.module, m.name, m.fields);
  for (const s of model.services.values()) {
    const need = [s.request, s.reply, s.streamMessage, ...(s.events ?? [])];
    for (const n of need)
      if (n !== null && n !== undefined && !model.messages.has(n))
        problems.push({ module: s.module, reason: `service ${s.request}: unknown message ${n}` });
  }
  return problems;
}

/**
 * VPP spells defaults loosely (`"true"`, `false`, `0` for bools; `1.0` for
 * floats). Give each the type of its field: boolean for bool, number otherwise.
 */
export function normalizeDefaults(model: ApiModel): ModelProblem[] {
  const problems: ModelProblem[] = [];
  const fix = (module: string, owner: string, fields: Field[]): void => {
    for (const f of fields) {
      if (f.default === undefined) continue;
      const raw: unknown = f.default;
      const t = resolveAlias(model, f.type);
      const def = model.types.get(t);
      if (t === 'bool') f.default = raw === true || raw === 'true' || (typeof raw === 'number' && raw !== 0);
      else if (isScalar(t) || def?.kind === 'enum' || def?.kind === 'enumflags') {
        const n = typeof raw === 'number' ? raw : Number(raw);
        if (Number.isFinite(n)) f.default = n;
        else problems.push({ module, reason: `${owner}.${f.name}: default ${JSON.stringify(raw)} is not a number` });
      } else problems.push({ module, reason: `${owner}.${f.name}: a default on type ${f.type} is not supported` });
    }
  };
  for (const t of model.types.values()) if (t.kind === 'typedef' || t.kind === 'union') fix(t.module, t.name, t.fields);
  for (const m of model.messages.values()) fix(m.module, m.name, m.fields);
  return problems;
}
