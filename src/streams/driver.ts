// The event-loop driver: waits on a Poll and dispatches each event to the handler of its token
// on the main thread. While some ref'd source uses it, it waits with pollAsync(), which holds the
// process open like a ref'd net handle. While only unref'd sources remain, it hands the wait to
// the Poll's waiting thread for good, unref'd, so the process may exit. Both wait on that thread,
// never on libuv's threadpool. With no sources it does not wait, once their polls reported back.
import { PollClosedError } from '../core/errors.js';
import type { Interest } from '../core/interest.js';
import { Poll } from '../poll/poll.js';
import type { ReadinessBits } from '../core/readiness.js';
import { selectorOf } from '../poll/registry.js';
import { Events } from '../core/events.js';
import type { BackgroundWait, EventBatch } from '../core/selector.js';
import type { Source } from '../poll/source.js';
import type { Token } from '../core/token.js';
import { DriverRegistration } from './driver-registration.js';

export type ReadinessHandler = (readiness: ReadinessBits) => void;
/** The driver's wait failed for good: no further readiness will come. */
export type FailureHandler = (error: Error) => void;

type WaitMode = 'idle' | 'async' | 'pump';

let shared: Driver | undefined;

export class Driver {
  readonly poll: Poll;
  readonly #handlers = new Map<Token, ReadinessHandler>();
  readonly #failureHandlers = new Map<Token, FailureHandler>();
  /** Why waiting stopped for good; the Poll is closed then. */
  #failure: Error | undefined;
  readonly #events = new Events(1024);
  #mode: WaitMode = 'idle';
  #pump: BackgroundWait | undefined;
  #asyncLoop: { abort: AbortController; done: Promise<void> } | undefined;
  /** Mode changes, one after the other: two waits on one Poll are never in flight. */
  #transition: Promise<void> = Promise.resolve();
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
    if (shared === undefined || shared.poll.closed || shared.#failure !== undefined) shared = new Driver();
    return shared;
  }

