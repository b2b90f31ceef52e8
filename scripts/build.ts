/**
 * `make build` (npm run build): each process's entry point bundled with what it imports, one
 * JavaScript file per process in dist/, at the path its source has (`server/main.ts` →
 * `dist/server/main.js`); then the caches of proto/ that the processes start from (lib/protobuf/proto-index.ts).
 *
 * Why bundles: the suite and `make run` start processes all the time, and a process that loads
 * some 300 modules one by one spends most of its start resolving and compiling them. From one file
 * a server starts with 0.55 CPU-s instead of 0.74 and a gateway with 0.58 instead of 0.89 (medians
 * of 8 starts on the 2-core machines). Type checking is `make typecheck`'s job; this only translates.
 *
 * Kept out of the bundles, loaded from node_modules at run time:
 * - protobufjs: its descriptor extension (gRPC reflection) patches the protobufjs that
 *   node_modules holds, so the processes must use that one copy;
 * - swagger-ui-dist: the docs page serves its files from the package's folder;
 * - native addons (`.node`), which are loaded by path.
 */
import { build } from 'esbuild';
import { join } from 'node:path';
import { DEFAULT_PROTO_DIR, DIST_DIR, PROJECT_ROOT } from '../lib/project.ts';
import { writeProtoCaches } from '../vpp/api/load-proto.ts';

/** Every file that `node dist/….js` runs: the processes, their health checks and the CLI. */
export const ENTRY_POINTS = [
  'server/main.ts',
  'server/healthcheck.ts',
  'gateway/main.ts',
  'gateway/healthcheck.ts',
  'vpp/sim/main.ts',
  'cli/main.ts',
  'scripts/run.ts',
];

// bundled CommonJS packages call require(): an ES module has none of its own
const REQUIRE_BANNER =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

await build({
  entryPoints: ENTRY_POINTS.map((e) => join(PROJECT_ROOT, e)),
  outbase: PROJECT_ROOT,
  outdir: DIST_DIR,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  external: ['protobufjs', 'swagger-ui-dist', '*.node'],
  banner: { js: REQUIRE_BANNER },
  logLevel: 'warning',
});

writeProtoCaches(DEFAULT_PROTO_DIR);
console.log(`bundled ${ENTRY_POINTS.length} entry points into ${DIST_DIR}; cached the index of ${DEFAULT_PROTO_DIR}`);
