/**
 * The node's registration in etcd: the key `/vpp-rpc/nodes/<name>`
 * (lib/fleet/registration.ts), attached to a lease of --etcd-lease-ttl that
 * lib/etcd keeps alive. The key goes when the server stops (the lease is
 * revoked) and by itself when the server dies (the lease expires).
 *
 * One name, one server: the key is created only while it does not exist (a
 * txn on its create revision), and rewritten only while it is still the one
 * this server created (a txn comparing that create revision), so a server
 * never overwrites another's claim. At start, a key held by another lease is
 * waited for, up to one lease TTL: a server killed with -9 and started again
 * finds its last incarnation's key until that lease expires. Still held then,
 * the name belongs to a server that is alive, and this one refuses to start
 * (NameTakenError, naming who holds it).
 *
 * etcd unreachable at start: the server serves all the same, and registers
 * in the background once etcd answers (retried with backoff, logged once). A
 * lease lost while etcd was away (longer than its TTL) is claimed again the
 * same way. The registration never makes the server unready: readiness is
 * about VPP.
 */
import { EventEmitter } from 'node:events';
import type { EtcdClient, KeyValue, Lease } from '../../lib/etcd/index.ts';
import { nodeKey, parseRegistration } from '../../lib/fleet/registration.ts';
import type { Logger } from '../../lib/log.ts';

/** The name is held by another live server. */
export class NameTakenError extends Error {
  override name = 'NameTakenError';
}

export interface RegistrationOptions {
  etcd: Pick<EtcdClient, 'grantLease' | 'txn' | 'leaseTimeToLive' | 'revokeLease'>;
  name: string;
  ttlSeconds: number;
  /** the key's value as it should be now */
  value: () => string;
  /** what the log says of this server when it registers (its addresses) */
  describe?: Record<string, unknown>;
  log: Logger;
  /** pauses between attempts while etcd does not answer: doubling from the first to the last */
  backoffMs?: { first: number; last: number };
  /** how often a held name is looked at again while it is waited for */
  pollMs?: number;
  /** waited beyond the lease TTL for etcd to expire a lease (it checks every 500 ms) */
  expiryMarginMs?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

/** Who holds a key, for a person: its server's address and start, as its value says. */
function holderOf(kv: KeyValue): string {
  try {
    const r = parseRegistration(kv.value.toString('utf8'));
    return `the server at ${r.grpc}${r.started ? `, started ${r.started}` : ''}`;
  } catch {
    return `lease ${kv.lease}`;
  }
}

export class Registration extends EventEmitter<{ registered: []; lost: [Error] }> {
  readonly key: string;
  private held: { lease: Lease; createRevision: number } | undefined;
  /** leases this server had: a key still attached to one is its own, left from before */
  private readonly formerLeases = new Set<string>();
  /** the value last written, to write only changes */
  private written: string | undefined;
  private closed = false;
  private wake: (() => void) | undefined;
  /** the trouble logged last (a taken name's message, or 'etcd'): logged once, not at each attempt */
  private trouble: string | undefined;
  private readonly backoff: { first: number; last: number };

  constructor(private readonly o: RegistrationOptions) {
    super();
    this.key = nodeKey(o.name);
    this.backoff = o.backoffMs ?? { first: 500, last: 5000 };
  }

  /** Whether the key is this server's now. */
  get registered(): boolean {
    return this.held !== undefined;
  }

  /**
   * Claims the name. Resolves once registered, or once etcd did not answer
   * (the claim then goes on in the background); rejects with NameTakenError
   * when another live server holds the name.
   */
  async start(): Promise<void> {
    try {
      await this.claim(true);
    } catch (e) {
      if (e instanceof NameTakenError) throw e;
      this.trouble = 'etcd';
      this.o.log.warn(
        { key: this.key, err: (e as Error).message },
        `not registered in etcd as ${this.o.name}: the server serves, and registers once etcd answers`,
      );
    }
    void this.run();
  }

  /** The value changed (state, VPP): the key says so, if it is this server's. */
  changed(): void {
    this.wake?.();
  }

