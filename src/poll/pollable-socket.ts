// A socket a Poll can watch (mio's IoSource, tokio's PollEvented): its registration
// (RegisteredSource over an IoSourceState) and the re-arm after WouldBlock, written once for
// IoSource and for the net types (TcpListener, TcpStream, UdpSocket), which extend it.
import { SocketClosedError } from '../core/errors.js';
import type { Interest } from '../core/interest.js';
import type { WouldBlock } from '../core/would-block.js';
import { IoSourceState } from './io-source-state.js';
import { RegisteredSource, type SelectorRegistration } from './registered-source.js';

export abstract class PollableSocket extends RegisteredSource {
  readonly #state: IoSourceState;
  readonly #kind: string;
  #socket: bigint;

  /** `kind` names the source in the error a released one throws. */
  protected constructor(socket: bigint, kind: string) {
    super();
    this.#socket = socket;
    this.#state = new IoSourceState(socket);
    this.#kind = kind;
  }

  /** The raw SOCKET; throws once released. */
  protected get handle(): bigint {
    if (this.#socket === 0n) throw this.#closedError();
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

  protected openRegistration(): SelectorRegistration {
    // A released source says so, rather than "not registered".
    if (this.#socket === 0n) throw this.#closedError();
    return this.#state;
  }

  /** Runs a non-blocking call; WouldBlock re-arms `direction`; a short read: see IoSourceState.doIo. */
  protected doIo<T>(operation: (socket: bigint) => T | WouldBlock, direction?: Interest, readLength?: number, rearmWhenShort?: boolean): T | WouldBlock {
    const socket = this.handle;
    return this.#state.doIo(() => operation(socket), direction, readLength, rearmWhenShort);
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

  #closedError(): SocketClosedError {
    return new SocketClosedError(`the ${this.#kind} is closed`);
  }
}
