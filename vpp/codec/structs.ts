/**
 * Typedefs and message bodies: fields one after the other.
 *
 * Each struct gets its own small generated size, write and read functions
 * that call the fields' nodes in order. Generated code gives every field its
 * own call site and property access (V8 keeps those monomorphic and inlines
 * them), and builds decoded objects from one literal, all keys at once.
 * Everything else (range checks, text, arrays) stays in ordinary closures.
 */
import { expected, short, type Node, type Reader } from './node.ts';
import { invalid, within } from './problem.ts';
import type { Header, Value } from './types.ts';

export interface FieldPlan {
  /** the key in values (when visible), and the path segment in errors */
  readonly name: string;
  /** part of the value, or filled in by the codec (length fields, client_index, context) */
  readonly visible: boolean;
  /** bytes on the wire, or -1 when they depend on the value */
  readonly fixed: number;
  readonly min: number;
  /** size, write and read take the whole object instead of the field's value */
  readonly takesObject?: boolean;
  /** used instead of an absent value */
  readonly fallback?: unknown;
  /** the position of the earlier field whose decoded value `read` needs (a length, a discriminator) */
  readonly needs?: number;
  readonly size: (x: unknown) => number;
  readonly write: (b: Buffer, o: number, x: unknown, h: Header | undefined) => number;
  readonly read: (r: Reader, needed: unknown) => unknown;
}

export interface StructNode extends Node {
  write(b: Buffer, o: number, v: unknown, h?: Header): number;
}

const ABSENT: Value = Object.freeze({});

export interface StructShape {
  name: string;
  plans: FieldPlan[];
  /** fields the codec fills in itself, for a clearer error when a value has them */
  hidden: string[];
}

const SAFE_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function structNode(shape: StructShape): StructNode {
  const { plans } = shape;
  for (const p of plans)
    if (!SAFE_KEY.test(p.name) || p.name === '__proto__') throw new Error(`${shape.name}: bad field name ${p.name}`);
  const fixedPart = plans.reduce((s, p) => s + Math.max(p.fixed, 0), 0);
  const fixed = plans.every((p) => p.fixed >= 0) ? fixedPart : -1;
  const visible = plans.filter((p) => p.visible).map((p) => p.name);
  const checkKeys = keyChecker(shape.name, visible, shape.hidden);
  const objectOf = (v: unknown): Value => {
    if (v == null) return ABSENT;
    if (typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array) throw expected('an object', v);
    return v as Value;
  };
  // sizing comes first and needs no key check: write does it
  const asObject = (v: unknown): Value => {
    const obj = objectOf(v);
    if (obj !== ABSENT) checkKeys(obj);
    return obj;
  };
  const env = {
    size: plans.map((p) => p.size),
    write: plans.map((p) => p.write),
    read: plans.map((p) => p.read),
    fallback: plans.map((p) => p.fallback),
    names: plans.map((p) => p.name),
    objectOf,
    asObject,
    short,
    within,
  };
  const generated = new Function('env', generate(plans, fixed, fixedPart))(env) as Pick<
    StructNode,
    'size' | 'write' | 'read'
  >;
  return {
    fixed,
    min: plans.reduce((s, p) => s + p.min, 0),
    size: generated.size,
    write: generated.write,
    read: generated.read,
  };
}

/** Unknown keys are an error; the check costs one loop over the keys given. */
function keyChecker(owner: string, visible: string[], hidden: string[]): (obj: Value) => void {
  const known = new Set(visible);
  const filled = new Set(hidden);
  return (obj) => {
    for (const k in obj) {
      if (known.has(k) || obj[k] === undefined) continue;
      const why = filled.has(k)
        ? 'is filled in by the codec; leave it out'
        : `unknown field; ${owner} has ${visible.join(', ') || 'no fields'}`;
      throw within(invalid(why), k);
    }
  };
}

/** The source of `(env) => ({ size, write, read })` for one struct. */
function generate(plans: FieldPlan[], fixed: number, fixedPart: number): string {
  const input = (p: FieldPlan, i: number): string => {
    if (p.takesObject) return 'obj';
    const get = `obj[${JSON.stringify(p.name)}]`;
    return p.fallback === undefined ? get : `(${get} ?? fallback[${i}])`;
  };
  const lines: string[] = [
    'const { size, write, read, fallback, names, objectOf, asObject, short, within } = env;',
    'return {',
    // -- size: only the variable fields need adding up
    '  size(v) {',
    '    const obj = objectOf(v);',
    '    let i = 0;',
    '    try {',
    `      let n = ${fixedPart};`,
  ];
  plans.forEach((p, i) => {
    if (p.fixed < 0) lines.push(`      i = ${i}; n += size[${i}](${input(p, i)});`);
  });
  lines.push('      return n;', '    } catch (e) { throw within(e, names[i]); }', '  },');
  // -- write: every field in order
  lines.push('  write(b, o, v, h) {', '    const obj = asObject(v);', '    let i = 0;', '    try {');
  plans.forEach((p, i) => lines.push(`      i = ${i}; o = write[${i}](b, o, ${input(p, i)}, h);`));
  lines.push('      return o;', '    } catch (e) { throw within(e, names[i]); }', '  },');
  // -- read: a variable struct checks each run of fixed-size fields once; a fixed one trusts its caller
  lines.push('  read(r) {', '    let i = 0;', '    try {');
  plans.forEach((p, i) => {
    if (fixed < 0 && p.fixed >= 0 && (i === 0 || plans[i - 1]!.fixed < 0)) {
      let run = 0;
      for (let j = i; j < plans.length && plans[j]!.fixed >= 0; j++) run += plans[j]!.fixed;
      lines.push(`      if (r.end - r.pos < ${run}) { i = ${i}; throw short(r, ${run}); }`);
    }
    const needed = p.needs === undefined ? '' : `, v${p.needs}`;
    lines.push(`      i = ${i}; const v${i} = read[${i}](r${needed});`);
  });
  const keys = plans.flatMap((p, i) => (p.visible ? [`${JSON.stringify(p.name)}: v${i}`] : []));
  lines.push(`      return { ${keys.join(', ')} };`, '    } catch (e) { throw within(e, names[i]); }', '  },', '};');
  return lines.join('\n');
}
