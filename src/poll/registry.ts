// mio's Registry: registers sources with a Poll. Every argument is checked here, before any
// native call.
import { InvalidArgumentError, PollClosedError } from '../core/errors.js';
import { Interest } from '../core/interest.js';
import type { Selector } from '../core/selector.js';
import { isSource, type Source } from './source.js';
import { token as toToken, type Token } from '../core/token.js';

const selectors = new WeakMap<Registry, Selector>();

/** The selector behind a registry, for sources implemented in this package. */
export function selectorOf(registry: Registry): Selector {
  const selector = selectors.get(registry);
  if (selector === undefined) throw new InvalidArgumentError('not a Registry of mio-ts');
  if (selector.closed) throw new PollClosedError('the Poll is closed');
  return selector;
}

/**
 * Registers sources with the Poll it came from. All calls must come from the thread that owns
 * the Poll; from a worker thread, hand over a Waker target instead (see Waker).
 */
export class Registry {
  /** @internal */
  constructor(selector: Selector) {
    selectors.set(this, selector);
  }

  register(source: Source, token: Token | number, interest: Interest): void {
    const [checkedToken, checkedInterest] = this.#check(source, token, interest);
    source.register(this, checkedToken, checkedInterest);
  }

  reregister(source: Source, token: Token | number, interest: Interest): void {
    const [checkedToken, checkedInterest] = this.#check(source, token, interest);
    source.reregister(this, checkedToken, checkedInterest);
  }

  deregister(source: Source): void {
    if (!isSource(source)) throw new InvalidArgumentError('deregister() needs a Source (an object with register, reregister and deregister)');
    selectorOf(this);
    source.deregister(this);
  }

  #check(source: Source, token: Token | number, interest: Interest): [Token, Interest] {
    if (!isSource(source)) throw new InvalidArgumentError('a Source (an object with register, reregister and deregister) is required');
    if (!(interest instanceof Interest)) throw new InvalidArgumentError('interest must be an Interest (Interest.READABLE, ...)');
    const checkedToken = toToken(token);
    selectorOf(this);
    return [checkedToken, interest];
  }
}
