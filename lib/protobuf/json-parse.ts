/**
 * Generates fromJson for a message type: one function per type that walks
 * the JSON object's keys (proto name or lowerCamelCase JSON name), converts
 * each value strictly and returns the message with only the fields given.
 * `null` is an absent field; an unknown key is an error.
 */
import { buildValueSource, type CodeUnit, literal, valueConstructorSource } from './codegen.ts';
import type { FieldKind, FieldSchema, MessageSchema } from './schema.ts';

/** An expression converting JSON value `y`, with the common case inline. */
function convert(kind: Exclude<FieldKind, 'message'>, f: FieldSchema, unit: CodeUnit): string {
  switch (kind) {
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return `(typeof y === 'number' && (y | 0) === y ? y : int32FromJson(y))`;
    case 'uint32':
    case 'fixed32':
      return `(typeof y === 'number' && y >>> 0 === y ? y : uint32FromJson(y))`;
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      return 'int64FromJson(y)';
    case 'uint64':
    case 'fixed64':
      return 'uint64FromJson(y)';
    case 'double':
      return `(typeof y === 'number' && Number.isFinite(y) ? y : doubleFromJson(y))`;
    case 'float':
      return 'floatFromJson(y)';
    case 'bool':
      return `(typeof y === 'boolean' ? y : boolFromJson(y))`;
    case 'string':
      return `(typeof y === 'string' ? y : stringFromJson(y))`;
    case 'bytes':
      return 'bytesFromJson(y)';
    case 'enum':
      return `enumFromJson(y, ${unit.constant(f.enumType)})`;
  }
}

function fieldCase(
  f: FieldSchema,
  k: number,
  oneofVar: string | undefined,
  parserOf: (f: FieldSchema) => string,
  unit: CodeUnit,
): string {
  const labels = [...new Set([f.name, f.jsonName])].map((n) => `case ${literal(n)}:`).join(' ');
  const one = f.kind === 'message' ? `${parserOf(f)}(objectFromJson(y), d + 1)` : convert(f.kind, f, unit);
  const claim = oneofVar
    ? `if (${oneofVar} !== '') throw jsonOneofConflict(${oneofVar}); ${oneofVar} = ${literal(f.name)};`
    : '';
  const set = f.repeated
    ? `{ const list = listFromJson(x); const a = new Array(list.length); for (i = 0; i < list.length; i++) { const y = list[i]; a[i] = ${one}; } i = -1; f${k} = a; }`
    : `{ const y = x; f${k} = ${one}; }`;
  return `${labels} if (x === null) break; if (f${k} !== undefined) throw duplicateField(); ${claim} ${set} break;`;
}

/**
 * `function <name>(input, d)`: the message of JSON object `input` (already
 * checked to be an object) at nesting depth `d`.
 */
export function parserSource(
  name: string,
  schema: MessageSchema,
  parserOf: (f: FieldSchema) => string,
  unit: CodeUnit,
): string {
  const fields = schema.fields;
  const oneofVars = new Map(schema.oneofs.filter((o) => o.members.length > 1).map((o, k) => [o.name, `o${k}`]));
  const protoNameOf: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const f of fields) protoNameOf[f.name] = protoNameOf[f.jsonName] = f.name;
  const names = unit.constant(protoNameOf);
  const known = literal(fields.map((f) => f.name).join(', '));
  const cases = fields
    .map((f, k) => fieldCase(f, k, f.oneof === undefined ? undefined : oneofVars.get(f.oneof), parserOf, unit))
    .join('\n      ');
  return `${valueConstructorSource(name)}
function ${name}(input, d) {
  if (d > MAX_JSON_DEPTH) throw jsonTooDeep();
  ${fields.length ? `let ${fields.map((_, k) => `f${k}`).join(', ')};` : ''}
  ${[...oneofVars.values()].map((v) => `let ${v} = '';`).join(' ')}
  let key = '', i = -1;
  try {
    for (key in input) {
      const x = input[key];
      switch (key) {
      ${cases}
      default:
        throw unknownField(${known});
      }
    }
  } catch (e) {
    throw within(e, ${names}[key] ?? key, i);
  }
  ${buildValueSource(name, fields)}
  return o;
}`;
}
