// mio's Poll: waits for readiness of registered sources. poll() blocks its thread (for worker
// threads and tests); pollAsync() and for-await wait on a thread of the Poll's own instead (not
// one of libuv's threadpool), so the event loop keeps running and nothing busy-polls.
import { createSelector } from '../sys/index.js';
import { InvalidArgumentError, PollClosedError } from '../core/errors.js';
import type { Event } from '../core/event.js';
import { Events } from '../core/events.js';
import { Registry } from './registry.js';
import type { Selector } from '../core/selector.js';

/** Makes the platform's selector; a Poll owns the one it gets and closes it. */
export type SelectorFactory = () => Selector;

export interface PollOptions {
  /**
   * Defaults to the platform's (src/sys). Another factory serves portable unit tests and
   * future platforms; a fake one proves nothing about the Windows path.
   */
  selectorFactory?: SelectorFactory | undefined;
}

export interface PollAsyncOptions {
  /** Milliseconds; undefined waits until an event. 0 only collects what is ready. */
  timeout?: number | undefined;
  signal?: AbortSignal | undefined;
}

function checkTimeout(timeout: unknown): number | undefined {
  if (timeout === undefined) return undefined;
  if (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0) {
    throw new InvalidArgumentError(`timeout must be a non-negative number of milliseconds or undefined, got ${typeof timeout === "number" ? timeout : typeof timeout}`);
  }
  // Beyond ~49 days GetQueuedCompletionStatusEx cannot count: treat it as forever.
  return timeout >= 0xffff_fffe ? undefined : timeout;
}

function checkEvents(events: unknown): Events {
  if (!(events instanceof Events)) throw new InvalidArgumentError('events must be an Events (new Events(capacity))');
  return events;
}

export class Poll implements AsyncIterable<Event>, Disposable {
  readonly #selector: Selector;
  readonly #registry: Registry;

  constructor(options?: PollOptions) {
    const factory = options?.selectorFactory ?? createSelector;
    if (typeof factory !== 'function') throw new InvalidArgumentError('selectorFactory must be a function returning a Selector');
    this.#selector = factory();
    this.#registry = new Registry(this.#selector);
  }

  get closed(): boolean {
    return this.#selector.closed;
  }

  registry(): Registry {
    return this.#registry;
  }

  /** Blocks the calling thread until events arrive or `timeoutMs` passes; fills `events`. */
  poll(events: Events, timeoutMs?: number): void {
    const checked = checkEvents(events);
    const timeout = checkTimeout(timeoutMs);
    this.#assertOpen();
    this.#selector.select(checked, timeout);
  }

  /**
   * Like poll(), without blocking the event loop. Rejects with the signal's reason on abort.
   * Events found at once come back without a turn of the event loop, which still turns at
   * least once a millisecond while they keep coming.
   */
  async pollAsync(events: Events, options: PollAsyncOptions = {}): Promise<void> {
    const checked = checkEvents(events);
    const timeout = checkTimeout(options.timeout);
    this.#assertOpen();
    await this.#selector.selectAsync(checked, timeout, options.signal);
  }

  /** Events as they come, until the Poll closes or the loop breaks. */
  [Symbol.asyncIterator](): AsyncIterator<Event> {
    return new PollIterator(this, (events, from) => {
      if (!this.#selector.closed) this.#selector.putBack(events, from);
    });
  }

  /** Deregisters everything, waits for polls in flight to report back, frees native memory. */
  close(): void {
    this.#selector.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #assertOpen(): void {
    if (this.#selector.closed) throw new PollClosedError('the Poll is closed');
  }
}

class PollIterator implements AsyncIterator<Event> {
  readonly #poll: Poll;
  readonly #putBack: (events: Events, from: number) => void;
  readonly #events = new Events(256);
  #index = 0;
  #abort: AbortController | undefined;
  #inflight: Promise<void> | undefined;
  #done = false;

  constructor(poll: Poll, putBack: (events: Events, from: number) => void) {
    this.#poll = poll;
    this.#putBack = putBack;
  }

  async next(): Promise<IteratorResult<Event>> {
    while (!this.#done) {
      const event = this.#events.get(this.#index);
      if (event !== undefined) {
        this.#index++;
        return { value: event, done: false };
      }
      if (this.#poll.closed) break;
      this.#index = 0;
      this.#abort = new AbortController();
      const signal = this.#abort.signal;
      this.#inflight = this.#poll.pollAsync(this.#events, { signal });
      try {
        await this.#inflight;
      } catch (error) {
        if (this.#done || signal.aborted) break;
        throw error;
      } finally {
        this.#abort = undefined;
        this.#inflight = undefined;
      }
    }
    this.#done = true;
    return { value: undefined, done: true };
  }

  /** `break` in for-await: interrupts the wait in flight. */
  async return(): Promise<IteratorResult<Event>> {
    this.#done = true;
    this.#abort?.abort();
    // Settled once the wait has really stopped, so the Poll is free for the next caller.
    await this.#inflight?.catch(() => undefined);
    // Events of the batch not yielded yet go back to the Poll: each is an edge that would not
    // be reported again, so dropping it here would silence its source.
    this.#putBack(this.#events, this.#index);
    this.#events.clear();
    this.#index = 0;
    return { value: undefined, done: true };
  }
}
