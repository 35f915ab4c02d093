// mio's Waker: wakes a Poll from any thread, delivering a READABLE event for its token.
import { wake } from '../sys/index.js';
import { InvalidArgumentError } from '../core/errors.js';
import { selectorOf, type Registry } from './registry.js';
import type { WakerTarget } from '../core/selector.js';
import { token as toToken, type Token } from '../core/token.js';

function isSharedState(value: unknown): boolean {
  return value instanceof Int32Array && value.buffer instanceof SharedArrayBuffer;
}

export class Waker {
  /** Plain data: send it to a worker thread (postMessage) and build a Waker there with fromTarget. */
  readonly target: WakerTarget;

  constructor(registry: Registry, token: Token | number) {
    this.target = selectorOf(registry).wakerTarget(toToken(token));
  }

  /** A Waker for a target received from another thread. */
  static fromTarget(target: WakerTarget): Waker {
    if (typeof target !== 'object' || target === null || typeof target.port !== 'bigint' || !isSharedState(target.lifetime)) {
      throw new InvalidArgumentError('not a WakerTarget: expected the `target` of a Waker');
    }
    const waker = Object.create(Waker.prototype) as Waker;
    Object.defineProperty(waker, 'target', { value: { port: target.port, token: toToken(target.token), lifetime: target.lifetime }, enumerable: true });
    return waker;
  }

  /** Queues one READABLE event for the token. Fails with ERR_POLL_CLOSED once the Poll is closed. */
  wake(): void {
    wake(this.target);
  }
}
