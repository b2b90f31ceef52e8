/**
 * A cap on the elements of repeated request fields, checked right after a
 * request is decoded. VPP's codec already refuses more elements than a fixed
 * array holds or than its length field's type can count (255 for a u8
 * `n_paths`); --max-array-length bounds the rest: u16 and u32 counts, and
 * arrays that run to the end of the message. Compiled per RPC at start; an
 * RPC with nothing to check keeps its decoder untouched.
 */
import type { ApiModel, MessageDef, StructDef } from '../../vpp/api/model.ts';
import { fieldViews, type FieldView } from '../../vpp/api/mapping.ts';
import { resolveAlias } from '../../vpp/api/validate.ts';
import type { Value } from '../../vpp/codec/types.ts';
import type { Rpc } from '../rpcs.ts';
import { invalidArgument } from '../status.ts';

type Check = (value: Value, path: string) => void;

const COUNT_MAX: Record<string, number> = {
  u8: 0xff,
  i8: 0x7f,
  u16: 0xffff,
  i16: 0x7fff,
  u32: 0xffffffff,
  i32: 0x7fffffff,
};

/** The most elements VPP's layout lets the field hold. */
function layoutBound(model: ApiModel, owner: MessageDef | StructDef, v: FieldView): number {
  if (v.fixedLength !== undefined) return v.fixedLength;
  const lf = v.field.lengthField;
  if (lf !== undefined) {
    const type = owner.fields.find((f) => f.name === lf)?.type;
    return COUNT_MAX[resolveAlias(model, type ?? '')] ?? Infinity;
  }
  if (v.field.open) return Infinity;
  // a bit set: each bit once
  return v.element.kind === 'enum' ? v.element.def.values.length : Infinity;
}

const join = (path: string, name: string): string => (path ? `${path}.${name}` : name);

function compile(model: ApiModel, owner: MessageDef | StructDef, cap: number, depth: number): Check | undefined {
  if (depth > 16) throw new Error(`${owner.name}: types nest too deep`);
  const checks: Check[] = [];
  for (const v of fieldViews(model, owner)) {
    if (v.hidden || v.bytes || v.element.kind === 'string') continue;
    const name = v.field.name;
    const e = v.element;
    const inner = e.kind === 'struct' || e.kind === 'union' ? compile(model, e.def, cap, depth + 1) : undefined;
    const capped = v.repeated && layoutBound(model, owner, v) > cap;
    if (!capped && !inner) continue;
    if (!v.repeated) {
      checks.push((obj, path) => {
        const x = obj[name];
        if (x !== null && typeof x === 'object') inner!(x as Value, join(path, name));
      });
      continue;
    }
    checks.push((obj, path) => {
      const items = obj[name];
      if (!Array.isArray(items)) return;
      if (capped && items.length > cap)
        throw invalidArgument(
          join(path, name),
          `${items.length} elements are more than the ${cap} this server takes (--max-array-length)`,
        );
      if (inner)
        for (let i = 0; i < items.length; i++) {
          const x: unknown = items[i];
          if (x !== null && typeof x === 'object') inner(x as Value, `${join(path, name)}[${i}]`);
        }
    });
  }
  if (checks.length <= 1) return checks[0];
  return (obj, path) => {
    for (const c of checks) c(obj, path);
  };
}

/** The check of one request message, undefined when no field can exceed `cap`. */
export function arrayCheck(model: ApiModel, request: MessageDef, cap: number): ((value: Value) => void) | undefined {
  const check = compile(model, request, cap, 0);
  return check && ((value) => check(value, ''));
}

/** Puts the check behind every RPC's request decoder that needs one; returns how many do. */
export function limitArrays(rpcs: Rpc[], model: ApiModel, cap: number): number {
  if (cap <= 0) return 0;
  let count = 0;
  for (const rpc of rpcs) {
    const message = model.messages.get(rpc.vpp.request);
    const check = message && arrayCheck(model, message, cap);
    if (!check) continue;
    const codec = rpc.request;
    rpc.request = {
      encode: (value) => codec.encode(value),
      decode(bytes) {
        const value = codec.decode(bytes);
        check(value);
        return value;
      },
    };
    count++;
  }
  return count;
}
