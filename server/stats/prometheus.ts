/**
 * VPP's counters in Prometheus' text format, read from the stats segment at
 * scrape time: interfaces by name, nodes, errors by node and reason, buffer
 * pools, memory heaps, /sys/ gauges, and every other entry under a name built
 * from its path. Every metric is `vpp_…`; the product's own stay `vpp_rpc_…`.
 * Written as bytes directly: a VPP with 1,000 interfaces has tens of thousands
 * of samples, too many to pass through prom-client's objects at every scrape.
 * Each sample's name and labels are made once per directory (see Plan).
 */
import type { StatEntry, StatValue } from '../../vpp/stats/types.ts';
import { IF_COMBINED, IF_SIMPLE } from './interfaces.ts';
import { ExpositionBytes } from './exposition-bytes.ts';
import type { StatsSource } from './source.ts';

/** Everything but the /interfaces/<name>/… symlinks (a copy of /if/) and /node/errors (a copy of /err/). */
export const DEFAULT_VPP_METRICS_PATTERNS = ['^/(?!interfaces/|node/errors$)'];

type Kind = 'counter' | 'gauge';

/** A metric family: its HELP and TYPE lines, written before its samples when it has any. */
interface Family {
  kind: Kind;
  header: Buffer;
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

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

/** The families in the order they first appear; a family asked for with another kind or source is left out. */
class Families {
  readonly list: Family[] = [];
  private readonly byName = new Map<string, number>();

  /** the family's index, or undefined when it is left out */
  get(name: string, kind: Kind, help: string, from?: string): number | undefined {
    const i = this.byName.get(name);
    if (i === undefined) {
      this.byName.set(name, this.list.length);
      return this.list.push({ kind, from, header: utf8(`# HELP ${name} ${help}\n# TYPE ${name} ${kind}\n`) }) - 1;
    }
    const f = this.list[i]!;
    return f.kind !== kind || (from !== undefined && f.from !== from) ? undefined : i;
  }
}

/** What one entry adds to its families' samples at each scrape. */
type Writer = (v: StatValue, out: ExpositionBytes[]) => void;

/** Labels of the index, or undefined for an index left out. */
type IndexLabels = (i: number) => string | undefined;

const byIndex: IndexLabels = (i) => `index="${i}"`;

/** Line prefixes `head<labels of the index>,thread="t"} ` per thread and index, made again only when a shape changes. */
class ThreadRows {
  private readonly rows: (Buffer | undefined)[][] = [];

  constructor(
    private readonly head: string,
    private readonly labels: IndexLabels,
  ) {}

