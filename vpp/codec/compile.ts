/**
 * Turns the model's types into nodes, each type once, by the one mapping of
 * vpp/api/mapping.ts (fieldViews, elementOf): what a field's value is comes
 * from there; how it lies on the wire from the field's sizes.
 */
import { elementOf, fieldViews, TRANSPORT_FIELDS, type Element, type FieldView } from '../api/mapping.ts';
import type { ApiModel, EnumDef, MessageDef, StructDef } from '../api/model.ts';
import { resolveAlias } from '../api/validate.ts';
import { countedArrayNode, fixedArrayNode, openArrayNode } from './arrays.ts';
import type { CountedNode, Node } from './node.ts';
import { badFrame, describe, invalid } from './problem.ts';
import { bitsetNode, EnumKind, enumNode, getU32, INT_KINDS, putU32, scalarNode } from './scalars.ts';
import { countedBytesNode, fixedBytesNode, fixedStringNode, openBytesNode, openStringNode } from './strings.ts';
import { structNode, type FieldPlan, type StructNode, type StructShape } from './structs.ts';
import { textNode } from './text.ts';
import type { Value } from './types.ts';
import { allArmsUnionNode, OneofNode, type Arm } from './unions.ts';

export interface CompiledMessage {
  /** the fields after the message id */
  body: StructNode;
  /** payload offset of the top-level `context`, or -1 */
  contextOffset: number;
  hasContext: boolean;
  hasClientIndex: boolean;
}

type Owner = MessageDef | StructDef;

/** A union field whose arm an earlier enum field selects. */
function isOneof(v: FieldView): boolean {
  return v.field.discriminator !== undefined && v.element.kind === 'union' && v.element.oneof;
}

/** A visible field written and read by its node. */
function nodePlan(name: string, node: Node): FieldPlan {
  return { name, visible: true, fixed: node.fixed, min: node.min, size: node.size, write: node.write, read: node.read };
}

/** The message id before the fields. */
export const MSG_ID_SIZE = 2;

export class Compiler {
  private readonly structs = new Map<string, StructNode>();
  private readonly elements = new Map<string, Node>();
  private readonly oneofs = new Map<string, OneofNode>();

  constructor(private readonly model: ApiModel) {}

  message(def: MessageDef): CompiledMessage {
    const plans = this.plans(def, true);
    const body = structNode(this.shape(def, plans));
    let contextOffset = MSG_ID_SIZE;
    for (const p of plans) {
      if (p.name === 'context' || contextOffset < 0) break;
      contextOffset = p.fixed < 0 ? -1 : contextOffset + p.fixed;
    }
    const has = (name: string): boolean => def.fields.some((f) => f.name === name);
    return {
      body,
      contextOffset: has('context') ? contextOffset : -1,
      hasContext: has('context'),
      hasClientIndex: has('client_index'),
    };
  }

  struct(def: StructDef): StructNode {
    let node = this.structs.get(def.name);
    if (!node) {
      node = structNode(this.shape(def, this.plans(def, false)));
      this.structs.set(def.name, node);
    }
    return node;
  }

  private shape(owner: Owner, plans: FieldPlan[]): StructShape {
    const hidden = fieldViews(this.model, owner).filter((v) => v.hidden);
    return { name: owner.name, plans, hidden: hidden.map((v) => v.field.name) };
  }

  private plans(owner: Owner, top: boolean): FieldPlan[] {
    const views = fieldViews(this.model, owner);
    const where = (v: FieldView): string => `${owner.name}.${v.field.name}`;
    const countedBy = new Map<string, FieldView>();
    const selects = new Map<string, FieldView>();
    for (const v of views) {
      const lf = v.field.lengthField;
      if (lf !== undefined) {
        if (countedBy.has(lf)) throw new Error(`${where(v)}: length field ${lf} counts two arrays`);
        countedBy.set(lf, v);
      }
      if (isOneof(v)) selects.set(v.field.discriminator!, v);
    }
    const indexOf = (name: string): number => views.findIndex((d) => d.field.name === name);
    return views.map((v): FieldPlan => {
      const f = v.field;
      if (top && TRANSPORT_FIELDS.has(f.name)) return this.headerPlan(v, where(v));
      const counted = countedBy.get(f.name);
      if (counted) return this.lengthPlan(v, counted, where(v));
      if (f.lengthField !== undefined) return this.countedPlan(v, indexOf(f.lengthField));
      const union = selects.get(f.name);
      if (union) return this.discriminatorPlan(v, union, where(v));
      if (isOneof(v)) return this.oneofPlan(v, views[indexOf(f.discriminator!)]!, indexOf(f.discriminator!));
      const node = this.valueNode(v, where(v));
      return { ...nodePlan(f.name, node), fallback: f.default };
    });
  }

