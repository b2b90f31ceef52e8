/** Paths inside the installed project, wherever it runs from. */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_PROTO_DIR = join(PROJECT_ROOT, 'proto');
export const DEFAULT_OPENAPI_DIR = join(PROJECT_ROOT, 'openapi');
