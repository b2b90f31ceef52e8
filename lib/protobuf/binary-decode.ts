/**
 * Generates the binary decoder of a message type: one function per type with
 * a `switch` over the field keys it knows. It accepts whatever a conforming
 * encoder may send (any field order, packed or unpacked lists, unknown
 * fields, repeated singular fields: last wins, messages merge) and rejects a
 * known field sent with the wrong wire type.
 */
import { buildValueSource, type CodeUnit, valueConstructorSource } from './codegen.ts';
import { isPackable, wireTypeOf, type FieldKind, type FieldSchema, type MessageSchema } from './schema.ts';
import { tagOf } from './wire-writer.ts';

const READ: Record<Exclude<FieldKind, 'message'>, string> = {
  double: 'double',
  float: 'float',
  int32: 'int32',
  uint32: 'uint32',
  sint32: 'sint32',
  fixed32: 'fixed32',
  sfixed32: 'sfixed32',
  int64: 'int64',
  uint64: 'uint64',
  sint64: 'sint64',
  fixed64: 'fixed64u',
  sfixed64: 'sfixed64',
  bool: 'bool',
  string: 'string',
  bytes: 'bytes',
  enum: 'int32',
};

/** `case` clauses for one field: its normal key and, for packable lists, the packed one. */
function fieldCases(
  f: FieldSchema,
  k: number,
  schema: MessageSchema,
  decoderOf: (f: FieldSchema) => string,
  unit: CodeUnit,
): string {
  const local = `f${k}`;
  // a oneof member read clears the others: last one wins
  const others = f.oneof
    ? schema.fields
        .map((g, j) => (g.oneof === f.oneof && g !== f ? `f${j} = undefined;` : ''))
        .filter(Boolean)
        .join(' ')
    : '';
  if (f.kind === 'message') {
    const nested = `${decoderOf(f)}(r, e, d + 1)`;
    const read = f.repeated
      ? `(${local} ??= []).push(${nested});`
      : `${local} = ${local} === undefined ? ${nested} : mergeMessage(${unit.constant(f.messageType)}, ${local}, ${nested}); ${others}`;
    return `case ${tagOf(f.id, 2)}: { const e = r.lengthEnd(end); ${read} r.pos = e; break; }`;
  }
  const read = `r.${READ[f.kind]}(end)`;
  const tag = tagOf(f.id, wireTypeOf(f.kind));
  if (!f.repeated) return `case ${tag}: ${local} = ${read}; ${others} break;`;
  const one = `case ${tag}: (${local} ??= []).push(${read}); break;`;
  if (!isPackable(f.kind)) return one;
  const packed = `case ${tagOf(f.id, 2)}: { const e = r.lengthEnd(end); const a = (${local} ??= []); while (r.pos < e) a.push(r.${READ[f.kind]}(e)); break; }`;
  return `${one}\n      ${packed}`;
}

/**
 * `function <name>(r, end, d)`: reads a message from `r.pos` to `end` at
 * nesting depth `d` and returns it with only the fields that were present.
 */
export function decoderSource(
  name: string,
  schema: MessageSchema,
  decoderOf: (f: FieldSchema) => string,
  unit: CodeUnit,
): string {
  const fields = schema.fields;
  const locals = fields.map((_, k) => `f${k}`);
  const cases = fields.map((f, k) => fieldCases(f, k, schema, decoderOf, unit)).join('\n      ');
  // field number → name, for errors; a known number here means a wrong wire type
  const byNumber: Record<number, string> = {};
  for (const f of fields) byNumber[f.id] = f.name;
  const names = unit.constant(byNumber);
  const indexOf = fields
    .map((f, k) =>
      f.repeated && f.kind === 'message' ? `case ${f.id}: return f${k} === undefined ? 0 : f${k}.length;` : '',
    )
    .filter(Boolean)
    .join(' ');
  return `${valueConstructorSource(name)}
function ${name}(r, end, d) {
  if (d > MAX_DEPTH) throw tooDeep();
  ${locals.length ? `let ${locals.join(', ')};` : ''}
  let tag = 0;
  try {
    while (r.pos < end) {
      tag = 0;
      tag = r.tag(end);
      switch (tag) {
      ${cases}
      default:
        if (${names}[tag >>> 3] !== undefined) throw wrongWireType(tag);
        r.skip(tag, end, d);
      }
    }
  } catch (e) {
    const index = (() => { switch (tag >>> 3) { ${indexOf} default: return -1; } })();
    throw within(e, tag === 0 ? '' : (${names}[tag >>> 3] ?? ''), index);
  }
  ${buildValueSource(name, fields)}
  return o;
}`;
}