  row(t: number, len: number): (Buffer | undefined)[] {
    let r = this.rows[t];
    if (r?.length !== len) {
      const tail = `,thread="${t}"} `;
      r = new Array<Buffer | undefined>(len);
      for (let i = 0; i < len; i++) {
        const l = this.labels(i);
        r[i] = l === undefined ? undefined : utf8(this.head + l + tail);
      }
      this.rows[t] = r;
    }
    return r;
  }
}

/** Per thread and index: `name{<labels of the index>,thread="t"} v`; indexes without labels are left out. */
function perThread(family: number | undefined, name: string, labels: IndexLabels): Writer | undefined {
  if (family === undefined) return undefined;
  const rows = new ThreadRows(name + '{', labels);
  return (v, all) => {
    if (v.type !== 'counter') return;
    const out = all[family]!;
    for (let t = 0; t < v.values.length; t++) {
      const thread = v.values[t]!;
      const prefixes = rows.row(t, thread.length);
      for (let i = 0; i < thread.length; i++) {
        const p = prefixes[i];
        if (p === undefined) continue;
        out.bytes(p);
        out.bigint(thread[i]!);
      }
    }
  };
}

/** A combined counter as two families, packets and bytes (`<base>_packets<suffix>`, …), in one pass. */
function perThreadCombined(
  fp: number | undefined,
  fb: number | undefined,
  base: string,
  suffix: string,
  labels: IndexLabels,
): Writer | undefined {
  if (fp === undefined && fb === undefined) return undefined;
  const pr = new ThreadRows(`${base}_packets${suffix}{`, labels);
  const br = new ThreadRows(`${base}_bytes${suffix}{`, labels);
  return (v, all) => {
    if (v.type !== 'combined') return;
    const p = fp === undefined ? undefined : all[fp]!;
    const b = fb === undefined ? undefined : all[fb]!;
    for (let t = 0; t < v.values.length; t++) {
      const thread = v.values[t]!;
      const pp = pr.row(t, thread.length);
      const bp = br.row(t, thread.length);
      for (let i = 0; i < thread.length; i++) {
        const prefix = pp[i];
        if (prefix === undefined) continue;
        const c = thread[i]!;
        if (p) {
          p.bytes(prefix);
          p.bigint(c.packets);
        }
        if (b) {
          b.bytes(bp[i]!);
          b.bigint(c.bytes);
        }
      }
    }
  };
}

/** One line `prefix value` when the value has one: a counter, or a number already formatted. */
function oneLine(
  family: number | undefined,
  prefix: string,
  value: (v: StatValue) => bigint | string | undefined,
): Writer | undefined {
  if (family === undefined) return undefined;
  const head = utf8(prefix);
  return (v, all) => {
    const s = value(v);
    if (s === undefined) return;
    const out = all[family]!;
    out.bytes(head);
    if (typeof s === 'bigint') out.bigint(s);
    else out.value(s);
  };
}

/** Whether sumAll has a total for the value: what a plan may decide once per entry. */
function summable(v: StatValue): boolean {
  return v.type === 'counter' || v.type === 'error' || (v.type === 'symlink' && v.counter !== undefined);
}

function sumAll(v: StatValue): bigint | undefined {
  if (v.type === 'counter') {
    if (v.values.length === 1 && v.values[0]!.length === 1) return v.values[0]![0]!;
    let t = 0n;
    for (const th of v.values) for (const x of th) t += x;
    return t;
  }
  const xs = v.type === 'error' ? v.values : v.type === 'symlink' ? v.counter : undefined;
  // layout 2 keeps error counters in /node/errors and names them by symlinks: /err/<node>/<reason>
  if (!xs) return undefined;
  if (xs.length === 1) return xs[0]!;
  let t = 0n;
  for (const x of xs) t += x;
  return t;
}

/** One value as a number, for gauges: scalars, gauges, and counters of one index on one thread (/mem/…). */
function single(v: StatValue): bigint | string | undefined {
  if (v.type === 'scalar') return num(v.value);
  if (v.type === 'gauge') return v.value;
  return sumAll(v);
}

const singleable = (v: StatValue): boolean => v.type === 'scalar' || v.type === 'gauge' || summable(v);

export class VppMetricsExporter {
  private readonly formatter = new VppMetricsFormatter();

  constructor(
    private readonly source: StatsSource,
    private readonly patterns: string[] = DEFAULT_VPP_METRICS_PATTERNS,
  ) {}

