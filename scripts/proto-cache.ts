/**
 * `make build` (npm run build): caches what the processes start from, so
 * that they need not parse every proto at each start: the services of proto/
 * (lib/protobuf/proto-index.ts), the VPP model and its error table
 * (vpp/api/load-proto.ts), each under the hash of the protos it was made
 * from.
 */
import { DEFAULT_PROTO_DIR } from '../lib/project.ts';
import { PROTO_CACHE_DIR } from '../lib/protobuf/proto-index.ts';
import { writeProtoCaches } from '../vpp/api/load-proto.ts';

const dir = process.argv[2] ?? DEFAULT_PROTO_DIR;
writeProtoCaches(dir);
console.log(`cached the services, the model and the error table of ${dir} in ${PROTO_CACHE_DIR}`);
