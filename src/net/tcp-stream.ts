// mio's TcpStream: a non-blocking TCP connection. connect() returns at once; completion is
// reported as WRITABLE and failure as an error event, after which takeError() says why.
import { InvalidArgumentError, type SystemError } from '../core/errors.js';
import { Interest } from '../core/interest.js';
import { Readiness } from '../core/readiness.js';
import { WOULD_BLOCK, type WouldBlock } from '../core/would-block.js';
import { assertSupportedPlatform } from '../sys/index.js';
import {
  FIONBIO,
  IPPROTO_TCP,
  MSG_PEEK,
  SD_BOTH,
  SIO_KEEPALIVE_VALS,
  SD_RECEIVE,
  SD_SEND,
  SOCK_STREAM,
  SOL_SOCKET,
  SO_KEEPALIVE,
  SO_LINGER,
  TCP_KEEPIDLE,
  TCP_KEEPINTVL,
  TCP_NODELAY,
  WSAECONNRESET,
  WSAEWOULDBLOCK,
  ws2_32,
} from '../sys/windows/ffi/index.js';
import { bindSocket, decodeEndpoint, encodeEndpoint, newSocket, peerEndpoint, socketError, type Endpoint } from '../sys/windows/net.js';
import { parseAddress, type AddressInput, type SocketAddress } from './address.js';
import { SocketSource } from './socket-source.js';
import { OwnedSocket } from './owned-socket.js';

export type ShutdownHow = 'read' | 'write' | 'both';

const RESET = Readiness.READ_CLOSED | Readiness.WRITE_CLOSED;
const EMPTY = Buffer.alloc(0);

function checkBuffer(name: string, buffer: unknown): Uint8Array {
  if (!(buffer instanceof Uint8Array)) throw new InvalidArgumentError(`${name} must be a Buffer or Uint8Array`);
  return buffer;
}

export class TcpStream extends SocketSource {
  readonly #remote: Endpoint | undefined;

  private constructor(owned: OwnedSocket, remote?: Endpoint) {
    super(owned);
    this.#remote = remote;
  }

  /**
   * Starts a non-blocking connect; register for WRITABLE to learn when it finished. `local`
   * binds the socket first (an address of the peer's family; port 0 or absent: any port).
   */
  static connect(address: AddressInput, local?: { address?: string; port?: number }): TcpStream {
    const endpoint = parseAddress(address);
    if (endpoint.port === 0) throw new InvalidArgumentError('cannot connect to port 0');
    const localEndpoint =
      local === undefined ? undefined : parseAddress({ host: local.address ?? (endpoint.family === 'IPv4' ? '0.0.0.0' : '::'), port: local.port ?? 0 });
    assertSupportedPlatform('TcpStream');
    const socket = localEndpoint === undefined ? newSocket(endpoint.family, SOCK_STREAM, IPPROTO_TCP) : bindSocket(localEndpoint, SOCK_STREAM, IPPROTO_TCP, false);
    const error = ws2_32.connect(socket, encodeEndpoint(endpoint));
    if (error !== 0 && error !== WSAEWOULDBLOCK) {
      ws2_32.closeSocket(socket);
      throw socketError('connect', error, endpoint);
    }
    return new TcpStream(new OwnedSocket(socket, endpoint.family, 'TcpStream'), endpoint);
  }

  /** @internal A socket returned by accept(). */
  static fromAccepted(socket: bigint, family: 'IPv4' | 'IPv6'): TcpStream {
    return new TcpStream(new OwnedSocket(socket, family, 'TcpStream'));
  }

  /**
   * Adopts a connected or connecting SOCKET created elsewhere (e.g. by a native library loaded
   * through koffi). It is switched to non-blocking mode and closed by close().
   */
  static fromRawSocket(socket: bigint): TcpStream {
    if (typeof socket !== 'bigint' || socket <= 0n) throw new InvalidArgumentError('socket must be a SOCKET handle (bigint)');
    assertSupportedPlatform('TcpStream');
    ws2_32.ioctlSocket(socket, FIONBIO, 1);
    const family = decodeEndpoint(ws2_32.getSockName(socket)).family;
    return new TcpStream(new OwnedSocket(socket, family, 'TcpStream'));
  }

  /** Bytes read into `buffer` (0 at end of stream), or WOULD_BLOCK. */
  read(buffer: Uint8Array): number | WouldBlock {
    return this.#receive(checkBuffer('buffer', buffer), 0);
  }

  /** Like read() but leaves the bytes queued. */
  peek(buffer: Uint8Array): number | WouldBlock {
    return this.#receive(checkBuffer('buffer', buffer), MSG_PEEK);
  }

  /** Reads into several buffers with one receive; bytes read, 0 at end of stream, or WOULD_BLOCK. */
  readv(buffers: readonly Uint8Array[]): number | WouldBlock {
    buffers.forEach((b, i) => checkBuffer(`buffers[${i}]`, b));
    const total = buffers.reduce((n, b) => n + b.length, 0);
    const scratch = Buffer.allocUnsafe(total);
    const n = this.#receive(scratch, 0);
    if (n === WOULD_BLOCK) return n;
    let offset = 0;
    for (const buffer of buffers) {
      if (offset >= n) break;
      const take = Math.min(buffer.length, n - offset);
      buffer.set(scratch.subarray(offset, offset + take));
      offset += take;
    }
    return n;
  }

