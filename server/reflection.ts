/**
 * gRPC server reflection (v1 and v1alpha) for every service, so generic tools
 * can list and call methods. The descriptors come from the already parsed
 * protos: one file per VPP module, named as in proto/, with its dependencies.
 */
import type * as grpc from '@grpc/grpc-js';
import type { PackageDefinition } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import type protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';

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

/** The packages a file's types and methods refer to. */
function referencedPackages(file: FileProto): Set<string> {
  const refs = new Set<string>();
  const add = (type: string | undefined): void => {
    if (!type) return;
    const parts = type.replace(/^\./, '').split('.');
    refs.add(parts.slice(0, -1).join('.'));
  };
  for (const m of file.messageType ?? []) for (const f of m.field ?? []) add(f.typeName);
  for (const s of file.service ?? [])
    for (const m of s.method ?? []) {
      add(m.inputType);
      add(m.outputType);
    }
  refs.delete(file.package ?? '');
  return refs;
}

/** FileDescriptorProtos, encoded, of every vpp.* package and google.protobuf.Empty. */
export function descriptorFiles(root: protobuf.Root): Buffer[] {
  const set = (root as unknown as { toDescriptor(syntax: string): { file: FileProto[] } }).toDescriptor('proto3');
  const files = set.file.filter((f) => f.package?.startsWith('vpp.') || f.package === 'google.protobuf');
  for (const f of files) {
    if (f.package === 'google.protobuf') {
      // only Empty is used by the services; the rest of the package is descriptor.proto's
      f.messageType = (f.messageType ?? []).filter((m) => m.name === 'Empty');
      f.enumType = [];
    }
    f.name = fileNameOf(f.package!);
    f.dependency = [...referencedPackages(f)]
      .filter((p) => p.startsWith('vpp.') || p === 'google.protobuf')
      .map(fileNameOf)
      .sort();
  }
  const FileDescriptorProto = (descriptor as unknown as { FileDescriptorProto: protobuf.Type }).FileDescriptorProto;
  return files.map((f) => Buffer.from(FileDescriptorProto.encode(f as unknown as protobuf.Message).finish()));
}

export function addReflection(server: grpc.Server, root: protobuf.Root, services: string[]): void {
  // the reflection service indexes every entry's fileDescriptorProtos: give them once
  const pkg = { files: { fileDescriptorProtos: descriptorFiles(root) } } as unknown as PackageDefinition;
  new ReflectionService(pkg, { services }).addToServer(server);
}
