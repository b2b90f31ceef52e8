/**
 * Codec throughput: encode and decode operations per second for a few
 * typical messages, and the time to decode a dump of 10,000 interfaces.
 *   npx tsx bench/codec.ts
 */
import { loadProtoDir } from '../vpp/api/load-proto.ts';
import { createCodec, type Header, type Value } from '../vpp/codec/index.ts';
import { PROTO_DIR } from '../test/support/paths.ts';

const codec = createCodec(loadProtoDir(PROTO_DIR).model);
const header: Header = { msgId: 1000, context: 42, clientIndex: 0x80000001 };

const path = (nh: string): Value => ({
  sw_if_index: 1,
  weight: 1,
  nh: { address: { ip4: nh } },
  label_stack: [],
});

const interfaceDetails = (i: number): Value => ({
  sw_if_index: i,
  sup_sw_if_index: i,
  l2_address: '02:fe:00:00:00:01',
  flags: ['IF_STATUS_API_FLAG_ADMIN_UP', 'IF_STATUS_API_FLAG_LINK_UP'],
  type: 'IF_API_TYPE_HARDWARE',
  link_duplex: 'LINK_DUPLEX_API_FULL',
  link_speed: 10_000_000,
  link_mtu: 9000,
  mtu: [9000, 0, 0, 0],
  interface_name: `GigabitEthernet0/8/${i}`,
  interface_dev_type: 'dpdk',
  tag: '',
});

const cases: [string, Value][] = [
  ['control_ping', {}],
  [
    'show_version_reply',
    { retval: 0, program: 'vpe', version: '26.06-release', build_date: '2026-11-21T12:53:12', build_directory: '' },
  ],
  ['sw_interface_details', interfaceDetails(1)],
  [
    'ip_route_add_del',
    { is_add: true, route: { table_id: 0, prefix: '192.168.200.0/24', paths: [path('10.10.1.3'), path('10.10.1.4')] } },
  ],
];

/** Operations per second of `op`, run for about `ms` after a warm-up. */
function rate(op: () => unknown, ms = 700): number {
  for (let i = 0; i < 20_000; i++) op();
  let n = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(ms) * 1_000_000n;
  let now = start;
  while (now < end) {
    for (let i = 0; i < 1000; i++) op();
    n += 1000;
    now = process.hrtime.bigint();
  }
  return (n * 1e9) / Number(now - start);
}

const fmt = (x: number): string => Math.round(x).toLocaleString('en-US').padStart(12);
const rows: string[] = [];
for (const [name, value] of cases) {
  const mc = codec.message(name);
  const payload = mc.encode(value, header);
  rows.push(
    `${name.padEnd(22)} ${String(payload.length).padStart(6)} ${fmt(rate(() => mc.encode(value, header)))} ${fmt(rate(() => mc.decode(payload)))}`,
  );
}
console.log(`${'message'.padEnd(22)} ${'bytes'.padStart(6)} ${'encode/s'.padStart(12)} ${'decode/s'.padStart(12)}`);
for (const row of rows) console.log(row);

const details = codec.message('sw_interface_details');
const dump = Array.from({ length: 10_000 }, (_, i) => details.encode(interfaceDetails(i), header));
for (let round = 0; round < 3; round++) for (const p of dump) details.decode(p);
const times: number[] = [];
for (let round = 0; round < 10; round++) {
  const start = process.hrtime.bigint();
  for (const p of dump) details.decode(p);
  times.push(Number(process.hrtime.bigint() - start) / 1e6);
}
times.sort((a, b) => a - b);
console.log(
  `\ndecoding 10,000 sw_interface_details frames: ${times[0]!.toFixed(2)} ms best, ${times[5]!.toFixed(2)} ms median of 10`,
);
