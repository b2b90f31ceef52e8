/**
 * Errors of the protobuf codecs. Both carry the path of the field at fault in
 * the proto field names (`route.paths[1].weight`, empty for the message itself)
 * and a short reason, so that a caller can report exactly what to fix.
 */

export type ProtoErrorKind =
  /** the bytes end inside a varint, a length or a fixed-size value */
  | 'truncated'
  /** a varint longer than 10 bytes, or a tag beyond 32 bits */
  | 'bad-varint'
  /** wire type 6 or 7, an end-group without a start, field number 0 */
  | 'bad-wire-type'
  /** a known field sent with a wire type its type does not allow */
  | 'wrong-wire-type'
  /** string bytes that are not UTF-8 */
  | 'invalid-utf8'
  /** nesting beyond MAX_DEPTH */
  | 'too-deep'
  /** a JS value that does not fit its field (encode, toJson) */
  | 'invalid-value'
  /** a schema feature the codecs do not handle (found when compiling) */
  | 'unsupported';

export type JsonErrorKind =
  | 'unknown-field'
  | 'duplicate-field'
  | 'wrong-type'
  | 'not-integer'
  | 'out-of-range'
  | 'not-finite'
  | 'unknown-enum'
  | 'bad-base64'
  | 'oneof-conflict'
  | 'too-deep';

/** Joins a path segment in front of a path: `route` + `paths[1].weight`. */
function joinPath(segment: string, rest: string): string {
  if (!segment) return rest;
  if (!rest) return segment;
  return rest.startsWith('[') ? segment + rest : `${segment}.${rest}`;
}

abstract class PathError extends Error {
  path: string;

  constructor(
    path: string,
    readonly reason: string,
  ) {
    super(path ? `${path}: ${reason}` : reason);
    this.path = path;
  }

  /** Puts `segment` (a field name, or a name with `[index]`) in front of the path, as the error leaves a nested message. */
  under(segment: string): this {
    this.path = joinPath(segment, this.path);
    this.message = this.path ? `${this.path}: ${this.reason}` : this.reason;
    return this;
  }
}

/** Malformed protobuf bytes, or a JS value that cannot be encoded. */
export class ProtoError extends PathError {
  constructor(
    readonly kind: ProtoErrorKind,
    path: string,
    reason: string,
  ) {
    super(path, reason);
    this.name = 'ProtoError';
  }
}

/** JSON input that does not match the message (proto3 JSON mapping). */
export class JsonError extends PathError {
  constructor(
    readonly kind: JsonErrorKind,
    path: string,
    reason: string,
  ) {
    super(path, reason);
    this.name = 'JsonError';
  }
}

/**
 * Adds a path segment to one of our errors as it passes through a field;
 * anything else (a bug) is rethrown unchanged, never disguised.
 */
export function within(e: unknown, name: string, index = -1): unknown {
  if (e instanceof PathError) return e.under(index >= 0 ? `${name}[${index}]` : name);
  return e;
}