  /** `client_index` and `context` of a message: taken from the header, read into the Reader. */
  private headerPlan(v: FieldView, where: string): FieldPlan {
    if (resolveAlias(this.model, v.field.type) !== 'u32') throw new Error(`${where}: expected a u32`);
    const isContext = v.field.name === 'context';
    return {
      name: v.field.name,
      visible: false,
      fixed: 4,
      min: 4,
      takesObject: true,
      size: () => 4,
      write: isContext
        ? (b, o, _obj, h) => (putU32(b, o, h?.context ?? 0), o + 4)
        : (b, o, _obj, h) => (putU32(b, o, h?.clientIndex ?? 0), o + 4),
      read: isContext
        ? (r) => {
            r.context = getU32(r.buf, r.pos);
            r.pos += 4;
          }
        : (r) => {
            r.clientIndex = getU32(r.buf, r.pos);
            r.pos += 4;
          },
    };
  }

  /** A hidden length field: written from its array's length, read for its array. */
  private lengthPlan(v: FieldView, array: FieldView, where: string): FieldPlan {
    const type = resolveAlias(this.model, v.field.type);
    if (!Object.hasOwn(INT_KINDS, type)) throw new Error(`${where}: a length field of type ${type}`);
    const int = INT_KINDS[type as keyof typeof INT_KINDS];
    const max = 2 ** (8 * int.size - (type.startsWith('i') ? 1 : 0)) - 1;
    const counted = this.countedNode(array);
    const arrayName = array.field.name;
    const { size, put, get } = int;
    return {
      // errors are about the array the user gave
      name: arrayName,
      visible: false,
      fixed: size,
      min: size,
      takesObject: true,
      size: () => size,
      write(b, o, obj) {
        const n = counted.count((obj as Value)[arrayName]);
        if (n > max)
          throw invalid(`${n} elements do not fit its ${type} length field ${v.field.name} (at most ${max})`);
        put(b, o, n);
        return o + size;
      },
      read(r) {
        const n = get(r.buf, r.pos);
        if (n < 0) throw badFrame(`negative length ${n} in ${v.field.name}`);
        r.pos += size;
        return n;
      },
    };
  }

  private countedPlan(v: FieldView, lengthAt: number): FieldPlan {
    const node = this.countedNode(v);
    return {
      name: v.field.name,
      visible: true,
      fixed: -1,
      min: 0,
      needs: lengthAt,
      size: node.size,
      write: node.write,
      read: (r, n) => node.read(r, n as number),
    };
  }

  /** The enum field that selects a oneof's arm: filled from the arm set when absent, checked when given. */
  private discriminatorPlan(v: FieldView, union: FieldView, where: string): FieldPlan {
    if (v.element.kind !== 'enum') throw new Error(`${where}: a discriminator must be an enum`);
    const kind = new EnumKind(v.element.def);
    const oneof = this.oneofNode(union, v.element.def);
    const node = this.elementNode(v.element, where);
    const name = v.field.name;
    const unionName = union.field.name;
    const fallback = v.field.default;
    return {
      ...nodePlan(name, node),
      takesObject: true,
      write(b, o, x) {
        const obj = x as Value;
        let d = obj[name];
        const arm = oneof.armOf(obj[unionName]);
        if (arm?.caseValue !== undefined) {
          if (d == null) d = arm.caseValue;
          else if (kind.valueOf(d) !== arm.caseValue)
            throw invalid(`${describe(d)} does not select ${unionName}.${arm.name}, which needs ${arm.caseSymbol}`);
        } else if (d == null) d = fallback;
        return node.write(b, o, d);
      },
    };
  }

