/** openapi/: the OpenAPI document of the REST gateway. */
import type { ApiModel } from '../../vpp/api/model.ts';
import { buildDocument } from './document.ts';

export const OPENAPI_FILE = 'openapi.json';

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** Every file of openapi/, keyed by its path below openapi/. */
export function generateOpenapi(model: ApiModel, version: string): Map<string, string> {
  return new Map([[OPENAPI_FILE, json(buildDocument(model, version))]]);
}
