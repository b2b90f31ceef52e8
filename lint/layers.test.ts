import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';
import { PROJECT_ROOT } from '../lib/project.ts';

/** The project's own ESLint configuration, as `npx eslint .` runs it. */
const eslint = new ESLint({ cwd: PROJECT_ROOT });

/** The dependency-rule messages ESLint gives `code` as if it were the file at `path`. */
async function layerErrors(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\n`, { filePath: join(PROJECT_ROOT, path) });
  return result!.messages.filter((m) => m.ruleId === 'vpp-rpc/layers').map((m) => m.message);
}

async function refused(path: string, code: string): Promise<string> {
  const errors = await layerErrors(path, code);
  assert.equal(errors.length, 1, `${path}: ${code} should be refused once, got ${JSON.stringify(errors)}`);
  assert.equal((await eslint.calculateConfigForFile(join(PROJECT_ROOT, path))).rules['vpp-rpc/layers'][0], 2);
  return errors[0]!;
}

async function accepted(path: string, code: string): Promise<void> {
  assert.deepEqual(await layerErrors(path, code), [], `${path}: ${code}`);
}

describe('the dependency rule in eslint.config.js', () => {
  it('refuses the gateway an import of vpp/, naming both sides and what the gateway may import', async () => {
    const message = await refused('gateway/x.ts', "import { VppClient } from '../vpp/client/index.ts';");
    assert.match(
      message,
      /^gateway\/x\.ts may not import vpp\/client\/index\.ts: gateway\/ imports only gateway\/, lib\//,
    );
  });

  it('refuses every spelling of an import: type-only, re-export, export *, dynamic', async () => {
    await refused('gateway/grpc/x.ts', "import type { ApiModel } from '../../vpp/api/model.ts';");
    await refused('gateway/x.ts', "export { VppClient } from '../vpp/client/index.ts';");
    await refused('gateway/x.ts', "export * from '../vpp/client/index.ts';");
    await refused('gateway/x.ts', "await import('../vpp/client/index.ts');");
  });

  it('lets nothing outside import the server or the gateway', async () => {
    await refused('cli/x.ts', "import { toStatus } from '../server/status.ts';");
    await refused('server/x.ts', "import { httpStatusOf } from '../gateway/http-status.ts';");
    await refused('lib/grpc/x.ts', "import { httpStatusOf } from '../../gateway/http-status.ts';");
    await refused('vpp/sim/x.ts', "import { toStatus } from '../../server/status.ts';");
  });

  it('keeps lib free of the project and the layers of vpp in order', async () => {
    await refused('lib/x.ts', "import type { ApiModel } from '../vpp/api/model.ts';");
    await refused('vpp/codec/x.ts', "import { VppClient } from '../client/index.ts';");
    await refused('vpp/api/x.ts', "import { createCodec } from '../codec/index.ts';");
    await refused('generators/proto/x.ts', "import { createCodec } from '../../vpp/codec/index.ts';");
    await refused('examples/typescript/x.ts', "import { status } from '../../lib/grpc/status.ts';");
  });

  it('resolves an import against its file: a sibling folder of the same layer is the same layer', async () => {
    await accepted('gateway/grpc/x.ts', "import { httpStatusOf } from '../http-status.ts';");
    await accepted('gateway/security/x.ts', "import { batchRoutes } from '../batch/routes.ts';");
    await accepted('server/stats/x.ts', "import { VppClient } from '../../vpp/client/index.ts';");
    await accepted('vpp/sim/x.ts', "import { createCodec } from '../codec/index.ts';");
    await accepted('cli/x.ts', "import { status } from '../lib/grpc/status.ts';");
  });

  it('lets a test beside the code use test/ and its whole top folder, and test/ and bench/ import anything', async () => {
    await refused('lib/protobuf/x.ts', "import { PROTO_DIR } from '../../test/support/paths.ts';");
    await accepted('lib/protobuf/x.test.ts', "import { PROTO_DIR } from '../../test/support/paths.ts';");
    await refused('vpp/stats/x.ts', "import { Simulator } from '../sim/simulator.ts';");
    await accepted('vpp/stats/x.test.ts', "import { Simulator } from '../sim/simulator.ts';");
    await refused('vpp/stats/x.test.ts', "import { toStatus } from '../../server/status.ts';");
    await accepted('test/x.test.ts', "import { toStatus } from '../server/status.ts';");
    await accepted('bench/x.ts', "import { GrpcClient } from '../gateway/grpc/client.ts';");
  });
});
