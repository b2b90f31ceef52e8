/** A request body (JSON text, or JSON parsed already) as the encoded request message of its route. */
import { JsonError } from '../lib/protobuf/index.ts';
import { badRequest } from './errors.ts';
import type { Route } from './routes.ts';

/** The request body as a JSON object: no body is `{}`. */
export function parseJson(body: unknown): unknown {
  if (body === undefined || body === null || (typeof body === 'string' && body.trim() === '')) return {};
  try {
    return JSON.parse(body as string);
  } catch (e) {
    throw badRequest('', `the body is not valid JSON: ${(e as Error).message}`);
  }
}

/** The message of a parsed JSON value; bad input throws a GatewayError naming the field under `prefix`. */
export function encodeValue(route: Route, value: unknown, prefix = ''): Buffer {
  try {
    return route.request.binary.encode(route.request.json.fromJson(value));
  } catch (e) {
    if (e instanceof JsonError) throw badRequest(joinField(prefix, e.path), e.reason);
    throw badRequest(prefix, (e as Error).message);
  }
}

export function encodeRequest(route: Route, body: unknown): Buffer {
  return encodeValue(route, parseJson(body));
}

function joinField(prefix: string, path: string): string {
  if (!prefix) return path;
  if (!path) return prefix;
  return path.startsWith('[') ? prefix + path : `${prefix}.${path}`;
}
