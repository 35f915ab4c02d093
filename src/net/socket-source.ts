// What every socket type owns and shares as a Source: its SOCKET (closed by close()), its
// registration (PollableSocket), its addresses, TTL and pending error.
import type { SystemError } from '../core/errors.js';
import { PollableSocket } from '../poll/pollable-socket.js';
import { localEndpoint, type Endpoint } from '../sys/windows/net.js';
import * as sockets from '../sys/windows/socket.js';
import type { SocketAddress } from './address.js';

export abstract class SocketSource extends PollableSocket implements Disposable {
  protected readonly family: 'IPv4' | 'IPv6';

  protected constructor(socket: bigint, family: 'IPv4' | 'IPv6', kind: string) {
    super(socket, kind);
    this.family = family;
  }

  /** The raw SOCKET, for code outside mio-ts; ownership stays here. */
  get rawSocket(): bigint {
    return this.handle;
  }

  get closed(): boolean {
    return this.released;
  }

  localAddr(): SocketAddress {
    return localEndpoint(this.handle);
  }

  setTtl(ttl: number): void {
    checkByte('ttl', ttl);
    sockets.setTtl(this.handle, this.family, ttl);
  }

  ttl(): number {
    return sockets.ttl(this.handle, this.family);
  }

  /** Deregisters and closes the socket; idempotent. */
  close(): void {
    const socket = this.release();
    if (socket !== 0n) sockets.close(socket);
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** The pending socket error (SO_ERROR), cleared by reading it; undefined when none. */
  protected pendingError(endpoint?: Endpoint): SystemError | undefined {
    return sockets.takeError(this.handle, endpoint);
  }
}

export function checkByte(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 255) throw new RangeError(`${name} must be an integer from 0 to 255, got ${value}`);
}
