/**
 * Well-known types whose proto3 JSON form is not the plain object of their
 * fields (a Timestamp is an RFC 3339 string, a wrapper its bare value, …).
 * No proto here uses them; compileJson refuses them rather than print them
 * wrongly. google.protobuf.Empty is a plain message and works as any other.
 */
import type protobuf from 'protobufjs';
import { ProtoError } from './errors.ts';

const SPECIAL_JSON = new Set(
  [
    'Any',
    'Timestamp',
    'Duration',
    'FieldMask',
    'Struct',
    'Value',
    'ListValue',
    'DoubleValue',
    'FloatValue',
    'Int64Value',
    'UInt64Value',
    'Int32Value',
    'UInt32Value',
    'BoolValue',
    'StringValue',
    'BytesValue',
  ].map((name) => `.google.protobuf.${name}`),
);

export function checkJsonMapping(type: protobuf.Type): void {
  if (SPECIAL_JSON.has(type.fullName))
    throw new ProtoError('unsupported', '', `the JSON mapping of ${type.fullName.slice(1)} is not supported`);
}
