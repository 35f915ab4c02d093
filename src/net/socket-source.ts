// What every socket type shares as a Source: its registration, its close, its addresses and TTL.
import type { Interest } from '../core/interest.js';
import type { Registry } from '../poll/registry.js';
import type { Source } from '../poll/source.js';
import type { Token } from '../core/token.js';
import type { SocketAddress } from './address.js';
import type { OwnedSocket } from './owned-socket.js';

export abstract class SocketSource implements Source, Disposable {
  protected readonly owned: OwnedSocket;

  protected constructor(owned: OwnedSocket) {
    this.owned = owned;
  }

  /** The raw SOCKET, for code outside mio-ts; ownership stays here. */
  get rawSocket(): bigint {
    return this.owned.socket;
  }

  get closed(): boolean {
    return this.owned.closed;
  }

  localAddr(): SocketAddress {
    return this.owned.localAddr();
  }

  setTtl(ttl: number): void {
    this.owned.setTtl(ttl);
  }

  ttl(): number {
    return this.owned.ttl();
  }

  register(registry: Registry, token: Token, interest: Interest): void {
    this.owned.register(registry, token, interest);
  }

  reregister(registry: Registry, token: Token, interest: Interest): void {
    this.owned.reregister(registry, token, interest);
  }

  deregister(registry: Registry): void {
    this.owned.deregister(registry);
  }

  /** Deregisters and closes the socket; idempotent. */
  close(): void {
    this.owned.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