  private oneofPlan(v: FieldView, discriminator: FieldView, discriminatorAt: number): FieldPlan {
    if (discriminator.element.kind !== 'enum') throw new Error(`${v.field.name}: a discriminator must be an enum`);
    const node = this.oneofNode(v, discriminator.element.def);
    return {
      name: v.field.name,
      visible: true,
      fixed: node.fixed,
      min: node.fixed,
      needs: discriminatorAt,
      size: () => node.fixed,
      write: (b, o, x) => node.write(b, o, x),
      read: (r, d) => node.read(r, d),
    };
  }

  /** A field's node, arrays included, except arrays counted by a length field. */
  private valueNode(v: FieldView, where: string): Node {
    const f = v.field;
    if (v.element.kind === 'string') {
      if (f.fixedLength !== undefined) return fixedStringNode(f.fixedLength);
      if (f.open) return openStringNode;
      throw new Error(`${where}: a string needs [N] or []`);
    }
    const { aliasLength } = elementOf(this.model, f.type);
    const arrayed = f.fixedLength !== undefined || f.lengthField !== undefined || f.open === true;
    if (aliasLength !== undefined && arrayed) throw new Error(`${where}: an array of ${f.type}[${aliasLength}]`);
    if (v.bytes) return f.open ? openBytesNode : fixedBytesNode(v.fixedLength!);
    const element = this.elementNode(v.element, where);
    const n = f.fixedLength ?? aliasLength;
    if (n !== undefined) return fixedArrayNode(element, n);
    if (f.open) return openArrayNode(element);
    return element;
  }

  private countedNode(v: FieldView): CountedNode {
    const where = v.field.name;
    if (v.element.kind === 'string') throw new Error(`${where}: a string sized by a length field`);
    return v.bytes ? countedBytesNode : countedArrayNode(this.elementNode(v.element, where));
  }

  /** One element of a field: scalars, text, enums, typedefs and unions without a discriminator. */
  private elementNode(e: Element, where: string): Node {
    switch (e.kind) {
      case 'scalar':
        return scalarNode(e.scalar);
      case 'struct':
        return this.struct(e.def);
      case 'string':
        throw new Error(`${where}: a string element`);
      case 'text':
        return this.cached(`text:${e.format}`, () => textNode(e.format));
      case 'enum':
        return this.cached(`enum:${e.def.name}`, () =>
          e.bitset ? bitsetNode(new EnumKind(e.def)) : enumNode(new EnumKind(e.def)),
        );
      case 'union':
        if (e.oneof) throw new Error(`${where}: union ${e.def.name} needs a discriminator here`);
        return this.cached(`union:${e.def.name}`, () => allArmsUnionNode(e.def.name, this.arms(e.def)));
    }
  }

  private oneofNode(v: FieldView, selector: EnumDef): OneofNode {
    if (v.element.kind !== 'union') throw new Error(`${v.field.name}: not a union`);
    const def = v.element.def;
    const key = `${def.name}/${selector.name}`;
    let node = this.oneofs.get(key);
    if (!node) {
      node = new OneofNode(def.name, this.arms(def, selector));
      this.oneofs.set(key, node);
    }
    return node;
  }

  private arms(def: StructDef, selector?: EnumDef): Arm[] {
    return fieldViews(this.model, def).map((v) => {
      const where = `${def.name}.${v.field.name}`;
      if (v.field.lengthField !== undefined) throw new Error(`${where}: a union arm sized by a length field`);
      const arm: Arm = { name: v.field.name, node: this.valueNode(v, where) };
      const symbol = v.field.case;
      const value = symbol === undefined ? undefined : selector?.values.find((s) => s.name === symbol)?.value;
      if (value !== undefined) {
        arm.caseValue = value;
        arm.caseSymbol = symbol;
      }
      return arm;
    });
  }

  private cached(key: string, make: () => Node): Node {
    let node = this.elements.get(key);
    if (!node) {
      node = make();
      this.elements.set(key, node);
    }
    return node;
  }
}
