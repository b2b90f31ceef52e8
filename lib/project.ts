/** Paths inside the installed project, wherever it runs from: its sources or their build in dist/. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder that holds the project's package.json, above this module's: `lib/` of the sources,
 * or a bundle of dist/ (`dist/server/`, `dist/vpp/sim/`) that holds this module.
 */
function projectRoot(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return dirname(start);
  }
}

export const PROJECT_ROOT = projectRoot();
/** the bundles of the processes (`make build`), each at its source's path */
export const DIST_DIR = join(PROJECT_ROOT, 'dist');
export const DEFAULT_PROTO_DIR = join(PROJECT_ROOT, 'proto');
/** the product's own protos (vpprpc.Batch, vpprpc.Stats…), written by hand; `make generate` copies them into proto/ */
export const OWN_PROTO_DIR = join(PROJECT_ROOT, 'api');
export const DEFAULT_OPENAPI_DIR = join(PROJECT_ROOT, 'openapi');