  /** The exposition of VPP's counters as UTF-8 in pieces, plus whether the read worked (vpp_rpc_stats_…). */
  async parts(): Promise<Uint8Array[]> {
    const started = process.hrtime.bigint();
    let body: Uint8Array[] = [];
    let up = 1;
    try {
      body = this.formatter.parts((await this.source.dump(this.patterns)).entries);
    } catch {
      up = 0;
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const own = utf8(
      "# HELP vpp_rpc_stats_up 1 when the last scrape read VPP's stats segment\n# TYPE vpp_rpc_stats_up gauge\n" +
        `vpp_rpc_stats_up ${up}\n` +
        "# HELP vpp_rpc_stats_scrape_duration_seconds Time the last scrape took to read and format VPP's counters\n" +
        `# TYPE vpp_rpc_stats_scrape_duration_seconds gauge\nvpp_rpc_stats_scrape_duration_seconds ${seconds}\n`,
    );
    body.push(own);
    return body;
  }

  /** The same as one text. */
  async text(): Promise<string> {
    return Buffer.concat(await this.parts()).toString('utf8');
  }
}

/** Labels of each index of a name vector (/if/names, /sys/node/names); undefined where there is no name. */
function nameLabels(entry: StatValue | undefined, label: string, indexLabel?: string): IndexLabels {
  if (entry?.type !== 'name') return () => undefined;
  const labels = entry.names.map((n, i) =>
    n ? `${label}="${labelValue(n)}"${indexLabel ? `,${indexLabel}="${i}"` : ''}` : undefined,
  );
  return (i) => labels[i];
}

/** What a plan was made for: an entry's name and the shape of its value that decides its metric. */
const shapeOf = (v: StatValue): string => (v.type === 'symlink' && v.counter ? 'symlink+counter' : v.type);

/** The name vectors that label other entries: a plan holds while they say the same. */
const LABEL_SOURCES = ['/if/names', '/sys/node/names'];

const sameNames = (a: string[], b: StatValue): boolean => {
  if (b.type !== 'name') return false;
  const names = b.names;
  if (a.length !== names.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== names[i]) return false;
  return true;
};

/**
 * The families and each entry's writer for one set of entries (a directory
 * epoch), with every sample's name and labels made once: a scrape only adds
 * the values. Made again when an entry, its shape or an interface or node name
 * changes.
 */
class Plan {
  private readonly names: string[];
  private readonly shapes: string[];
  /** where the name vectors that label others are among the entries, and what they said */
  private readonly labelSources: { index: number; names: string[] }[] = [];
  private readonly families: Family[];
  private readonly writers: (Writer | undefined)[];
  /** each family's size at the last scrape: the next one starts with that much room */
  private readonly sizes: number[];

  constructor(entries: StatEntry[]) {
    this.names = entries.map((e) => e.name);
    this.shapes = entries.map((e) => shapeOf(e.value));
    entries.forEach((e, index) => {
      if (LABEL_SOURCES.includes(e.name) && e.value.type === 'name')
        this.labelSources.push({ index, names: [...e.value.names] });
    });
    const byName = new Map(entries.map((e) => [e.name, e.value]));
    const families = new Families();
    const labels = {
      interfaces: nameLabels(byName.get('/if/names'), 'interface', 'sw_if_index'),
      nodes: nameLabels(byName.get('/sys/node/names'), 'node'),
    };
    const errors = families.get(
      'vpp_error_total',
      'counter',
      'Packets counted by each node error, summed over threads',
    )!;
    this.writers = entries.map((e) => writerOf(families, e.name, e.value, labels, errors));
    this.families = families.list;
    this.sizes = this.families.map(() => 0);
  }

  /** whether the entries are those this plan was made for (the same names, shapes and labels) */
  fits(entries: StatEntry[]): boolean {
    if (entries.length !== this.names.length) return false;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      if (e.name !== this.names[i] || shapeOf(e.value) !== this.shapes[i]) return false;
    }
    return this.labelSources.every(({ index, names }) => sameNames(names, entries[index]!.value));
  }

  /**
   * The exposition of these values in pieces. Each scrape writes into buffers
   * of its own (a response may still be sending the last one's), as large as
   * the last scrape needed.
   */
  render(entries: StatEntry[]): Uint8Array[] {
    const out = this.sizes.map((n) => new ExpositionBytes(n + (n >>> 4) + 64));
    for (let i = 0; i < entries.length; i++) this.writers[i]?.(entries[i]!.value, out);
    const parts: Uint8Array[] = [];
    out.forEach((o, f) => {
      this.sizes[f] = o.length;
      if (o.length > 0) parts.push(this.families[f]!.header, o.view());
    });
    return parts;
  }
}

/** Formats reads of the same entries again and again, keeping the plan of the last (see Plan). */
export class VppMetricsFormatter {
  private plan: Plan | undefined;

  /** the exposition as UTF-8, in pieces */
  parts(entries: StatEntry[]): Uint8Array[] {
    if (!this.plan?.fits(entries)) this.plan = new Plan(entries);
    return this.plan.render(entries);
  }

