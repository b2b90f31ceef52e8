/**
 * vpp-rpc over gRPC from TypeScript with the generated ts-proto client
 * (`make client-ts`): VPP's version, a loopback, and the interfaces.
 *
 *   npx tsx examples/typescript/show-version.ts [localhost:9111]
 */
import { credentials } from '@grpc/grpc-js';
import { promisify } from '../../clients/typescript/promisify.ts';
import { InterfaceClient } from '../../clients/typescript/generated/vpp/interface.js';
import { VpeClient } from '../../clients/typescript/generated/vpp/vpe.js';

const target = process.argv[2] ?? 'localhost:9111';
const vpe = new VpeClient(target, credentials.createInsecure());
const itf = new InterfaceClient(target, credentials.createInsecure());

const version = await promisify.unary(vpe.showVersion.bind(vpe), {});
console.log(`${version.program} ${version.version} built ${version.build_date}`);

const loop = await promisify.unary(itf.createLoopback.bind(itf), { mac_address: '02:fe:00:00:00:43' });
console.log(`created sw_if_index ${loop.sw_if_index}`);

for (const i of await promisify.all(itf.swInterfaceDump({ name_filter_valid: false, name_filter: '' })))
  console.log(`${String(i.sw_if_index).padStart(4)} ${i.interface_name.padEnd(20)} ${i.l2_address}`);

vpe.close();
itf.close();
