/** openapi/: the OpenAPI document of the REST gateway and a Postman collection of it. */
import type protobuf from 'protobufjs';
import type { ApiModel } from '../../vpp/api/model.ts';
import { buildDocument } from './document.ts';
import { ownServicesDocument } from './own-services.ts';
import { buildCollection } from './postman.ts';

export const OPENAPI_FILE = 'openapi.json';
export const POSTMAN_FILE = 'vpp-rpc.postman_collection.json';

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** Every file of openapi/, keyed by its path below openapi/. */
/** `own`: the hand-written protos of the product's own services (loadOwnServices), if any. */
export function generateOpenapi(model: ApiModel, version: string, own?: protobuf.Root | null): Map<string, string> {
  const doc = buildDocument(model, version, own ? ownServicesDocument(own) : undefined);
  return new Map([
    [OPENAPI_FILE, json(doc)],
    [POSTMAN_FILE, json(buildCollection(doc))],
  ]);
}
