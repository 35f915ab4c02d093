// A Source watched through another one: a wrapper (e.g. a stream's byte channel) hands the three
// calls to the source it wraps, written once here (see source.ts).
import type { Interest } from '../core/interest.js';
import type { Token } from '../core/token.js';
import type { Registry } from './registry.js';
import type { Source } from './source.js';

export abstract class SourceWrapper implements Source {
  readonly #inner: Source;

  protected constructor(inner: Source) {
    this.#inner = inner;
  }

  register(registry: Registry, token: Token, interest: Interest): void {
    this.#inner.register(registry, token, interest);
  }

  reregister(registry: Registry, token: Token, interest: Interest): void {
    this.#inner.reregister(registry, token, interest);
  }

  deregister(registry: Registry): void {
    this.#inner.deregister(registry);
  }
}
