/** VPP's counters as Prometheus text, from entries as a reader gives them (an in-memory test double). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { interfaceEntries, MemoryStatsReader } from '../../test/support/memory-stats-reader.ts';
import type { StatEntry } from '../../vpp/stats/types.ts';
import { parseExposition } from '../../test/support/prometheus.ts';
import {
  DEFAULT_VPP_METRICS_PATTERNS,
  formatVppMetrics,
  labelValue,
  VppMetricsExporter,
  VppMetricsFormatter,
} from './prometheus.ts';
import { StatsSource } from './source.ts';

const entries: StatEntry[] = [
  ...interfaceEntries(['local0', 'loop0', '', 'tap"1']),
  { name: '/sys/vector_rate', value: { type: 'scalar', value: 2.5 } },
  { name: '/sys/num_worker_threads', value: { type: 'scalar', value: 0 } },
  { name: '/sys/vector_rate_per_worker', value: { type: 'counter', values: [[7n, 8n]] } },
  { name: '/sys/node/names', value: { type: 'name', names: ['ip4-input', 'ip4-lookup'] } },
  {
    name: '/sys/node/calls',
    value: {
      type: 'counter',
      values: [
        [10n, 20n],
        [1n, 2n],
      ],
    },
  },
  { name: '/sys/node/clocks', value: { type: 'counter', values: [[100n, 200n]] } },
  { name: '/err/ip4-input/bad_checksum', value: { type: 'counter', values: [[3n], [4n]] } },
  { name: '/err/ip4-input/too_short', value: { type: 'error', values: [5n, 0n] } },
  { name: '/buffer-pools/default-numa-0/available', value: { type: 'scalar', value: 11956 } },
  { name: '/buffer-pools/default-numa-0/used', value: { type: 'scalar', value: 4 } },
  { name: '/mem/main heap', value: { type: 'counter', values: [[1n, 2n, 3n]] } },
  { name: '/mem/main heap/used', value: { type: 'counter', values: [[833312n]] } },
  { name: '/mem/main heap/total', value: { type: 'counter', values: [[33550336n]] } },
  { name: '/net/route/to', value: { type: 'combined', values: [[{ packets: 1n, bytes: 64n }]] } },
  { name: '/nat44-ei/total-users', value: { type: 'gauge', value: 3n } },
  { name: '/interfaces/loop0/rx', value: { type: 'symlink', target: '/if/rx', index: 1 } },
  { name: '/bfd/hist', value: { type: 'histogram' } },
];

describe('VPP metrics for Prometheus', () => {
  const series = parseExposition(formatVppMetrics(entries));

  it('exports interface counters by name, sw_if_index and thread', () => {
    // interfaceEntries: counter k at index i, thread t = k*1000 + i*10 + t
    assert.equal(series.get('vpp_interface_rx_packets_total{interface="loop0",sw_if_index="1",thread="0"}'), '5010');
    assert.equal(
      series.get('vpp_interface_rx_bytes_total{interface="loop0",sw_if_index="1",thread="1"}'),
      String(11 * 64),
    );
    assert.equal(series.get('vpp_interface_tx_packets_total{interface="local0",sw_if_index="0",thread="1"}'), '6001');
    assert.equal(series.get('vpp_interface_drops_total{interface="loop0",sw_if_index="1",thread="0"}'), '1010');
    assert.equal(series.get('vpp_interface_punts_total{interface="loop0",sw_if_index="1",thread="0"}'), '2010');
    assert.equal(series.get('vpp_interface_ip4_packets_total{interface="loop0",sw_if_index="1",thread="0"}'), '3010');
    assert.equal(series.get('vpp_interface_rx_errors_total{interface="loop0",sw_if_index="1",thread="0"}'), '4010');
    assert.equal(
      series.get('vpp_interface_rx_multicast_packets_total{interface="tap\\"1",sw_if_index="3",thread="0"}'),
      '7030',
    );
    // index 2 has no name: a deleted interface VPP keeps room for
    assert.ok(![...series.keys()].some((k) => k.includes('sw_if_index="2"')));
  });

  it('exports nodes, errors, buffers, memory and /sys/ gauges', () => {
    assert.equal(series.get('vpp_node_calls_total{node="ip4-lookup",thread="1"}'), '2');
    assert.equal(series.get('vpp_node_clocks_total{node="ip4-input",thread="0"}'), '100');
    assert.equal(series.get('vpp_error_total{node="ip4-input",reason="bad_checksum"}'), '7');
    assert.equal(series.get('vpp_error_total{node="ip4-input",reason="too_short"}'), '5');
    assert.equal(series.get('vpp_buffer_pool_available{pool="default-numa-0"}'), '11956');
    assert.equal(series.get('vpp_buffer_pool_used{pool="default-numa-0"}'), '4');
    assert.equal(series.get('vpp_memory_used_bytes{heap="main heap"}'), '833312');
    assert.equal(series.get('vpp_memory_total_bytes{heap="main heap"}'), '33550336');
    assert.equal(series.get('vpp_sys_vector_rate'), '2.5');
    assert.equal(series.get('vpp_sys_num_worker_threads'), '0');
    assert.equal(series.get('vpp_sys_vector_rate_per_worker{index="1",thread="0"}'), '8');
    assert.equal(series.get('vpp_net_route_to_packets_total{index="0",thread="0"}'), '1');
    assert.equal(series.get('vpp_nat44_ei_total_users'), '3');
  });

  it('names every metric vpp_ and leaves out names, symlinks and histograms', () => {
    for (const key of series.keys()) assert.match(key, /^vpp_/);
    assert.ok(![...series.keys()].some((k) => /names|interfaces_loop0|hist|vpp_mem_main/.test(k)));
  });

  it('escapes label values', () => {
    assert.equal(labelValue('a"b\\c\nd'), 'a\\"b\\\\c\\nd');
  });

  it('says whether the segment could be read, with the product metrics kept apart', async () => {
    const reader = new MemoryStatsReader(entries);
    const exporter = new VppMetricsExporter(new StatsSource('/run/vpp/stats.sock', () => reader));
    let s = parseExposition(await exporter.text());
    assert.equal(s.get('vpp_rpc_stats_up'), '1');
    assert.equal(s.get('vpp_sys_vector_rate'), '2.5');
    // the default patterns leave out the /interfaces/ symlinks and /node/errors: they repeat /if/ and /err/
    const selects = (n: string) => DEFAULT_VPP_METRICS_PATTERNS.some((p) => new RegExp(p).test(n));
    assert.deepEqual(['/interfaces/loop0/rx', '/node/errors', '/if/rx', '/node/errorsx', '/err/a/b'].map(selects), [
      false,
      false,
      true,
      true,
      true,
    ]);
    reader.failure = 'gone';
    s = parseExposition(await exporter.text());
    assert.equal(s.get('vpp_rpc_stats_up'), '0');
    assert.equal(s.get('vpp_sys_vector_rate'), undefined);
  });

  it('reads only what its patterns select', async () => {
    const reader = new MemoryStatsReader(entries);
    const exporter = new VppMetricsExporter(new StatsSource('/run/vpp/stats.sock', () => reader), ['^/sys/']);
    const s = parseExposition(await exporter.text());
    assert.equal(s.get('vpp_sys_vector_rate'), '2.5');
    assert.ok(![...s.keys()].some((k) => k.startsWith('vpp_interface_')));
  });
});

describe('VPP metrics from a formatter kept between scrapes', () => {
  const rest = entries.slice(interfaceEntries([]).length);
  const vpp = (names: string[], threads = 2, base = 0n): StatEntry[] => [
    ...interfaceEntries(names, threads, base),
    ...rest,
  ];

  // each case: what a warm formatter says equals what a fresh one says, and follows the change
  const cases: [string, StatEntry[], (s: Map<string, string>) => void][] = [
    [
      'new values',
      vpp(['local0', 'loop0', '', 'tap"1'], 2, 100n),
      (s) => assert.equal(s.get('vpp_interface_drops_total{interface="loop0",sw_if_index="1",thread="0"}'), '1110'),
    ],
    [
      'an interface renamed',
      vpp(['local0', 'uplink', '', 'tap"1']),
      (s) => {
        assert.equal(s.get('vpp_interface_drops_total{interface="uplink",sw_if_index="1",thread="0"}'), '1010');
        assert.ok(![...s.keys()].some((k) => k.includes('"loop0"')));
      },
    ],
    [
      'a new interface',
      vpp(['local0', 'loop0', '', 'tap"1', 'loop1']),
      (s) =>
        assert.equal(s.get('vpp_interface_rx_packets_total{interface="loop1",sw_if_index="4",thread="1"}'), '5041'),
    ],
    [
      'an interface deleted',
      vpp(['local0', '', '', 'tap"1']),
      (s) => assert.ok(![...s.keys()].some((k) => k.includes('sw_if_index="1"'))),
    ],
    [
      'another thread',
      vpp(['local0', 'loop0', '', 'tap"1'], 3),
      (s) => assert.equal(s.get('vpp_interface_punts_total{interface="local0",sw_if_index="0",thread="2"}'), '2002'),
    ],
    [
      'a VPP restarted with other entries',
      [...interfaceEntries(['local0', 'loop7']), { name: '/sys/vector_rate', value: { type: 'scalar', value: 4 } }],
      (s) => {
        assert.equal(s.get('vpp_sys_vector_rate'), '4');
        assert.equal(s.get('vpp_error_total{node="ip4-input",reason="bad_checksum"}'), undefined);
        assert.ok(s.has('vpp_interface_rx_bytes_total{interface="loop7",sw_if_index="1",thread="0"}'));
      },
    ],
    [
      'an entry of another type under the same name',
      [...vpp(['local0', 'loop0']).filter((e) => e.name !== '/sys/vector_rate'), gaugeEntry('/sys/vector_rate', 6n)],
      (s) => assert.equal(s.get('vpp_sys_vector_rate'), '6'),
    ],
  ];

  for (const [what, changed, check] of cases) {
    it(`follows ${what}`, () => {
      const warm = new VppMetricsFormatter();
      warm.format(entries);
      warm.format(entries);
      const text = warm.format(changed);
      assert.equal(text, formatVppMetrics(changed));
      check(parseExposition(text));
      assert.equal(warm.format(entries), formatVppMetrics(entries), 'and back');
    });
  }

  it('follows a rename the reader reports in the same epoch', async () => {
    const reader = new MemoryStatsReader(entries);
    const exporter = new VppMetricsExporter(new StatsSource('/run/vpp/stats.sock', () => reader));
    assert.ok(parseExposition(await exporter.text()).has(LOOP0_DROPS));
    const epoch = reader.epoch;
    reader.set('/if/names', { type: 'name', names: ['local0', 'wan', '', 'tap"1'] });
    assert.equal(reader.epoch, epoch);
    const s = parseExposition(await exporter.text());
    assert.equal(s.get(LOOP0_DROPS), undefined);
    assert.equal(s.get('vpp_interface_drops_total{interface="wan",sw_if_index="1",thread="0"}'), '1010');
  });
});

const LOOP0_DROPS = 'vpp_interface_drops_total{interface="loop0",sw_if_index="1",thread="0"}';

function gaugeEntry(name: string, value: bigint): StatEntry {
  return { name, value: { type: 'gauge', value } };
}
