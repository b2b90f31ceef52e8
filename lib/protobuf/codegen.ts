/**
 * Builds the codecs' specialised functions from JS source. Generated code
 * lets V8 inline every field's read and write, which a table-driven loop over
 * fields cannot. Only identifiers we choose and JSON-quoted literals go into
 * the source; schema objects are passed in as constants, never as text.
 */
import type protobuf from 'protobufjs';
import { describeMessage, reachableTypes, type FieldSchema, type MessageSchema } from './schema.ts';

/** A JS string literal for any text (field names, messages). */
export const literal = (s: string): string => JSON.stringify(s);

export class CodeUnit {
  private readonly constants: unknown[] = [];
  private readonly constantNames = new Map<unknown, string>();

  /** The name under which the generated code sees `value` (one name per distinct value). */
  constant(value: unknown): string {
    let name = this.constantNames.get(value);
    if (!name) {
      name = `K${this.constants.length}`;
      this.constants.push(value);
      this.constantNames.set(value, name);
    }
    return name;
  }

  /**
   * Runs `body` once with `runtime`'s entries and the constants in scope as
   * plain bindings, and returns what it returns.
   */
  build<T>(runtime: Record<string, unknown>, body: string): T {
    const names = Object.keys(runtime);
    const prologue = this.constants.map((_, i) => `const K${i} = K[${i}];`).join('\n');
    const factory = new Function(...names, 'K', `'use strict';\n${prologue}\n${body}`) as (...args: unknown[]) => T;
    return factory(...names.map((n) => runtime[n]), this.constants);
  }
}

/** Writes the source of one function `name` for a message type; `functionOf` names the function of a nested type. */
export type SourceWriter = (
  name: string,
  schema: MessageSchema,
  functionOf: (f: FieldSchema) => string,
  unit: CodeUnit,
) => string;

/**
 * Generates, for `type` and every type it reaches, one function per writer
 * (`{ encode: encoderSource, … }`), all in one scope so that nested types are
 * direct calls. Returns each type with its functions, `type` first.
 */
export function compileTypes<K extends string>(
  type: protobuf.Type,
  writers: Record<K, SourceWriter>,
  runtime: Record<string, unknown>,
): { type: protobuf.Type; fns: Record<K, unknown> }[] {
  const types = reachableTypes(type);
  const index = new Map(types.map((t, k) => [t, k]));
  const unit = new CodeUnit();
  const kinds = Object.keys(writers) as K[];
  const sources: string[] = [];
  types.forEach((t, k) => {
    const schema = describeMessage(t);
    for (const kind of kinds)
      sources.push(writers[kind](`${kind}${k}`, schema, (f) => `${kind}${index.get(f.messageType!)}`, unit));
  });
  const table = types.map((_, k) => `{ ${kinds.map((kind) => `${kind}: ${kind}${k}`).join(', ')} }`);
  const built = unit.build<Record<K, unknown>[]>(runtime, `${sources.join('\n')}\nreturn [${table.join(', ')}];`);
  return types.map((t, k) => ({ type: t, fns: built[k]! }));
}

/**
 * Source of a constructor for `fn`'s result objects. They are plain objects
 * (prototype Object.prototype), but built by `new`, V8 sizes them for the
 * fields later added, which makes building them about twice as fast as
 * adding the same fields to `{}`.
 */
export function valueConstructorSource(fn: string): string {
  return `function ${fn}_value() {}\n${fn}_value.prototype = Object.prototype;`;
}

/** Statements that build `o` with each field whose local `f<k>` is set; absent fields stay out of it. */
export function buildValueSource(fn: string, fields: readonly FieldSchema[]): string {
  const sets = fields.map((f, k) => `if (f${k} !== undefined) o[${literal(f.name)}] = f${k};`);
  return [`const o = new ${fn}_value();`, ...sets].join('\n  ');
}
