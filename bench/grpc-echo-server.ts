/**
 * A grpc-js server with one unary method that answers every call with the
 * same message at once: the server side of bench/grpc-client.ts, in a process
 * of its own so that its CPU is not counted against the clients.
 */
import { Server, ServerCredentials, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { announceReady, createLogger } from '../lib/log.ts';

const ECHO_PATH = '/bench.Echo/Unary';
/** about the size of a show_version reply */
const REPLY = Buffer.alloc(64, 1);

const same = (b: Buffer): Buffer => b;
const definition: ServiceDefinition = {
  unary: {
    path: ECHO_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: same,
    requestDeserialize: same,
    responseSerialize: same,
    responseDeserialize: same,
  },
};
const implementation: UntypedServiceImplementation = {
  unary: (_call: unknown, callback: (err: null, reply: Buffer) => void) => callback(null, REPLY),
};

const server = new Server();
server.addService(definition, implementation);
const port = await new Promise<number>((resolve, reject) =>
  server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
);
announceReady(createLogger('echo', 'warn'), { grpc: `127.0.0.1:${port}`, path: ECHO_PATH }, 'echo listening');
