// mio's TcpListener: a non-blocking listening socket; accept() returns WOULD_BLOCK when no
// connection is waiting, which re-arms READABLE.
import { InvalidArgumentError } from '../core/errors.js';
import { WOULD_BLOCK, type WouldBlock } from '../core/would-block.js';
import { assertSupportedPlatform } from '../sys/index.js';
import { IPPROTO_TCP, SOCK_STREAM, SOMAXCONN, WSAEWOULDBLOCK, kernel32, ws2_32 } from '../sys/windows/ffi/index.js';
import { bindSocket, decodeEndpoint, socketError } from '../sys/windows/net.js';
import { parseAddress, type AddressInput, type SocketAddress } from './address.js';
import { SocketSource } from './socket-source.js';
import { OwnedSocket } from './owned-socket.js';
import { TcpStream } from './tcp-stream.js';

export interface TcpListenerOptions {
  /** Pending connections the OS may queue; default SOMAXCONN. */
  backlog?: number;
  /** For an IPv6 address: refuse IPv4-mapped peers. Default false when binding "::" (dual-stack), like node:net. */
  ipv6Only?: boolean;
}

export class TcpListener extends SocketSource {

  private constructor(owned: OwnedSocket) {
    super(owned);
  }

  /** Binds and listens. Port 0 picks a free port (see localAddr()). */
  // Shadows Function.prototype.bind on the class, as mio names its constructor.
  static override bind(address: AddressInput, options: TcpListenerOptions = {}): TcpListener {
    const endpoint = parseAddress(address, '0.0.0.0');
    const backlog = options.backlog ?? SOMAXCONN;
    if (!Number.isInteger(backlog) || backlog < 1) throw new InvalidArgumentError(`backlog must be a positive integer, got ${backlog}`);
    assertSupportedPlatform('TcpListener');
    const socket = bindSocket(endpoint, SOCK_STREAM, IPPROTO_TCP, options.ipv6Only === true);
    try {
      ws2_32.listen(socket, backlog);
    } catch (error) {
      ws2_32.closeSocket(socket);
      throw error;
    }
    return new TcpListener(new OwnedSocket(socket, endpoint.family, 'TcpListener'));
  }

  /** A waiting connection and its peer address, or WOULD_BLOCK. */
  accept(): [TcpStream, SocketAddress] | WouldBlock {
    const peer = Buffer.alloc(128);
    const peerLength = new Int32Array([peer.length]);
    return this.owned.doIo((socket) => {
      const result = ws2_32.accept(socket, peer, peerLength);
      if (result.error === WSAEWOULDBLOCK) return WOULD_BLOCK;
      if (result.error !== 0) throw socketError('accept', result.error);
      // Until fromAccepted() owns it, the accepted socket is closed on any failure here.
      try {
        // accept() does not carry WSA_FLAG_NO_HANDLE_INHERIT over: child processes must not get it.
        kernel32.setHandleNotInheritable(result.socket);
        const endpoint = decodeEndpoint(peer);
        return [TcpStream.fromAccepted(result.socket, endpoint.family), endpoint];
      } catch (error) {
        ws2_32.closeSocket(result.socket);
        throw error;
      }
    });
  }

  takeError(): Error | undefined {
    return this.owned.takeError();
  }

}
