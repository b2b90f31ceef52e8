/**
 * Generates the binary encoder of a message type: one function per type that
 * checks each field's JS value and writes proto3's canonical bytes (fields in
 * number order, zero scalars left out except where the field has presence,
 * repeated scalars packed).
 */
import { type CodeUnit, literal } from './codegen.ts';
import { isPackable, wireTypeOf, type FieldSchema, type MessageSchema } from './schema.ts';
import { tagOf } from './wire-writer.ts';

interface ScalarWrite {
  /** statements that check `x` and may convert it in place */
  check: string;
  /** true when `x` is not the zero value */
  nonZero: string;
  /** the statement that writes `x` */
  write: string;
}

const int32Check = (what: string): string =>
  `if (typeof x !== 'number' || (x | 0) !== x) throw invalidValue(${literal(what)}, x);`;
const uint32Check = (what: string): string =>
  `if (typeof x !== 'number' || x >>> 0 !== x) throw invalidValue(${literal(what)}, x);`;
const NUMBER_NON_ZERO = '(x !== 0 || 1 / x < 0)';

function scalarWrite(f: FieldSchema, unit: CodeUnit): ScalarWrite {
  switch (f.kind) {
    case 'int32':
      return { check: int32Check('an int32'), nonZero: 'x !== 0', write: 'w.int32(x);' };
    case 'sint32':
      return { check: int32Check('an int32'), nonZero: 'x !== 0', write: 'w.sint32(x);' };
    case 'sfixed32':
      return { check: int32Check('an int32'), nonZero: 'x !== 0', write: 'w.fixed32(x);' };
    case 'uint32':
      return { check: uint32Check('a uint32'), nonZero: 'x !== 0', write: 'w.uint32(x);' };
    case 'fixed32':
      return { check: uint32Check('a uint32'), nonZero: 'x !== 0', write: 'w.fixed32(x);' };
    case 'int64':
      return { check: 'x = int64Of(x);', nonZero: 'x !== 0n', write: 'w.varintBig(x);' };
    case 'uint64':
      return { check: 'x = uint64Of(x);', nonZero: 'x !== 0n', write: 'w.varintBig(x);' };
    case 'sint64':
      return { check: 'x = int64Of(x);', nonZero: 'x !== 0n', write: 'w.sint64(x);' };
    case 'fixed64':
      return { check: 'x = uint64Of(x);', nonZero: 'x !== 0n', write: 'w.fixed64Big(x);' };
    case 'sfixed64':
      return { check: 'x = int64Of(x);', nonZero: 'x !== 0n', write: 'w.fixed64Big(x);' };
    case 'bool':
      return {
        check: `if (typeof x !== 'boolean') throw invalidValue('a boolean', x);`,
        nonZero: 'x',
        write: 'w.bool(x);',
      };
    case 'double':
      return {
        check: `if (typeof x !== 'number') throw invalidValue('a number', x);`,
        nonZero: NUMBER_NON_ZERO,
        write: 'w.double(x);',
      };
    case 'float':
      return { check: 'x = floatOf(x);', nonZero: NUMBER_NON_ZERO, write: 'w.float(x);' };
    case 'string':
      return {
        check: `if (typeof x !== 'string') throw invalidValue('a string', x);`,
        nonZero: 'x.length !== 0',
        write: 'w.string(x);',
      };
    case 'bytes':
      return {
        check: `if (!(x instanceof Uint8Array)) throw invalidValue('bytes (a Uint8Array)', x);`,
        nonZero: 'x.length !== 0',
        write: 'w.bytes(x);',
      };
    case 'enum':
      return {
        check: `if (typeof x !== 'number' || (x | 0) !== x) x = enumNumberOf(x, ${unit.constant(f.enumType)});`,
        nonZero: 'x !== 0',
        write: 'w.int32(x);',
      };
    case 'message':
      throw new Error('messages are not scalars');
  }
}

const writeTag = (tag: number): string => (tag < 128 ? `w.byte(${tag});` : `w.uint32(${tag});`);

/** The statements that write one field, reading it from `v` into `x`. */
function fieldCode(f: FieldSchema, encoderOf: (f: FieldSchema) => string, unit: CodeUnit, oneofVar?: string): string {
  const get = `x = v[${literal(f.name)}];`;
  const claimOneof = oneofVar
    ? `if (${oneofVar} !== '') throw oneofConflict(${oneofVar}); ${oneofVar} = ${literal(f.name)};`
    : '';
  if (f.kind === 'message') {
    const writeOne = `if (!isPlainObject(x)) throw invalidValue('an object', x); ${writeTag(tagOf(f.id, 2))} s = w.beginLength(); ${encoderOf(f)}(w, x, d + 1); w.endLength(s);`;
    if (!f.repeated) return `${get} if (x != null) { ${claimOneof} ${writeOne} }`;
    return `${get} if (x != null) { if (!Array.isArray(x)) throw invalidValue('an array', x); const a = x; for (i = 0; i < a.length; i++) { x = a[i]; ${writeOne} } i = -1; }`;
  }
  const s = scalarWrite(f, unit);
  if (!f.repeated) {
    const write = `${writeTag(tagOf(f.id, wireTypeOf(f.kind)))} ${s.write}`;
    if (f.hasPresence) return `${get} if (x != null) { ${claimOneof} ${s.check} ${write} }`;
    return `${get} if (x != null) { ${s.check} if (${s.nonZero}) { ${write} } }`;
  }
  const list = `if (!Array.isArray(x)) throw invalidValue('an array', x); const a = x;`;
  if (f.packed && isPackable(f.kind))
    return `${get} if (x != null) { ${list} if (a.length !== 0) { ${writeTag(tagOf(f.id, 2))} s = w.beginLength(); for (i = 0; i < a.length; i++) { x = a[i]; ${s.check} ${s.write} } i = -1; w.endLength(s); } }`;
  return `${get} if (x != null) { ${list} for (i = 0; i < a.length; i++) { x = a[i]; ${s.check} ${writeTag(tagOf(f.id, wireTypeOf(f.kind)))} ${s.write} } i = -1; }`;
}

/**
 * `function <name>(w, v, d)`: writes message `v` (a checked plain object) at
 * nesting depth `d`. Errors get the field's name on the way out.
 */
export function encoderSource(
  name: string,
  schema: MessageSchema,
  encoderOf: (f: FieldSchema) => string,
  unit: CodeUnit,
): string {
  const oneofVars = new Map(schema.oneofs.map((o, k) => [o.name, `o${k}`]));
  const names = unit.constant(schema.fields.map((f) => f.name));
  const body = schema.fields
    .map((f, at) => {
      const oneofVar = f.oneof !== undefined && schema.oneofs.find((o) => o.name === f.oneof)!.members.length > 1;
      return `at = ${at}; ${fieldCode(f, encoderOf, unit, oneofVar ? oneofVars.get(f.oneof!) : undefined)}`;
    })
    .join('\n    ');
  const oneofDecl = [...oneofVars.values()].map((v) => `let ${v} = '';`).join(' ');
  return `function ${name}(w, v, d) {
  if (d > MAX_DEPTH) throw tooDeep();
  let at = -1, i = -1, x, s;
  ${oneofDecl}
  try {
    ${body}
  } catch (e) {
    throw within(e, at < 0 ? '' : ${names}[at], i);
  }
}`;
}
