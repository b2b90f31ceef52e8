/**
 * Media types as the gateway reads them from Content-Type and Accept, and
 * writes them: NDJSON under either of its names (lib/wire-names.ts), answered
 * under the name the client used.
 */
import { NDJSON_MEDIA_TYPES, type NdjsonMediaType } from '../lib/wire-names.ts';

/** The media types a header lists (an Accept may list several), without parameters, in lower case. */
export function mediaTypesIn(header: string | undefined): string[] {
  const types: string[] = [];
  for (const range of (header ?? '').split(',')) {
    const type = range.split(';')[0]!.trim().toLowerCase();
    if (type !== '') types.push(type);
  }
  return types;
}

/** The first of `types` that is a name of NDJSON. */
export function ndjsonTypeIn(types: string[]): NdjsonMediaType | undefined {
  return types.find((t): t is NdjsonMediaType => (NDJSON_MEDIA_TYPES as readonly string[]).includes(t));
}

/** The names of NDJSON, for messages: `application/x-ndjson or application/ndjson`. */
export const NDJSON_NAMES = NDJSON_MEDIA_TYPES.join(' or ');

/** A Content-Type the gateway writes: its text is always UTF-8. */
export const utf8 = (type: string): string => `${type}; charset=utf-8`;
