/**
 * gRPC server reflection (v1 and v1alpha) for every service, so generic tools
 * can list and call methods. The descriptors come from the already parsed
 * protos: one file per VPP module, named as in proto/, with its dependencies.
 * They, the reflection service's index of them, and the library itself (a
 * proto loader that parses reflection's protos) are loaded at the first
 * reflection call: most servers never get one.
 */
import { createRequire } from 'node:module';
import type * as grpc from '@grpc/grpc-js';
import type { PackageDefinition } from '@grpc/proto-loader';
import type { ReflectionService } from '@grpc/reflection';
import type protobuf from 'protobufjs';

const require = createRequire(import.meta.url);
/** reflection's two versions, each one bidirectional method */
const SERVICES = ['grpc.reflection.v1.ServerReflection', 'grpc.reflection.v1alpha.ServerReflection'];
const METHOD = 'ServerReflectionInfo';

interface FileProto {
  name: string;
  package?: string;
  dependency: string[];
  messageType?: { name: string; field?: { typeName?: string }[]; nestedType?: unknown[] }[];
  enumType?: unknown[];
  service?: { method?: { inputType?: string; outputType?: string }[] }[];
}

/** `vpp.interface` → `vpp/interface.proto`; Empty gets its well-known file name. */
function fileNameOf(pkg: string): string {
  if (pkg === 'google.protobuf') return 'google/protobuf/empty.proto';
  return `${pkg.replace(/\./g, '/')}.proto`;
}

/**
 * protobufjs names types relative to the file's package (`fib_types.FibPath`
 * in vpp.ip); make every reference absolute and return the packages referred to.
 */
function absolutize(file: FileProto, known: Set<string>): Set<string> {
  const refs = new Set<string>();
  const scopes = (file.package ?? '').split('.');
  const resolve = (type: string | undefined): string | undefined => {
    if (!type) return type;
    let full: string | undefined;
    if (type.startsWith('.')) full = type.slice(1);
    else
      for (let i = scopes.length; i >= 0 && !full; i--) {
        const candidate = [...scopes.slice(0, i), type].join('.');
        if (known.has(candidate)) full = candidate;
      }
    if (!full) return type;
    refs.add(full.split('.').slice(0, -1).join('.'));
    return `.${full}`;
  };
  for (const m of file.messageType ?? []) for (const f of m.field ?? []) f.typeName = resolve(f.typeName);
  for (const s of file.service ?? [])
    for (const m of s.method ?? []) {
      m.inputType = resolve(m.inputType);
      m.outputType = resolve(m.outputType);
    }
  refs.delete(file.package ?? '');
  return refs;
}

/** FileDescriptorProtos, encoded, of every vpp.* package and google.protobuf.Empty. */
export function descriptorFiles(root: protobuf.Root): Buffer[] {
  const set = (root as unknown as { toDescriptor(syntax: string): { file: FileProto[] } }).toDescriptor('proto3');
  const files = set.file.filter(
    (f) => f.package?.startsWith('vpp.') || f.package === 'vpprpc' || f.package === 'google.protobuf',
  );
  const known = new Set<string>();
  for (const f of set.file) {
    for (const m of f.messageType ?? []) known.add(`${f.package}.${m.name}`);
    for (const e of (f.enumType ?? []) as { name: string }[]) known.add(`${f.package}.${e.name}`);
  }
  for (const f of files) {
    if (f.package === 'google.protobuf') {
      // only Empty is used by the services; the rest of the package is descriptor.proto's
      f.messageType = (f.messageType ?? []).filter((m) => m.name === 'Empty');
      f.enumType = [];
    }
    // vpprpc holds the product's own services (Stats) beside the options' definitions: the
    // extensions of descriptor.proto are for vpp-rpc itself, not for clients
    if (f.package === 'vpprpc') delete (f as { extension?: unknown }).extension;
    f.name = fileNameOf(f.package!);
    f.dependency = [...absolutize(f, known)]
      .filter((p) => p.startsWith('vpp.') || p === 'vpprpc' || p === 'google.protobuf')
      .map(fileNameOf)
      .sort();
  }
  const { FileDescriptorProto } = require('protobufjs/ext/descriptor/index.js') as {
    FileDescriptorProto: protobuf.Type;
  };
  return files.map((f) => Buffer.from(FileDescriptorProto.encode(f as unknown as protobuf.Message).finish()));
}

type Added = { definition: grpc.ServiceDefinition; implementation: grpc.UntypedServiceImplementation }[];

/** The services a ReflectionService adds to a server, through its public addToServer. */
function servicesOf(reflection: ReflectionService): Added {
  const added: Added = [];
  const collector = {
    addService: (definition: grpc.ServiceDefinition, implementation: grpc.UntypedServiceImplementation) =>
      added.push({ definition, implementation }),
  };
  reflection.addToServer(collector as unknown as grpc.Server);
  return added;
}

/** `root`: the protos parsed whole, or how to parse them (at the first reflection call). */
export function addReflection(
  server: grpc.Server,
  root: protobuf.Root | (() => protobuf.Root),
  services: string[],
): void {
  let byPath: Map<string, { definition: grpc.MethodDefinition<unknown, unknown>; handler: unknown }> | undefined;
  const real = (path: string): { definition: grpc.MethodDefinition<unknown, unknown>; handler: unknown } => {
    if (!byPath) {
      // the reflection service indexes every entry's fileDescriptorProtos: give them once
      require('protobufjs/ext/descriptor/index.js');
      const files = descriptorFiles(typeof root === 'function' ? root() : root);
      const pkg = { files: { fileDescriptorProtos: files } } as unknown as PackageDefinition;
      const { ReflectionService: Reflection } = require('@grpc/reflection') as {
        ReflectionService: typeof ReflectionService;
      };
      byPath = new Map();
      for (const { definition, implementation } of servicesOf(new Reflection(pkg, { services })))
        for (const [name, m] of Object.entries(definition))
          byPath.set(m.path, {
            definition: m as grpc.MethodDefinition<unknown, unknown>,
            handler: implementation[name],
          });
    }
    return byPath.get(path)!;
  };
  // the methods as the library defines them, each part handing over to the library's own at the first call
  for (const service of SERVICES) {
    const path = `/${service}/${METHOD}`;
    const definition: grpc.MethodDefinition<unknown, unknown> = {
      path,
      requestStream: true,
      responseStream: true,
      requestSerialize: (v) => real(path).definition.requestSerialize(v),
      requestDeserialize: (b) => real(path).definition.requestDeserialize(b),
      responseSerialize: (v) => real(path).definition.responseSerialize(v),
      responseDeserialize: (b) => real(path).definition.responseDeserialize(b),
      originalName: 'serverReflectionInfo',
    };
    server.addService(
      { [METHOD]: definition },
      {
        [METHOD]: (call: unknown) => (real(path).handler as (c: unknown) => void)(call),
      },
    );
  }
}
