// Events dequeued but not delivered: an edge is reported once, so what did not fit the caller's
// Events, or what an aborted wait or a stopped iterator left behind, waits here for the next wait.
import type { Events } from '../../core/events.js';
import type { ReadinessBits } from '../../core/readiness.js';
import type { Token } from '../../core/token.js';
import type { EventSink } from './completion-router.js';
import type { WaitTarget } from './wait-loop.js';

interface ParkedEvent {
  token: Token;
  readiness: ReadinessBits;
}

export class ParkedEvents {
  #events: ParkedEvent[] = [];

  /** A sink that parks every event (completions that arrived for nobody). */
  readonly sink: EventSink = { push: (token, readiness) => this.#events.push({ token, readiness }) };

  /** A wait target that fills `events` and parks what does not fit. */
  targetFor(events: Events): WaitTarget {
    return {
      sink: {
        push: (token, readiness) => {
          if (!events.push(token, readiness)) this.#events.push({ token, readiness });
        },
      },
      get room() {
        return events.capacity - events.length;
      },
      get hasEvents() {
        return events.length > 0;
      },
    };
  }

  /** Takes back events from `from` on; the next wait returns them first, in order. */
  putBack(events: Events, from: number): void {
    const kept: ParkedEvent[] = [];
    for (let i = from; i < events.length; i++) {
      const event = events.get(i);
      if (event !== undefined) kept.push({ token: event.token, readiness: event.readiness });
    }
    if (kept.length > 0) this.#events.unshift(...kept);
  }

  /** Moves parked events into `events`, oldest first, as many as fit. */
  drainInto(events: Events): void {
    while (this.#events.length > 0) {
      const next = this.#events[0];
      if (next === undefined || !events.push(next.token, next.readiness)) return;
      this.#events.shift();
    }
  }
}
