// TCP_NODELAY and keep-alive as net.Socket keeps them: given to the constructor or set before the
// connection they are remembered and applied once it is up; on a live stream they are set again
// only when they change. A pipe has neither.
import type { TcpStream } from '../net/tcp-stream.js';

/** Whole seconds, as keep-alive delays are applied; negative and NaN are 0. */
function keepAliveSeconds(ms: unknown): number {
  const seconds = Math.trunc(Number(ms) / 1000);
  return Number.isFinite(seconds) && seconds > 0 ? seconds : 0;
}

export class RememberedTcpOptions {
  #noDelay: boolean;
  #keepAlive: boolean;
  #keepAliveDelaySeconds: number;

  constructor(options: { noDelay?: boolean; keepAlive?: boolean; keepAliveInitialDelay?: number }) {
    this.#noDelay = Boolean(options.noDelay);
    this.#keepAlive = Boolean(options.keepAlive);
    this.#keepAliveDelaySeconds = keepAliveSeconds(options.keepAliveInitialDelay);
  }

  /** A stream just connected (or accepted) gets what was asked before. */
  applyTo(stream: TcpStream): void {
    if (this.#noDelay) stream.setNoDelay(true);
    if (this.#keepAlive) stream.setKeepAlive(true, this.#keepAliveDelaySeconds > 0 ? this.#keepAliveDelaySeconds * 1000 : undefined);
  }

  /** net's setNoDelay: on by default; `remember` false (a pipe) drops it when there is no stream. */
  setNoDelay(enable: unknown, stream: TcpStream | undefined, remember: boolean): void {
    const noDelay = enable === undefined ? true : Boolean(enable);
    if (stream === undefined) {
      if (remember) this.#noDelay = noDelay;
      return;
    }
    if (noDelay !== this.#noDelay) {
      this.#noDelay = noDelay;
      stream.setNoDelay(noDelay);
    }
  }

  /** net's setKeepAlive; the delay counts in whole seconds. */
  setKeepAlive(enable: unknown, initialDelayMs: number | undefined, stream: TcpStream | undefined, remember: boolean): void {
    const keepAlive = Boolean(enable);
    const delaySeconds = keepAliveSeconds(initialDelayMs ?? 0);
    if (stream === undefined) {
      if (remember) {
        this.#keepAlive = keepAlive;
        this.#keepAliveDelaySeconds = delaySeconds;
      }
      return;
    }
    if (keepAlive !== this.#keepAlive || (keepAlive && delaySeconds !== this.#keepAliveDelaySeconds)) {
      this.#keepAlive = keepAlive;
      this.#keepAliveDelaySeconds = delaySeconds;
      stream.setKeepAlive(keepAlive, delaySeconds > 0 ? delaySeconds * 1000 : undefined);
    }
  }
}
