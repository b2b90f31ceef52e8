#!/usr/bin/env node
/**
 * Builds the statseg addon with node-gyp at `npm install`, offline: the Node
 * headers come from the machine (npm_config_nodedir, or the include/node
 * folder beside this node), never from the internet. A failed build is a
 * warning, not a failed install: without the addon the stats calls answer
 * UNAVAILABLE and say why, and everything else works.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const candidates = [process.env.npm_config_nodedir, dirname(dirname(process.execPath)), '/usr', '/usr/local'];
const nodedir = candidates.find((d) => d && existsSync(join(d, 'include', 'node', 'node_api.h')));
if (!nodedir) {
  console.warn(
    'statseg: no Node headers (include/node/node_api.h) on this machine; stats calls will answer UNAVAILABLE',
  );
  process.exit(0);
}
// npm puts its own node-gyp on PATH for scripts; otherwise the one shipped inside npm
const npmGyp = join(
  dirname(dirname(process.execPath)),
  'lib',
  'node_modules',
  'npm',
  'node_modules',
  'node-gyp',
  'bin',
  'node-gyp.js',
);
const [cmd, args] = existsSync(npmGyp) ? [process.execPath, [npmGyp]] : ['node-gyp', []];
const r = spawnSync(cmd, [...args, 'rebuild', `--nodedir=${nodedir}`, '--directory', here], {
  stdio: 'inherit',
  env: { ...process.env, npm_config_nodedir: nodedir },
});
if (r.status !== 0) {
  console.warn(
    `statseg: the addon did not build (${r.error?.message ?? `exit ${r.status}`}); stats calls will answer UNAVAILABLE`,
  );
}
