/** The journal's Prometheus metrics, read from the journal at each scrape. */
import { Counter, Gauge, type Registry } from 'prom-client';
import { JOURNAL_STATE_NAMES, type Journal } from './journal.ts';

/** A counter that follows a number the journal keeps (its own counters are plain numbers on the hot path). */
function following(name: string, help: string, registers: Registry[], read: () => number): void {
  let seen = 0;
  new Counter({
    name,
    help,
    registers,
    collect() {
      const now = read();
      if (now > seen) this.inc(now - seen);
      seen = now;
    },
  });
}

export class JournalMetrics {
  constructor(registry: Registry, journal: Journal) {
    const registers = [registry];
    new Gauge({
      name: 'vpp_rpc_journal_entries',
      help: 'Live entries of the journal: what a replay sends',
      registers,
      collect() {
        this.set(journal.status().entries);
      },
    });
    new Gauge({
      name: 'vpp_rpc_journal_bytes',
      help: "Bytes the journal's store holds",
      registers,
      collect() {
        this.set(journal.status().bytes);
      },
    });
    const states = [...new Set(Object.values(JOURNAL_STATE_NAMES))];
    new Gauge({
      name: 'vpp_rpc_journal_state',
      help: 'State of the journal (1 for the current one)',
      labelNames: ['state'],
      registers,
      collect() {
        const now = JOURNAL_STATE_NAMES[journal.state];
        for (const s of states) this.set({ state: s }, s === now ? 1 : 0);
      },
    });
    const c = journal.counters;
    following('vpp_rpc_journal_appends_total', 'Writes the journal kept', registers, () => c.appends);
    following(
      'vpp_rpc_journal_append_failures_total',
      'Writes VPP carried out that the journal could not keep (their callers were told)',
      registers,
      () => c.appendFailures,
    );
    following(
      'vpp_rpc_journal_sync_seconds_total',
      'Time spent making groups of appends durable (fsync, or the store acknowledging)',
      registers,
      () => journal.syncs.seconds,
    );
    following(
      'vpp_rpc_journal_syncs_total',
      'Durable writes of the journal: one per group of appends',
      registers,
      () => journal.syncs.count,
    );
    following('vpp_rpc_journal_replays_total', 'Replays of the journal into VPP', registers, () => c.replays);
    following(
      'vpp_rpc_journal_replay_failures_total',
      'Journal entries VPP refused on replay',
      registers,
      () => c.replayFailures,
    );
  }
}
