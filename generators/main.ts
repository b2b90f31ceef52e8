/**
 * npm run generate -- --api-dir DIR [--check]
 *
 * Reads VPP's `.api.json` files and the product's own protos (api/) and writes
 * the project's contract: proto/ and openapi/. With --check, writes nothing and
 * fails when the committed files differ.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { ApiLoadError, loadApiDir } from '../vpp/api/load-json.ts';
import { generateOpenapi } from './openapi/index.ts';
import { loadOwnServices } from './openapi/own-services.ts';
import { generateProtos, ownProtos } from './proto/index.ts';
import { checkTree, writeTree } from './tree.ts';
import { ERRORS_FILE, readErrorTable, type VppErrorEntry } from './proto/errors.ts';
import { OWN_PROTO_DIR } from '../lib/project.ts';

/** The error table from --errors, or the one already generated into proto/. */
function errorTable(file: string | undefined, out: string): VppErrorEntry[] | string {
  if (file) return readErrorTable(file);
  const existing = join(out, 'proto', ERRORS_FILE);
  if (!existsSync(existing)) throw new Error(`no ${existing} yet: pass --errors with VPP's error table`);
  return readFileSync(existing, 'utf8');
}

/** The product's version, which the OpenAPI document carries. */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

const program = new Command()
  .name('generate')
  .description("Generate proto/ and openapi/ from VPP's .api.json files")
  .option('--api-dir <dir>', 'folder of VPP .api.json files (core/ and plugins/)', '/usr/share/vpp/api')
  .option('--out <dir>', 'project folder that receives proto/ and openapi/', '.')
  .option('--errors <file>', "VPP's error table as JSON (default: keep proto/vpprpc/errors.proto)")
  .option('--check', 'compare with the files on disk instead of writing; exit 1 when stale')
  .parse();

const opts = program.opts<{ apiDir: string; out: string; errors?: string; check?: boolean }>();

try {
  const model = loadApiDir(opts.apiDir);
  let stale = 0;
  const emit = (dir: string, files: Map<string, string>): void => {
    if (opts.check) stale += checkTree(join(opts.out, dir), files);
    else writeTree(join(opts.out, dir), files);
  };
  // proto/ first: the OpenAPI document reads the own services from their copies there
  emit('proto', generateProtos(model, errorTable(opts.errors, opts.out), OWN_PROTO_DIR));
  const own = loadOwnServices(join(opts.out, 'proto'), ownProtos(OWN_PROTO_DIR));
  emit('openapi', generateOpenapi(model, packageVersion(), own));
  const rpcs = model.modules.reduce((n, m) => n + m.services.length, 0);
  const counts = `${model.modules.length} modules, ${model.messages.size} messages, ${model.types.size} types, ${rpcs} RPCs`;
  if (opts.check && stale > 0) {
    console.error(`generated files are stale (${stale} differ): run \`make generate\` and commit the result`);
    process.exit(1);
  }
  console.log(opts.check ? `generated files are up to date (${counts})` : `generated ${counts} from ${opts.apiDir}`);
} catch (e) {
  if (e instanceof ApiLoadError) {
    console.error(e.message);
    process.exit(2);
  }
  throw e;
}
