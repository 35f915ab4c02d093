// The event-loop driver: one background wait per Poll (a worker thread blocked in the
// completion port), dispatching each event to the handler of its token on the main thread.
// The wait keeps the process alive only while some ref'd source uses it, like net handles.
import { InvalidStateError } from '../core/errors.js';
import type { Interest } from '../core/interest.js';
import { Poll } from '../core/poll.js';
import type { ReadinessBits } from '../core/readiness.js';
import { selectorOf } from '../core/registry.js';
import type { BackgroundWait, EventBatch } from '../core/selector.js';
import type { Source } from '../core/source.js';
import type { Token } from '../core/token.js';

export type ReadinessHandler = (readiness: ReadinessBits) => void;

let shared: Driver | undefined;

export class Driver {
  readonly poll: Poll;
  readonly #handlers = new Map<Token, ReadinessHandler>();
  #wait: BackgroundWait | undefined;
  #nextToken = 1;
  #refs = 0;
  /** Readiness events dispatched so far (for reports). */
  eventsDispatched = 0;

  /** A driver over `poll`, or over a Poll of its own. */
  constructor(poll: Poll = new Poll()) {
    this.poll = poll;
  }

  /** The process-wide driver every stream uses unless given another. */
  static shared(): Driver {
    if (shared === undefined || shared.poll.closed) shared = new Driver();
    return shared;
  }

  /** Registers `source` and routes its readiness to `handler`; returns its token. */
  add(source: Source, interest: Interest, handler: ReadinessHandler): Token {
    const token = this.#nextToken++ as Token;
    this.poll.registry().register(source, token, interest);
    this.#handlers.set(token, handler);
    this.#ensureWaiting();
    return token;
  }

  reregister(source: Source, token: Token, interest: Interest): void {
    this.poll.registry().reregister(source, token, interest);
  }

  /** Deregisters; safe to call for a source whose Poll is already closed. */
  remove(source: Source, token: Token): void {
    this.#handlers.delete(token);
    if (!this.poll.closed) source.deregister(this.poll.registry());
  }

  /** A hold on the ref count that its owner switches on and off (idempotent). */
  hold(): DriverHold {
    return new DriverHold(this);
  }

  /** One more ref'd user: the process stays alive while waiting. */
  retain(): void {
    this.#refs++;
    if (this.#refs === 1) this.#wait?.ref();
  }

  release(): void {
    if (this.#refs === 0) return;
    this.#refs--;
    if (this.#refs === 0) this.#wait?.unref();
  }

  get activeSources(): number {
    return this.#handlers.size;
  }

  /** Closes the Poll (every registration ends) and stops the waiting thread. */
  close(): void {
    this.#handlers.clear();
    this.poll.close();
  }

  #ensureWaiting(): void {
    if (this.#wait !== undefined) return;
    if (this.poll.closed) throw new InvalidStateError('ERR_POLL_CLOSED', 'the driver\'s Poll is closed');
    this.#wait = selectorOf(this.poll.registry()).startBackgroundWait((batch) => this.#dispatch(batch));
    if (this.#refs === 0) this.#wait.unref();
  }

  #dispatch(batch: EventBatch): void {
    this.eventsDispatched += batch.length;
    for (const { token, readiness } of batch) {
      const handler = this.#handlers.get(token);
      if (handler === undefined) continue;
      try {
        handler(readiness);
      } catch (error) {
        // An exception from user code (a listener) is uncaught, as it would be with node:net;
        // thrown later so the other sources of this batch are still served.
        process.nextTick(() => {
          throw error;
        });
      }
    }
  }
}

/** One user's share of a driver's ref count: on while that user is ref'd and active. */
export class DriverHold {
  readonly #driver: Driver;
  #held = false;

  constructor(driver: Driver) {
    this.#driver = driver;
  }

  set(held: boolean): void {
    if (held === this.#held) return;
    this.#held = held;
    if (held) this.#driver.retain();
    else this.#driver.release();
  }
}