  format(entries: StatEntry[]): string {
    return Buffer.concat(this.parts(entries)).toString('utf8');
  }
}

/** The text of every entry that has a metric; name vectors only label others. */
export function formatVppMetrics(entries: StatEntry[]): string {
  return new VppMetricsFormatter().format(entries);
}

/** What the entry `name` becomes: its families are made (in order of appearance) as the plan is. */
function writerOf(
  x: Families,
  name: string,
  v: StatValue,
  labels: { interfaces: IndexLabels; nodes: IndexLabels },
  errors: number,
): Writer | undefined {
  const parts = name.split('/');
  const [, top = '', p2 = '', p3 = ''] = parts;
  if (top === 'if' && parts.length === 3) {
    const simple = IF_SIMPLE[p2];
    const combined = IF_COMBINED[p2];
    if (v.type === 'counter') {
      const metric = `vpp_interface_${simple?.metric ?? `${metricPart(p2)}_total`}`;
      const help = simple?.help ?? `VPP's ${name} per interface`;
      return perThread(x.get(metric, 'counter', help), metric, labels.interfaces);
    }
    if (v.type === 'combined') {
      const base = `vpp_interface_${combined ?? metricPart(p2)}`;
      const fp = x.get(`${base}_packets_total`, 'counter', `VPP's ${name} packets per interface`);
      const fb = x.get(`${base}_bytes_total`, 'counter', `VPP's ${name} bytes per interface`);
      return perThreadCombined(fp, fb, base, '_total', labels.interfaces);
    }
    if (v.type === 'name') return undefined;
  }
  if (top === 'sys' && p2 === 'node' && parts.length === 4) {
    if (v.type === 'name') return undefined;
    if (v.type === 'counter') {
      const metric = `vpp_node_${metricPart(p3)}_total`;
      return perThread(x.get(metric, 'counter', `VPP's ${name} per graph node`), metric, labels.nodes);
    }
  }
  if (top === 'err' && parts.length >= 4 && summable(v)) {
    const reason = parts.slice(3).join('/');
    return oneLine(errors, `vpp_error_total{node="${labelValue(p2)}",reason="${labelValue(reason)}"} `, sumAll);
  }
  if (top === 'buffer-pools' && parts.length === 4 && singleable(v)) {
    const metric = `vpp_buffer_pool_${metricPart(p3)}`;
    const f = x.get(metric, 'gauge', `Buffers ${p3} in each buffer pool`);
    return oneLine(f, `${metric}{pool="${labelValue(p2)}"} `, single);
  }
  if (top === 'mem') {
    // /mem/<heap>/<stat> one value each; /mem/<heap> itself repeats them as a vector
    if (parts.length === 3) return undefined;
    if (parts.length === 4 && singleable(v)) {
      const metric = `vpp_memory_${metricPart(p3)}_bytes`;
      const f = x.get(metric, 'gauge', `Bytes ${p3} in each of VPP's memory heaps`);
      return oneLine(f, `${metric}{heap="${labelValue(p2)}"} `, single);
    }
  }
  return generic(x, name, v, top === 'sys');
}

/** Any other entry: a metric named after its path, with index and thread labels where it has them. */
function generic(x: Families, name: string, v: StatValue, gauges: boolean): Writer | undefined {
  const base = `vpp_${metricPart(name)}`;
  const kind: Kind = gauges ? 'gauge' : 'counter';
  const suffix = gauges ? '' : '_total';
  const help = `VPP's ${name}`;
  switch (v.type) {
    case 'scalar':
    case 'gauge':
      return oneLine(x.get(base, 'gauge', help, name), `${base} `, single);
    case 'counter':
      return perThread(x.get(base + suffix, kind, help, name), base + suffix, byIndex);
    case 'combined': {
      const fp = x.get(`${base}_packets${suffix}`, kind, `${help} (packets)`, name);
      const fb = x.get(`${base}_bytes${suffix}`, kind, `${help} (bytes)`, name);
      return perThreadCombined(fp, fb, base, suffix, byIndex);
    }
    case 'error': {
      const family = x.get(base + suffix, kind, help, name);
      if (family === undefined) return undefined;
      const head = `${base}${suffix}{thread="`;
      return (value, all) => {
        if (value.type !== 'error') return;
        const out = all[family]!;
        value.values.forEach((c, t) => {
          out.text(`${head}${t}"} `);
          out.bigint(c);
        });
      };
    }
    default:
      // names label other entries; symlinks repeat them; histograms and rings are not read
      return undefined;
  }
}
