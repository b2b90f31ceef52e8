/**
 * Protobuf for vpp-rpc's two processes, with no VPP knowledge: proto3 binary
 * and JSON codecs compiled from protobufjs types (protobufjs is the schema
 * only), and the loader of a resolved Root. Values are plain JS (values.ts).
 */
export { compileBinary, type BinaryCodec } from './binary.ts';
export { compileJson, type JsonCodec } from './json.ts';
export { lazyBinary, lazyJson } from './lazy.ts';
export { loadServiceRoot } from './load-root.ts';
export {
  indexedOption,
  loadServices,
  protoDirHash,
  ProtoTypes,
  servicesOf,
  type IndexedMethod,
  type IndexedService,
  type ProtoServices,
} from './proto-index.ts';
export { optionOf, serviceMethods, type ServiceMethod } from './services.ts';
export { JsonError, ProtoError, type JsonErrorKind, type ProtoErrorKind } from './errors.ts';
export { MAX_DEPTH } from './wire-reader.ts';
export { MAX_JSON_DEPTH } from './json-input.ts';
export type { Value } from './values.ts';
