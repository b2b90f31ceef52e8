/**
 * proto/: one file per VPP module, the options schema, the product's own
 * protos (copied from api/, where they are written by hand), and the Google
 * files they import (HTTP annotations; google.rpc.Status for vpprpc/batch.proto).
 * google/protobuf/* ship with every protobuf toolchain. proto/ is the whole
 * contract in one tree: clients compile it with a single include path.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { googleProtoRoot } from '../../lib/google-protos.ts';
import { protoFiles } from '../../lib/protobuf/load-root.ts';
import type { ApiModel } from '../../vpp/api/model.ts';
import { emitModule, OPTIONS_FILE } from './emit-proto.ts';
import { emitErrors, ERRORS_FILE, type VppErrorEntry } from './errors.ts';
import { protoNames } from './naming.ts';

const here = dirname(fileURLToPath(import.meta.url));
const GOOGLE_FILES = ['google/api/annotations.proto', 'google/api/http.proto', 'google/rpc/status.proto'];

/** The first line of each copy of an own proto: where to edit it. */
export const copiedFrom = (path: string): string =>
  `// Copied from api/${path} by \`make generate\`: edit that file, not this copy.\n`;

/** The own protos below `ownDir`, keyed by their path (`vpprpc/batch.proto`). */
export function ownProtos(ownDir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of protoFiles(ownDir)) out.set(relative(ownDir, file), readFileSync(file, 'utf8'));
  return out;
}

/**
 * Every file of proto/, keyed by its path below proto/. The error table is
 * either given, or the text of the errors.proto already in place; `ownDir`
 * holds the product's own protos (api/).
 */
export function generateProtos(
  model: ApiModel,
  errors: VppErrorEntry[] | string,
  ownDir: string,
): Map<string, string> {
  const names = protoNames(model);
  const files = new Map<string, string>();
  files.set(OPTIONS_FILE, readFileSync(join(here, 'vpprpc-options.proto'), 'utf8'));
  files.set(ERRORS_FILE, typeof errors === 'string' ? errors : emitErrors(errors));
  for (const f of GOOGLE_FILES) files.set(f, readFileSync(join(googleProtoRoot(), f), 'utf8'));
  for (const mod of model.modules) files.set(names.fileOf(mod.name), emitModule(model, names, mod));
  for (const [path, text] of ownProtos(ownDir)) {
    if (files.has(path)) throw new Error(`api/${path} would overwrite a generated file of proto/`);
    files.set(path, copiedFrom(path) + text);
  }
  return files;
}
