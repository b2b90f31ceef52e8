/** Paths inside the installed project, wherever it runs from: its sources or their build in dist/. */
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const parent = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const PROJECT_ROOT = basename(parent) === 'dist' ? dirname(parent) : parent;
/** the compiled JavaScript (`make build`), laid out as the sources */
export const DIST_DIR = join(PROJECT_ROOT, 'dist');
export const DEFAULT_PROTO_DIR = join(PROJECT_ROOT, 'proto');
/** the product's own protos (vpprpc.Batch, vpprpc.Stats…), written by hand; `make generate` copies them into proto/ */
export const OWN_PROTO_DIR = join(PROJECT_ROOT, 'api');
export const DEFAULT_OPENAPI_DIR = join(PROJECT_ROOT, 'openapi');
