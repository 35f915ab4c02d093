// mio's TcpListener: a non-blocking listening socket; accept() returns WOULD_BLOCK when no
// connection is waiting, which re-arms READABLE.
import { InvalidArgumentError } from '../core/errors.js';
import { WOULD_BLOCK, type WouldBlock } from '../core/would-block.js';
import { assertSupportedPlatform } from '../sys/index.js';
import * as tcp from '../sys/windows/tcp.js';
import { parseAddress, type AddressInput, type SocketAddress } from './address.js';
import { SocketSource } from './socket-source.js';
import { TcpStream } from './tcp-stream.js';

export interface TcpListenerOptions {
  /** Pending connections the OS may queue; default SOMAXCONN. */
  backlog?: number;
  /** For an IPv6 address: refuse IPv4-mapped peers. Default false when binding "::" (dual-stack), like node:net. */
  ipv6Only?: boolean;
}

export class TcpListener extends SocketSource {
  private constructor(socket: bigint, family: 'IPv4' | 'IPv6') {
    super(socket, family, 'TcpListener');
  }

  /** Binds and listens. Port 0 picks a free port (see localAddr()). */
  // Shadows Function.prototype.bind on the class, as mio names its constructor.
  static override bind(address: AddressInput, options: TcpListenerOptions = {}): TcpListener {
    const endpoint = parseAddress(address, '0.0.0.0');
    const backlog = options.backlog ?? tcp.DEFAULT_BACKLOG;
    if (!Number.isInteger(backlog) || backlog < 1) throw new InvalidArgumentError(`backlog must be a positive integer, got ${backlog}`);
    assertSupportedPlatform('TcpListener');
    return new TcpListener(tcp.listen(endpoint, backlog, options.ipv6Only === true), endpoint.family);
  }

  /** A waiting connection and its peer address, or WOULD_BLOCK. */
  accept(): [TcpStream, SocketAddress] | WouldBlock {
    const accepted = this.doIo((socket) => tcp.accept(socket));
    if (accepted === WOULD_BLOCK) return accepted;
    return [TcpStream.fromAccepted(accepted.socket, accepted.peer.family), accepted.peer];
  }

  takeError(): Error | undefined {
    return this.pendingError();
  }
}
