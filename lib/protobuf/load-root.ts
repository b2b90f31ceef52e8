/**
 * loadServiceRoot: every `.proto` under a directory in one resolved
 * protobufjs Root, for the server and the gateway alike.
 *
 * What makes the Root resolve:
 * - imports are looked up in the directory first, then among the files
 *   protobufjs ships (`google/protobuf/descriptor.proto`, which the custom
 *   options' `extend` blocks need);
 * - protobufjs serves its bundled well-known types (`google/protobuf/empty.proto`
 *   and the others of `protobuf.common`) without reading a file;
 * - custom options such as `(google.api.http)` and `(vpprpc.type)` stay in
 *   each object's `parsedOptions` whether or not their extensions resolve;
 *   loading the extensions only keeps `resolveAll()` from failing on them.
 * Field names keep their proto spelling (keepCase), as the codecs expect.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import protobuf from 'protobufjs';

const LOAD_OPTIONS = { keepCase: true, alternateCommentMode: true };
const protobufjsDir = dirname(createRequire(import.meta.url).resolve('protobufjs/package.json'));

/** Every `.proto` file below `dir`, in a stable order. */
export function protoFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...protoFiles(path));
    else if (name.endsWith('.proto')) out.push(path);
  }
  return out;
}

/**
 * Parses every `.proto` file below `protoDir` (or only `files`, paths relative
 * to it, with what they import) into one Root and resolves it. Given a root
 * this function made before (`into`), adds the files to it: a file already
 * there is not parsed again.
 */
export function loadServiceRoot(protoDir: string, files?: string[], into?: protobuf.Root): protobuf.Root {
  const dir = resolve(protoDir);
  if (!existsSync(dir)) throw new Error(`no proto directory ${dir}`);
  if (into) return into.loadSync(files ?? protoFiles(dir).map((f) => relative(dir, f)), LOAD_OPTIONS);
  const root = new protobuf.Root();
  root.resolvePath = (_origin: string, target: string): string => {
    if (isAbsolute(target)) return target;
    const own = join(dir, target);
    if (existsSync(own)) return own;
    const shipped = join(protobufjsDir, target);
    return existsSync(shipped) ? shipped : own;
  };
  const entries = files ?? protoFiles(dir).map((f) => relative(dir, f));
  // loadSync also resolves every type, so a missing import or type fails here
  return root.loadSync(entries, LOAD_OPTIONS);
}
