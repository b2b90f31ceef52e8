/**
 * Faults a test can inject: slow replies, a connection dropped after some
 * messages, a simulator that stops answering. (Drops, restarts and
 * malformed frames act at once; the simulator carries them out.)
 */
export type SendVerdict = 'send' | 'send-last' | 'drop';

export interface FaultsView {
  delayMs: number;
  delays: Record<string, number>;
  stalled: boolean;
  dropAfter: number | null;
}

export class Faults {
  /** hold every incoming message unanswered until resumed */
  stalled = false;
  private delayAll = 0;
  private readonly delays = new Map<string, number>();
  private sendsLeft: number | undefined;

  /** Delay the replies to `message` (to everything when absent) by `ms`; 0 removes the delay. */
  setDelay(ms: number, message?: string): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`delay must be a number of ms ≥ 0, got ${ms}`);
    if (message === undefined) this.delayAll = ms;
    else if (ms === 0) this.delays.delete(message);
    else this.delays.set(message, ms);
  }

  delayFor(message: string): number {
    return this.delays.get(message) ?? this.delayAll;
  }

  /** Let `messages` more messages out (to any client), then drop every connection. */
  dropAfter(messages: number): void {
    if (!Number.isInteger(messages) || messages < 0) throw new RangeError(`messages must be an integer ≥ 0`);
    this.sendsLeft = messages;
  }

  /** Asked for each message about to be written. */
  nextSend(): SendVerdict {
    if (this.sendsLeft === undefined) return 'send';
    if (this.sendsLeft === 0) {
      this.sendsLeft = undefined;
      return 'drop';
    }
    if (--this.sendsLeft > 0) return 'send';
    this.sendsLeft = undefined;
    return 'send-last';
  }

  clear(): void {
    this.stalled = false;
    this.delayAll = 0;
    this.delays.clear();
    this.sendsLeft = undefined;
  }

  describe(): FaultsView {
    return {
      delayMs: this.delayAll,
      delays: Object.fromEntries(this.delays),
      stalled: this.stalled,
      dropAfter: this.sendsLeft ?? null,
    };
  }
}
