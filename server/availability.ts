/**
 * Whether the server serves, and if not why: VPP's connection, then the
 * journal. Health (grpc.health.v1, and through it the gateway's /readyz) and
 * a fleet's registration read it. States: VPP's (`connected`,
 * `not_responding`, `reconnecting`, …) while VPP is not connected; once it is,
 * the journal's (`verifying` which VPP this is, `replaying` its
 * configuration, `journal_unwritable`); `connected` when all is well.
 */
import { EventEmitter } from 'node:events';
import type { VppClient } from '../vpp/client/index.ts';
import { JOURNAL_STATE_NAMES, type Journal } from './journal/journal.ts';

export class Availability extends EventEmitter<{ change: [] }> {
  constructor(
    private readonly client: VppClient,
    private readonly journal: Journal | undefined,
  ) {
    super();
    client.on('state', () => this.emit('change'));
    journal?.on('state', () => this.emit('change'));
  }

  get serving(): boolean {
    return this.client.state === 'connected' && (!this.journal || this.journal.state === 'ready');
  }

  get state(): string {
    if (this.client.state !== 'connected' || !this.journal) return this.client.state;
    return this.journal.state === 'ready' ? 'connected' : JOURNAL_STATE_NAMES[this.journal.state];
  }

  /** Why the server does not serve; undefined when it does. */
  get reason(): string | undefined {
    const vpp = this.client.unavailable();
    if (vpp) return vpp.message;
    if (this.serving) return undefined;
    return this.journal?.gate()?.details;
  }
}
