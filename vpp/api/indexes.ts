/**
 * Indexes VPP allocates, found through the API model: which fields of a
 * request refer to an object VPP numbered (an interface's `sw_if_index`, an
 * ACL's `acl_index`), and which fields of a reply hand out such a number.
 * A journal that replays requests into a restarted VPP maps these fields from
 * the numbers recorded to the numbers the new VPP hands out; ids that users
 * choose (`table_id`, `bd_id`) are not indexes and stay as they are.
 *
 * The rules, from the model alone:
 * - an interface index is a field of type `interface_index`, or a `u32` named
 *   `sw_if_index` or `*_sw_if_index` (older messages and `fib_path` use u32);
 * - any other kind is named by a `u32` field `<kind>_index` (or
 *   `new_<kind>_index`) in the reply of a request that changes VPP's state:
 *   `acl_add_replace_reply.acl_index` makes `acl` a kind, and every request
 *   field named `acl_index` refers to one;
 * - reply fields that are not ids for later requests are not kinds
 *   (NOT_ALLOCATED: `stats_index`, `client_index`…).
 * Where names do not follow the convention, the tables below say so, once.
 */
import { isRead } from '../../lib/policy.ts';
import { fieldViews, INTERFACE_INDEX_TYPE, rpcShape, type FieldView } from './mapping.ts';
import type { ApiModel, Field, MessageDef, StructDef } from './model.ts';

/** The kind of every interface index. */
export const INTERFACE_KIND = 'interface';

/** `u32 *_index` reply fields that number something no later request names as an object. */
const NOT_ALLOCATED: ReadonlySet<string> = new Set([
  'stats_index', // a counter's slot in the stats segment
  'stat_index',
  'client_index',
  'index', // too generic to tell apart (memclnt's, map's, app cert keys)
  'next_index', // a graph arc, not an object
  'node_index',
  'vif_index', // the Linux interface index of a linux-cp pair
]);

/** Request fields that hold indexes of a kind though their names do not say so. */
const FIELD_KINDS: Readonly<Record<string, string>> = {
  acls: 'acl', // acl_interface_set_acl_list, acl_interface_list_details
};

/** Kinds that share a field name with another kind, told apart by the message (or type) name's prefix. */
const KIND_BY_PREFIX: readonly { prefix: string; field: string; kind: string }[] = [
  { prefix: 'macip_acl', field: 'acl_index', kind: 'macip_acl' },
];

/** VPP's `~0`: no object ("create one" in a request that may also replace, "none" elsewhere). */
export const NO_INDEX = 0xffffffff;

function isInterfaceField(f: Field): boolean {
  return f.type === INTERFACE_INDEX_TYPE || (f.type === 'u32' && /(^|_)sw_if_index$/.test(f.name));
}

/** `acl_index` → `acl`, `new_table_index` → `table`. */
function kindOfName(name: string): string | undefined {
  const m = /^(?:new_)?(.+)_index$/.exec(name);
  return m ? m[1] : undefined;
}

function prefixedKind(ownerName: string, fieldName: string): string | undefined {
  return KIND_BY_PREFIX.find((k) => k.field === fieldName && ownerName.startsWith(k.prefix))?.kind;
}

/** A reply field that hands out an index: its kind. */
export interface AllocatedField {
  field: string;
  kind: string;
  /**
   * The request has a field of the same name (`acl_add_replace.acl_index`:
   * ~0 creates, another number replaces that object): what it is when left out.
   */
  requestDefault?: number;
}

/** One place in a request that holds an index: the path to it (names and array positions) and its kind. */
export interface IndexSite {
  path: (string | number)[];
  kind: string;
  value: number;
}

/** Walks a value of a message or struct, calling `visit` for every index field that holds a number. */
type Walker = (value: Record<string, unknown>, path: (string | number)[], out: IndexSite[], skip: number) => void;

export class IndexModel {
  /** every kind some reply hands out, besides interfaces */
  readonly kinds: ReadonlySet<string>;
  private readonly allocations = new Map<string, AllocatedField[]>();
  private readonly walkers = new Map<string, Walker>();

  constructor(private readonly model: ApiModel) {
    const kinds = new Set<string>();
    for (const svc of model.services.values()) {
      if (svc.reply === null || rpcShape(svc).kind !== 'unary' || isRead(svc.request, 'unary')) continue;
      const reply = model.messages.get(svc.reply);
      if (!reply) continue;
      const fields: AllocatedField[] = [];
      const request = model.messages.get(svc.request);
      const named = (name: string): Pick<AllocatedField, 'requestDefault'> => {
        const f = request?.fields.find((r) => r.name === name);
        return f ? { requestDefault: Number(f.default ?? 0) } : {};
      };
      for (const f of reply.fields) {
        if (f.fixedLength !== undefined || f.lengthField !== undefined || f.open) continue;
        // an interface index in the request names another interface (`create_vlan_subif`'s parent)
        if (isInterfaceField(f)) fields.push({ field: f.name, kind: INTERFACE_KIND });
        else if (f.type === 'u32' && !NOT_ALLOCATED.has(f.name)) {
          const kind = prefixedKind(svc.request, f.name) ?? kindOfName(f.name);
          if (kind === undefined) continue;
          fields.push({ field: f.name, kind, ...named(f.name) });
          kinds.add(kind);
        }
      }
      if (fields.length) this.allocations.set(svc.request, fields);
    }
    this.kinds = kinds;
  }

