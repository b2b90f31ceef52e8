/**
 * Generates toJson for a message type: one function per type that writes
 * the JSON text directly, every field under its proto name, unpopulated ones
 * with their zero value (lists `[]`, messages `null`), and unset oneof
 * members left out. 64-bit integers are strings, enums their names, bytes
 * standard base64.
 */
import { type CodeUnit, literal } from './codegen.ts';
import type { FieldKind, FieldSchema, MessageSchema } from './schema.ts';

/** Statements that check value `y` and set `t` to its JSON text. */
function valueText(kind: Exclude<FieldKind, 'message'>, f: FieldSchema, unit: CodeUnit): string {
  switch (kind) {
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return `if (typeof y !== 'number' || (y | 0) !== y) throw invalidValue('an int32', y); t = '' + y;`;
    case 'uint32':
    case 'fixed32':
      return `if (typeof y !== 'number' || y >>> 0 !== y) throw invalidValue('a uint32', y); t = '' + y;`;
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      return `t = '"' + int64Of(y) + '"';`;
    case 'uint64':
    case 'fixed64':
      return `t = '"' + uint64Of(y) + '"';`;
    case 'double':
      return `if (typeof y !== 'number') throw invalidValue('a number', y); t = doubleText(y);`;
    case 'float':
      return `t = floatText(floatOf(y));`;
    case 'bool':
      return `if (typeof y !== 'boolean') throw invalidValue('a boolean', y); t = y ? 'true' : 'false';`;
    case 'string':
      return `if (typeof y !== 'string') throw invalidValue('a string', y); t = quote(y);`;
    case 'bytes':
      return `if (!(y instanceof Uint8Array)) throw invalidValue('bytes (a Uint8Array)', y); t = '"' + encodeBase64(y) + '"';`;
    case 'enum': {
      const e = f.enumType!;
      const names: Record<number, string> = {};
      for (const [n, name] of e.nameOf) names[n] = literal(name);
      return `if (typeof y !== 'number' || (y | 0) !== y) y = enumNumberOf(y, ${unit.constant(e)}); t = ${unit.constant(names)}[y] ?? ('' + y);`;
    }
  }
}

/** The JSON text of a field left unset, or undefined when it is left out. */
function unsetText(f: FieldSchema): string | undefined {
  if (f.oneof !== undefined) return undefined;
  if (f.repeated) return '[]';
  if (f.kind === 'message' || f.hasPresence) return 'null';
  switch (f.kind) {
    case 'int64':
    case 'uint64':
    case 'sint64':
    case 'fixed64':
    case 'sfixed64':
      return '"0"';
    case 'bool':
      return 'false';
    case 'string':
    case 'bytes':
      return '""';
    case 'enum': {
      const zero = f.enumType!.nameOf.get(0);
      return zero === undefined ? '0' : literal(zero);
    }
    default:
      return '0';
  }
}

function fieldText(f: FieldSchema, printerOf: (f: FieldSchema) => string, unit: CodeUnit): string {
  const one =
    f.kind === 'message'
      ? `if (!isPlainObject(y)) throw invalidValue('an object', y); t = ${printerOf(f)}(y, d + 1);`
      : valueText(f.kind, f, unit);
  if (!f.repeated) return `y = x; ${one}`;
  return `if (!Array.isArray(x)) throw invalidValue('an array', x); u = '['; for (i = 0; i < x.length; i++) { y = x[i]; ${one} u += i === 0 ? t : ',' + t; } i = -1; t = u + ']';`;
}

/**
 * `function <name>(v, d)`: the JSON text of message `v` (a checked plain
 * object) at nesting depth `d`.
 */
export function printerSource(
  name: string,
  schema: MessageSchema,
  printerOf: (f: FieldSchema) => string,
  unit: CodeUnit,
): string {
  // Whether a field was written before is known statically once a field that is always written has been;
  // before that, only at run time (s is longer than '{').
  let written: 'no' | 'maybe' | 'yes' = 'no';
  const statements = schema.fields.map((f, at) => {
    const unset = unsetText(f);
    const key = literal(literal(f.name) + ':');
    const comma = literal(',');
    const prefix =
      written === 'no' ? key : written === 'yes' ? `${comma} + ${key}` : `(s.length > 1 ? ${comma} : '') + ${key}`;
    const get = `at = ${at}; x = v[${literal(f.name)}];`;
    const text = fieldText(f, printerOf, unit);
    if (unset === undefined) {
      written = written === 'yes' ? 'yes' : 'maybe';
      return `${get} if (x != null) { ${text} s += ${prefix} + t; }`;
    }
    written = 'yes';
    return `${get} if (x == null) t = ${literal(unset)}; else { ${text} } s += ${prefix} + t;`;
  });
  const names = unit.constant(schema.fields.map((f) => f.name));
  return `function ${name}(v, d) {
  if (d > MAX_DEPTH) throw tooDeep();
  let s = '{', t = '', u = '', at = -1, i = -1, x, y;
  try {
    ${statements.join('\n    ')}
  } catch (e) {
    throw within(e, at < 0 ? '' : ${names}[at], i);
  }
  return s + '}';
}`;
}
