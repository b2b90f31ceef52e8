/**
 * Errors raised deep inside a value or a payload. Each level the error passes
 * on its way out adds its field name or index, so the path is built only when
 * something is wrong, never on the hot path.
 */
import { CodecError, type CodecErrorKind } from './types.ts';

export class Problem {
  /** path segments, innermost first: "ip4", "address", "nh", "[1]", "paths" */
  readonly segments: string[] = [];
  constructor(
    /** undefined: an unexpected exception, whose kind the operation decides */
    readonly kind: CodecErrorKind | undefined,
    readonly detail: string,
  ) {}
}

export function invalid(detail: string): Problem {
  return new Problem('invalid-value', detail);
}

export function badFrame(detail: string): Problem {
  return new Problem('bad-frame', detail);
}

/** Add one path segment (a field name, or `[i]`) to an error passing through. */
export function within(e: unknown, segment: string): Problem {
  const p = e instanceof Problem ? e : new Problem(e instanceof CodecError ? e.kind : undefined, String(e));
  p.segments.push(segment);
  return p;
}

export function pathOf(segments: readonly string[]): string {
  let path = '';
  for (let i = segments.length - 1; i >= 0; i--) {
    const s = segments[i]!;
    path += s.startsWith('[') || path === '' ? s : '.' + s;
  }
  return path;
}

/**
 * The CodecError for anything thrown while encoding or decoding. Exceptions
 * that are not a Problem (a RangeError from a corrupt payload, say) become
 * `fallback` errors: callers only ever see CodecError.
 */
export function toCodecError(e: unknown, fallback: CodecErrorKind): CodecError {
  if (e instanceof CodecError) return e;
  if (e instanceof Problem) return new CodecError(e.kind ?? fallback, pathOf(e.segments), e.detail);
  return new CodecError(fallback, '', e instanceof Error ? e.message : String(e));
}

/** How a value reads in an error message. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Uint8Array) return 'bytes';
  switch (typeof v) {
    case 'string':
      return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
    case 'number':
    case 'bigint':
    case 'boolean':
      return `${typeof v} ${String(v)}`;
    case 'object':
      return 'an object';
    default:
      return typeof v;
  }
}
