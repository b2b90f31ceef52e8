/**
 * The media types the document states, as the gateway takes and answers them
 * (the names are lib/wire-names.ts's): NDJSON under either of its names.
 */
import { NDJSON_MEDIA_TYPES } from '../../lib/wire-names.ts';

export { NDJSON_MEDIA_TYPE as NDJSON, SSE_MEDIA_TYPE as SSE } from '../../lib/wire-names.ts';

/** For descriptions: `` `Accept: application/x-ndjson` (or `application/ndjson`) ``. */
export function ndjsonHeader(header: 'Accept' | 'Content-Type'): string {
  const [first, ...others] = NDJSON_MEDIA_TYPES;
  return `\`${header}: ${first}\` (or ${others.map((t) => `\`${t}\``).join(', ')})`;
}

/** A content entry under each name of NDJSON: the gateway takes either, and answers with the one it was given. */
export function ndjsonContent<T>(entry: T): Record<string, T> {
  return Object.fromEntries(NDJSON_MEDIA_TYPES.map((t) => [t, entry]));
}
