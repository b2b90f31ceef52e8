/**
 * What a process needs of the protos to start: every service and method, by
 * name, with its types' names, the file that declares it and its options;
 * and the types themselves, parsed per file on first use. Parsing all of
 * proto/ (2,000 messages) and resolving it costs seconds and tens of MiB; a
 * process that starts from the index parses only the files of the RPCs called.
 *
 * The index of a proto directory is cached as JSON by `make build`
 * (scripts/build.ts), under the hash of the directory's files: a cache
 * that does not match the protos in use is never read.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type protobuf from 'protobufjs';
import { DIST_DIR } from '../project.ts';
import { loadServiceRoot, protoFiles } from './load-root.ts';
import { serviceMethods } from './services.ts';

export interface IndexedMethod {
  /** `ShowVersion` */
  name: string;
  /** full names, without the leading dot: `vpp.vpe.ShowVersion` */
  requestType: string;
  responseType: string;
  responseStream: boolean;
  /** the method's options as protobufjs parses them (parsedOptions): `{ '(google.api.http)': { post: … } }` */
  options: Record<string, unknown>[];
}

export interface IndexedService {
  /** `vpp.vpe.Vpe` */
  name: string;
  /** the declaring file, relative to the proto directory */
  file: string;
  methods: IndexedMethod[];
}

/** A digest of every `.proto` below `dir`: names and contents. */
export function protoDirHash(dir: string): string {
  const hash = createHash('sha256');
  const root = resolve(dir);
  for (const path of protoFiles(root)) {
    hash.update(relative(root, path)).update('\0');
    hash.update(readFileSync(path)).update('\0');
  }
  return hash.digest('hex');
}

const fullName = (obj: protobuf.ReflectionObject): string => obj.fullName.replace(/^\./, '');

/** The index of a parsed root's services (what the cache holds). */
export function indexServices(root: protobuf.Root, dir: string): IndexedService[] {
  const byName = new Map<string, IndexedService>();
  for (const { service, method } of serviceMethods(root)) {
    let s = byName.get(service);
    if (!s) {
      const file = method.parent?.filename ?? '';
      s = { name: service, file: file && relative(resolve(dir), file), methods: [] };
      byName.set(service, s);
    }
    s.methods.push({
      name: method.name,
      requestType: fullName(method.resolvedRequestType!),
      responseType: fullName(method.resolvedResponseType!),
      responseStream: Boolean(method.responseStream),
      options: (method.parsedOptions ?? []) as Record<string, unknown>[],
    });
  }
  return [...byName.values()];
}

/** The value of a custom option in an indexed method's options (as optionOf reads a parsed one). */
export function indexedOption<T = Record<string, unknown>>(m: IndexedMethod, name: string): T | undefined {
  for (const o of m.options) if (o[name] !== undefined) return o[name] as T;
  return undefined;
}

/**
 * The types of a proto directory, each file parsed (with what it imports)
 * when a type of it is first asked for; all of them at once for reflection.
 */
export class ProtoTypes {
  private root: protobuf.Root | undefined;
  private readonly loaded = new Set<string>();
  private complete = false;

  /** `parsed`: a root of the whole directory already parsed, when the process has one */
  constructor(
    readonly dir: string,
    parsed?: protobuf.Root,
  ) {
    if (parsed) {
      this.root = parsed;
      this.complete = true;
    }
  }

  /** The message type `name` (`vpp.vpe.ShowVersion`), declared in `file` (relative to the directory). */
  type(file: string, name: string): protobuf.Type {
    if (!this.complete && !this.loaded.has(file)) {
      this.root = loadServiceRoot(this.dir, [file], this.root);
      this.loaded.add(file);
    }
    return this.root!.lookupType(name);
  }

  /** Every file of the directory, parsed and resolved in one root. */
  all(): protobuf.Root {
    if (!this.complete) {
      this.root = loadServiceRoot(this.dir, undefined, this.root);
      this.complete = true;
    }
    return this.root!;
  }
}

interface CacheFile<T> {
  hash: string;
  value: T;
}

/** The cached value in `file` when it was made from protos equal to those of `dir` (hash given or computed). */
export function readCache<T>(file: string, hash: string): T | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const cached = JSON.parse(readFileSync(file, 'utf8')) as CacheFile<T>;
    return cached.hash === hash ? cached.value : undefined;
  } catch {
    return undefined; // a torn or foreign file: the protos are parsed instead
  }
}

export function cacheText<T>(hash: string, value: T): string {
  return JSON.stringify({ hash, value } satisfies CacheFile<T>);
}

/** Where `make build` writes the caches of proto/ (scripts/build.ts). */
export const PROTO_CACHE_DIR = join(DIST_DIR, 'proto-cache');
export const servicesCache = (cacheDir: string): string => join(cacheDir, 'services.json');

export interface ProtoServices {
  services: IndexedService[];
  types: ProtoTypes;
}

export interface LoadOptions {
  /** the directory's protoDirHash, when the caller has it */
  hash?: string;
  /** the directory parsed whole, when the caller has it: no cache is read */
  parsed?: protobuf.Root;
  cacheDir?: string;
}

/**
 * The services of `dir` from the cache when it matches, else from parsing
 * every file, whose root then serves the types too.
 */
export function loadServices(dir: string, opts: LoadOptions = {}): ProtoServices {
  const cacheDir = opts.cacheDir ?? PROTO_CACHE_DIR;
  const cached = opts.parsed
    ? undefined
    : readCache<IndexedService[]>(servicesCache(cacheDir), opts.hash ?? protoDirHash(dir));
  if (cached) return { services: cached, types: new ProtoTypes(dir) };
  return servicesOf(opts.parsed ?? loadServiceRoot(dir), dir);
}

/** The services of a root already parsed whole (`dir`: where its files are). */
export function servicesOf(root: protobuf.Root, dir = '.'): ProtoServices {
  return { services: indexServices(root, dir), types: new ProtoTypes(dir, root) };
}
