/** Promise and async-iterable forms of grpc-js client methods, for code that awaits. */
import type { ClientReadableStream, ServiceError } from '@grpc/grpc-js';

type Unary<Req, Res> = (req: Req, callback: (err: ServiceError | null, res: Res) => void) => unknown;

export const promisify = {
  /** `await promisify.unary(client.showVersion.bind(client), {})` */
  unary<Req, Res>(method: Unary<Req, Res>, req: Req): Promise<Res> {
    return new Promise((resolve, reject) => method(req, (err, res) => (err ? reject(err) : resolve(res))));
  },
  /** collect a server stream (a dump) into an array */
  async all<Res>(stream: ClientReadableStream<Res>): Promise<Res[]> {
    const out: Res[] = [];
    for await (const item of stream) out.push(item as Res);
    return out;
  },
};
