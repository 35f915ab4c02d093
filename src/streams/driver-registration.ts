// A source's link to a Driver: its token, its share of the driver's ref count, and one close()
// that undoes both (tokio's Registration is the model). SourceDuplex, UdpDuplex, the drop-in
// Server, a connect attempt and the RxJS functions each hold one instead of a token and a hold.
import type { Token } from '../core/token.js';
import type { Source } from '../poll/source.js';
import type { Driver, DriverHold } from './driver.js';

export class DriverRegistration {
  readonly token: Token;
  readonly #driver: Driver;
  readonly #source: Source;
  readonly #hold: DriverHold;
  #closed = false;

  /** @internal Made by Driver.register(). */
  constructor(driver: Driver, source: Source, token: Token) {
    this.#driver = driver;
    this.#source = source;
    this.token = token;
    this.#hold = driver.hold();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Keeps the process alive while the driver waits (idempotent; off to begin with, and once closed). */
  hold(on: boolean): void {
    if (!this.#closed) this.#hold.set(on);
  }

  /** Deregisters and lets go of the hold; idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#hold.set(false);
    try {
      this.#driver.remove(this.#source, this.token);
    } catch {
      // The source was closed or deregistered already: its registration went with it.
    }
  }
}
