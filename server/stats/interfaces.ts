/**
 * VPP's per-interface counters (/if/<counter>, indexed by sw_if_index) joined
 * with /if/names: the vpprpc.InterfaceCounters message, and the names the
 * Prometheus exporter gives each counter.
 */
import type { Value } from '../../lib/protobuf/index.ts';
import type { PacketsBytes, StatEntry } from '../../vpp/stats/types.ts';

/** /if/<key> simple counters: the InterfaceCounters field and the Prometheus metric (vpp_interface_…). */
export const IF_SIMPLE: Record<string, { field: string; metric: string; help: string }> = {
  drops: { field: 'drops', metric: 'drops_total', help: 'Packets dropped on the interface' },
  punt: { field: 'punts', metric: 'punts_total', help: 'Packets punted on the interface' },
  ip4: { field: 'ip4', metric: 'ip4_packets_total', help: 'IPv4 packets received' },
  ip6: { field: 'ip6', metric: 'ip6_packets_total', help: 'IPv6 packets received' },
  mpls: { field: 'mpls', metric: 'mpls_packets_total', help: 'MPLS packets received' },
  'rx-error': { field: 'rx_errors', metric: 'rx_errors_total', help: 'Receive errors' },
  'tx-error': { field: 'tx_errors', metric: 'tx_errors_total', help: 'Transmit errors' },
  'rx-no-buf': { field: 'rx_no_buffer', metric: 'rx_no_buffer_total', help: 'Packets lost for want of buffers' },
  'rx-miss': { field: 'rx_miss', metric: 'rx_miss_total', help: 'Packets missed by the receive queue' },
};

/** /if/<key> combined counters: the field; the metrics are vpp_interface_<field>_packets_total and _bytes_total. */
export const IF_COMBINED: Record<string, string> = {
  rx: 'rx',
  tx: 'tx',
  'rx-unicast': 'rx_unicast',
  'rx-multicast': 'rx_multicast',
  'rx-broadcast': 'rx_broadcast',
  'tx-unicast': 'tx_unicast',
  'tx-multicast': 'tx_multicast',
  'tx-broadcast': 'tx_broadcast',
};

/** The reader patterns of everything InterfaceCounters needs. */
export const IF_PATTERNS = ['^/if/'];

export interface InterfaceFilter {
  name?: string;
  sw_if_index?: number;
}

function sumAt(values: bigint[][], index: number): bigint {
  let t = 0n;
  for (const thread of values) t += thread[index] ?? 0n;
  return t;
}

function sumPbAt(values: PacketsBytes[][], index: number): PacketsBytes {
  let packets = 0n;
  let bytes = 0n;
  for (const thread of values) {
    const v = thread[index];
    if (v) {
      packets += v.packets;
      bytes += v.bytes;
    }
  }
  return { packets, bytes };
}

/**
 * vpprpc.InterfaceCounters of every named interface in `entries` (a read of
 * IF_PATTERNS) that passes the filter, by sw_if_index. Indexes without a name
 * are deleted interfaces VPP keeps room for: left out.
 */
export function interfaceCounters(entries: StatEntry[], filter: InterfaceFilter = {}): Value[] {
  const byName = new Map(entries.map((e) => [e.name, e.value]));
  const names = byName.get('/if/names');
  if (!names || names.type !== 'name') return [];
  const out: Value[] = [];
  names.names.forEach((name, index) => {
    if (!name) return;
    if (filter.name !== undefined && filter.name !== name) return;
    if (filter.sw_if_index !== undefined && filter.sw_if_index !== index) return;
    const msg: Value = { name, sw_if_index: index };
    for (const [key, { field }] of Object.entries(IF_SIMPLE)) {
      const v = byName.get(`/if/${key}`);
      if (v?.type === 'counter') msg[field] = sumAt(v.values, index);
    }
    for (const [key, field] of Object.entries(IF_COMBINED)) {
      const v = byName.get(`/if/${key}`);
      if (v?.type === 'combined') msg[field] = sumPbAt(v.values, index);
    }
    out.push(msg);
  });
  return out;
}
