/**
 * The nodes of `--etcd`: every key below `/vpp-rpc/nodes/`, each a server's
 * registration (lib/fleet/registration.ts). The source reads the prefix, then
 * watches it from the revision after that read: a put adds or updates a
 * node, a delete (a server that stopped, or whose lease expired) removes it.
 *
 * A value that does not parse is logged (once per revision of its key) and
 * skipped: the node stays as it was last read well, or absent. When etcd does
 * not answer, the directory keeps the nodes it has (calls to them go on) and
 * the watch resumes when etcd is back (lib/etcd); when etcd compacted the
 * history the watch needs, the prefix is read again and the directory made to
 * agree with it.
 */
import type { EtcdClient, KeyValue, WatchEvent, Watcher } from '../../lib/etcd/index.ts';
import { NODES_PREFIX, nodeNameOfKey } from '../../lib/fleet/registration.ts';
import type { Logger } from '../../lib/log.ts';
import type { NodeDirectory, NodeSource } from './directory.ts';
import { nodeOfRegistration, RegistrationError } from './registration.ts';

export interface EtcdSourceOptions {
  /** pauses between reads of the prefix while etcd does not answer: doubling from the first to the last */
  retryMs?: { first: number; last: number };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

export class EtcdSource implements NodeSource {
  private directory: NodeDirectory | undefined;
  private watcher: Watcher | undefined;
  /** the nodes this source put in the directory */
  private readonly names = new Set<string>();
  /** keys whose value did not parse, and the revision logged */
  private readonly refused = new Map<string, number>();
  private closed = false;
  private everRead = false;

  constructor(
    private readonly etcd: EtcdClient,
    private readonly log: Logger,
    private readonly opts: EtcdSourceOptions = {},
  ) {}

  start(directory: NodeDirectory): void {
    this.directory = directory;
    void this.follow();
  }

  /** Why the source cannot be relied on yet (the registry never read), or undefined. */
  pending(): string | undefined {
    return this.everRead ? undefined : `the node registry in etcd (${this.etcd.endpoints.join(', ')}) is not read yet`;
  }

  close(): void {
    this.closed = true;
    this.watcher?.close();
    this.watcher = undefined;
  }

  /** Reads the prefix (again until etcd answers), then watches it from there. */
  private async follow(): Promise<void> {
    const retry = this.opts.retryMs ?? { first: 250, last: 2000 };
    let pause = retry.first;
    let warned = false;
    while (!this.closed) {
      try {
        const { kvs, revision } = await this.etcd.getPrefix(NODES_PREFIX);
        if (this.closed) return;
        this.reconcile(kvs);
        if (!this.everRead || warned)
          this.log.info(
            { etcd: this.etcd.endpoints, nodes: [...this.names].sort(), revision },
            'read the node registry in etcd',
          );
        this.everRead = true;
        this.watch(revision + 1);
        return;
      } catch (e) {
        // once until it answers; the nodes known stay as they are
        if (!warned)
          this.log.warn(
            { etcd: this.etcd.endpoints, err: (e as Error).message },
            'cannot read the node registry in etcd: trying again; the nodes known go on being served',
          );
        warned = true;
        await sleep(pause);
        pause = Math.min(pause * 2, retry.last);
      }
    }
  }

  private watch(fromRevision: number): void {
    const watcher = this.etcd.watchPrefix(NODES_PREFIX, { fromRevision }, (events) => this.apply(events));
    this.watcher = watcher;
    watcher.on('error', (e: Error) => {
      if (this.watcher !== watcher || this.closed) return;
      this.watcher = undefined;
      this.log.warn({ err: e.message }, 'the watch of the node registry stopped: reading it again');
      void this.follow();
    });
  }

  /** The directory made to agree with a read of the whole prefix. */
  private reconcile(kvs: KeyValue[]): void {
    const seen = new Set<string>();
    for (const kv of kvs) {
      const name = this.put(kv);
      if (name) seen.add(name);
    }
    for (const name of [...this.names]) if (!seen.has(name)) this.remove(name);
  }

  private apply(events: WatchEvent[]): void {
    for (const e of events) {
      if (e.type === 'put') this.put(e.kv);
      else {
        this.refused.delete(e.kv.key);
        const name = nodeNameOfKey(e.kv.key);
        if (name) this.remove(name);
      }
    }
  }

  /** The node of a key, into the directory; its name (also when its value was skipped), or undefined. */
  private put(kv: KeyValue): string | undefined {
    const name = nodeNameOfKey(kv.key);
    if (!name) {
      this.skip(kv, `${kv.key} is no node's key: a node name follows ${NODES_PREFIX}`);
      return undefined;
    }
    try {
      this.directory!.upsert(nodeOfRegistration(kv.value.toString('utf8'), name));
      this.names.add(name);
      this.refused.delete(kv.key);
    } catch (e) {
      if (!(e instanceof RegistrationError)) throw e;
      this.skip(kv, e.message);
    }
    return name;
  }

  private skip(kv: KeyValue, why: string): void {
    if (this.refused.get(kv.key) === kv.modRevision) return;
    this.refused.set(kv.key, kv.modRevision);
    this.log.warn({ key: kv.key, revision: kv.modRevision, err: why }, 'a node registration skipped');
  }

  private remove(name: string): void {
    this.names.delete(name);
    this.directory!.remove(name);
  }
}
