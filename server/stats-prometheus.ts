/**
 * VPP's counters in Prometheus' text format, read from the stats segment at
 * scrape time: interfaces by name, nodes, errors by node and reason, buffer
 * pools, memory heaps, /sys/ gauges, and every other entry under a name built
 * from its path. Every metric is `vpp_…`; the product's own stay `vpp_rpc_…`.
 * Written as text directly: a VPP with 1,000 interfaces has tens of thousands
 * of samples, too many to pass through prom-client's objects at every scrape.
 */
import type { PacketsBytes, StatEntry, StatValue } from '../vpp/stats/types.ts';
import { IF_COMBINED, IF_SIMPLE } from './stats-interfaces.ts';
import type { StatsSource } from './stats-source.ts';

/** Everything but the /interfaces/<name>/… symlinks (a copy of /if/) and /node/errors (a copy of /err/). */
export const DEFAULT_VPP_METRICS_PATTERNS = ['^/(?!interfaces/|node/errors$)'];

type Kind = 'counter' | 'gauge';

interface Family {
  help: string;
  kind: Kind;
  /** the samples' lines, each ending in a newline (strings concatenate faster than arrays join) */
  text: string;
  /** the stats entry a generic family came from: a second entry with the same metric name is left out */
  from?: string;
}

/** A label value as the text format wants it. */
export function labelValue(v: string): string {
  return /["\\\n]/.test(v) ? v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : v;
}

/** `/net/arp/rx/replies` → `net_arp_rx_replies` */
export function metricPart(path: string): string {
  return path
    .replace(/[^A-Za-z0-9_]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_|_$/g, '');
}

const num = (v: number): string =>
  Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v);

/** One scrape's families, in the order they first appear. */
class Exposition {
  private readonly families = new Map<string, Family>();

  family(name: string, kind: Kind, help: string, from?: string): Family | undefined {
    let f = this.families.get(name);
    if (!f) {
      f = { help, kind, text: '', from };
      this.families.set(name, f);
    } else if (f.kind !== kind || (from !== undefined && f.from !== from)) return undefined;
    return f;
  }

  text(): string {
    let out = '';
    for (const [name, f] of this.families)
      if (f.text !== '') out += `# HELP ${name} ${f.help}\n# TYPE ${name} ${f.kind}\n${f.text}`;
    return out;
  }
}

/** Labels of each index: `index="i"` for entries without names. */
function indexLabels(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `index="${i}"`);
}

/** Per thread and index: `name{<labels of the index>,thread="t"} v`; indexes without labels are left out. */
function perThread(f: Family | undefined, name: string, values: bigint[][], labels: (string | undefined)[]): void {
  if (!f) return;
  let out = '';
  for (let t = 0; t < values.length; t++) {
    const thread = values[t]!;
    const tail = `,thread="${t}"} `;
    for (let i = 0; i < thread.length; i++) {
      const l = labels[i];
      if (l !== undefined) out += name + '{' + l + tail + thread[i] + '\n';
    }
  }
  f.text += out;
}

/** A combined counter as two families, packets and bytes, in one pass. */
function perThreadCombined(
  fp: Family | undefined,
  fb: Family | undefined,
  base: string,
  values: PacketsBytes[][],
  labels: (string | undefined)[],
): void {
  let p = '';
  let b = '';
  const pn = `${base}_packets${fp?.kind === 'counter' ? '_total' : ''}{`;
  const bn = `${base}_bytes${fb?.kind === 'counter' ? '_total' : ''}{`;
  for (let t = 0; t < values.length; t++) {
    const thread = values[t]!;
    const tail = `,thread="${t}"} `;
    for (let i = 0; i < thread.length; i++) {
      const l = labels[i];
      if (l === undefined) continue;
      const v = thread[i]!;
      p += pn + l + tail + v.packets + '\n';
      b += bn + l + tail + v.bytes + '\n';
    }
  }
  if (fp) fp.text += p;
  if (fb) fb.text += b;
}

function sumAll(v: StatValue): bigint | undefined {
  let t = 0n;
  if (v.type === 'counter') for (const th of v.values) for (const x of th) t += x;
  else if (v.type === 'error') for (const x of v.values) t += x;
  // layout 2 keeps error counters in /node/errors and names them by symlinks: /err/<node>/<reason>
  else if (v.type === 'symlink' && v.counter) for (const x of v.counter) t += x;
  else return undefined;
  return t;
}

/** One value as a number, for gauges: scalars, gauges, and counters of one index on one thread (/mem/…). */
function single(v: StatValue): string | undefined {
  if (v.type === 'scalar') return num(v.value);
  if (v.type === 'gauge') return String(v.value);
  const s = sumAll(v);
  return s === undefined ? undefined : String(s);
}

export class VppMetricsExporter {
  constructor(
    private readonly source: StatsSource,
    private readonly patterns: string[] = DEFAULT_VPP_METRICS_PATTERNS,
  ) {}

