// mio's Source trio (register / reregister / deregister), written once for the sources of this
// package: each names what it registers through on the selector side (a socket's IoSourceState,
// a named pipe's own registration) and refuses there once it is closed.
import type { Interest } from '../core/interest.js';
import type { Selector } from '../core/selector.js';
import type { Token } from '../core/token.js';
import { selectorOf, type Registry } from './registry.js';
import type { Source } from './source.js';

/** The selector side of one source's registration. */
export interface SelectorRegistration {
  register(selector: Selector, token: Token, interest: Interest): void;
  reregister(selector: Selector, token: Token, interest: Interest): void;
  deregister(selector: Selector): void;
}

export abstract class RegisteredSource implements Source {
  /** What this source registers through; throws once the source is closed. */
  protected abstract openRegistration(): SelectorRegistration;

  register(registry: Registry, token: Token, interest: Interest): void {
    this.openRegistration().register(selectorOf(registry), token, interest);
  }

  reregister(registry: Registry, token: Token, interest: Interest): void {
    this.openRegistration().reregister(selectorOf(registry), token, interest);
  }

  deregister(registry: Registry): void {
    this.openRegistration().deregister(selectorOf(registry));
  }
}
