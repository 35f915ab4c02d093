// mio's Events: a fixed-capacity batch that one poll fills and the caller then iterates.
import { InvalidArgumentError } from './errors.js';
import { Event } from './event.js';
import type { ReadinessBits } from './readiness.js';
import type { Token } from './token.js';

export class Events implements Iterable<Event> {
  readonly capacity: number;
  // Slots outlive clear(): a slot whose Event already matches is reused instead of allocating,
  // which is the common case of the same sockets firing the same way poll after poll.
  readonly #slots: Event[] = [];
  #length = 0;

  constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity <= 0) {
      throw new InvalidArgumentError(`Events capacity must be a positive integer, got ${String(capacity)}`);
    }
    this.capacity = capacity;
  }

  get length(): number {
    return this.#length;
  }

  isEmpty(): boolean {
    return this.#length === 0;
  }

  clear(): void {
    this.#length = 0;
  }

  /** The event at `index`, or `undefined` outside `0 .. length - 1`. */
  get(index: number): Event | undefined {
    if (!Number.isInteger(index) || index < 0 || index >= this.#length) return undefined;
    return this.#slots[index];
  }

  /** For the selector: appends an event; `false` when the batch is full. */
  push(token: Token, readiness: ReadinessBits): boolean {
    const index = this.#length;
    if (index >= this.capacity) return false;
    const slot = this.#slots[index];
    if (slot === undefined || slot.token !== token || slot.readiness !== readiness) {
      this.#slots[index] = new Event(token, readiness);
    }
    this.#length = index + 1;
    return true;
  }

  *[Symbol.iterator](): Iterator<Event> {
    // Re-reads length each step so a clear() mid-iteration ends the loop.
    for (let i = 0; i < this.#length; i++) yield this.#slots[i] as Event;
  }
}