  /** The exposition text of VPP's counters, plus whether the read worked (vpp_rpc_stats_…). */
  async text(): Promise<string> {
    const started = process.hrtime.bigint();
    let body = '';
    let up = 1;
    try {
      body = formatVppMetrics((await this.source.dump(this.patterns)).entries);
    } catch {
      up = 0;
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return (
      body +
      "# HELP vpp_rpc_stats_up 1 when the last scrape read VPP's stats segment\n# TYPE vpp_rpc_stats_up gauge\n" +
      `vpp_rpc_stats_up ${up}\n` +
      "# HELP vpp_rpc_stats_scrape_duration_seconds Time the last scrape took to read and format VPP's counters\n" +
      `# TYPE vpp_rpc_stats_scrape_duration_seconds gauge\nvpp_rpc_stats_scrape_duration_seconds ${seconds}\n`
    );
  }
}

/** Labels of each index of a name vector (/if/names, /sys/node/names); undefined where there is no name. */
function nameLabels(entry: StatValue | undefined, label: string, indexLabel?: string): (string | undefined)[] {
  if (entry?.type !== 'name') return [];
  return entry.names.map((n, i) =>
    n ? `${label}="${labelValue(n)}"${indexLabel ? `,${indexLabel}="${i}"` : ''}` : undefined,
  );
}

/** The text of every entry that has a metric; name vectors only label others. */
export function formatVppMetrics(entries: StatEntry[]): string {
  const x = new Exposition();
  const byName = new Map(entries.map((e) => [e.name, e.value]));
  const ifLabels = nameLabels(byName.get('/if/names'), 'interface', 'sw_if_index');
  const nodeLabels = nameLabels(byName.get('/sys/node/names'), 'node');
  const errors = x.family('vpp_error_total', 'counter', 'Packets counted by each node error, summed over threads')!;
  for (const { name, value: v } of entries) {
    const parts = name.split('/');
    const [, top = '', p2 = '', p3 = ''] = parts;
    if (top === 'if' && parts.length === 3) {
      const simple = IF_SIMPLE[p2];
      const combined = IF_COMBINED[p2];
      if (v.type === 'counter') {
        const metric = `vpp_interface_${simple?.metric ?? `${metricPart(p2)}_total`}`;
        perThread(
          x.family(metric, 'counter', simple?.help ?? `VPP's ${name} per interface`),
          metric,
          v.values,
          ifLabels,
        );
        continue;
      }
      if (v.type === 'combined') {
        const base = `vpp_interface_${combined ?? metricPart(p2)}`;
        const fp = x.family(`${base}_packets_total`, 'counter', `VPP's ${name} packets per interface`);
        const fb = x.family(`${base}_bytes_total`, 'counter', `VPP's ${name} bytes per interface`);
        perThreadCombined(fp, fb, base, v.values, ifLabels);
        continue;
      }
      if (v.type === 'name') continue;
    }
    if (top === 'sys' && p2 === 'node' && parts.length === 4) {
      if (v.type === 'name') continue;
      if (v.type === 'counter') {
        const metric = `vpp_node_${metricPart(p3)}_total`;
        perThread(x.family(metric, 'counter', `VPP's ${name} per graph node`), metric, v.values, nodeLabels);
        continue;
      }
    }
    if (top === 'err' && parts.length >= 4) {
      const total = sumAll(v);
      if (total !== undefined) {
        const reason = parts.slice(3).join('/');
        errors.text += `vpp_error_total{node="${labelValue(p2)}",reason="${labelValue(reason)}"} ${total}\n`;
        continue;
      }
    }
    if (top === 'buffer-pools' && parts.length === 4) {
      const value = single(v);
      if (value !== undefined) {
        const metric = `vpp_buffer_pool_${metricPart(p3)}`;
        const f = x.family(metric, 'gauge', `Buffers ${p3} in each buffer pool`);
        if (f) f.text += `${metric}{pool="${labelValue(p2)}"} ${value}\n`;
        continue;
      }
    }
    if (top === 'mem') {
      // /mem/<heap>/<stat> one value each; /mem/<heap> itself repeats them as a vector
      if (parts.length === 3) continue;
      const value = parts.length === 4 ? single(v) : undefined;
      if (value !== undefined) {
        const metric = `vpp_memory_${metricPart(p3)}_bytes`;
        const f = x.family(metric, 'gauge', `Bytes ${p3} in each of VPP's memory heaps`);
        if (f) f.text += `${metric}{heap="${labelValue(p2)}"} ${value}\n`;
        continue;
      }
    }
    generic(x, name, v, top === 'sys');
  }
  return x.text();
}

/** Any other entry: a metric named after its path, with index and thread labels where it has them. */
function generic(x: Exposition, name: string, v: StatValue, gauges: boolean): void {
  const base = `vpp_${metricPart(name)}`;
  const kind: Kind = gauges ? 'gauge' : 'counter';
  const suffix = gauges ? '' : '_total';
  const help = `VPP's ${name}`;
  switch (v.type) {
    case 'scalar':
    case 'gauge': {
      const f = x.family(base, 'gauge', help, name);
      if (f) f.text += `${base} ${v.type === 'scalar' ? num(v.value) : v.value}\n`;
      return;
    }
    case 'counter': {
      const labels = indexLabels(Math.max(0, ...v.values.map((t) => t.length)));
      perThread(x.family(base + suffix, kind, help, name), base + suffix, v.values, labels);
      return;
    }
    case 'combined': {
      const labels = indexLabels(Math.max(0, ...v.values.map((t) => t.length)));
      const fp = x.family(`${base}_packets${suffix}`, kind, `${help} (packets)`, name);
      const fb = x.family(`${base}_bytes${suffix}`, kind, `${help} (bytes)`, name);
      perThreadCombined(fp, fb, base, v.values, labels);
      return;
    }
    case 'error': {
      const f = x.family(base + suffix, kind, help, name);
      if (f) v.values.forEach((c, t) => (f.text += `${base}${suffix}{thread="${t}"} ${c}\n`));
      return;
    }
    default:
    // names label other entries; symlinks repeat them; histograms and rings are not read
  }
}
