/**
 * Codecs compiled on first use: a process starts without compiling the
 * codecs of the RPCs nobody calls. The first call compiles; from then on the
 * codec's methods are the compiled ones, with no check left on the hot path.
 */
import type protobuf from 'protobufjs';
import { compileBinary, type BinaryCodec } from './binary.ts';
import { compileJson, type JsonCodec } from './json.ts';

/** An object with `methods` that builds the real one (`make`) on the first call of any, then becomes it. */
function onFirstUse<T extends object>(make: () => T, methods: readonly (keyof T & string)[]): T {
  const lazy = {} as Record<string, unknown>;
  const become = (): T => {
    const real = make();
    for (const m of methods) lazy[m] = real[m];
    return real;
  };
  for (const m of methods) lazy[m] = (...args: unknown[]) => (become()[m] as (...a: unknown[]) => unknown)(...args);
  return lazy as T;
}

/** The type, or where to get it on first use (ProtoTypes.type parses its file then). */
type TypeSource = protobuf.Type | (() => protobuf.Type);
const typeOf = (t: TypeSource): protobuf.Type => (typeof t === 'function' ? t() : t);

export function lazyBinary(type: TypeSource): BinaryCodec {
  return onFirstUse(() => compileBinary(typeOf(type)), ['encode', 'decode']);
}

export function lazyJson(type: TypeSource): JsonCodec {
  return onFirstUse(() => compileJson(typeOf(type)), ['fromJson', 'toJson']);
}
