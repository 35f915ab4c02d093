// A socket a Poll can watch (mio's IoSource, tokio's PollEvented): the register / reregister /
// deregister trio and the re-arm after WouldBlock, written once for IoSource and for the net
// types (TcpListener, TcpStream, UdpSocket), which extend it.
import { InvalidStateError } from '../core/errors.js';
import type { Interest } from '../core/interest.js';
import type { Token } from '../core/token.js';
import type { WouldBlock } from '../core/would-block.js';
import { IoSourceState } from './io-source-state.js';
import { selectorOf, type Registry } from './registry.js';
import type { Source } from './source.js';

export abstract class PollableSocket implements Source {
  readonly #state = new IoSourceState();
  readonly #kind: string;
  #socket: bigint;

  /** `kind` names the source in the error a released one throws. */
  protected constructor(socket: bigint, kind: string) {
    this.#socket = socket;
    this.#kind = kind;
  }

  /** The raw SOCKET; throws once released. */
  protected get handle(): bigint {
    if (this.#socket === 0n) throw new InvalidStateError('ERR_SOCKET_CLOSED', `the ${this.#kind} is closed`);
    return this.#socket;
  }

  protected get released(): boolean {
    return this.#socket === 0n;
  }

  protected get registered(): boolean {
    return this.#state.registered;
  }

  /** Readiness reported since registration; 0 when not registered. */
  protected get seenReadiness(): number {
    return this.#state.seenReadiness;
  }

  register(registry: Registry, token: Token, interest: Interest): void {
    this.#state.register(selectorOf(registry), this.handle, token, interest);
  }

  reregister(registry: Registry, token: Token, interest: Interest): void {
    this.#assertHeld();
    this.#state.reregister(selectorOf(registry), token, interest);
  }

  deregister(registry: Registry): void {
    this.#assertHeld();
    this.#state.deregister(selectorOf(registry));
  }

  /** Runs a non-blocking call; WouldBlock re-arms `direction` (edge triggering). */
  protected doIo<T>(operation: (socket: bigint) => T | WouldBlock, direction?: Interest): T | WouldBlock {
    const socket = this.handle;
    return this.#state.doIo(() => operation(socket), direction);
  }

  /**
   * Drops the registration (the selector frees its state once the poll in flight reports) and
   * hands the socket over to be closed; 0n when already released.
   */
  protected release(): bigint {
    const socket = this.#socket;
    if (socket === 0n) return 0n;
    this.#state.forget();
    this.#socket = 0n;
    return socket;
  }

  // A released source says so, rather than "not registered".
  #assertHeld(): void {
    if (this.#socket === 0n) throw new InvalidStateError('ERR_SOCKET_CLOSED', `the ${this.#kind} is closed`);
  }
}