  /** The reply fields of `request`'s reply that hand out indexes (none: empty). */
  allocatedBy(request: string): readonly AllocatedField[] {
    return this.allocations.get(request) ?? [];
  }

  /** The kind of index a field of `owner` holds, if it holds one. */
  kindOf(owner: MessageDef | StructDef, view: FieldView): string | undefined {
    const f = view.field;
    if (isInterfaceField(f)) return INTERFACE_KIND;
    if (view.element.kind !== 'scalar' || view.element.scalar !== 'u32') return undefined;
    const named = FIELD_KINDS[f.name] ?? prefixedKind(owner.name, f.name) ?? kindOfName(f.name);
    return named !== undefined && this.kinds.has(named) ? named : undefined;
  }

  /** Every index a request value holds, with where it is; `skip`: a number that names no object (VPP's ~0). */
  sites(message: string, value: Record<string, unknown>, skip = NaN): IndexSite[] {
    const out: IndexSite[] = [];
    this.walker(message, true)(value, [], out, skip);
    return out;
  }

  private walker(name: string, isMessage: boolean): Walker {
    const key = (isMessage ? 'm:' : 't:') + name;
    let w = this.walkers.get(key);
    if (w) return w;
    // a placeholder, so that a type that contains itself ends the recursion
    this.walkers.set(key, () => {});
    const owner = isMessage ? this.model.messages.get(name) : this.model.types.get(name);
    if (!owner || !('fields' in owner)) throw new Error(`unknown message or type ${name}`);
    const steps: Walker[] = [];
    for (const view of fieldViews(this.model, owner)) {
      if (view.hidden) continue;
      const name = view.field.name;
      const kind = this.kindOf(owner, view);
      if (kind !== undefined) {
        // an index left out is its default, or 0: VPP reads the field all the same
        const absent = view.repeated ? undefined : Number(view.field.default ?? 0);
        steps.push((v, path, out, skip) => {
          const x = v[name] ?? absent;
          if (typeof x === 'number') {
            if (x !== skip) out.push({ path: [...path, name], kind, value: x });
          } else if (Array.isArray(x))
            for (let i = 0; i < x.length; i++) {
              const e: unknown = x[i];
              if (typeof e === 'number' && e !== skip) out.push({ path: [...path, name, i], kind, value: e });
            }
        });
        continue;
      }
      const el = view.element;
      if (el.kind !== 'struct' && el.kind !== 'union') continue;
      const inner = this.walker(el.def.name, false);
      if (!this.reaches(el.def.name)) continue;
      const repeated = view.repeated;
      // the path grows and shrinks in place: a site copies it only when there is one
      steps.push((v, path, out, skip) => {
        const x = v[name];
        path.push(name);
        if (Array.isArray(x))
          for (let i = 0; i < x.length; i++) {
            const e: unknown = x[i];
            if (!e || typeof e !== 'object') continue;
            path.push(i);
            inner(e as Record<string, unknown>, path, out, skip);
            path.pop();
          }
        // a struct left out is all zeros: its indexes are there all the same
        else if (x && typeof x === 'object') inner(x as Record<string, unknown>, path, out, skip);
        else if (x === undefined && !repeated && el.kind === 'struct') inner({}, path, out, skip);
        path.pop();
      });
    }
    w =
      steps.length === 0
        ? () => {}
        : (v, path, out, skip) => {
            for (const step of steps) step(v, path, out, skip);
          };
    this.walkers.set(key, w);
    return w;
  }

  /** Whether a type holds an index field anywhere inside it. */
  private reaches(type: string, seen = new Set<string>()): boolean {
    if (seen.has(type)) return false;
    seen.add(type);
    const def = this.model.types.get(type);
    if (!def || !('fields' in def)) return false;
    for (const view of fieldViews(this.model, def)) {
      if (view.hidden) continue;
      if (this.kindOf(def, view) !== undefined) return true;
      const el = view.element;
      if ((el.kind === 'struct' || el.kind === 'union') && this.reaches(el.def.name, seen)) return true;
    }
    return false;
  }
}

/** Reads the number at a site's path in a value. */
export function readAt(value: Record<string, unknown>, path: readonly (string | number)[]): unknown {
  let v: unknown = value;
  for (const step of path) v = (v as Record<string | number, unknown> | undefined)?.[step];
  return v;
}

/** Writes a number at a site's path in a value, making the structs left out on the way. */
export function writeAt(value: Record<string, unknown>, path: readonly (string | number)[], n: number): void {
  let v = value as Record<string | number, unknown>;
  for (let i = 0; i < path.length - 1; i++) {
    const step = path[i]!;
    v = (v[step] ??= {}) as Record<string | number, unknown>;
  }
  v[path[path.length - 1]!] = n;
}
