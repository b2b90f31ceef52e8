/**
 * compileJson: a message type's proto3 JSON mapping, compiled once, as
 * grpc-gateway users know it: proto field names on output with every field
 * (EmitUnpopulated) but unset oneof members; proto or lowerCamelCase names on
 * input; 64-bit integers as strings; enums by name; bytes as base64.
 */
import type protobuf from 'protobufjs';
import { encodeBase64 } from './base64.ts';
import { compileTypes } from './codegen.ts';
import { within } from './errors.ts';
import * as jsonInput from './json-input.ts';
import { parserSource } from './json-parse.ts';
import { printerSource } from './json-print.ts';
import { reachableTypes } from './schema.ts';
import { doubleText, floatText, quote } from './json-text.ts';
import { enumNumberOf, floatOf, int64Of, invalidValue, isPlainObject, uint64Of, type Value } from './values.ts';
import { MAX_DEPTH, tooDeep } from './wire-reader.ts';
import { checkJsonMapping } from './well-known.ts';

export interface JsonCodec {
  /** the message of a parsed JSON value; throws JsonError with the field path and what to fix */
  fromJson(input: unknown): Value;
  /** the JSON text of a message value; throws ProtoError for a value that does not fit its field */
  toJson(value: Value): string;
}

type Parser = (input: Record<string, unknown>, depth: number) => Value;
type Printer = (value: Value, depth: number) => string;

const RUNTIME = {
  ...jsonInput,
  MAX_DEPTH,
  tooDeep,
  within,
  encodeBase64,
  doubleText,
  floatText,
  quote,
  enumNumberOf,
  floatOf,
  int64Of,
  uint64Of,
  invalidValue,
  isPlainObject,
};

function codec(parse: Parser, print: Printer): JsonCodec {
  return {
    fromJson: (input: unknown): Value => parse(jsonInput.objectFromJson(input), 0),
    toJson(value: Value): string {
      if (!isPlainObject(value)) throw invalidValue('a message object', value);
      return print(value, 0);
    },
  };
}

const cache = new WeakMap<protobuf.Type, JsonCodec>();

export function compileJson(type: protobuf.Type): JsonCodec {
  const cached = cache.get(type);
  if (cached) return cached;
  for (const t of reachableTypes(type)) checkJsonMapping(t);
  for (const { type: t, fns } of compileTypes(type, { parse: parserSource, print: printerSource }, RUNTIME))
    if (!cache.has(t)) cache.set(t, codec(fns.parse as Parser, fns.print as Printer));
  return cache.get(type)!;
}
