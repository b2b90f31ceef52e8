/** Where the google-proto-files package keeps Google's .proto files (descriptor.proto and friends). */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

export function googleProtoRoot(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('google-proto-files/package.json'));
}