  /** Stops registering, and removes the key (revokes its lease). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wake?.();
    const held = this.held;
    this.held = undefined;
    if (!held) return;
    try {
      await held.lease.revoke();
      this.o.log.info({ key: this.key }, `left etcd: ${this.key} removed`);
    } catch (e) {
      this.o.log.warn(
        { key: this.key, err: (e as Error).message },
        `${this.key} not removed: it expires with its lease`,
      );
    }
  }

  /** Claims the key when it is not held, writes changes when it is; sleeps until there is something to do. */
  private async run(): Promise<void> {
    let pause = this.backoff.first;
    while (!this.closed) {
      const woken = new Promise<void>((resolve) => (this.wake = resolve));
      try {
        if (!this.held) await this.claim(false);
        else if (this.o.value() !== this.written) await this.write();
        else {
          await woken;
          continue;
        }
        pause = this.backoff.first;
        this.trouble = undefined;
      } catch (e) {
        const why = (e as Error).message;
        const trouble = e instanceof NameTakenError ? why : 'etcd';
        // once per trouble, not per attempt; a failed rewrite is tried again until the lease says otherwise
        if (trouble !== this.trouble && this.held === undefined) {
          this.trouble = trouble;
          this.o.log[e instanceof NameTakenError ? 'error' : 'warn'](
            { key: this.key, err: why },
            `not registered in etcd as ${this.o.name}: trying again`,
          );
        } else this.o.log.debug({ key: this.key, err: why }, 'etcd registration: trying again');
        await Promise.race([sleep(pause), woken]);
        pause = Math.min(pause * 2, this.backoff.last);
      }
    }
  }

  /**
   * One claim of the key with a new lease. `wait`: a key held by another
   * lease is waited for up to that lease's TTL; else it fails at once.
   */
  private async claim(wait: boolean): Promise<void> {
    const { etcd, ttlSeconds, log } = this.o;
    const lease = await etcd.grantLease(ttlSeconds);
    let deadline: number | undefined;
    try {
      for (;;) {
        if (this.closed) throw new Error('the server is shutting down');
        const value = this.o.value();
        const r = await etcd.txn({
          compare: [{ key: this.key, target: 'createRevision', value: 0 }],
          success: [{ type: 'put', key: this.key, value, lease: lease.id }],
          failure: [{ type: 'get', key: this.key }],
        });
        const holder = r.responses[0]?.type === 'get' ? r.responses[0].kvs[0] : undefined;
        if (r.succeeded) return this.hold(lease, r.revision, value);
        if (!holder) continue;
        if (this.formerLeases.has(holder.lease)) {
          // this server's own key of before (its lease lost while etcd was away): it goes now
          await etcd.revokeLease(holder.lease);
          continue;
        }
        if (!wait) throw new NameTakenError(this.takenMessage(holder));
        if (deadline === undefined) {
          const remaining = await etcd.leaseTimeToLive(holder.lease).then(
            (t) => t.ttl,
            () => ttlSeconds,
          );
          const waitMs = Math.max(ttlSeconds, remaining) * 1000 + (this.o.expiryMarginMs ?? 2000);
          deadline = Date.now() + waitMs;
          log.info(
            { key: this.key, holder: holderOf(holder), waitMs },
            `node name ${this.o.name} is held: waiting up to ${(waitMs / 1000).toFixed(1)} s for its lease to expire`,
          );
        } else if (Date.now() >= deadline) throw new NameTakenError(this.takenMessage(holder));
        await sleep(this.o.pollMs ?? 250);
      }
    } catch (e) {
      // the lease has no key: gone now, or when it expires
      lease.revoke().catch(() => {});
      throw e;
    }
  }

  private takenMessage(holder: KeyValue): string {
    return (
      `node name ${this.o.name} is taken: ${this.key} is held by ${holderOf(holder)}, whose lease is kept alive; ` +
      'stop that server, or give this one another --node-name'
    );
  }

  private hold(lease: Lease, createRevision: number, value: string): void {
    if (this.closed) {
      lease.revoke().catch(() => {});
      return;
    }
    this.held = { lease, createRevision };
    this.formerLeases.add(lease.id);
    this.written = value;
    lease.once('lost', (e: Error) => this.lost(lease, e.message));
    this.o.log.info(
      { key: this.key, lease: lease.id, ttl: lease.ttl, ...this.o.describe },
      `registered in etcd as ${this.o.name}`,
    );
    this.emit('registered');
  }

  /** Rewrites the key, only while it is the one this server created. */
  private async write(): Promise<void> {
    const held = this.held!;
    const value = this.o.value();
    const r = await this.o.etcd.txn({
      compare: [{ key: this.key, target: 'createRevision', value: held.createRevision }],
      success: [{ type: 'put', key: this.key, value, lease: held.lease.id }],
    });
    if (r.succeeded) this.written = value;
    else {
      // deleted meanwhile, or another server's now: claim it anew
      held.lease.revoke().catch(() => {});
      this.lost(held.lease, `${this.key} is no longer the key this server created`);
    }
  }

  private lost(lease: Lease, why: string): void {
    if (this.closed || this.held?.lease !== lease) return;
    this.held = undefined;
    this.written = undefined;
    this.o.log.warn({ key: this.key, err: why }, `lost the registration in etcd as ${this.o.name}: registering again`);
    this.emit('lost', new Error(why));
    this.wake?.();
  }
}