  /** Bytes the OS took (possibly fewer than offered), or WOULD_BLOCK. */
  write(buffer: Uint8Array): number | WouldBlock {
    const data = checkBuffer('buffer', buffer);
    if (data.length === 0) return 0;
    return this.owned.doIo((socket) => {
      const n = ws2_32.send(socket, data, Math.min(data.length, 0x7fffffff), 0);
      if (n >= 0) return n;
      if (-n === WSAEWOULDBLOCK) return WOULD_BLOCK;
      throw socketError('send', -n, this.#remote);
    }, Interest.WRITABLE);
  }

  /** Writes several buffers with one send. */
  writev(buffers: readonly Uint8Array[]): number | WouldBlock {
    buffers.forEach((b, i) => checkBuffer(`buffers[${i}]`, b));
    return this.write(buffers.length === 1 ? (buffers[0] as Uint8Array) : Buffer.concat(buffers));
  }

  shutdown(how: ShutdownHow): void {
    const code = how === 'read' ? SD_RECEIVE : how === 'write' ? SD_SEND : how === 'both' ? SD_BOTH : undefined;
    if (code === undefined) throw new InvalidArgumentError(`shutdown takes 'read', 'write' or 'both', got ${String(how)}`);
    ws2_32.shutdown(this.owned.socket, code);
  }

  /** The peer; ENOTCONN while the connect is still running or after it failed. */
  peerAddr(): SocketAddress {
    return peerEndpoint(this.owned.socket);
  }

  setNoDelay(noDelay: boolean): void {
    ws2_32.setSockOptInt(this.owned.socket, IPPROTO_TCP, TCP_NODELAY, noDelay ? 1 : 0);
  }

  noDelay(): boolean {
    return ws2_32.getSockOptInt(this.owned.socket, IPPROTO_TCP, TCP_NODELAY) !== 0;
  }

  /** Enables keep-alive probes; `initialDelayMs` (rounded to seconds) sets when they start. */
  setKeepAlive(enable: boolean, initialDelayMs?: number): void {
    const socket = this.owned.socket;
    ws2_32.setSockOptInt(socket, SOL_SOCKET, SO_KEEPALIVE, enable ? 1 : 0);
    if (enable && initialDelayMs !== undefined) {
      if (!Number.isFinite(initialDelayMs) || initialDelayMs < 0) throw new InvalidArgumentError('initialDelayMs must be a non-negative number');
      const seconds = Math.max(1, Math.round(initialDelayMs / 1000));
      try {
        ws2_32.setSockOptInt(socket, IPPROTO_TCP, TCP_KEEPIDLE, seconds);
        ws2_32.setSockOptInt(socket, IPPROTO_TCP, TCP_KEEPINTVL, 1);
      } catch {
        // Older Windows (and Wine) lack these options; the older ioctl sets the same timers.
        const values = Buffer.alloc(12);
        values.writeUInt32LE(1, 0);
        values.writeUInt32LE(seconds * 1000, 4);
        values.writeUInt32LE(1000, 8);
        ws2_32.wsaIoctl(socket, SIO_KEEPALIVE_VALS, values, null);
      }
    }
  }

  keepAlive(): boolean {
    return ws2_32.getSockOptInt(this.owned.socket, SOL_SOCKET, SO_KEEPALIVE) !== 0;
  }

  /** SO_LINGER: `null` restores the default; 0 makes close() reset the connection (RST). */
  setLinger(seconds: number | null): void {
    if (seconds !== null && (!Number.isInteger(seconds) || seconds < 0 || seconds > 65535)) throw new InvalidArgumentError('linger must be null or an integer from 0 to 65535 seconds');
    const value = Buffer.alloc(4);
    value.writeUInt16LE(seconds === null ? 0 : 1, 0);
    value.writeUInt16LE(seconds ?? 0, 2);
    ws2_32.setSockOpt(this.owned.socket, SOL_SOCKET, SO_LINGER, value);
  }

  /** The connect failure (ECONNREFUSED, ...) once an error event was reported; undefined if none. */
  takeError(): SystemError | undefined {
    return this.owned.takeError(this.#remote);
  }


  #receive(buffer: Uint8Array, flags: number): number | WouldBlock {
    // 0 means end of stream: an empty buffer could never tell it apart.
    if (buffer.length === 0) throw new InvalidArgumentError('the buffer to read into must not be empty');
    return this.owned.doIo((socket) => {
      const n = ws2_32.recv(socket, buffer, Math.min(buffer.length, 0x7fffffff), flags);
      if (n > 0) return n;
      if (n === 0) {
        // Wine answers a reset peer with end-of-stream; AFD still reported the abort. A reset no
        // poll saw yet still fails an empty send (README.md, Wine quirks); a FIN does not.
        if ((this.owned.seenReadiness & RESET) === RESET) throw socketError('recv', WSAECONNRESET, this.#remote);
        if (ws2_32.send(socket, EMPTY, 0, 0) === -WSAECONNRESET) throw socketError('recv', WSAECONNRESET, this.#remote);
        return 0;
      }
      if (-n === WSAEWOULDBLOCK) return WOULD_BLOCK;
      throw socketError('recv', -n, this.#remote);
    }, Interest.READABLE);
  }
}

