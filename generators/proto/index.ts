/**
 * proto/: one file per VPP module, the options schema, and the Google files
 * they and the hand-written protos import (HTTP annotations; google.rpc.Status
 * for vpprpc/batch.proto). google/protobuf/* ship with every protobuf toolchain.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { googleProtoRoot } from '../../lib/google-protos.ts';
import type { ApiModel } from '../../vpp/api/model.ts';
import { emitModule, OPTIONS_FILE } from './emit-proto.ts';
import { emitErrors, ERRORS_FILE, type VppErrorEntry } from './errors.ts';
import { protoNames } from './naming.ts';

const here = dirname(fileURLToPath(import.meta.url));
const GOOGLE_FILES = ['google/api/annotations.proto', 'google/api/http.proto', 'google/rpc/status.proto'];

/**
 * Every file of proto/, keyed by its path below proto/. The error table is
 * either given, or the text of the errors.proto already in place.
 */
export function generateProtos(model: ApiModel, errors: VppErrorEntry[] | string): Map<string, string> {
  const names = protoNames(model);
  const files = new Map<string, string>();
  files.set(OPTIONS_FILE, readFileSync(join(here, 'vpprpc-options.proto'), 'utf8'));
  files.set(ERRORS_FILE, typeof errors === 'string' ? errors : emitErrors(errors));
  for (const f of GOOGLE_FILES) files.set(f, readFileSync(join(googleProtoRoot(), f), 'utf8'));
  for (const mod of model.modules) files.set(names.fileOf(mod.name), emitModule(model, names, mod));
  return files;
}
