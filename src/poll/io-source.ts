// A raw socket as a Source (mio's IoSource): the way to watch a SOCKET that some other code
// created, e.g. one handed out by a native library loaded through koffi. The socket must be
// non-blocking for the readiness loop to make sense; closing it stays with its owner.
import { InvalidArgumentError } from '../core/errors.js';
import type { Interest } from '../core/interest.js';
import { IoSourceState } from './io-source-state.js';
import { selectorOf, type Registry } from './registry.js';
import type { Source } from './source.js';
import type { Token } from '../core/token.js';
import type { WouldBlock } from '../core/would-block.js';

export class IoSource implements Source {
  readonly socket: bigint;
  readonly #state = new IoSourceState();

  constructor(socket: bigint | number) {
    const value = typeof socket === 'number' && Number.isSafeInteger(socket) ? BigInt(socket) : socket;
    if (typeof value !== 'bigint' || value <= 0n || value >= 0xffff_ffff_ffff_ffffn) {
      throw new InvalidArgumentError(`not a socket handle: ${typeof socket === 'bigint' || typeof socket === 'number' ? String(socket) : typeof socket}`);
    }
    this.socket = value;
  }

  get registered(): boolean {
    return this.#state.registered;
  }

  register(registry: Registry, token: Token, interest: Interest): void {
    this.#state.register(selectorOf(registry), this.socket, token, interest);
  }

  reregister(registry: Registry, token: Token, interest: Interest): void {
    this.#state.reregister(selectorOf(registry), token, interest);
  }

  deregister(registry: Registry): void {
    this.#state.deregister(selectorOf(registry));
  }

  /**
   * Runs a non-blocking operation on the socket. Return WOULD_BLOCK from it when the OS said
   * would-block: the interest is then re-armed so the next readiness is reported. Name the
   * blocked `direction` (e.g. Interest.READABLE for a recv) to re-arm only that one; by default
   * the whole registered interest is re-armed, as mio does.
   */
  doIo<T>(operation: (socket: bigint) => T | WouldBlock, direction?: Interest): T | WouldBlock {
    return this.#state.doIo(() => operation(this.socket), direction);
  }
}
