/**
 * npm run generate -- --api-dir DIR [--check]
 *
 * Reads VPP's `.api.json` files and writes the project's contract: proto/ and
 * openapi/. With --check, writes nothing and fails when the committed files differ.
 */
import { Command } from 'commander';
import { ApiLoadError, loadApiDir } from '../vpp/api/load-json.ts';
import { generateProtos } from './proto/index.ts';
import { checkTree, writeTree } from './tree.ts';

const program = new Command()
  .name('generate')
  .description("Generate proto/ and openapi/ from VPP's .api.json files")
  .option('--api-dir <dir>', 'folder of VPP .api.json files (core/ and plugins/)', '/usr/share/vpp/api')
  .option('--out <dir>', 'project folder that receives proto/ and openapi/', '.')
  .option('--check', 'compare with the files on disk instead of writing; exit 1 when stale')
  .parse();

const opts = program.opts<{ apiDir: string; out: string; check?: boolean }>();

try {
  const model = loadApiDir(opts.apiDir);
  const trees = { proto: generateProtos(model) };
  let stale = 0;
  for (const [dir, files] of Object.entries(trees)) {
    if (opts.check) stale += checkTree(`${opts.out}/${dir}`, files);
    else writeTree(`${opts.out}/${dir}`, files);
  }
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
