/**
 * One request example per RPC: hand-picked for the calls people try first
 * (they also drive the Postman collection against the simulator), and derived
 * from the request schema for every other one.
 */
import type { Schema } from './schemas.ts';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/**
 * Examples of the core calls, keyed by VPP request message. They tell one
 * story on a fresh VPP: the loopback created here gets sw_if_index 1.
 */
export const CORE_EXAMPLES: Record<string, { [k: string]: Json }> = {
  show_version: {},
  control_ping: {},
  show_vpe_system_time: {},
  cli_inband: { cmd: 'show version' },
  sw_interface_dump: { sw_if_index: 4294967295 },
  create_loopback: { mac_address: '02:fe:00:00:00:01' },
  sw_interface_set_flags: { sw_if_index: 1, flags: ['IF_STATUS_API_FLAG_ADMIN_UP'] },
  sw_interface_add_del_address: { sw_if_index: 1, is_add: true, prefix: '10.10.1.1/24' },
  want_interface_events: { enable_disable: 1 },
  ip_table_add_del: { is_add: true, table: { table_id: 10, is_ip6: false, name: 'blue' } },
  ip_table_dump: {},
  ip_route_add_del: {
    is_add: true,
    is_multipath: false,
    route: {
      table_id: 0,
      prefix: '10.20.0.0/24',
      paths: [
        {
          sw_if_index: 1,
          table_id: 0,
          weight: 1,
          type: 'FIB_API_PATH_TYPE_NORMAL',
          proto: 'FIB_API_PATH_NH_PROTO_IP4',
          nh: { address: { ip4: '10.10.1.2' } },
        },
      ],
    },
  },
  ip_route_dump: { table: { table_id: 0, is_ip6: false } },
};

const FORMAT_EXAMPLES: Record<string, string> = { uint64: '0', int64: '0' };

/** A value that satisfies the schema: defaults and examples first, then the least surprising value. */
export function exampleOf(schema: Schema, schemas: Record<string, Schema>, depth = 0): Json {
  if (depth > 32) throw new Error('schema nests too deep for an example');
  if (schema.$ref) {
    const target = schemas[schema.$ref.replace('#/components/schemas/', '')];
    if (!target) throw new Error(`no schema ${schema.$ref}`);
    return schema.default !== undefined ? (schema.default as Json) : exampleOf(target, schemas, depth + 1);
  }
  if (schema.default !== undefined) return schema.default as Json;
  if (schema.examples?.length) return schema.examples[0] as Json;
  if (schema.enum) {
    // prefer one of VPP's own values over the proto's synthetic zero
    const vpp = (schema['x-vpp']?.values ?? {}) as Record<string, number>;
    return schema.enum.find((n) => Object.hasOwn(vpp, n)) ?? schema.enum[0]!;
  }
  if (schema.oneOf) return exampleOf(schema.oneOf[0]!, schemas, depth + 1);
  switch (schema.type) {
    case 'object': {
      const out: { [k: string]: Json } = {};
      for (const [k, s] of Object.entries(schema.properties ?? {})) out[k] = exampleOf(s, schemas, depth + 1);
      return out;
    }
    case 'array':
      return schema.items && schema.maxItems !== 0 ? [exampleOf(schema.items, schemas, depth + 1)] : [];
    case 'string':
      if (schema.contentEncoding) return '';
      if (schema.format && FORMAT_EXAMPLES[schema.format]) return FORMAT_EXAMPLES[schema.format]!;
      return 'string'.slice(0, schema.maxLength ?? 6);
    case 'integer':
    case 'number':
      return Math.min(Math.max(0, schema.minimum ?? -Infinity), schema.maximum ?? Infinity);
    case 'boolean':
      return false;
    default:
      throw new Error(`no example for ${JSON.stringify(schema).slice(0, 80)}`);
  }
}

/** The example body of a request: the hand-picked one, or one derived from its schema. */
export function requestExample(request: string, schemaName: string, schemas: Record<string, Schema>): Json {
  const core = CORE_EXAMPLES[request];
  if (core) return core;
  const schema = schemas[schemaName];
  if (!schema) throw new Error(`no schema ${schemaName}`);
  return exampleOf(schema, schemas);
}