  /**
   * Registers `source` and routes its readiness to `handler`; returns its token. `onFailure`
   * hears once if waiting fails for good (the port broke): its source gets no more events.
   */
  add(source: Source, interest: Interest, handler: ReadinessHandler, onFailure?: FailureHandler): Token {
    if (this.#failure !== undefined) throw this.#failure;
    const token = this.#nextToken++ as Token;
    this.poll.registry().register(source, token, interest);
    this.#handlers.set(token, handler);
    if (onFailure !== undefined) this.#failureHandlers.set(token, onFailure);
    this.#schedule();
    return token;
  }

  /** add() as one handle: the token, a hold on the process, and one close() for both. */
  register(source: Source, interest: Interest, handler: ReadinessHandler, onFailure?: FailureHandler): DriverRegistration {
    return new DriverRegistration(this, source, this.add(source, interest, handler, onFailure));
  }

  /** Why this driver stopped waiting, if it did (Driver.shared() then starts a new one). */
  get failure(): Error | undefined {
    return this.#failure;
  }

  reregister(source: Source, token: Token, interest: Interest): void {
    this.poll.registry().reregister(source, token, interest);
  }

  /** Deregisters; safe to call for a source whose Poll is already closed. */
  remove(source: Source, token: Token): void {
    this.#handlers.delete(token);
    this.#failureHandlers.delete(token);
    if (!this.poll.closed) source.deregister(this.poll.registry());
    this.#schedule();
  }

  /** A hold on the ref count that its owner switches on and off (idempotent). */
  hold(): DriverHold {
    return new DriverHold(this);
  }

  /** One more ref'd user: the process stays alive while waiting. */
  retain(): void {
    this.#refs++;
    if (this.#refs === 1) this.#schedule();
  }

  release(): void {
    if (this.#refs === 0) return;
    this.#refs--;
    if (this.#refs === 0) this.#schedule();
  }

  get activeSources(): number {
    return this.#handlers.size;
  }

  /** Closes the Poll (every registration ends) and stops the waiting thread. */
  close(): void {
    this.#handlers.clear();
    this.#failureHandlers.clear();
    this.poll.close();
  }

  /**
   * Waiting failed (the completion port or its thread broke): every source hears it through
   * its failure handler, and the Poll closes, since no event would come any more. Never thrown
   * from here: an unhandled rejection would end the process, and the users' data with it.
   */
  #fail(error: Error): void {
    if (this.#failure !== undefined) return;
    this.#failure = error;
    const failureHandlers = [...this.#failureHandlers.values()];
    const unheard = this.#handlers.size - failureHandlers.length;
    this.#handlers.clear();
    this.#failureHandlers.clear();
    try {
      this.poll.close();
    } catch {
      // The port is broken already; its memory stays with the kernel (docs/architecture.md).
    }
    if (failureHandlers.length === 0 || unheard > 0) process.emitWarning(`mio-ts: the driver stopped waiting: ${error.message}`, { code: 'MIO_TS_DRIVER_FAILED' });
    for (const handler of failureHandlers) {
      try {
        handler(error);
      } catch (thrown) {
        // A listener's exception is the user's uncaught exception, as in #dispatch.
        process.nextTick(() => {
          throw thrown;
        });
      }
    }
  }

  #desired(): WaitMode {
    if (this.poll.closed) return 'idle';
    // A socket removed with its poll in flight is freed once that poll's completion is
    // dequeued: the unref'd wait goes on until then.
    if (this.#handlers.size === 0) return selectorOf(this.poll.registry()).pollsInFlight ? 'pump' : 'idle';
    return this.#refs > 0 ? 'async' : 'pump';
  }

  #schedule(): void {
    if (this.#desired() === this.#mode) return;
    // Leaving the unref'd wait awaits its end, which holds nothing open: a ref'd user that
    // arrives meanwhile (a connect after a DNS lookup) must keep the process alive till then.
    const keepAlive = this.#refs > 0 ? setInterval(() => undefined, 2 ** 30) : undefined;
    this.#transition = this.#transition
      .then(() => this.#apply())
      .catch((error: unknown) => this.#fail(error instanceof Error ? error : new Error(String(error))))
      .finally(() => clearInterval(keepAlive));
  }

  async #apply(): Promise<void> {
    if (this.#desired() === this.#mode) return;
    if (this.#asyncLoop !== undefined) {
      this.#asyncLoop.abort.abort();
      await this.#asyncLoop.done;
      this.#asyncLoop = undefined;
    }
    if (this.#pump !== undefined) {
      // To a ref'd wait, the waiting thread is handed over rather than stopped and started anew.
      if (this.#desired() === 'async') await this.#pump.handOver();
      else await this.#pump.stop();
      this.#pump = undefined;
    }
    this.#mode = 'idle';
    // What is wanted may have changed while the old wait stopped.
    const next = this.#desired();
    if (next === 'async') this.#asyncLoop = this.#startAsyncLoop();
    else if (next === 'pump') {
      if (this.poll.closed) throw new PollClosedError("the driver's Poll is closed");
      this.#pump = selectorOf(this.poll.registry()).startBackgroundWait(
        (batch) => this.#dispatch(batch),
        (error) => this.#fail(error),
      );
      this.#pump.unref();
    }
    this.#mode = next;
  }

  #startAsyncLoop(): { abort: AbortController; done: Promise<void> } {
    const abort = new AbortController();
    const done = (async () => {
      while (!abort.signal.aborted && !this.poll.closed) {
        try {
          await this.poll.pollAsync(this.#events, { signal: abort.signal });
        } catch (error) {
          if (abort.signal.aborted || this.poll.closed) return;
          this.#fail(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        const batch: EventBatch = [];
        for (const event of this.#events) batch.push({ token: event.token, readiness: event.readiness });
        this.#dispatch(batch);
      }
    })();
    return { abort, done };
  }

  #dispatch(batch: EventBatch): void {
    // The last source is gone: the wait ends once its polls reported back (#desired).
    if (this.#handlers.size === 0) this.#schedule();
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
