// The registration state of one socket (mio's IoSourceState): which Poll it belongs to, under
// which token and interest, and the re-arm after WouldBlock that makes edges work.
import { AlreadyRegisteredError, InvalidArgumentError, NotRegisteredError } from '../core/errors.js';
import { Interest } from '../core/interest.js';
import type { Selector, SocketRegistration } from '../core/selector.js';
import type { Token } from '../core/token.js';
import { WOULD_BLOCK, type WouldBlock } from '../core/would-block.js';
import type { SelectorRegistration } from './registered-source.js';

export class IoSourceState implements SelectorRegistration {
  readonly #socket: bigint;
  #selector: Selector | undefined;
  #registration: SocketRegistration | undefined;
  #interest: Interest | undefined;

  constructor(socket: bigint) {
    this.#socket = socket;
  }

  get registered(): boolean {
    return this.#registration !== undefined && this.#selector?.closed === false;
  }

  get token(): Token | undefined {
    return this.#registration?.token;
  }

  /** Readiness reported since registration; 0 when not registered. */
  get seenReadiness(): number {
    return this.#registration?.seenReadiness ?? 0;
  }

  get interest(): Interest | undefined {
    return this.#interest;
  }

  register(selector: Selector, token: Token, interest: Interest): void {
    if (this.registered) throw new AlreadyRegisteredError('the source is already registered with a Poll');
    this.#registration = selector.registerSocket(this.#socket, token, interest);
    this.#selector = selector;
    this.#interest = interest;
  }

  reregister(selector: Selector, token: Token, interest: Interest): void {
    const registration = this.#registrationFor(selector);
    selector.reregisterSocket(registration, token, interest);
    this.#interest = interest;
  }

  deregister(selector: Selector): void {
    const registration = this.#registrationFor(selector);
    selector.deregisterSocket(registration);
    this.#clear();
  }

  /** Drops the registration without touching a selector that is already closed. */
  forget(): void {
    if (this.#registration !== undefined && this.#selector?.closed === false) this.#selector.deregisterSocket(this.#registration);
    this.#clear();
  }

  /**
   * Runs a non-blocking operation; WouldBlock re-arms `direction` (default: the whole registered
   * interest, as mio does). Naming the blocked direction avoids waking a paused reader when
   * only a write blocked. For a read into `readLength` bytes, a count from 1 to
   * `readLength - 1` proves the source empty as surely as a WouldBlock would. With
   * `rearmWhenShort` it re-arms the same way and saves the call that would only have said
   * WouldBlock (AFD polls are level-triggered, so bytes that came in between complete the
   * re-armed poll at once); without, it only tells the selector the socket was drained
   * (Selector.socketReadDrained).
   */
  doIo<T>(operation: () => T | WouldBlock, direction?: Interest, readLength = 0, rearmWhenShort = false): T | WouldBlock {
    const result = operation();
    if (result === WOULD_BLOCK) this.#rearm(direction);
    else if (typeof result === 'number' && result > 0 && result < readLength) {
      if (rearmWhenShort) this.#rearm(direction);
      else if (this.#registration !== undefined && this.#selector?.closed === false) this.#selector.socketReadDrained(this.#registration);
    }
    return result;
  }

  /** Issues the poll for `direction` (default: the whole registered interest) again. */
  #rearm(direction?: Interest): void {
    if (this.#registration === undefined || this.#interest === undefined || this.#selector?.closed !== false) return;
    const bits = direction === undefined ? this.#interest.bits : this.#interest.bits & direction.bits;
    if (bits !== 0) this.#selector.rearmSocket(this.#registration, Interest.fromBits(bits));
  }

  #registrationFor(selector: Selector): SocketRegistration {
    if (this.#registration === undefined || this.#selector === undefined || this.#selector.closed) {
      throw new NotRegisteredError('the source is not registered');
    }
    if (this.#selector !== selector) throw new InvalidArgumentError('the source is registered with another Poll');
    return this.#registration;
  }

  #clear(): void {
    this.#registration = undefined;
    this.#selector = undefined;
    this.#interest = undefined;
  }
}
