/**
 * The typed TypeScript client of vpp-rpc's gRPC API, generated with ts-proto
 * (`npm run generate:client`). One client class per VPP module, e.g.
 *
 *   import { credentials } from '@grpc/grpc-js';
 *   import { VpeClient } from './generated/vpp/vpe.js';
 *   const vpe = new VpeClient('localhost:9111', credentials.createInsecure());
 *   vpe.showVersion({}, (err, reply) => console.log(reply.version));
 *
 * This file re-exports the core modules; import others from generated/vpp/<module>.js.
 */
export * as vpe from './generated/vpp/vpe.js';
export * as vlib from './generated/vpp/vlib.js';
export * as memclnt from './generated/vpp/memclnt.js';
export * as iface from './generated/vpp/interface.js';
export * as ip from './generated/vpp/ip.js';
export { promisify } from './promisify.ts';
