/**
 * The gRPC server end to end: VPP (the simulator, and a real VPP) and server
 * as separate processes, called from Debian's Python grpcio and from the
 * generated ts-proto client.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Metadata } from '@grpc/grpc-js';
import { credentials, status, type ServiceError } from '@grpc/grpc-js';
import { promisify } from '../clients/typescript/promisify.ts';
import { InterfaceClient } from '../clients/typescript/generated/vpp/interface.js';
import { IfStatusFlags } from '../clients/typescript/generated/vpp/interface_types.js';
import { IpClient } from '../clients/typescript/generated/vpp/ip.js';
import { VpeClient } from '../clients/typescript/generated/vpp/vpe.js';
import { ROOT } from './support/paths.ts';
import { pythonStubs, runPython } from './support/python.ts';
import { forEachBackend, type BackendStack } from './support/backends.ts';

interface PythonResult {
  show_version: { retval: number; program: string; version: string };
  create_loopback: { retval: number; sw_if_index: number };
  set_flags: { retval: number };
  events: { sw_if_index: number; flags: number[]; deleted: boolean; error?: string }[];
  add_address: { retval: number };
  interfaces: { sw_if_index: number; name: string; mac: string; flags: number[] }[];
  interfaces_by_index: string[];
  route_add: { retval: number; stats_index: number };
  routes: { prefix: string; paths: { sw_if_index: number; nh: string }[] }[];
  error_missing_interface: { code: string; details: string; retval: string; symbol: string };
  error_bad_prefix: { code: string; details: string };
  error_deadline: { code: string };
}

// one stack per backend for both clients: Python's calls first, then the TypeScript client's
forEachBackend('gRPC', (backend) => {
  let stack: BackendStack;
  before(async () => {
    stack = await backend.startStack({ gateway: false });
  });
  after(() => stack?.stop());

  describe('from Python grpcio', () => {
    it('makes every core call, streams a dump, receives an event and maps errors', () => {
      const r = runPython(join(ROOT, 'test/python/grpc_calls.py'), [stack.grpcTarget, pythonStubs()]) as PythonResult;
      assert.equal(r.show_version.retval, 0);
      assert.equal(r.show_version.program, 'vpe');
      assert.match(r.show_version.version, /^26\.06/);
      assert.equal(r.create_loopback.retval, 0);
      const idx = r.create_loopback.sw_if_index;
      assert.ok(idx > 0);
      assert.equal(r.set_flags.retval, 0);
      assert.deepEqual(r.events, [
        {
          sw_if_index: idx,
          flags: [IfStatusFlags.IF_STATUS_API_FLAG_ADMIN_UP, IfStatusFlags.IF_STATUS_API_FLAG_LINK_UP],
          deleted: false,
        },
      ]);
      assert.equal(r.add_address.retval, 0);
      assert.equal(r.interfaces[0]?.name, 'local0');
      const loop = r.interfaces.find((i) => i.sw_if_index === idx);
      assert.equal(loop?.mac, '02:fe:12:34:56:78');
      assert.match(loop!.name, /^loop\d+$/);
      assert.ok(loop!.flags.includes(IfStatusFlags.IF_STATUS_API_FLAG_ADMIN_UP));
      assert.deepEqual(r.interfaces_by_index, [loop!.name]);
      assert.equal(r.route_add.retval, 0);
      const route = r.routes.find((x) => x.prefix === '192.168.100.0/24');
      assert.deepEqual(route?.paths, [{ sw_if_index: idx, nh: '10.10.1.2' }]);
      assert.deepEqual(r.error_missing_interface, {
        code: 'NOT_FOUND',
        details: 'INVALID_SW_IF_INDEX: Invalid sw_if_index (retval -2)',
        retval: '-2',
        symbol: 'INVALID_SW_IF_INDEX',
      });
      assert.equal(r.error_bad_prefix.code, 'INVALID_ARGUMENT');
      assert.match(r.error_bad_prefix.details, /^prefix: /);
      assert.equal(r.error_deadline.code, 'DEADLINE_EXCEEDED');
    });
  });

  describe('from the ts-proto client', () => {
    /** the loopback this client made */
    let loopIdx = 0;
    let vpe: InstanceType<typeof VpeClient>;
    let itf: InstanceType<typeof InterfaceClient>;
    let ip: InstanceType<typeof IpClient>;
    before(() => {
      vpe = new VpeClient(stack.grpcTarget, credentials.createInsecure());
      itf = new InterfaceClient(stack.grpcTarget, credentials.createInsecure());
      ip = new IpClient(stack.grpcTarget, credentials.createInsecure());
    });
    after(async () => {
      vpe?.close();
      itf?.close();
      ip?.close();
    });

    it('calls unary RPCs', async () => {
      const v = await promisify.unary(vpe.showVersion.bind(vpe), {});
      assert.equal(v.retval, 0);
      assert.equal(v.program, 'vpe');
    });

    it('creates a loopback, sets flags and sees the event, adds an address', async () => {
      const loop = await promisify.unary(itf.createLoopback.bind(itf), { mac_address: '02:fe:aa:bb:cc:01' });
      const idx = loop.sw_if_index;
      loopIdx = idx;
      const events = itf.wantInterfaceEvents({ enable_disable: 1, pid: 0 });
      await new Promise<void>((resolve, reject) => {
        events.once('metadata', () => resolve());
        events.once('error', reject);
      });
      const first = new Promise<unknown>((resolve) => events.once('data', resolve));
      await promisify.unary(itf.swInterfaceSetFlags.bind(itf), {
        sw_if_index: idx,
        flags: [IfStatusFlags.IF_STATUS_API_FLAG_ADMIN_UP],
      });
      const ev = (await first) as { sw_if_index: number; flags: number[]; deleted: boolean };
      events.cancel();
      assert.equal(ev.sw_if_index, idx);
      assert.ok(ev.flags.includes(IfStatusFlags.IF_STATUS_API_FLAG_ADMIN_UP));
      const add = await promisify.unary(itf.swInterfaceAddDelAddress.bind(itf), {
        sw_if_index: idx,
        is_add: true,
        del_all: false,
        prefix: '10.20.0.1/24',
      });
      assert.equal(add.retval, 0);
      // on a real VPP, its own CLI agrees
      if (stack.vpp) assert.match(stack.vpp.cli('show', 'interface', 'address'), /L3 10\.20\.0\.1\/24/);
      const dump = await promisify.all(itf.swInterfaceDump({ name_filter_valid: false, name_filter: '' }));
      assert.ok(dump.some((d) => d.sw_if_index === idx && d.l2_address === '02:fe:aa:bb:cc:01'));
    });

    it('programs a route and dumps it', async () => {
      const path = {
        sw_if_index: loopIdx,
        table_id: 0,
        rpf_id: 0,
        weight: 1,
        preference: 0,
        type: 0,
        flags: [],
        proto: 0,
        nh: { address: { ip4: '10.20.0.2', ip6: '' }, via_label: 0, obj_id: 0, classify_table_index: 0 },
        n_labels: 0,
        label_stack: [],
      };
      const res = await promisify.unary(ip.ipRouteAddDel.bind(ip), {
        is_add: true,
        is_multipath: false,
        route: { table_id: 0, stats_index: 0, prefix: '172.16.0.0/16', paths: [path] },
      });
      assert.equal(res.retval, 0);
      const routes = await promisify.all(ip.ipRouteDump({ table: { table_id: 0, is_ip6: false, name: '' } }));
      const r = routes.find((x) => x.route?.prefix === '172.16.0.0/16');
      assert.equal(r?.route?.paths[0]?.nh?.address?.ip4, '10.20.0.2');
    });

    it('streams a cursor stream (stream_msg) across pages', async () => {
      if (backend.kind === 'real') {
        // VPP 26.06 gives loopbacks no tx queues and answers NO_SUCH_ENTRY: the stream ends with that error
        const err = (await promisify.all(itf.swInterfaceTxPlacementGet({ cursor: 0, sw_if_index: 4294967295 })).then(
          () => undefined,
          (e: unknown) => e,
        )) as ServiceError;
        assert.equal(err.code, status.NOT_FOUND);
        assert.equal(err.details, 'NO_SUCH_ENTRY: No such entry (retval -6)');
        return;
      }
      const before = await promisify.all(itf.swInterfaceTxPlacementGet({ cursor: 0, sw_if_index: 4294967295 }));
      await promisify.unary(itf.createLoopback.bind(itf), { mac_address: '02:fe:aa:bb:cc:02' });
      const after = await promisify.all(itf.swInterfaceTxPlacementGet({ cursor: 0, sw_if_index: 4294967295 }));
      assert.equal(after.length, before.length + 1);
      assert.ok(after.every((e) => e.queue_id === 0 && e.threads.length === 1));
    });

    it('maps a VPP error to its status, message and metadata', async () => {
      const err = (await promisify.unary(itf.swInterfaceSetFlags.bind(itf), { sw_if_index: 424242, flags: [] }).then(
        () => undefined,
        (e: unknown) => e,
      )) as ServiceError;
      assert.equal(err.code, status.NOT_FOUND);
      assert.equal(err.details, 'INVALID_SW_IF_INDEX: Invalid sw_if_index (retval -2)');
      assert.deepEqual((err.metadata as Metadata).get('vpp-symbol'), ['INVALID_SW_IF_INDEX']);
    });

    // the real VPP implements it: only the simulator has this answer
    if (backend.kind === 'sim')
      it('answers UNIMPLEMENTED for what the simulator does not do', async () => {
        const acl = await import('../clients/typescript/generated/vpp/acl.js');
        const client = new acl.AclClient(stack.grpcTarget, credentials.createInsecure());
        const err = (await promisify.unary(client.macipAclAdd.bind(client), { tag: 'e2e', r: [] }).then(
          () => undefined,
          (e: unknown) => e,
        )) as ServiceError;
        client.close();
        assert.equal(err.code, status.UNIMPLEMENTED);
        assert.match(err.details, /UNIMPLEMENTED/);
      });
  });
});
