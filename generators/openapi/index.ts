/** openapi/: the OpenAPI document of the REST gateway and a Postman collection of it. */
import type { ApiModel } from '../../vpp/api/model.ts';
import { buildDocument } from './document.ts';
import { buildCollection } from './postman.ts';

export const OPENAPI_FILE = 'openapi.json';
export const POSTMAN_FILE = 'vpp-rpc.postman_collection.json';

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** Every file of openapi/, keyed by its path below openapi/. */
export function generateOpenapi(model: ApiModel, version: string): Map<string, string> {
  const doc = buildDocument(model, version);
  return new Map([
    [OPENAPI_FILE, json(doc)],
    [POSTMAN_FILE, json(buildCollection(doc))],
  ]);
}
