/**
 * Unions: as large as their largest arm, the rest zero. A union selected by a
 * discriminator (a oneof) carries the one arm the discriminator names; other
 * unions show every arm read from the same bytes and write the widest arm set.
 */
import { expected, zero, type Node, type Reader } from './node.ts';
import { invalid, Problem, within } from './problem.ts';
import type { Value } from './types.ts';

export interface Arm {
  name: string;
  node: Node;
  /** the discriminator value that selects this arm, when the union has one */
  caseValue?: number;
  caseSymbol?: string;
}

/** "" is how proto3 says a text arm is absent. */
function isSet(v: unknown): boolean {
  return v != null && v !== '';
}

function unionSize(name: string, arms: readonly Arm[]): number {
  let size = 0;
  for (const a of arms) {
    if (a.node.fixed < 0) throw new Error(`union ${name}: arm ${a.name} has no fixed size`);
    size = Math.max(size, a.node.fixed);
  }
  return size;
}

function asUnion(v: unknown, known: ReadonlySet<string>): Value {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array)
    throw expected('an object of union arms', v);
  const u = v as Value;
  for (const k in u)
    if (!known.has(k) && u[k] !== undefined)
      throw within(invalid(`unknown union arm; expected one of ${[...known].join(', ')}`), k);
  return u;
}

function writeArm(arm: Arm, b: Buffer, o: number, v: unknown, size: number): number {
  let end: number;
  try {
    end = arm.node.write(b, o, v);
  } catch (e) {
    throw within(e, arm.name);
  }
  zero(b, end, o + size);
  return o + size;
}

/** A union without a discriminator: decodes every arm, encodes the widest arm set. */
export function allArmsUnionNode(name: string, arms: readonly Arm[]): Node {
  const size = unionSize(name, arms);
  const known = new Set(arms.map((a) => a.name));
  const widestFirst = [...arms].sort((a, b) => b.node.fixed - a.node.fixed);
  return {
    fixed: size,
    min: size,
    size: () => size,
    write(b, o, v) {
      if (v != null) {
        const u = asUnion(v, known);
        for (const arm of widestFirst) if (isSet(u[arm.name])) return writeArm(arm, b, o, u[arm.name], size);
      }
      zero(b, o, o + size);
      return o + size;
    },
    read(r) {
      const start = r.pos;
      const out: Value = {};
      for (const arm of arms) {
        r.pos = start;
        try {
          out[arm.name] = arm.node.read(r);
        } catch (e) {
          // bytes meant for another arm need not make sense as this one
          if (!(e instanceof Problem)) throw e;
        }
      }
      r.pos = start + size;
      return out;
    },
  };
}

/** A union whose arm is chosen by an earlier enum field. */
export class OneofNode {
  readonly fixed: number;
  private readonly known: ReadonlySet<string>;
  private readonly byCase = new Map<number, Arm>();

  constructor(
    name: string,
    private readonly arms: readonly Arm[],
  ) {
    this.fixed = unionSize(name, arms);
    this.known = new Set(arms.map((a) => a.name));
    for (const a of arms)
      if (a.caseValue !== undefined && !this.byCase.has(a.caseValue)) this.byCase.set(a.caseValue, a);
  }

  /** The arm set in `v`, if any (a malformed `v` is reported by write). */
  armOf(v: unknown): Arm | undefined {
    if (typeof v !== 'object' || v === null) return undefined;
    for (const arm of this.arms) if (isSet((v as Value)[arm.name])) return arm;
    return undefined;
  }

  write(b: Buffer, o: number, v: unknown): number {
    const size = this.fixed;
    if (v != null) {
      const u = asUnion(v, this.known);
      let chosen: Arm | undefined;
      for (const arm of this.arms)
        if (isSet(u[arm.name])) {
          if (chosen) throw invalid(`only one arm may be set, got ${chosen.name} and ${arm.name}`);
          chosen = arm;
        }
      if (chosen) return writeArm(chosen, b, o, u[chosen.name], size);
    }
    zero(b, o, o + size);
    return o + size;
  }

  /** The arm `discriminator` selects; none (an empty object) for a value no arm has. */
  read(r: Reader, discriminator: unknown): Value {
    const start = r.pos;
    const arm = this.byCase.get(discriminator as number);
    const out: Value = {};
    if (arm)
      try {
        out[arm.name] = arm.node.read(r);
      } catch (e) {
        throw within(e, arm.name);
      }
    r.pos = start + this.fixed;
    return out;
  }
}
