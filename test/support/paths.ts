/** Where tests find the project and the shared VPP data beside it. */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SHARED = process.env.VPP_RPC_SHARED ?? resolve(ROOT, '../shared');
export const API_DIR = join(SHARED, 'vpp-api/26.06');
export const WIRE_DIR = join(SHARED, 'vpp-wire');
export const PROTO_DIR = join(ROOT, 'proto');
