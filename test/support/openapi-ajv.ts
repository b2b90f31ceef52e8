/**
 * A JSON Schema 2020-12 validator that knows the formats the OpenAPI document
 * uses, so that tests check examples and bodies as strictly as the gateway reads them.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';

// ajv-formats is CommonJS: its default export is the plugin itself
const addFormats = addFormatsPlugin as unknown as (ajv: Ajv2020) => void;

function prefix(s: string, isAddress: (a: string) => boolean, max: number): boolean {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(s);
  return m !== null && isAddress(m[1]!) && Number(m[2]) <= max;
}

const FORMATS: Record<string, (s: string) => boolean> = {
  'ip-address': (s) => isIPv4(s) || isIPv6(s),
  'ip-prefix': (s) => prefix(s, isIPv4, 32) || prefix(s, isIPv6, 128),
  'ipv4-prefix': (s) => prefix(s, isIPv4, 32),
  'ipv6-prefix': (s) => prefix(s, isIPv6, 128),
  mac: (s) => /^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/.test(s),
  uint64: (s) => /^[0-9]+$/.test(s) && BigInt(s) < 2n ** 64n,
  int64: (s) => /^-?[0-9]+$/.test(s) && BigInt(s) >= -(2n ** 63n) && BigInt(s) < 2n ** 63n,
};

export function openapiAjv(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv);
  ajv.addVocabulary(['x-vpp']);
  for (const [name, validate] of Object.entries(FORMATS)) ajv.addFormat(name, { type: 'string', validate });
  return ajv;
}

const COMPONENTS_ID = 'https://vpp-rpc.test/components.json';

/** `#/components/schemas/X` references made absolute, so that ajv finds them among the registered components. */
function rebase(schema: unknown): unknown {
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/components/schemas/', `"${COMPONENTS_ID}#/$defs/`));
}

/**
 * Compiles schemas that refer to the document's components, without
 * dereferencing: the components are registered once as `$defs`.
 */
export function componentsAjv(schemas: Record<string, unknown>): (schema: unknown) => ValidateFunction {
  const ajv = openapiAjv();
  ajv.addSchema(rebase({ $id: COMPONENTS_ID, $defs: schemas }) as object);
  return (schema) => ajv.compile(rebase(schema) as object);
}
